import t from 'tap';
import { seedFor, SimCluster } from './harness.js';

interface Outcome {
  failedProbes: number;
  suspectEvents: number;
  falseFailures: number;
}

/**
 * 50 members, 10% loss everywhere, and 5 of them overloaded (every packet to
 * or from them 300–1500 ms late): the situation Lifeguard was made for. No
 * member is down, so every suspicion is false.
 */
async function run(seed: number, lifeguard: boolean): Promise<Outcome> {
  const c = new SimCluster({ seed, size: 50, butterfly: { lifeguard } });
  await c.spawnAll();
  if (!(await c.net.runUntil(() => c.converged(), 60_000))) throw new Error('did not converge');
  const out: Outcome = { failedProbes: 0, suspectEvents: 0, falseFailures: 0 };
  for (const m of c.members) {
    m.node.on('suspect', () => out.suspectEvents++);
    m.node.on('failed', () => out.falseFailures++);
  }
  const before = c.members.reduce((a, m) => a + m.node.stats().probesFailed, 0);
  c.net.configure({ loss: 0.1 });
  for (let i = 0; i < 5; i++) c.net.slow(c.members[i * 9 + 1]!.address, 300, 1500);
  await c.net.runFor(120_000);
  out.failedProbes = c.members.reduce((a, m) => a + m.node.stats().probesFailed, 0) - before;
  await c.stopAll();
  return out;
}

t.test('at 10% loss with slow members, Lifeguard raises far fewer false suspicions', async (t) => {
  const seed = seedFor(7);
  t.comment(`seed ${seed}`);
  const on = await run(seed, true);
  const off = await run(seed, false);
  t.comment(`over 120 s: with Lifeguard ${on.failedProbes} failed probes (suspicions raised), ${on.suspectEvents} suspect events, ${on.falseFailures} false failures`);
  t.comment(`             without it   ${off.failedProbes} failed probes (suspicions raised), ${off.suspectEvents} suspect events, ${off.falseFailures} false failures`);
  t.ok(on.failedProbes * 2 < off.failedProbes, 'less than half the suspicions raised');
  t.ok(on.suspectEvents * 2 < off.suspectEvents, 'less than half the suspect events');
  t.ok(on.falseFailures <= off.falseFailures, 'no more false failures');
});
