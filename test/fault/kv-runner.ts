/**
 * The inside of the KV fault test. It runs in the hub network namespace that
 * kv-linearizability.test.ts made (see test/helpers/netns.ts), starts three
 * `chorus` servers, one per node namespace, drives concurrent clients against
 * them while a seeded nemesis cuts links, SIGKILLs and SIGSTOPs the leader,
 * then heals everything, takes final reads and writes a JSON report. The
 * test process checks the report; this program only records.
 *
 *   node kv-runner.js '{"seed":1,"durationMs":40000,"dir":"/tmp/x","prefix":"cf123","report":"/tmp/x/report.json"}'
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { SeededRandom } from '../../lib/core/random.js';
import { LinkCutter } from '../helpers/netns.js';
import { agent, call, configureCluster, leaderSeen, log, N, now, servers, sleep, waitForHealthyCluster, type Reply, type RequestError } from './ns-cluster.js';
import type { KvOp, NemesisEvent, ReadMode, RunnerReport } from './kv-history.js';

interface Config {
  seed: number;
  durationMs: number;
  dir: string;
  prefix: string;
  report: string;
  workers?: number;
  keys?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const READ_TIMEOUT_MS = 2_500;
const WORKERS = config.workers ?? 12;
const KEYS = Array.from({ length: config.keys ?? 4 }, (_, k) => `fault/reg/${k}`);
/** No faults in the last stretch: the cluster heals and clients see it recover. */
const QUIET_TAIL_MS = 8_000;
configureCluster(config.dir, config.prefix);

// ---- clients ----
const history: KvOp[] = [];
let nextId = 0;

function decodeRead(reply: Reply): { value: string | null; index: number | undefined } | undefined {
  if (reply.status === 404) return { value: null, index: reply.index };
  if (reply.status !== 200) return undefined;
  const entries = JSON.parse(reply.body) as Array<{ Value: string | null; ModifyIndex: number }>;
  const e = entries[0]!;
  return { value: e.Value === null ? '' : Buffer.from(e.Value, 'base64').toString(), index: e.ModifyIndex };
}

async function read(worker: number, node: number, key: string, mode: ReadMode, final = false): Promise<KvOp> {
  const op: KvOp = { id: nextId++, worker, node, kind: 'get', mode, key, call: now(), ret: null, outcome: 'fail' };
  if (final) op.final = true;
  history.push(op);
  const query = mode === 'default' ? '' : `?${mode}`;
  try {
    const reply = await call(node, 'GET', `/v1/kv/${key}${query}`, undefined, READ_TIMEOUT_MS);
    op.ret = now();
    op.status = reply.status;
    const r = decodeRead(reply);
    if (r === undefined) {
      op.error = reply.body.slice(0, 200);
    } else {
      op.outcome = 'ok';
      op.result = r.value;
      if (r.index !== undefined) op.index = r.index;
    }
  } catch (err) {
    // A read that failed changed nothing: it is left out of the check.
    op.ret = now();
    op.error = `${(err as RequestError).code}: ${(err as Error).message}`;
  }
  return op;
}

async function write(worker: number, node: number, kind: 'put' | 'cas' | 'log', key: string, value: string, cas?: { index: number; from: string | null }): Promise<KvOp> {
  const op: KvOp = { id: nextId++, worker, node, kind, key, value, call: now(), ret: null, outcome: 'unknown' };
  if (cas !== undefined) {
    op.casIndex = cas.index;
    op.casFrom = cas.from;
  }
  history.push(op);
  try {
    const reply = await call(node, 'PUT', `/v1/kv/${key}${cas === undefined ? '' : `?cas=${cas.index}`}`, value);
    const ret = now();
    op.status = reply.status;
    if (reply.status === 200 && (reply.body === 'true' || reply.body === 'false')) {
      op.ret = ret;
      op.outcome = 'ok';
      op.result = reply.body === 'true';
    } else {
      // An error after the request reached a server: it may have been appended and commit later.
      op.error = reply.body.slice(0, 200);
    }
  } catch (err) {
    const code = (err as RequestError).code;
    op.error = `${code}: ${(err as Error).message}`;
    if (code === 'ECONNREFUSED') {
      // Nobody listened: the request never reached a server.
      op.outcome = 'fail';
      op.ret = now();
    }
  }
  return op;
}

