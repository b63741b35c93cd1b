import t from 'tap';
import { eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';

/**
 * Issue 5's crash test with real processes: a steady write load while
 * servers, the leader among them, are SIGKILLed at random moments and
 * restarted; afterwards every acknowledged write is on every server.
 */
t.test('kill -9 of leader and followers under a write load loses no acknowledged write', async (t) => {
  const seed = Number(process.env.CHORUS_SEED ?? Date.now() % 100_000);
  t.comment(`seed ${seed}`);
  let state = seed;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const nodes = await loopbackCluster(t, 3, () => ['--server', '--bootstrap-expect', '3']);
  for (const n of nodes) n.start();
  await Promise.all(nodes.map((n) => n.proc!.waitForLine(/"msg":"Supervisor started"/, 20_000).catch(() => undefined)));
  await eventually(async () => {
    const r = await fetch(`${nodes[0]!.url}/v1/status/leader`).catch(() => undefined);
    return r !== undefined && (await r.json()) !== '' ? true : undefined;
  }, 20_000, 100);

  const acknowledged = new Map<string, string>();
  let attempts = 0;
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      const live = nodes.filter((n) => n.running);
      const target = live[Math.floor(rand() * live.length)];
      if (target === undefined) continue;
      const key = `crash/k${i}`;
      const value = `v${i}`;
      attempts++;
      try {
        const res = await fetch(`${target.url}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(8000) });
        if (res.status === 200 && (await res.text()) === 'true') acknowledged.set(key, value);
      } catch {
        // refused or cut off: not acknowledged, so not promised
      }
    }
  })();

  const kills: string[] = [];
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1500 + rand() * 2500));
    const victim = nodes[Math.floor(rand() * 3)]!;
    const leader = (await (await fetch(`${nodes.find((n) => n.running)!.url}/v1/status/leader`).catch(() => undefined))?.json().catch(() => '')) as string | undefined;
    kills.push(`node${victim.i}${leader === victim.gossipAddress ? ' (leader)' : ''}`);
    await victim.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500 + rand() * 2000));
    victim.start();
  }
  stop = true;
  await writer;
  t.comment(`killed: ${kills.join(', ')}`);
  t.ok(acknowledged.size > 20, `${acknowledged.size} of ${attempts} writes acknowledged`);

  // Every server, caught up, has every acknowledged write with its value.
  for (const node of nodes) {
    await eventually(async () => {
      const res = await fetch(`${node.url}/v1/kv/crash/?recurse&stale`).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const entries = new Map(((await res.json()) as Array<{ Key: string; Value: string }>).map((e) => [e.Key, Buffer.from(e.Value, 'base64').toString()]));
      for (const [k, v] of acknowledged) if (entries.get(k) !== v) return undefined;
      return true;
    }, 30_000, 250);
    t.pass(`node${node.i} holds all ${acknowledged.size} acknowledged writes`);
  }
  for (const n of nodes) await n.kill('SIGTERM');
});
