import t, { type Test } from 'tap';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chorus, eventually, freePort, runChorus, type RunningProcess } from '../helpers/proc.js';

interface Member { Name: string; Addr: string; Status: number; Tags: Record<string, string> }

/** One node of a loopback cluster: node i on 127.0.0.i, every node on the same ports. */
class ClusterNode {
  proc: RunningProcess | undefined;
  constructor(readonly i: number, readonly dir: string, readonly ports: { http: number; gossip: number; ctl: number }, readonly extra: string[], readonly env: Record<string, string>) {}
  get host(): string { return `127.0.0.${this.i}`; }
  get url(): string { return `http://${this.host}:${this.ports.http}`; }
  start(): RunningProcess {
    const peer = this.i === 1 ? [] : ['--peer', `127.0.0.1:${this.ports.gossip}`];
    this.proc = runChorus([
      'sup', 'run', '--node-name', `node${this.i}`, '--data-dir', join(this.dir, `node${this.i}`),
      '--listen-http', `${this.host}:${this.ports.http}`, '--listen-gossip', `${this.host}:${this.ports.gossip}`,
      '--listen-ctl', `${this.host}:${this.ports.ctl}`, ...peer, ...this.extra,
    ], this.env);
    return this.proc;
  }
  async members(): Promise<Member[]> {
    const res = await fetch(`${this.url}/v1/agent/members`);
    return (await res.json()) as Member[];
  }
  async statusOf(name: string): Promise<number | undefined> {
    return (await this.members()).find((m) => m.Name === name)?.Status;
  }
}

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'chorus-e2e-'));

async function cluster(t: Test, n: number, extra: string[] = [], env: Record<string, string> = {}) {
  const dir = t.testdir({});
  const ports = { http: await freePort(), gossip: await freePort(), ctl: await freePort() };
  const nodes = Array.from({ length: n }, (_, k) => new ClusterNode(k + 1, dir, ports, extra, env));
  t.teardown(() => { for (const node of nodes) if (node.proc?.child.exitCode === null) node.proc.child.kill('SIGKILL'); });
  return { nodes, dir, ports };
}

t.test('five real nodes: all alive within 5 s; SIGKILL → failed, SIGTERM → left, restart → alive with a higher incarnation', async (t) => {
  const { nodes, dir } = await cluster(t, 5);
  for (const node of nodes) node.start();
  await Promise.all(nodes.map((node) => node.proc!.waitForLine(/Starting http-gateway/)));
  const started = Date.now();
  await eventually(async () => {
    for (const node of nodes) {
      const alive = (await node.members()).filter((m) => m.Status === 1).length;
      if (alive !== 5) return undefined;
    }
    return true;
  }, 5000);
  t.pass(`every node saw 5 alive ${Date.now() - started} ms after the last started`);
  const m = await nodes[0]!.members();
  t.same(m.map((x) => x.Name).sort(), ['node1', 'node2', 'node3', 'node4', 'node5']);
  t.equal(m.find((x) => x.Name === 'node3')!.Addr, '127.0.0.3');
  t.equal(m[0]!.Tags.dc, 'dc1');

  // SIGKILL node3: the others mark it failed (Status 4).
  nodes[2]!.proc!.child.kill('SIGKILL');
  const killedAt = Date.now();
  await eventually(async () => {
    for (const node of [nodes[0]!, nodes[1]!, nodes[3]!, nodes[4]!]) if ((await node.statusOf('node3')) !== 4) return undefined;
    return true;
  }, 30_000, 200);
  t.pass(`every live member marked node3 failed ${Date.now() - killedAt} ms after SIGKILL`);

  // SIGTERM node4: it leaves gracefully (Status 3), exit 0.
  nodes[3]!.proc!.child.kill('SIGTERM');
  t.equal(await nodes[3]!.proc!.exited, 0);
  await eventually(async () => {
    for (const node of [nodes[0]!, nodes[1]!, nodes[4]!]) if ((await node.statusOf('node4')) !== 3) return undefined;
    return true;
  }, 10_000, 100);
  t.pass('node4 is seen as left, not failed');

  const before = (await (await fetch(`${nodes[0]!.url}/butterfly`)).json()) as { membership: Record<string, { name: string; incarnation: number; health: string }> };
  const old = Object.values(before.membership).find((x) => x.name === 'node3')!;
  t.equal(old.health, 'Confirmed');

  // Restart node3 with its data directory: alive again with a higher incarnation.
  nodes[2]!.start();
  await nodes[2]!.proc!.waitForLine(/Starting http-gateway/);
  const back = await eventually(async () => {
    const doc = (await (await fetch(`${nodes[0]!.url}/butterfly`)).json()) as typeof before;
    const n3 = Object.values(doc.membership).find((x) => x.name === 'node3')!;
    return n3.health === 'Alive' ? n3 : undefined;
  }, 10_000, 100);
  t.ok(back.incarnation > old.incarnation, `incarnation ${old.incarnation} → ${back.incarnation}`);
  await eventually(async () => ((await nodes[1]!.statusOf('node3')) === 1 ? true : undefined), 10_000, 100);
  t.pass('node2 sees node3 alive again too');

  // chorus members and sup depart through the CLI.
  const ctl = ['-r', `127.0.0.1:${nodes[0]!.ports.ctl}`, '--data-dir', join(dir, 'node1')];
  const list = await chorus(['members', ...ctl]);
  t.match(list.stdout, /^Node\s+Address\s+Status/);
  t.match(list.stdout, /node4\s+127\.0\.0\.4:\d+\s+left/);
  const n4 = (JSON.parse((await chorus(['members', '--json', ...ctl])).stdout) as Array<{ Name: string; Id: string }>).find((x) => x.Name === 'node4')!;
  const depart = await chorus(['sup', 'depart', n4.Id, ...ctl]);
  t.equal(depart.code, 0, depart.stderr);
  t.match(depart.stdout, 'Departure recorded.');
  await eventually(async () => {
    const doc = (await (await fetch(`${nodes[1]!.url}/butterfly`)).json()) as { departed_members: string[] };
    return doc.departed_members.includes(n4.Id) ? true : undefined;
  }, 10_000, 100);
  t.pass('the departure reached another member');
  const bad = await chorus(['sup', 'depart', 'not-an-id', ...ctl]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /32 hexadecimal characters/);

  for (const node of [nodes[0]!, nodes[1]!, nodes[2]!, nodes[4]!]) node.proc!.child.kill('SIGTERM');
  for (const node of [nodes[0]!, nodes[1]!, nodes[2]!, nodes[4]!]) t.equal(await node.proc!.exited, 0);
});

