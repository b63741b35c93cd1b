import { ChorusError, ErrorCode, type Clock, type Random } from '../../core/index.js';
import type { HardState, LogEntry, LogIndex, SnapshotMeta, Term } from '../types.js';
import { applyOp, LogView, type LogOp } from './log-view.js';
import type { LogStore, SnapshotStore, StableStore, StoredSnapshot } from './types.js';

/**
 * A simulated disk for one server: what it holds is only what was synced.
 * `crash()` throws away every write not yet synced, and the stores opened
 * before it stop working, as a killed process would; `open*()` after it sees
 * exactly the durable state. With a clock, a sync takes simulated time
 * (`syncDelayMs`), so a crash can fall between a write and its sync.
 */
export interface MemoryDiskOptions {
  clock?: Clock;
  random?: Random;
  /** Simulated fsync latency range in ms; default [0, 0] (no clock needed). */
  syncDelayMs?: [number, number];
}

export class MemoryDisk {
  readonly log = new LogView();
  hardState: HardState = { term: 0, votedFor: undefined };
  snapshot: StoredSnapshot | undefined;
  /** Bumped by crash(); stores of an older generation are dead. */
  generation = 0;
  syncs = 0;
  #options: MemoryDiskOptions;

  constructor(options: MemoryDiskOptions = {}) {
    this.#options = options;
  }

  crash(): void {
    this.generation++;
  }

  /** Fresh stores over the durable state, as a restarted process would open them. */
  open(): { log: MemoryLogStore; stable: MemoryStableStore; snapshots: MemorySnapshotStore } {
    return { log: new MemoryLogStore(this), stable: new MemoryStableStore(this), snapshots: new MemorySnapshotStore(this) };
  }

  /** @internal Waits the simulated fsync latency; rejects if the disk crashed meanwhile. */
  durably(generation: number, write: () => void): Promise<void> {
    const check = (): void => {
      if (generation !== this.generation) throw new ChorusError(ErrorCode.ShuttingDown, 'simulated disk crashed');
    };
    const [lo, hi] = this.#options.syncDelayMs ?? [0, 0];
    const { clock, random } = this.#options;
    const finish = (): void => {
      check();
      this.syncs++;
      write();
    };
    if (clock === undefined || hi <= 0) return Promise.resolve().then(finish);
    const ms = lo + (random === undefined ? 0 : random.next() * (hi - lo));
    return new Promise<void>((resolve, reject) => {
      clock.setTimer(Math.round(ms), () => {
        try {
          finish();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}

function cloneEntry(e: LogEntry): LogEntry {
  const copy: LogEntry = { index: e.index, term: e.term, kind: e.kind, data: e.data.slice() };
  if (e.config !== undefined) copy.config = structuredClone(e.config);
  return copy;
}

export class MemoryLogStore implements LogStore {
  #disk: MemoryDisk;
  #generation: number;
  #view = new LogView();
  #pending: LogOp[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(disk: MemoryDisk) {
    this.#disk = disk;
    this.#generation = disk.generation;
  }

  open(): Promise<void> {
    this.#view = this.#disk.log.clone();
    return Promise.resolve();
  }

  baseIndex(): LogIndex {
    return this.#view.base;
  }
  lastIndex(): LogIndex {
    return this.#view.lastIndex();
  }
  lastTerm(): Term {
    return this.#view.lastTerm();
  }
  termAt(index: LogIndex): Term | undefined {
    return this.#view.termAt(index);
  }
  entry(index: LogIndex): LogEntry | undefined {
    return this.#view.entry(index);
  }
  entries(from: LogIndex, to: LogIndex, maxBytes?: number): LogEntry[] {
    return this.#view.entries(from, to, maxBytes);
  }

  append(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    const copies = entries.map(cloneEntry);
    this.#view.append(copies);
    this.#pending.push({ op: 'append', entries: copies });
  }

  truncateSuffix(from: LogIndex): void {
    this.#view.truncateSuffix(from);
    this.#pending.push({ op: 'truncate', from });
  }

  compactPrefix(upTo: LogIndex, term: Term): void {
    this.#view.compactPrefix(upTo, term);
    this.#pending.push({ op: 'compact', upTo, term });
  }

  sync(): Promise<void> {
    const ops = this.#pending;
    this.#pending = [];
    const disk = this.#disk;
    // Syncs complete in call order, as fdatasync on one file does.
    const next = this.#chain.then(() =>
      disk.durably(this.#generation, () => {
        for (const op of ops) applyOp(disk.log, op);
      }),
    );
    this.#chain = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class MemoryStableStore implements StableStore {
  #disk: MemoryDisk;
  #generation: number;
  #chain: Promise<void> = Promise.resolve();

  constructor(disk: MemoryDisk) {
    this.#disk = disk;
    this.#generation = disk.generation;
  }

  load(): Promise<HardState> {
    return Promise.resolve({ ...this.#disk.hardState });
  }

  save(state: HardState): Promise<void> {
    const copy = { ...state };
    const next = this.#chain.then(() => this.#disk.durably(this.#generation, () => { this.#disk.hardState = copy; }));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class MemorySnapshotStore implements SnapshotStore {
  #disk: MemoryDisk;
  #generation: number;

  constructor(disk: MemoryDisk) {
    this.#disk = disk;
    this.#generation = disk.generation;
  }

  save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const copy: StoredSnapshot = { meta: structuredClone(meta), data: data.slice() };
    return this.#disk.durably(this.#generation, () => {
      // A snapshot older than the one kept never replaces it.
      if (this.#disk.snapshot === undefined || this.#disk.snapshot.meta.index <= copy.meta.index) this.#disk.snapshot = copy;
    });
  }

  latest(): Promise<StoredSnapshot | undefined> {
    const s = this.#disk.snapshot;
    return Promise.resolve(s === undefined ? undefined : { meta: structuredClone(s.meta), data: s.data.slice() });
  }

  latestMeta(): Promise<SnapshotMeta | undefined> {
    const s = this.#disk.snapshot;
    return Promise.resolve(s === undefined ? undefined : structuredClone(s.meta));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
