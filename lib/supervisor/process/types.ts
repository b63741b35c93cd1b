import type { ProcessStateName } from '../types.js';

export type OutputStream = 'stdout' | 'stderr';

/** Receives each line a child writes, without its newline. */
export type LineSink = (stream: OutputStream, line: string) => void;

/** How to start a hook: a rendered, executable file with a `#!` line. */
export interface HookCommand {
  /** Absolute path of the rendered hook. */
  path: string;
  /** Working directory; the service directory. */
  cwd: string;
  /** The complete environment of the child; nothing is inherited implicitly. */
  env: Readonly<Record<string, string>>;
}

/** How a process ended: exactly one of code and signal is set, or neither when it never ran. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The supervised process as `/services` shows it (times in ms since the epoch). */
export interface ProcessStatus {
  pid: number | null;
  state: ProcessStateName;
  stateEnteredAt: number;
}

/** The result of a one-shot hook. */
export interface HookResult extends ProcessExit {
  stdout: string;
  stderr: string;
  /** The hook was killed because it ran longer than its timeout. */
  timedOut: boolean;
  /** The hook could not be started (not executable, no `#!` line, missing); code and signal are null. */
  spawnError?: Error | undefined;
  durationMs: number;
}