t.test('ring encryption: nodes with the key form a ring; a node with the wrong key cannot join', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { nodes } = await cluster(t, 3, [], { CHORUS_RING_KEY: key });
  for (const node of nodes.slice(0, 2)) node.start();
  await Promise.all(nodes.slice(0, 2).map((n) => n.proc!.waitForLine(/Starting http-gateway/)));
  await eventually(async () => ((await nodes[1]!.members()).filter((m) => m.Status === 1).length === 2 ? true : undefined), 10_000);
  // Node 3 has another key.
  const intruder = new ClusterNode(3, await tempDir(), nodes[0]!.ports, [], { CHORUS_RING_KEY: randomBytes(32).toString('base64') });
  intruder.start();
  t.teardown(() => { if (intruder.proc?.child.exitCode === null) intruder.proc.child.kill('SIGKILL'); });
  await intruder.proc!.waitForLine(/Starting http-gateway/);
  await intruder.proc!.waitForLine(/no seed answered; retrying/, 10_000);
  t.same((await intruder.members()).map((m) => m.Name), ['node3'], 'the intruder sees only itself');
  t.same((await nodes[0]!.members()).map((m) => m.Name).sort(), ['node1', 'node2'], 'the ring never saw the intruder');
  const bad = await chorus(['sup', 'run', '--data-dir', await tempDir(), '--ring-key', '/nonexistent/key']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--ring-key: cannot read \/nonexistent\/key/);
  const badEnv = await chorus(['sup', 'run', '--data-dir', await tempDir()], { CHORUS_RING_KEY: 'short' });
  t.equal(badEnv.code, 2);
  t.match(badEnv.stderr, /CHORUS_RING_KEY: key 1 is not a base64 AES-256 key/);
  for (const node of [...nodes.slice(0, 2), intruder]) node.proc!.child.kill('SIGTERM');
});

t.test('PUT /v1/agent/join and force-leave', async (t) => {
  const { nodes } = await cluster(t, 2);
  // Node 2 is started without a peer: it joins through the HTTP API.
  nodes[0]!.start();
  const lone = new ClusterNode(2, await tempDir(), nodes[0]!.ports, [], {});
  lone.proc = runChorus(['sup', 'run', '--node-name', 'node2', '--data-dir', join(lone.dir, 'n2'), '--listen-http', `127.0.0.2:${lone.ports.http}`, '--listen-gossip', `127.0.0.2:${lone.ports.gossip}`, '--listen-ctl', `127.0.0.2:${lone.ports.ctl}`]);
  t.teardown(() => { if (lone.proc?.child.exitCode === null) lone.proc.child.kill('SIGKILL'); });
  await Promise.all([nodes[0]!.proc!.waitForLine(/Starting http-gateway/), lone.proc.waitForLine(/Starting http-gateway/)]);
  t.equal((await lone.members()).length, 1);
  const joined = await fetch(`${lone.url}/v1/agent/join/127.0.0.1:${lone.ports.gossip}`, { method: 'PUT' });
  t.equal(joined.status, 200);
  await eventually(async () => ((await nodes[0]!.members()).length === 2 ? true : undefined), 5000);
  const unreachable = await fetch(`${lone.url}/v1/agent/join/127.0.0.9:1`, { method: 'PUT' });
  t.equal(unreachable.status, 500);
  t.match(await unreachable.text(), /failed to join 127\.0\.0\.9:1/);
  const unknown = await fetch(`${lone.url}/v1/agent/force-leave/nobody`, { method: 'PUT' });
  t.equal(unknown.status, 404);
  lone.proc.child.kill('SIGKILL');
  await eventually(async () => ((await nodes[0]!.statusOf('node2')) === 4 ? true : undefined), 30_000, 200);
  const leave = await fetch(`${nodes[0]!.url}/v1/agent/force-leave/node2`, { method: 'PUT' });
  t.equal(leave.status, 200);
  t.equal(await nodes[0]!.statusOf('node2'), 3, 'force-left members show as left');
  nodes[0]!.proc!.child.kill('SIGTERM');
  t.equal(await nodes[0]!.proc!.exited, 0);
});
