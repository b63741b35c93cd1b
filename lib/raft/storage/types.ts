import type { HardState, LogEntry, LogIndex, SnapshotMeta, Term } from '../types.js';

/**
 * The durable log. Reads and mutations are synchronous on an in-memory view
 * (the log a node reasons about); `sync()` makes every mutation made before
 * the call durable, in order. A node answers nothing that depends on a
 * mutation until the sync after it resolved.
 *
 * The log holds entries (base, last]; `base` is where a compacted prefix
 * ended (0 with term 0 for a log never compacted).
 */
export interface LogStore {
  /** Loads what survived the last run. Called once, before anything else. */
  open(): Promise<void>;
  /** Index of the last compacted entry (0 if none); entries start at base + 1. */
  baseIndex(): LogIndex;
  lastIndex(): LogIndex;
  lastTerm(): Term;
  /** The term at `index`; the base term at `baseIndex()`; undefined outside [base, last]. */
  termAt(index: LogIndex): Term | undefined;
  /** The entry at `index`, or undefined when outside (base, last]. */
  entry(index: LogIndex): LogEntry | undefined;
  /** Entries from..to inclusive, clipped to the log, stopping once `maxBytes` of data is exceeded (at least one). */
  entries(from: LogIndex, to: LogIndex, maxBytes?: number): LogEntry[];
  /** Appends entries that must follow lastIndex() contiguously. */
  append(entries: readonly LogEntry[]): void;
  /** Removes every entry at or after `from`. */
  truncateSuffix(from: LogIndex): void;
  /**
   * Drops every entry up to and including `upTo`, which becomes the base with
   * `term`; when `upTo` is at or past the last index the log becomes empty.
   */
  compactPrefix(upTo: LogIndex, term: Term): void;
  /** Resolves when every mutation made before this call is durable (one fdatasync per batch). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Term and vote; `save` resolves once they are durable. */
export interface StableStore {
  load(): Promise<HardState>;
  save(state: HardState): Promise<void>;
  close(): Promise<void>;
}

export interface StoredSnapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** State machine snapshots; `save` resolves once the snapshot is durable. Only the latest matters. */
export interface SnapshotStore {
  save(meta: SnapshotMeta, data: Uint8Array): Promise<void>;
  /** The latest durable snapshot, or undefined. */
  latest(): Promise<StoredSnapshot | undefined>;
  /** The metadata of the latest snapshot, without reading its data. */
  latestMeta(): Promise<SnapshotMeta | undefined>;
  close(): Promise<void>;
}
