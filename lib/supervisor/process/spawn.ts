import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { LineSplitter } from './lines.js';
import type { HookCommand, LineSink, OutputStream } from './types.js';

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
      child = spawn(command.path, [], {
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
