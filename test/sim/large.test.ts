import t from 'tap';
import { detectionBound, median, seedFor, SimCluster } from './harness.js';

t.test('1,000 members: all see all alive, and a crash is detected by all 999 others', async (t) => {
  const seed = seedFor(1000);
  t.comment(`seed ${seed}`);
  const size = 1000;
  const started = performance.now();
  const c = new SimCluster({ seed, size });
  await c.spawnAll(size, 5);
  const spawnedAt = c.clock.now();
  const converged = await c.net.runUntil(() => c.converged(), 180_000, 100);
  t.ok(converged, 'every member sees all 1,000 alive');
  const joinMs = c.clock.now() - spawnedAt;
  const totals = c.net.totals();
  t.comment(
    `converged ${joinMs} ms (virtual) after the last of ${size} started (one every 5 ms); ` +
      `${(totals.packetsSent / size).toFixed(0)} packets and ${(totals.bytesSent / size / 1024).toFixed(0)} KiB UDP + ${(totals.streamBytesSent / size / 1024).toFixed(0)} KiB sync per member so far; ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s real`,
  );

  const victim = c.members[500]!;
  const crashAt = c.clock.now();
  const detected = new Map<string, number>();
  for (const m of c.members) {
    if (m !== victim) {
      m.node.on('failed', (x) => {
        if (x.id === victim.id && !detected.has(m.id)) detected.set(m.id, c.clock.now() - crashAt);
      });
    }
  }
  c.net.crash(victim.address);
  await victim.node.stop();
  const o = c.members[0]!.node.options;
  const { bound, minSuspicion, maxSuspicion } = detectionBound(size, o);
  await c.net.runUntil(() => detected.size === size - 1, bound + 5_000, 100);
  const times = [...detected.values()];
  t.equal(detected.size, size - 1, 'all 999 live members marked it failed');
  const max = Math.max(...times);
  t.ok(max <= bound, `within the predicted bound (${max} <= ${bound})`);
  t.comment(
    `crash detected by all: min ${Math.min(...times)} ms, median ${median(times)} ms, max ${max} ms; formula: suspicion ${minSuspicion}..${maxSuspicion} ms, bound ${bound} ms; ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s real in all`,
  );
  t.ok(c.live().every((m) => m.node.countIn('alive') === size - 1), 'nobody else was marked failed');
  await c.stopAll();
});
