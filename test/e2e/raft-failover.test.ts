import t from 'tap';
import { eventually } from '../helpers/proc.js';
import { leaderOf, loopbackCluster, type LoopbackNode } from '../helpers/cluster.js';

/**
 * Failover after the leader's process dies, with the default timings
 * (heartbeat 100 ms, election timeout 1,000 ms). The OS closes a killed
 * process's connections, the followers hear of it and campaign at once, so
 * a write goes through well before even the shortest election timeout
 * would have let a follower start an election.
 */
const WITHIN_MS = 800;

/** Puts `key` through each node in turn every 20 ms until one is acknowledged; the ms since `t0`. */
async function firstWrite(nodes: LoopbackNode[], key: string, t0: number, deadlineMs: number): Promise<number | undefined> {
  let done: number | undefined;
  const attempts: Promise<void>[] = [];
  for (let k = 0; done === undefined && performance.now() - t0 < deadlineMs; k++) {
    for (const n of nodes) {
      attempts.push((async () => {
        try {
          const res = await fetch(`${n.url}/v1/kv/${key}`, { method: 'PUT', body: `attempt-${k}`, signal: AbortSignal.timeout(2_000) });
          if (res.status === 200 && (await res.text()) === 'true' && done === undefined) done = performance.now() - t0;
        } catch {
          // no leader yet, or forwarded to the dead one: try again
        }
      })());
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(attempts);
  return done;
}

/** Every node names the same running leader, and a write through each is acknowledged. */
async function healthy(nodes: LoopbackNode[]): Promise<LoopbackNode> {
  return eventually(async () => {
    const leader = await leaderOf(nodes);
    if (leader === undefined) return undefined;
    for (const n of nodes) {
      const named = await fetch(`${n.url}/v1/status/leader`).then((r) => r.json()).catch(() => undefined);
      if (named !== leader.gossipAddress) return undefined;
      const res = await fetch(`${n.url}/v1/kv/failover/healthy`, { method: 'PUT', body: n.host, signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      if (res?.status !== 200) return undefined;
    }
    return leader;
  }, 30_000, 100);
}

t.test(`SIGKILL of the leader of 3 servers: a write through a survivor is acknowledged within ${WITHIN_MS} ms`, async (t) => {
  const nodes = await loopbackCluster(t, 3, () => ['--server', '--bootstrap-expect', '3']);
  for (const n of nodes) n.start();
  await Promise.all(nodes.map((n) => n.proc!.waitForLine(/"msg":"Supervisor started"/, 20_000).catch(() => undefined)));
  for (let trial = 1; trial <= 2; trial++) {
    const leader = await healthy(nodes);
    // Followers in steady state: the leader's heartbeats have been arriving for a while.
    await new Promise((r) => setTimeout(r, 500));
    const survivors = nodes.filter((n) => n !== leader);
    const t0 = performance.now();
    leader.proc!.child.kill('SIGKILL');
    const ms = await firstWrite(survivors, `failover/trial${trial}`, t0, 10_000);
    t.ok(ms !== undefined && ms < WITHIN_MS, `trial ${trial}: node${leader.i} killed; first write acknowledged after ${ms?.toFixed(0) ?? 'more than 10000'} ms (want < ${WITHIN_MS})`);
    await leader.proc!.exited;
    leader.start();
  }
  const value = await eventually(async () => {
    const res = await fetch(`${nodes[0]!.url}/v1/kv/failover/trial2?raw`).catch(() => undefined);
    return res?.status === 200 ? res.text() : undefined;
  }, 10_000);
  t.match(value, /^attempt-\d+$/, 'the acknowledged write is there');
  for (const n of nodes) await n.kill('SIGTERM');
});
