import t from 'tap';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { encode } from '../../lib/core/codec.js';
import { PROTOCOL_VERSION } from '../../lib/butterfly/index.js';
import { MessageType } from '../../lib/butterfly/wire/messages.js';

const COMPOUND = MessageType.Compound;
import { eventually, freePort, runChorus } from '../helpers/proc.js';

/** Packets a hostile or broken peer might send: noise, truncations, wrong versions, absurd counts. */
function* badPackets(total: number, sample: Buffer): Generator<Buffer> {
  for (let i = 0; i < total; i++) {
    switch (i % 8) {
      case 0: yield randomBytes(1 + (i % 1400)); break;
      case 1: yield sample.subarray(0, i % sample.length); break;
      case 2: { const b = Buffer.from(sample); b[i % b.length] = i & 0xff; yield b; break; }
      case 3: yield Buffer.concat([Buffer.from([(PROTOCOL_VERSION + 1 + (i % 200)) & 0xff]), sample.subarray(1)]); break;
      case 4: yield Buffer.concat([Buffer.from([PROTOCOL_VERSION, 0xdd, 0xff, 0xff, 0xff, 0xff]), randomBytes(16)]); break; // array32 of 4 billion
      case 5: yield Buffer.concat([Buffer.from([PROTOCOL_VERSION, MessageType.Alive]), encode(Array.from({ length: i % 300 }, () => ({ id: 'x'.repeat(i % 64) })))]); break;
      case 6: yield Buffer.alloc(0); break;
      default: yield Buffer.from([PROTOCOL_VERSION, COMPOUND, 255, ...randomBytes(i % 30)]); // a compound packet promising 255 parts
    }
  }
}

t.test('100,000 bad packets at a live node: it keeps answering probes and counts the drops', async (t) => {
  const dir = t.testdir({});
  const ports = { http: await freePort(), gossip: await freePort(), ctl: await freePort() };
  const args = (i: number): string[] => [
    'sup', 'run', '--node-name', `n${i}`, '--data-dir', join(dir, `n${i}`), '--log-level', 'warn',
    '--listen-http', `127.0.0.${i}:${ports.http}`, '--listen-gossip', `127.0.0.${i}:${ports.gossip}`, '--listen-ctl', `127.0.0.${i}:${ports.ctl}`,
    ...(i === 1 ? [] : ['--peer', `127.0.0.1:${ports.gossip}`]),
  ];
  const a = runChorus(args(1));
  const b = runChorus(args(2));
  t.teardown(() => { for (const p of [a, b]) if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  const members = async (i: number) => (await (await fetch(`http://127.0.0.${i}:${ports.http}/v1/agent/members`)).json()) as Array<{ Name: string; Status: number }>;
  await eventually(async () => ((await members(2)).filter((m) => m.Status === 1).length === 2 ? true : undefined), 15_000);

  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  // A well-formed frame around a plausible message, for the truncations and bit flips to start from.
  const sample = Buffer.concat([Buffer.from([PROTOCOL_VERSION, MessageType.Ping]), encode({ seq: 1, from: 'x'.repeat(32), target: '127.0.0.1:1' })]);
  let sent = 0;
  const total = 100_000;
  const batch: Buffer[] = [];
  for (const packet of badPackets(total, sample)) {
    batch.push(packet);
    if (batch.length === 200) {
      // Pace the flood so the kernel's socket buffer, not the node, is the only thing that can drop.
      await Promise.all(batch.map((p) => new Promise<void>((resolve) => socket.send(p, ports.gossip, '127.0.0.1', () => resolve()))));
      sent += batch.length;
      batch.length = 0;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  t.equal(sent, total, `sent ${sent} packets`);

  // The node is alive, answers HTTP, and its peer still sees it alive (it kept answering probes).
  t.equal(a.child.exitCode, null, 'the node is still running');
  const doc = (await (await fetch(`http://127.0.0.1:${ports.http}/butterfly`)).json()) as { stats: { dropped: Record<string, number>; packetsReceived: number } };
  const dropped = Object.values(doc.stats.dropped).reduce((x, y) => x + y, 0);
  // The kernel may drop some datagrams when its buffer is full; what reached the node must be counted.
  t.ok(doc.stats.packetsReceived > total * 0.5, `${doc.stats.packetsReceived} packets reached the node`);
  t.ok(dropped > (doc.stats.packetsReceived - 2000) * 0.95, `drops counted: ${dropped} of ${doc.stats.packetsReceived} received (${JSON.stringify(doc.stats.dropped)})`);
  await eventually(async () => ((await members(2)).find((m) => m.Name === 'n1')?.Status === 1 ? true : undefined), 5000);
  const stillAlive = (await members(2)).find((m) => m.Name === 'n1');
  t.equal(stillAlive?.Status, 1, 'the peer never lost sight of the flooded node');
  t.notOk(a.stdout.some((l) => /"level":(50|60)/.test(l)), 'no errors logged');
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  t.equal(await a.exited, 0);
  t.equal(await b.exited, 0);
});
