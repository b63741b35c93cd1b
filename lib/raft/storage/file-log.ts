import { constants, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChorusError, ErrorCode, decode, encode, fsyncDir } from '../../core/index.js';
import { LIMITS } from '../constants.js';
import type { LogEntry, LogIndex, Term } from '../types.js';
import { opsFromWire, opsToWire } from './entry-codec.js';
import { encodeFrame, scanFrames } from './frames.js';
import { applyOp, LogView, type LogOp } from './log-view.js';
import type { LogStore } from './types.js';

/**
 * The log is appended with O_DSYNC: each write returns once its bytes are as
 * durable as after write + fdatasync, in one trip to libuv's thread pool
 * instead of two. That trip sits on the path of every commit, on the leader
 * and on each follower.
 */
const APPEND_DURABLY = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC;

export const WAL_FILE = 'raft.wal';

export interface FileLogStoreOptions {
  /** Rewrite the file after a compaction once it is this many bytes or more. Default 4 MiB. */
  rewriteAfterBytes?: number;
  /**
   * Write on the calling thread (INLINE_WRITES explains why). Default true;
   * false sends every write through libuv's thread pool.
   */
  inlineWrites?: boolean;
}

/**
 * Syncs are written on the event loop's thread when nothing else is being
 * written: once per turn of the loop (setImmediate), after it has read every
 * socket that was ready, so the proposals or appends of that turn share one
 * write. The loop waits for the disk, which it would have waited for anyway,
 * and the write skips two thread hand-offs: waking a pool thread and the pool
 * waking the loop, each a wait for a core on a busy two-core machine.
 */
const INLINE_WRITES = true;

/**
 * The write-ahead log in one file of checksummed frames. Every sync writes
 * the mutations made since the last one as ONE durable (O_DSYNC) write
 * (group commit: syncs asked for while one runs share the next write). A
 * compaction rewrites the file (temporary file, fsync, rename, fsync the
 * directory) once it has grown past `rewriteAfterBytes`, so it does not grow
 * forever. On open, a torn last frame is cut off; damage before the last
 * frame is refused as CorruptData rather than silently losing synced entries.
 */
export class FileLogStore implements LogStore {
  readonly dir: string;
  #path: string;
  #view = new LogView();
  #pending: LogOp[] = [];
  #file: FileHandle | undefined;
  #size = 0;
  #rewriteAfter: number;
  #next: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();
  /** Syncs queued through the thread pool and not yet settled; an inline write must not overtake them. */
  #queued = 0;
  #inline: boolean;
  /** The inline write this turn of the event loop will make, shared by every sync asked for before it runs. */
  #inlineBatch: Promise<void> | undefined;
  #closed = false;
  /** Frames written and durable writes (each an fdatasync's worth) issued, for tests and metrics. */
  readonly counters = { frames: 0, fsyncs: 0, rewrites: 0, tornBytesCut: 0 };

