import type { Configuration, LogEntry, LogIndex, ServerId } from './types.js';

export const EMPTY_CONFIG: Configuration = { servers: [] };

/** Voter lists already worked out: a leader asks for one on every acknowledgement, and configurations are never changed in place. */
const voterLists = new WeakMap<Configuration, readonly ServerId[]>();

export function voters(config: Configuration): readonly ServerId[] {
  let ids = voterLists.get(config);
  if (ids === undefined) {
    ids = Object.freeze(config.servers.filter((s) => s.suffrage === 'voter').map((s) => s.id));
    voterLists.set(config, ids);
  }
  return ids;
}

export function isVoter(config: Configuration, id: ServerId): boolean {
  return config.servers.some((s) => s.id === id && s.suffrage === 'voter');
}

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** Checks that ids are unique and non-empty; throws a RangeError naming the problem. */
export function validateConfiguration(config: Configuration): void {
  const ids = new Set<string>();
  for (const s of config.servers) {
    if (s.id === '' || s.address === '') throw new RangeError('a server needs an id and an address');
    if (ids.has(s.id)) throw new RangeError(`server ${s.id} appears twice`);
    ids.add(s.id);
  }
  if (voters(config).length === 0) throw new RangeError('a configuration needs at least one voter');
}

interface Versioned {
  index: LogIndex;
  config: Configuration;
}

/**
 * The configurations a server knows: the one in its snapshot and every
 * configuration entry in its log. A server uses the latest one, committed or
 * not (single-server changes, Ongaro's thesis §4.1); a truncated log rolls it
 * back.
 */
export class ConfigHistory {
  #items: Versioned[] = [{ index: 0, config: EMPTY_CONFIG }];

  /** Starts over from a snapshot's configuration plus the configuration entries of the log after it. */
  reset(base: Versioned, entries: readonly LogEntry[]): void {
    this.#items = [base];
    this.onAppend(entries);
  }

  onAppend(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      if (e.kind === 'config' && e.config !== undefined) this.#items.push({ index: e.index, config: e.config });
    }
  }

  /** The log lost every entry from `from` on. */
  onTruncate(from: LogIndex): void {
    while (this.#items.length > 1 && this.#items[this.#items.length - 1]!.index >= from) this.#items.pop();
  }

  latest(): Versioned {
    return this.#items[this.#items.length - 1]!;
  }

  /** The configuration in effect at `index` (the latest one at or before it). */
  at(index: LogIndex): Versioned {
    for (let i = this.#items.length - 1; i > 0; i--) if (this.#items[i]!.index <= index) return this.#items[i]!;
    return this.#items[0]!;
  }

  /** Forgets configurations superseded before `index` (they are in a snapshot now). */
  prune(index: LogIndex): void {
    const keep = this.at(index);
    this.#items = [keep, ...this.#items.filter((v) => v.index > keep.index)];
  }
}
