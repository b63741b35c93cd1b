import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { LineSplitter } from './lines.js';
import type { HookCommand, LineSink, OutputStream } from './types.js';

/**
 * util-linux's setpriv, when the machine has it: a hook started through
 * `setpriv --pdeathsig SIGTERM` is told to stop by the kernel itself when the
 * supervisor dies, even by kill -9, so no service outlives its supervisor
 * (Habitat needs a separate launcher process for this). setpriv execs the
 * hook, so the pid we see is the hook's own.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * Starts a hook in a process group of its own (detached), with stdin closed
 * and both output streams piped to us. Resolves once the child exists, or
 * rejects with a ChorusError when it cannot be started at all (missing file,
 * not executable, no `#!` line).
 */
export function spawnHook(command: HookCommand): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // Through setpriv a hook that cannot run would only show as setpriv's exit code; check first so the error says why.
      if (SETPRIV !== undefined) checkRunnable(command.path);
      const [file, args] = SETPRIV === undefined ? [command.path, []] : [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', command.path]];
      child = spawn(file, args, {
        cwd: command.cwd,
        env: { ...command.env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(spawnFailure(command, err));
      return;
    }
    const onError = (err: Error): void => {
      child.off('spawn', onSpawn);
      reject(spawnFailure(command, err));
    };
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve(child);
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
}

function checkRunnable(path: string): void {
  accessSync(path, constants.X_OK);
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const script = head[0] === 0x23 && head[1] === 0x21; // "#!"
  const elf = head.readUInt32BE(0) === 0x7f454c46;
  if (!script && !elf) throw Object.assign(new Error(`spawn ${path} ENOEXEC`), { code: 'ENOEXEC' });
}

function spawnFailure(command: HookCommand, err: unknown): ChorusError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'ENOEXEC' ? ' (does it start with a #! line?)' : code === 'EACCES' ? ' (is it executable?)' : '';
  return new ChorusError(ErrorCode.Internal, `cannot run ${command.path}: ${(err as Error).message}${hint}`, {
    cause: err,
    details: { file: command.path, errno: code },
  });
}

/**
 * Feeds a child's output stream to `onChunk` (raw bytes, for log files and
 * buffers) and `onLine` (decoded lines, for the node log). Resolves when the
 * stream has ended or been destroyed.
 */
export function drain(
  stream: Readable,
  name: OutputStream,
  onChunk: (chunk: Buffer) => void,
  onLine: LineSink | undefined,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const lines = new LineSplitter((line) => onLine?.(name, line));
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      onChunk(chunk);
      if (onLine !== undefined) lines.push(decoder.write(chunk));
    });
    const finish = (): void => {
      if (onLine !== undefined) {
        lines.push(decoder.end());
        lines.flush();
      }
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}