async function worker(w: number, random: SeededRandom, stopAt: number): Promise<void> {
  const seen = new Map<string, { value: string | null; index: number }>();
  let seq = 0;
  while (now() < stopAt) {
    await sleep(5 + random.int(15));
    const node = 1 + random.int(N);
    const key = KEYS[random.int(KEYS.length)]!;
    const roll = random.next();
    const value = `w${w}-${seq++}`;
    if (roll < 0.45) {
      const mode: ReadMode = roll < 0.2 ? 'default' : roll < 0.38 ? 'consistent' : 'stale';
      const op = await read(w, node, key, mode);
      if (op.outcome === 'ok' && typeof op.result === 'string') seen.set(key, { value: op.result, index: op.index! });
    } else if (roll < 0.68) {
      await write(w, node, 'put', key, value);
    } else if (roll < 0.88) {
      // CAS against the entry this worker last saw: with unique values, "ModifyIndex is still i" is "the value is still v".
      const s = seen.get(key);
      await write(w, node, 'cas', key, value, s === undefined ? { index: 0, from: null } : { index: s.index, from: s.value });
    } else {
      await write(w, node, 'log', `fault/log/${value}`, value);
    }
  }
}

// ---- nemesis ----

const events: NemesisEvent[] = [];
const counts = { partitions: 0, linkCuts: 0, leaderKills: 0, pauses: 0, droppedPackets: 0, leaders: [] as string[] };
const cutter = new LinkCutter();

function event(what: string): void {
  events.push({ at: now(), what });
  log(what);
}

async function healLinks(): Promise<void> {
  if (cutter.cut.size === 0) return;
  counts.droppedPackets += await cutter.droppedPackets();
  await cutter.healAll();
  event('healed all links');
}

async function isolate(node: number): Promise<void> {
  for (const other of servers) if (other.i !== node) await cutter.cutLink(node, other.i);
}

type Fault = 'isolate-leader' | 'isolate-any' | 'cut-link' | 'kill-leader' | 'pause-leader';
const FAULTS: Fault[] = ['isolate-leader', 'isolate-any', 'cut-link', 'kill-leader', 'pause-leader'];

/** Rounds of every fault once, in a seeded order, with seeded gaps and holds, until `until`. */
async function nemesis(random: SeededRandom, until: number): Promise<void> {
  let round: Fault[] = [];
  while (now() < until) {
    await sleep(500 + random.int(2_000));
    if (now() >= until) break;
    if (round.length === 0) round = random.shuffle(FAULTS);
    const fault = round.shift()!;
    const hold = 1_000 + random.int(4_000);
    const pick = 1 + random.int(N);
    const other = 1 + ((pick - 1 + 1 + random.int(N - 1)) % N);
    const leader = await leaderSeen();
    // Without a known leader (an election under way) the seeded pick stands in.
    const victim = leader ?? pick;
    const tag = (n: number): string => (n === leader ? ' (leader)' : leader === undefined ? ' (no leader known)' : '');
    if (fault === 'isolate-leader' || fault === 'isolate-any') {
      const n = fault === 'isolate-leader' ? victim : pick;
      counts.partitions++;
      await isolate(n);
      event(`partition: node ${n}${tag(n)} cut off from the others for ${hold} ms`);
    } else if (fault === 'cut-link') {
      counts.linkCuts++;
      await cutter.cutLink(pick, other);
      event(`partial partition: link ${pick}-${other} cut for ${hold} ms (leader ${leader ?? 'unknown'})`);
    } else if (fault === 'kill-leader') {
      const s = servers[victim - 1]!;
      counts.leaderKills++;
      event(`SIGKILL node ${victim}${tag(victim)}; restart in ${hold} ms`);
      await s.kill();
      await sleep(hold);
      s.start();
      event(`restarted node ${victim}`);
      continue;
    } else {
      const s = servers[victim - 1]!;
      counts.pauses++;
      event(`SIGSTOP node ${victim}${tag(victim)} for ${hold} ms`);
      s.pause();
      await sleep(hold);
      s.resume();
      event(`SIGCONT node ${victim}`);
      continue;
    }
    await sleep(hold);
    await healLinks();
  }
  await healLinks();
  for (const s of servers) {
    if (s.paused) s.resume();
    if (!s.running) {
      s.start();
      event(`restarted node ${s.i}`);
    }
  }
}

