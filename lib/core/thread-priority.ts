import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Clock, Timer } from './clock.js';

/**
 * Runs this process's helper threads at a lower CPU priority than its main
 * thread.
 *
 * Node runs every request, Raft message and gossip packet on the main thread;
 * the other threads are V8's (parallel scavenges, concurrent marking and
 * sweeping, optimizing compiles) and libuv's file-system pool. Their work comes
 * in bursts of one to a few milliseconds. On a machine with few cores, a
 * thread woken by a request (our main thread, a peer's, a client's) found a
 * burst on the core the scheduler picked and waited for it to end: traced on
 * two cores with perf sched, that wait was the most common cause of the
 * slowest 1% of single-client KV writes, and lowering these threads to nice
 * 10 took the p99 from 1.43 to 1.15 ms without changing throughput.
 * The work still gets done, in time the request paths leave idle.
 *
 * Linux names a thread's priority by its thread id (setpriority with
 * PRIO_PROCESS acts on one thread there), and /proc/self/task lists them.
 * Elsewhere nothing is changed.
 */

/** What the priority setter needs from the OS; tests pass a fake. */
export interface ThreadOps {
  /** This process's thread ids, the main thread's (= the pid) included; undefined where they cannot be listed. */
  listThreads(): number[] | undefined;
  mainThread: number;
  getPriority(tid: number): number;
  setPriority(tid: number, nice: number): void;
}

export const linuxThreadOps: ThreadOps = {
  listThreads(): number[] | undefined {
    if (process.platform !== 'linux') return undefined;
    try {
      return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
    } catch {
      return undefined;
    }
  },
  mainThread: process.pid,
  getPriority: (tid) => getPriority(tid),
  setPriority: (tid, nice) => setPriority(tid, nice),
};

/** The highest nice value (the lowest priority) Linux knows. */
export const MAX_NICE = 19;

export interface LoweringResult {
  /** Threads set to the lower priority by this pass. */
  lowered: number;
  /** Threads that could not be changed (other than ones that exited meanwhile). */
  failed: number;
  /** The nice value given to helper threads. */
  nice: number;
}

/** Threads come and go (libuv starts its pool on first use): new ones are looked for this often. */
const RESCAN_MS = 30_000;

export class BackgroundThreadPriority {
  readonly #by: number;
  readonly #ops: ThreadOps;
  readonly #clock: Clock;
  readonly #done = new Set<number>();
  #timer: Timer | undefined;

  /** @param by how many nice steps below the main thread the helper threads run (0 turns this off). */
  constructor(by: number, clock: Clock, ops: ThreadOps = linuxThreadOps) {
    this.#by = by;
    this.#clock = clock;
    this.#ops = ops;
  }

  /** Lowers the helper threads there are now and, until stop(), those that start later. */
  start(): LoweringResult | undefined {
    if (this.#by === 0) return undefined;
    const first = this.lowerNew();
    if (first === undefined) return undefined;
    const again = (): void => {
      this.lowerNew();
      this.#timer = this.#clock.setTimer(RESCAN_MS, again);
    };
    this.#timer = this.#clock.setTimer(RESCAN_MS, again);
    return first;
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** One pass over the threads not yet lowered; undefined where threads cannot be listed. */
  lowerNew(): LoweringResult | undefined {
    const ops = this.#ops;
    const threads = ops.listThreads();
    if (threads === undefined) return undefined;
    let base: number;
    try {
      base = ops.getPriority(ops.mainThread);
    } catch {
      return undefined;
    }
    const nice = Math.min(MAX_NICE, base + this.#by);
    const result: LoweringResult = { lowered: 0, failed: 0, nice };
    const alive = new Set(threads);
    for (const tid of this.#done) if (!alive.has(tid)) this.#done.delete(tid);
    for (const tid of threads) {
      if (tid === ops.mainThread || this.#done.has(tid)) continue;
      try {
        ops.setPriority(tid, nice);
        this.#done.add(tid);
        result.lowered++;
      } catch (err) {
        if (errnoOf(err) === 'ESRCH') continue; // the thread ended between the listing and now
        result.failed++;
        this.#done.add(tid); // not tried again on every pass
      }
    }
    return result;
  }
}

/** The errno name of a failed os call: node's SystemError keeps it in `info.code`, plain errors in `code`. */
function errnoOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; info?: { code?: unknown } };
  const code = e.info?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}
