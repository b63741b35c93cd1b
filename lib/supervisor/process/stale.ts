import { readFile } from 'node:fs/promises';
import type { Clock } from '../../core/clock.js';
import { groupAlive, signalGroup } from './group.js';

/**
 * A supervisor killed with SIGKILL cannot stop its services; their process
 * groups keep running. On the next start, the service's PID file names the
 * old group: if it is still there and carries our marker in its environment
 * (so a reused pid of someone else's process is left alone), kill it before
 * starting a new one, so two copies never run side by side.
 *
 * Returns the pid that was reaped, or undefined.
 */
export async function reapStaleProcess(
  pidFile: string,
  marker: { name: string; value: string },
  deps: { clock: Clock },
  timeoutMs = 5_000,
): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !groupAlive(pid)) return undefined;
  if (!(await carriesMarker(pid, marker))) return undefined;
  signalGroup(pid, 'SIGKILL');
  const deadline = deps.clock.now() + timeoutMs;
  while (groupAlive(pid) && deps.clock.now() < deadline) {
    await new Promise<void>((resolve) => deps.clock.setTimer(20, resolve));
  }
  return pid;
}

async function carriesMarker(pid: number, marker: { name: string; value: string }): Promise<boolean> {
  try {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    return environ.split('\0').includes(`${marker.name}=${marker.value}`);
  } catch {
    // No /proc (not Linux) or the process is gone: do not kill blindly.
    return false;
  }
}
