import type { LogEntry, LogIndex, Term } from '../types.js';

/**
 * The in-memory log both stores keep: entries (base, last] in an array.
 * Mutations here are the "page cache"; each store decides when they are durable.
 */
export class LogView {
  base: LogIndex = 0;
  baseTerm: Term = 0;
  items: LogEntry[] = [];

  lastIndex(): LogIndex {
    return this.base + this.items.length;
  }

  lastTerm(): Term {
    return this.items.length === 0 ? this.baseTerm : this.items[this.items.length - 1]!.term;
  }

  termAt(index: LogIndex): Term | undefined {
    if (index === this.base) return this.baseTerm;
    return this.entry(index)?.term;
  }

  entry(index: LogIndex): LogEntry | undefined {
    if (index <= this.base) return undefined;
    return this.items[index - this.base - 1];
  }

  entries(from: LogIndex, to: LogIndex, maxBytes = Infinity): LogEntry[] {
    const start = Math.max(from, this.base + 1);
    const end = Math.min(to, this.lastIndex());
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = start; i <= end; i++) {
      const e = this.items[i - this.base - 1]!;
      bytes += e.data.byteLength;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  append(entries: readonly LogEntry[]): void {
    let next = this.lastIndex() + 1;
    for (const e of entries) {
      if (e.index !== next) throw new RangeError(`log append out of order: entry ${e.index} after ${next - 1}`);
      this.items.push(e);
      next++;
    }
  }

  truncateSuffix(from: LogIndex): void {
    if (from <= this.base) throw new RangeError(`cannot truncate at ${from}: compacted up to ${this.base}`);
    if (from > this.lastIndex()) return;
    this.items.length = from - this.base - 1;
  }

  compactPrefix(upTo: LogIndex, term: Term): void {
    if (upTo <= this.base) return;
    if (upTo >= this.lastIndex()) this.items = [];
    else this.items = this.items.slice(upTo - this.base);
    this.base = upTo;
    this.baseTerm = term;
  }

  clone(): LogView {
    const copy = new LogView();
    copy.base = this.base;
    copy.baseTerm = this.baseTerm;
    copy.items = this.items.slice();
    return copy;
  }
}

/** The mutations a store records between syncs. */
export type LogOp =
  | { op: 'append'; entries: LogEntry[] }
  | { op: 'truncate'; from: LogIndex }
  | { op: 'compact'; upTo: LogIndex; term: Term };

export function applyOp(view: LogView, op: LogOp): void {
  switch (op.op) {
    case 'append':
      view.append(op.entries);
      break;
    case 'truncate':
      view.truncateSuffix(op.from);
      break;
    case 'compact':
      view.compactPrefix(op.upTo, op.term);
      break;
  }
}
