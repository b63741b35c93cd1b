import type { Clock } from '../../core/clock.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { MAX_CAPTURED_OUTPUT_BYTES } from './constants.js';
import { signalGroup } from './group.js';
import { TailBuffer } from './lines.js';
import { drain, spawnHook } from './spawn.js';
import type { HookCommand, HookResult, LineSink } from './types.js';

export interface HookRunDeps {
  clock: Clock;
  onLine?: LineSink;
}

export interface HookRunOptions {
  /** Kill the hook's group after this long and report timedOut. Default: no limit. */
  timeoutMs?: number;
  /** Aborting kills the hook's group (the service is stopping). */
  signal?: AbortSignal;
  /**
   * Where the output of this run is written once it ends, replacing the
   * previous run's (Habitat's `logs/<hook>.stdout.log`): readers such as the
   * health route always see one whole run, never half of one.
   */
  logs?: { stdout: string; stderr: string };
  /** Bytes kept of each stream. Default 256 KiB (the tail). */
  maxOutputBytes?: number;
}

/**
 * Runs a one-shot hook (init, health-check, reconfigure, post-stop, ...) to
 * completion in its own process group and reports its exit and output. It
 * never rejects for the hook's sake: a hook that cannot start comes back
 * with `spawnError` set.
 */
export async function runHook(command: HookCommand, deps: HookRunDeps, options: HookRunOptions = {}): Promise<HookResult> {
  const started = deps.clock.now();
  const max = options.maxOutputBytes ?? MAX_CAPTURED_OUTPUT_BYTES;
  const stdout = new TailBuffer(max);
  const stderr = new TailBuffer(max);
  let result: HookResult;
  if (options.signal?.aborted === true) {
    result = { code: null, signal: null, stdout: '', stderr: '', timedOut: false, spawnError: new Error('aborted before start'), durationMs: 0 };
  } else {
    try {
      const child = await spawnHook(command);
      const pid = child.pid!;
      const drained = Promise.all([
        drain(child.stdout!, 'stdout', (chunk) => stdout.push(chunk), deps.onLine),
        drain(child.stderr!, 'stderr', (chunk) => stderr.push(chunk), deps.onLine),
      ]);
      let timedOut = false;
      const kill = (): void => void signalGroup(pid, 'SIGKILL');
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : deps.clock.setTimer(options.timeoutMs, () => {
              timedOut = true;
              kill();
            });
      options.signal?.addEventListener('abort', kill, { once: true });
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      timer?.cancel();
      options.signal?.removeEventListener('abort', kill);
      // One-shot hooks leave nothing running behind them.
      kill();
      await drained;
      result = { ...exit, stdout: stdout.toString(), stderr: stderr.toString(), timedOut, durationMs: deps.clock.now() - started };
    } catch (err) {
      const message = `${(err as Error).message}\n`;
      result = { code: null, signal: null, stdout: '', stderr: message, timedOut: false, spawnError: err as Error, durationMs: 0 };
    }
  }
  if (options.logs !== undefined) {
    await writeFileAtomic(options.logs.stdout, result.stdout);
    await writeFileAtomic(options.logs.stderr, result.stderr);
  }
  return result;
}
