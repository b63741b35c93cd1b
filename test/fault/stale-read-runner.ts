/**
 * The inside of kv-stale-default-read.test.ts, run in the hub namespace.
 * Trials of one scenario: cut the leader L off from the other two servers;
 * one writer keeps writing increasing values through a server of the
 * majority, one reader keeps doing default (no ?consistent) reads through L.
 * A default read through L that began after a write was acknowledged by the
 * majority's new leader, and answered 200 with an older value, is a stale
 * read: the history is not linearizable. Writes a JSON report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { LinkCutter } from '../helpers/netns.js';
import { ms } from './kv-history.js';
import { agent, call, configureCluster, log, now, servers, sleep, waitForHealthyCluster, type RequestError } from './ns-cluster.js';

interface Config { dir: string; prefix: string; report: string; trials?: number }

export interface StaleRead {
  trial: number;
  oldLeader: number;
  /** The acknowledged write the read should have seen (or a later one). */
  write: { value: string; via: number; call: number; ret: number };
  read: { value: string | null; call: number; ret: number; modifyIndex: number | undefined; knownLeader: string | undefined; lastContact: string | undefined };
}

export interface StaleReadReport {
  trials: Array<{ trial: number; oldLeader: number; partitionAt: number; healAt: number; acknowledged: number; readsAnswered: number; stale: number }>;
  stale: StaleRead[];
  wallAtZero: number;
  error?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
configureCluster(config.dir, config.prefix);
const KEY = 'fault/stale/k';
const WINDOW_MS = 5_000;

interface Write { value: string; seq: number; via: number; call: number; ret: number }

async function trial(n: number, report: StaleReadReport): Promise<void> {
  const cutter = new LinkCutter();
  const leader = await waitForHealthyCluster(60_000);
  const majority = servers.map((s) => s.i).filter((i) => i !== leader);
  let seq = 0;
  const base = `t${n}-${seq++}`;
  const first = await call(leader, 'PUT', `/v1/kv/${KEY}`, base, 5_000);
  if (first.status !== 200) throw new Error(`trial ${n}: the first write failed: ${first.status} ${first.body}`);
  const acked: Write[] = [];
  const partitionAt = now();
  for (const m of majority) await cutter.cutLink(leader, m);
  log(`trial ${n}: node ${leader} (leader) cut off from nodes ${majority.join(', ')}`);
  const until = now() + WINDOW_MS * 1000;
  let readsAnswered = 0;
  let lastAnswered = 0;
  let stale = 0;

  // Several writers with short timeouts, so the first write the new leader acknowledges is not stuck behind one
  // forwarded to the old leader. Only acknowledged writes count; sequence numbers order them.
  const writer = async (w: number): Promise<void> => {
    while (now() < until) {
      const s = seq++;
      const value = `t${n}-${s}`;
      const via = majority[(s + w) % majority.length]!;
      const c = now();
      try {
        const r = await call(via, 'PUT', `/v1/kv/${KEY}`, value, 400);
        if (r.status === 200 && r.body === 'true') acked.push({ value, seq: s, via, call: c, ret: now() });
      } catch {
        // no leader yet on this side
      }
      await sleep(5);
    }
  };
  const reader = (async () => {
    while (now() < until) {
      const c = now();
      try {
        const r = await call(leader, 'GET', `/v1/kv/${KEY}`, undefined, 500);
        const ret = now();
        if (r.status === 200) {
          readsAnswered++;
          lastAnswered = ret;
          const e = (JSON.parse(r.body) as Array<{ Value: string; ModifyIndex: number }>)[0]!;
          const value = Buffer.from(e.Value, 'base64').toString();
          const got = Number(value.split('-')[1]);
          // The latest write acknowledged before this read began: the read must return it or a later one.
          const due = acked.filter((w) => w.ret < c).sort((a, b) => b.seq - a.seq)[0];
          if (due !== undefined && got < due.seq) {
            stale++;
            report.stale.push({
              trial: n, oldLeader: leader,
              write: { value: due.value, via: due.via, call: due.call, ret: due.ret },
              read: { value, call: c, ret, modifyIndex: e.ModifyIndex, knownLeader: r.headers['x-consul-knownleader'] as string | undefined, lastContact: r.headers['x-consul-lastcontact'] as string | undefined },
            });
          }
        }
      } catch (err) {
        if ((err as RequestError).code !== 'TIMEOUT') await sleep(20);
      }
      await sleep(5);
    }
  })();
  await Promise.all([writer(0), writer(1), writer(2), writer(3), reader]);
  acked.sort((a, b) => a.ret - b.ret);
  await cutter.healAll();
  const healAt = now();
  log(`trial ${n}: healed; ${acked.length} writes acknowledged by the majority (first at +${ms(acked[0] ? acked[0].ret - partitionAt : NaN)}), ` +
    `${readsAnswered} default reads answered by node ${leader} (last at +${ms(lastAnswered - partitionAt)}), ${stale} stale`);
  report.trials.push({ trial: n, oldLeader: leader, partitionAt, healAt, acknowledged: acked.length, readsAnswered, stale });
}

async function main(): Promise<void> {
  mkdirSync(config.dir, { recursive: true });
  const report: StaleReadReport = { trials: [], stale: [], wallAtZero: Date.now() - now() / 1000 };
  try {
    for (const s of servers) s.start();
    for (let n = 1; n <= (config.trials ?? 6); n++) await trial(n, report);
  } catch (err) {
    report.error = (err as Error).stack ?? String(err);
    log(`runner failed: ${report.error}`);
  } finally {
    for (const s of servers) await s.kill();
    agent.destroy();
    writeFileSync(config.report, JSON.stringify(report));
  }
}

await main();
