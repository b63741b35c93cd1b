import { processGroupAlive } from '../../core/proc-table.js';

/**
 * Signals a whole process group. Hooks run in their own group (spawned
 * detached), so the shell, and whatever it started, get the signal together
 * and nothing is left behind. A group that is already gone is not an error.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** True when the process group still has a member that is not a zombie. */
export function groupAlive(pid: number): boolean {
  return processGroupAlive(pid);
}
