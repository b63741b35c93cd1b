// Shared plumbing for scripts/bench/raft-vs-etcd and scripts/bench/kv-vs-etcd:
// argument parsing, child-process bookkeeping with cleanup on every exit path,
// a small HTTP client for control-plane calls, statistics, tables and results.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync, openSync, closeSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

// ------------------------------------------------------------------ arguments

/**
 * Parses `--name value` / `--flag` arguments against a spec:
 * { name: { type: 'int'|'number'|'string'|'bool', default, min, max, help } }.
 */
export function parseArgs(argv, spec, usageText) {
  const opts = {};
  for (const [k, s] of Object.entries(spec)) opts[k] = s.default;
  const fail = (msg) => {
    process.stderr.write(`${msg}\n\n${usageText}\n`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(`${usageText}\n`);
      process.exit(0);
    }
    if (!a.startsWith('--')) fail(`unexpected argument ${a}`);
    let name = a.slice(2);
    let inline;
    const eq = name.indexOf('=');
    if (eq >= 0) { inline = name.slice(eq + 1); name = name.slice(0, eq); }
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    let s = spec[key];
    if (!s && key.startsWith('no') && spec[key[2].toLowerCase() + key.slice(3)]?.type === 'bool') {
      opts[key[2].toLowerCase() + key.slice(3)] = false;
      continue;
    }
    if (!s) fail(`unknown option --${name}`);
    if (s.type === 'bool') { opts[key] = inline === undefined ? true : inline !== 'false'; continue; }
    const v = inline ?? argv[++i];
    if (v === undefined) fail(`--${name} needs a value`);
    if (s.type === 'int' || s.type === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n) || (s.type === 'int' && !Number.isInteger(n))) fail(`--${name}: expected a number, got ${v}`);
      if (s.min !== undefined && n < s.min) fail(`--${name}: at least ${s.min}`);
      if (s.max !== undefined && n > s.max) fail(`--${name}: at most ${s.max}`);
      opts[key] = n;
    } else if (s.choices && !s.choices.includes(v)) {
      fail(`--${name}: one of ${s.choices.join(', ')}`);
    } else {
      opts[key] = v;
    }
  }
  return opts;
}

// ------------------------------------------------------------------ processes and cleanup

const children = new Set();
const cleanups = [];
let cleaningUp = false;

/** True once the run is being torn down (children dying then is expected). */
export function shuttingDown() { return cleaningUp; }

/** Registers a function run once on exit (normal, error, Ctrl-C, SIGTERM), last registered first. */
export function onCleanup(fn) { cleanups.push(fn); }

/** Spawns a long-running child with stdout and stderr appended to logFile; tracked for cleanup. */
export function spawnTracked(cmd, args, { logFile, env, cwd } = {}) {
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: env ?? process.env, cwd });
  if (typeof fd === 'number') closeSync(fd);
  child.exited = false;
  child.exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => { child.exited = true; children.delete(child); resolve({ code, signal }); });
    child.once('error', (err) => { child.exited = true; children.delete(child); child.spawnError = err; resolve({ code: -1, signal: null, err }); });
  });
  children.add(child);
  return child;
}

/** SIGKILLs a child and waits until it is gone. */
export async function killHard(child) {
  if (!child || child.exited) return;
  try { child.kill('SIGKILL'); } catch { /* already gone */ }
  await child.exitPromise;
}

/** SIGTERMs a child, escalating to SIGKILL after graceMs. */
export async function stopGently(child, graceMs = 3000) {
  if (!child || child.exited) return;
  try { child.kill('SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
  await child.exitPromise;
  clearTimeout(t);
}

function killAllSync() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
}

async function runCleanups() {
  if (cleaningUp) return;
  cleaningUp = true;
  // Cleanups first: clusters stop their members gently (SIGTERM, SIGKILL after a
  // grace period), so profiles and logs get flushed; then anything left is killed
  // and the temporary directories go.
  const dirs = [];
  while (cleanups.length) {
    const fn = cleanups.pop();
    if (fn.isDirRemoval) { dirs.push(fn); continue; }
    try { await fn(); } catch (err) { process.stderr.write(`cleanup: ${err?.message ?? err}\n`); }
  }
  killAllSync();
  await Promise.all([...children].map((c) => c.exitPromise));
  for (const fn of dirs) {
    try { await fn(); } catch (err) { process.stderr.write(`cleanup: ${err?.message ?? err}\n`); }
  }
}

/** Runs main() with cleanup on every way out; exit code 0 on success, 1 on error, 130 on Ctrl-C. */
export function runMain(main) {
  const onSignal = (sig) => {
    process.stderr.write(`\n${sig}: stopping every process and removing temporary files\n`);
    runCleanups().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  process.on('exit', killAllSync);
  main().then(
    async () => { await runCleanups(); process.exit(0); },
    async (err) => {
      // The messages say what failed (and carry log tails); BENCH_DEBUG=1 adds the stack.
      process.stderr.write(`\nerror: ${process.env.BENCH_DEBUG ? err?.stack : err?.message ?? err}\n`);
      await runCleanups();
      process.exit(1);
    },
  );
}

/** A temporary directory removed at cleanup unless keep is set. */
export function makeTempDir(prefix, keep) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(Object.assign(() => {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }, { isDirRemoval: true }));
  return dir;
}

export function tailFile(file, lines = 15) {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch { return '(no log)'; }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch { return NaN; }
}
const CLK_TCK = 100;

/** Fails if something already listens on host:port (another cluster on the machine). */
export async function assertPortFree(host, port) {
  const net = await import('node:net');
  await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err) => reject(new Error(`${host}:${port} is taken (${err.code}); pick other ports with --port-offset`)));
    srv.listen(port, host, () => srv.close(resolve));
  });
}

