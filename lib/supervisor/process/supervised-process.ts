import { createWriteStream, type WriteStream } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../../core/clock.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, PIPE_DRAIN_MS } from './constants.js';
import { signalGroup } from './group.js';
import { drain, spawnHook } from './spawn.js';
import type { HookCommand, LineSink, ProcessExit, ProcessStatus } from './types.js';

export interface SupervisedProcessDeps {
  clock: Clock;
  /** Each output line, e.g. to the node log. */
  onLine?: LineSink;
}

export interface SupervisedProcessOptions {
  /** Appended with the child's stdout. */
  stdoutLog: string;
  /** Appended with the child's stderr. */
  stderrLog: string;
  /** Sent to the group first on stop. Default SIGTERM. */
  shutdownSignal?: NodeJS.Signals;
  /** Wait after the shutdown signal before SIGKILL. Default 8 000 ms. */
  shutdownTimeoutMs?: number;
}

/**
 * The long-running `run` hook of a service. Output is appended to the
 * service's log files and passed on line by line. When the process ends,
 * by itself or by `stop()`, the rest of its process group is killed, so a
 * run hook cannot leave children behind.
 */
export class SupervisedProcess {
  readonly pid: number;
  /** Resolves when the process has ended and its output is written. */
  readonly exited: Promise<ProcessExit>;
  readonly #clock: Clock;
  readonly #options: Required<SupervisedProcessOptions>;
  #status: ProcessStatus;
  #exit: ProcessExit | undefined;
  #stopping: Promise<ProcessExit> | undefined;

  private constructor(child: ChildProcess, deps: SupervisedProcessDeps, options: SupervisedProcessOptions) {
    this.#clock = deps.clock;
    this.#options = {
      shutdownSignal: 'SIGTERM',
      shutdownTimeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS,
      ...options,
    };
    this.pid = child.pid!;
    this.#status = { pid: this.pid, state: 'up', stateEnteredAt: this.#clock.now() };
    this.exited = this.#watch(child, deps.onLine);
  }

  /** Starts `command`; rejects with a ChorusError when it cannot be started. */
  static async start(
    command: HookCommand,
    deps: SupervisedProcessDeps,
    options: SupervisedProcessOptions,
  ): Promise<SupervisedProcess> {
    const child = await spawnHook(command);
    return new SupervisedProcess(child, deps, options);
  }

  status(): ProcessStatus {
    return { ...this.#status };
  }

  /** How it ended, once it has. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /**
   * Sends the shutdown signal to the group, waits up to the shutdown timeout,
   * then SIGKILLs the group. Idempotent; resolves with how the process ended.
   */
  stop(): Promise<ProcessExit> {
    if (this.#exit !== undefined) return this.exited;
    this.#stopping ??= (async () => {
      signalGroup(this.pid, this.#options.shutdownSignal);
      const timer = this.#clock.setTimer(this.#options.shutdownTimeoutMs, () => signalGroup(this.pid, 'SIGKILL'));
      try {
        return await this.exited;
      } finally {
        timer.cancel();
      }
    })();
    return this.#stopping;
  }

  async #watch(child: ChildProcess, onLine: LineSink | undefined): Promise<ProcessExit> {
    const stdoutFile = createWriteStream(this.#options.stdoutLog, { flags: 'a' });
    const stderrFile = createWriteStream(this.#options.stderrLog, { flags: 'a' });
    // A log file that cannot be written (its directory removed, disk full)
    // must not take the node down; the lines still reach the node log.
    stdoutFile.on('error', () => undefined);
    stderrFile.on('error', () => undefined);
    const drained = Promise.all([
      drain(child.stdout!, 'stdout', (chunk) => stdoutFile.write(chunk), onLine),
      drain(child.stderr!, 'stderr', (chunk) => stderrFile.write(chunk), onLine),
    ]);
    const exit = await new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.#exit = exit;
    this.#status = { pid: this.pid, state: 'down', stateEnteredAt: this.#clock.now() };
    // Whatever the hook started and left running goes with it.
    signalGroup(this.pid, 'SIGKILL');
    // A grandchild that escaped the group could hold the pipes open forever.
    const timer = this.#clock.setTimer(PIPE_DRAIN_MS, () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    });
    await drained;
    timer.cancel();
    await Promise.all([close(stdoutFile), close(stderrFile)]);
    return exit;
  }
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}
