import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultNetwork, sweepAbandoned } from '../helpers/netns.js';
import { ms } from './kv-history.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface HubRun<R> {
  /** The runner's exit code (or signal). */
  code: number | string;
  /** Its progress lines (stderr). */
  progress: string[];
  /** Its JSON report, when it wrote one. */
  report: R | undefined;
  /** Where the servers' logs and the report are; kept when the test fails or `keep()` is called. */
  dir: string;
  keep(): void;
}

/**
 * Makes the fault network (hub + one namespace per server), runs
 * `script` (a compiled runner next to this file) inside the hub with
 * `config` plus dir/prefix/report, and always tears the namespaces down,
 * killing whatever still runs in them, also on a failure, a timeout or a
 * signal. The run directory is removed unless the test failed.
 */
export async function runInHub<R>(t: Test, script: string, config: Record<string, unknown>, boundMs: number): Promise<HubRun<R>> {
  const dir = mkdtempSync(join(tmpdir(), 'chorus-fault-'));
  const swept = sweepAbandoned('chorusfault');
  if (swept.length > 0) t.comment(`removed namespaces left by an earlier run that was killed: ${swept.join(', ')}`);
  const net = new FaultNetwork(`chorusfault-${process.pid}`, 3);
  let keep = false;
  const cleanup = (): void => net.destroy();
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.kill(process.pid, sig);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.once('exit', cleanup);
  t.teardown(() => {
    cleanup();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('exit', cleanup);
    if (keep || !t.passing()) t.comment(`server logs and the report are kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  net.create();
  const reportPath = join(dir, 'report.json');
  const runner = spawn('ip', ['netns', 'exec', net.hub, process.execPath, join(here, script),
    JSON.stringify({ ...config, dir, prefix: net.prefix, report: reportPath })], { stdio: ['ignore', 'ignore', 'pipe'] });
  const progress: string[] = [];
  runner.stderr.setEncoding('utf8').on('data', (chunk: string) => progress.push(...chunk.split('\n').filter(Boolean)));
  const bound = setTimeout(() => runner.kill('SIGKILL'), boundMs);
  const code = await new Promise<number | string>((resolve) => runner.on('exit', (c, s) => resolve(c ?? s ?? -1)));
  clearTimeout(bound);
  const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as R) : undefined;
  return { code, progress, report, dir, keep: () => { keep = true; } };
}

/** The servers' own account of leadership changes (from their logs in `dir`), on the runner's clock. */
export function leadershipLog(dir: string, wallAtZero: number, from = -Infinity, to = Infinity): string[] {
  const out: Array<[number, string]> = [];
  for (const i of [1, 2, 3]) {
    const file = join(dir, `n${i}.log`);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!/became raft leader|stepping down|raft: leader is|no leader known/.test(line)) continue;
      try {
        const entry = JSON.parse(line) as { time: string | number; msg: string; term?: number };
        const at = (new Date(entry.time).getTime() - wallAtZero) * 1000;
        if (at < from || at > to) continue;
        out.push([at, `${ms(at)} node ${i}: ${entry.msg}${entry.term !== undefined && !entry.msg.includes('term') ? ` (term ${entry.term})` : ''}`]);
      } catch {
        // not a log record
      }
    }
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}