// ------------------------------------------------------------------ HTTP for the control plane

/**
 * One HTTP request on a fresh connection (no pooling, so a killed server never
 * leaves a stale pooled socket behind). Resolves { ok, status, body, ms } or
 * { ok: false, error, ms }; never rejects.
 */
export function request(method, url, { body, headers = {}, timeoutMs = 2000, signal } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r) => { if (!done) { done = true; resolve({ ...r, ms: performance.now() - t0 }); } };
    const payload = body === undefined ? undefined : (Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
    const req = http.request(url, {
      method,
      agent: false,
      headers: { ...headers, ...(payload ? { 'content-length': payload.length } : {}) },
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        finish({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, body: text, headers: res.headers });
      });
      res.on('error', (err) => finish({ ok: false, error: err.code ?? err.message }));
    });
    req.on('timeout', () => { req.destroy(); finish({ ok: false, error: `timeout after ${timeoutMs} ms` }); });
    req.on('error', (err) => finish({ ok: false, error: err.code ?? err.message }));
    if (signal) {
      if (signal.aborted) { req.destroy(); finish({ ok: false, error: 'aborted' }); }
      else signal.addEventListener('abort', () => { req.destroy(); finish({ ok: false, error: 'aborted' }); }, { once: true });
    }
    if (payload) req.write(payload);
    req.end();
  });
}

export function parseJson(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

/** An error that stops waitFor at once (a process died) instead of being retried. */
export function fatal(message) { return Object.assign(new Error(message), { fatal: true }); }

/** Polls fn() until it returns a truthy value or the deadline passes (then throws with the last note). */
export async function waitFor(what, fn, { timeoutMs = 30000, intervalMs = 100 } = {}) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn((note) => { last = note; });
      if (v) return v;
    } catch (err) {
      if (err?.fatal) throw err;
      last = err?.message ?? String(err);
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last: ${last}` : ''}`);
    await sleep(intervalMs);
  }
}

// ------------------------------------------------------------------ statistics and output

/** Nearest-rank percentile of an array of numbers (p in 0..100). */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = values instanceof Float64Array ? values : Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function fmt(n, digits = 1) {
  if (n === undefined || n === null || Number.isNaN(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** Prints rows of { figure, chorus, etcd, unit, better } with the chorus/etcd ratio. */
export function printTable(title, rows) {
  const head = ['figure', 'chorus', 'etcd', 'chorus/etcd', 'better'];
  const body = rows.map((r) => [
    `${r.figure}${r.unit ? ` (${r.unit})` : ''}`,
    fmt(r.chorus, r.digits ?? 1),
    fmt(r.etcd, r.digits ?? 1),
    Number.isFinite(ratio(r.chorus, r.etcd)) ? ratio(r.chorus, r.etcd).toFixed(2) : 'n/a',
    r.better ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`\n${title}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const b of body) process.stdout.write(`${line(b)}\n`);
}

/** Writes results JSON into scripts/bench/results/ (or --out) and returns the path. */
export function writeResults(benchDir, name, data, out) {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const gi = path.join(dir, '.gitignore');
  if (!existsSync(gi)) writeFileSync(gi, '# benchmark results are machine-specific; not committed\n*\n!.gitignore\n');
  const file = out ?? path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

export function machineInfo() {
  return {
    host: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavg: os.loadavg(),
    totalMemMB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
  };
}

export function log(msg) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
}

// ------------------------------------------------------------------ cluster health (both clusters)

/**
 * Waits until `cluster` (ChorusCluster or EtcdCluster) is a healthy cluster of
 * all its members: every process running, every member naming the same leader,
 * the leader reporting every member as a voter, a write through every member
 * acknowledged, and the last of them visible in every member's own (stale) state,
 * which proves a restarted member has caught up. Resolves { leader, ms }.
 */
export async function waitClusterHealthy(cluster, { timeoutMs = 60000, tag = 'health' } = {}) {
  const t0 = performance.now();
  let seq = 0;
  const leader = await waitFor(`a healthy ${cluster.size}-member ${cluster.name} cluster`, async (note) => {
    for (let i = 0; i < cluster.size; i++) if (!cluster.alive(i)) throw fatal(`${cluster.name} member ${i + 1} is not running:\n${cluster.logTail(i, 10)}`);
    const { index, views } = await cluster.leader();
    if (index < 0) { note(`no agreed leader: ${JSON.stringify(views)}`); return false; }
    const peers = await cluster.peerCount(index);
    if (peers !== cluster.size) { note(`leader ${index + 1} reports ${peers} peers`); return false; }
    let token;
    for (let i = 0; i < cluster.size; i++) {
      token = `${tag}-${Date.now()}-${seq++}`;
      const r = await cluster.put(i, 'bench/health', token, { timeoutMs: 3000 });
      if (!r.ok) { note(`write through member ${i + 1}: ${r.status ?? ''} ${r.error ?? r.body}`); return false; }
    }
    // Followers learn the commit index with the next append or heartbeat: give them a few.
    const applyDeadline = performance.now() + 3000;
    for (let i = 0; i < cluster.size; i++) {
      for (;;) {
        const v = await cluster.get(i, 'bench/health', { stale: true });
        if (v === token) break;
        if (performance.now() > applyDeadline) { note(`member ${i + 1} has not applied the last write within 3 s (has ${v})`); return false; }
        await sleep(20);
      }
    }
    return { index };
  }, { timeoutMs, intervalMs: 100 });
  return { leader: leader.index, ms: performance.now() - t0 };
}