  constructor(dir: string, options: FileLogStoreOptions = {}) {
    this.dir = dir;
    this.#path = join(dir, WAL_FILE);
    this.#rewriteAfter = options.rewriteAfterBytes ?? 4 * 1024 * 1024;
    this.#inline = options.inlineWrites ?? INLINE_WRITES;
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    let buf: Buffer;
    try {
      buf = await readFile(this.#path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      buf = Buffer.alloc(0);
    }
    const scan = scanFrames(buf);
    if (scan.tail === 'corrupt') {
      throw new ChorusError(ErrorCode.CorruptData, `raft log ${this.#path} is damaged at byte ${scan.validBytes}`, {
        details: { path: this.#path, offset: scan.validBytes },
      });
    }
    const view = new LogView();
    for (const payload of scan.payloads) {
      for (const op of opsFromWire(decode(payload), LIMITS)) applyOp(view, op);
    }
    this.#view = view;
    this.#file = await open(this.#path, APPEND_DURABLY);
    if (scan.tail === 'torn') {
      this.counters.tornBytesCut = buf.length - scan.validBytes;
      await this.#file.truncate(scan.validBytes);
      await this.#file.datasync();
    }
    this.#size = scan.validBytes;
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
    const copy = entries.slice();
    this.#view.append(copy);
    this.#pending.push({ op: 'append', entries: copy });
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
    if (this.#closed) return Promise.reject(new ChorusError(ErrorCode.ShuttingDown, 'raft log is closed'));
    if (this.#inline && this.#queued === 0 && !this.#rewriteDue(this.#pending)) {
      if (this.#inlineBatch === undefined) {
        let settle!: { resolve: () => void; reject: (err: unknown) => void };
        const batch = new Promise<void>((resolve, reject) => {
          settle = { resolve, reject };
        });
        this.#inlineBatch = batch;
        // After the loop has handled every socket that was ready: all syncs asked for meanwhile share one write.
        setImmediate(() => {
          this.#inlineBatch = undefined;
          if (this.#queued > 0 || this.#rewriteDue(this.#pending)) {
            // A rewrite started meanwhile (it may have taken our entries, and it replaces the file): wait behind it.
            this.#queueSync().then(settle.resolve, settle.reject);
            return;
          }
          try {
            this.#flushInline();
            settle.resolve();
          } catch (err) {
            settle.reject(err);
          }
        });
      }
      return this.#inlineBatch;
    }
    return this.#queueSync();
  }

  /** A sync through the thread pool, after every one before it (group commit: calls before it starts share it). */
  #queueSync(): Promise<void> {
    if (this.#next === undefined) {
      this.#queued++;
      const next = this.#tail
        .then(() => {
          // From here on, new mutations belong to the next batch.
          this.#next = undefined;
          return this.#flush();
        })
        .finally(() => {
          this.#queued--;
        });
      this.#next = next;
      this.#tail = next.catch(() => undefined);
    }
    return this.#next;
  }

  #rewriteDue(ops: readonly LogOp[]): boolean {
    return this.#size >= this.#rewriteAfter && ops.some((op) => op.op === 'compact');
  }

  /** The pending mutations, handed over to be written; undefined when there are none. */
  #takePending(): { ops: LogOp[]; file: FileHandle } | undefined {
    const ops = this.#pending;
    this.#pending = [];
    if (ops.length === 0) return undefined;
    const file = this.#file;
    if (file === undefined) throw new ChorusError(ErrorCode.Internal, 'raft log used before open()');
    return { ops, file };
  }

  #appended(frame: Buffer): void {
    this.#size += frame.length;
    this.counters.frames++;
    this.counters.fsyncs++;
  }

  #flushInline(): void {
    const taken = this.#takePending();
    if (taken === undefined) return;
    const frame = encodeFrame(encode(opsToWire(taken.ops)));
    // O_APPEND: each write lands at the end; a short write (rare, on a full disk) continues where it stopped.
    for (let done = 0; done < frame.length; ) done += writeSync(taken.file.fd, frame, done, frame.length - done);
    this.#appended(frame);
  }

  async #flush(): Promise<void> {
    const taken = this.#takePending();
    if (taken === undefined) return;
    const { ops, file } = taken;
    if (this.#rewriteDue(ops)) {
      // The view already holds every op taken above and nothing later, so it is exactly the state to write.
      await this.#rewrite([{ op: 'compact', upTo: this.#view.base, term: this.#view.baseTerm }, { op: 'append', entries: this.#view.items.slice() }]);
      return;
    }
    const frame = encodeFrame(encode(opsToWire(ops)));
    await file.write(frame, 0, frame.length, null);
    this.#appended(frame);
  }

  async #rewrite(ops: LogOp[]): Promise<void> {
    const tmp = `${this.#path}.rewrite`;
    const frame = encodeFrame(encode(opsToWire(ops)));
    const handle = await open(tmp, 'w');
    try {
      await handle.write(frame, 0, frame.length, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.#path);
    await fsyncDir(this.dir);
    await this.#file?.close();
    this.#file = await open(this.#path, APPEND_DURABLY);
    this.#size = frame.length;
    this.counters.rewrites++;
    this.counters.fsyncs++;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    await this.#inlineBatch?.catch(() => undefined);
    this.#closed = true;
    await this.#file?.close();
    this.#file = undefined;
  }
}