// ---- final checks ----

/** Reads each key through each server with ?consistent once everything healed, retrying until one answers. */
async function finalReads(): Promise<void> {
  for (const key of KEYS) {
    for (const s of servers) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const op = await read(100 + s.i, s.i, key, 'consistent', true);
        if (op.outcome === 'ok') break;
        if (Date.now() > deadline) throw new Error(`final read of ${key} via node ${s.i} kept failing: ${op.error}`);
        await sleep(200);
      }
    }
  }
}

/** Every acknowledged ledger write is on every server (each caught up, read from its own state). */
async function ledgerCheck(): Promise<RunnerReport['ledger']> {
  const acked = new Map(history.filter((o) => o.kind === 'log' && o.outcome === 'ok').map((o) => [o.key, o.value!]));
  const unknown = history.filter((o) => o.kind === 'log' && o.outcome === 'unknown').length;
  const missing: Record<string, string[]> = {};
  for (const s of servers) {
    const deadline = Date.now() + 30_000;
    let lacking: string[] = [...acked.keys()];
    while (Date.now() < deadline) {
      try {
        const r = await call(s.i, 'GET', '/v1/kv/fault/log/?recurse&stale', undefined, 5_000);
        if (r.status === 200) {
          const have = new Map((JSON.parse(r.body) as Array<{ Key: string; Value: string }>).map((e) => [e.Key, Buffer.from(e.Value, 'base64').toString()]));
          lacking = [...acked].filter(([k, v]) => have.get(k) !== v).map(([k]) => k);
          if (lacking.length === 0) break;
        }
      } catch {
        // retry
      }
      await sleep(250);
    }
    if (lacking.length > 0) missing[`node${s.i}`] = lacking;
  }
  return { acknowledged: acked.size, unknown, missing };
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(config.dir, { recursive: true });
  const root = new SeededRandom(config.seed);
  const report: RunnerReport = {
    seed: config.seed, durationMs: config.durationMs, startedAt: new Date().toISOString(), runtimeMs: 0,
    history, events, counts, ledger: { acknowledged: 0, unknown: 0, missing: {} }, registerKeys: KEYS, logDir: config.dir, wallAtZero: Date.now() - now() / 1000,
  };
  try {
    for (const s of servers) s.start();
    const first = await waitForHealthyCluster(60_000);
    event(`cluster up, leader node ${first}`);
    const begin = now();
    const stopAt = begin + config.durationMs * 1000;
    const clientRandoms = Array.from({ length: WORKERS }, () => root.fork());
    const nemesisRandom = root.fork();
    const leaderWatch = setInterval(() => {
      void leaderSeen().then((l) => {
        const name = l === undefined ? 'none' : `node${l}`;
        if (counts.leaders[counts.leaders.length - 1] !== name) counts.leaders.push(name);
      });
    }, 250);
    const clients = Array.from({ length: WORKERS }, (_, w) => worker(w, clientRandoms[w]!, stopAt));
    await nemesis(nemesisRandom, stopAt - QUIET_TAIL_MS * 1000);
    await Promise.all(clients);
    clearInterval(leaderWatch);
    event(`clients stopped after ${history.length} operations`);
    await waitForHealthyCluster(60_000);
    await finalReads();
    report.ledger = await ledgerCheck();
    event('final reads done');
  } catch (err) {
    report.error = (err as Error).stack ?? String(err);
    log(`runner failed: ${report.error}`);
  } finally {
    for (const s of servers) {
      s.resume();
      await s.kill();
    }
    agent.destroy();
    report.runtimeMs = Date.now() - started;
    writeFileSync(config.report, JSON.stringify(report));
  }
}

await main();
