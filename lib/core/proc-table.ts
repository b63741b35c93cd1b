import { readFileSync, readdirSync } from 'node:fs';

/**
 * What the process table says about processes, zombies counted as gone.
 *
 * kill(pid, 0) succeeds for a zombie, and a zombie whose parent died waits
 * for PID 1 to reap it. In containers PID 1 is often a program that never
 * reaps (a shell, node, a CI runner), so an orphaned child killed with its
 * group would look alive forever. /proc tells the states apart; where there is
 * no /proc (not Linux), kill(0) is the best answer there is.
 */

interface ProcStat {
  state: string;
  pgrp: number;
}

/** Parses /proc/PID/stat; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const pgrp = Number(fields[2]);
  if (fields[0] === undefined || fields[0] === '' || !Number.isInteger(pgrp)) return undefined;
  return { state: fields[0], pgrp };
}

const procAvailable = (() => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

function readStat(pid: number | string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Zombie (Z) and dead (X) processes hold nothing and run nothing. */
function running(stat: ProcStat): boolean {
  return stat.state !== 'Z' && stat.state !== 'X';
}

function killZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  if (!procAvailable) return killZero(pid);
  const stat = readStat(pid);
  return stat !== undefined && running(stat);
}

/** True while some process of the group exists and is not a zombie. */
export function processGroupAlive(pgid: number): boolean {
  if (!procAvailable) return killZero(-pgid);
  if (!killZero(-pgid)) return false;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readStat(entry);
    if (stat !== undefined && stat.pgrp === pgid && running(stat)) return true;
  }
  return false;
}
