import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { CHORUS_VERSION } from '../../lib/version.js';
import { CHORUS_BUNDLE, chorus, eventually, freePort, fullyStarted, runChorus, type RunningProcess } from '../helpers/proc.js';

// What users run is the esbuild bundle (scripts/bundle.mjs), not the tsc
// output the other tests spawn. Its lazy parts (the node's Koa gateway,
// supervisor, Raft and agent; every command but `sup run`) are chunks that
// load through dynamic import() at run time: these tests make each of them
// load from dist/chorus/ in a real process.

interface Member { Name: string; Addr: string; Status: number }

/** Runs the bundle as an executable, through its shebang, with this Node first on PATH. */
function execBundle(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  return new Promise((resolve) => {
    execFile(CHORUS_BUNDLE, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Whether msgpackr's native addon loads on this machine at all (it is optional). */
function nativeAddonLoads(): boolean {
  try {
    createRequire(import.meta.url)('msgpackr-extract');
    return true;
  } catch {
    return false;
  }
}

t.test('the bundle is an executable that prints the version', async (t) => {
  t.ok(existsSync(CHORUS_BUNDLE), `${CHORUS_BUNDLE} exists (npm run build makes it)`);
  const res = await execBundle(['--version']);
  t.equal(res.code, 0, res.stderr);
  t.equal(res.stdout.trim(), CHORUS_VERSION);
});

t.test('a bad flag is a usage error from the bundle too', async (t) => {
  const res = await execBundle(['sup', 'run', '--listen-http', 'nowhere']);
  t.equal(res.code, 2);
  t.match(res.stderr, 'invalid value for --listen-http');
});

t.test('two bundled nodes form a ring; members, the Consul and Habitat routes answer; SIGTERM leaves cleanly', async (t) => {
  const dir = t.testdir({});
  const ports = { http: await freePort(), gossip: await freePort(), ctl: await freePort() };
  const nodes: RunningProcess[] = [];
  t.teardown(() => { for (const p of nodes) if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  for (const i of [1, 2]) {
    const host = `127.0.0.${i}`;
    nodes.push(runChorus([
      'sup', 'run', '--node-name', `node${i}`, '--data-dir', join(dir, `node${i}`),
      '--listen-http', `${host}:${ports.http}`, '--listen-gossip', `${host}:${ports.gossip}`, '--listen-ctl', `${host}:${ports.ctl}`,
      ...(i === 1 ? [] : ['--peer', `127.0.0.1:${ports.gossip}`]),
    ], {}, CHORUS_BUNDLE));
  }
  const url = (i: number): string => `http://127.0.0.${i}:${ports.http}`;

  const members = async (i: number): Promise<Member[]> => {
    const res = await fetch(`${url(i)}/v1/agent/members`);
    return res.status === 200 ? ((await res.json()) as Member[]) : [];
  };
  await eventually(async () => {
    for (const i of [1, 2]) if ((await members(i)).filter((m) => m.Status === 1).length !== 2) return undefined;
    return true;
  }, 15_000);
  // The membership answers as soon as gossip runs; the gateway chunk loads after it.
  for (const i of [1, 2]) await fullyStarted(url(i));
  const seen = await members(1);
  t.same(seen.map((m) => [m.Name, m.Addr, m.Status]).sort(), [['node1', '127.0.0.1', 1], ['node2', '127.0.0.2', 1]], 'both alive, as node1 sees them');

  const butterfly = await fetch(`${url(2)}/butterfly`);
  t.equal(butterfly.status, 200);
  const doc = (await butterfly.json()) as { membership: Record<string, { name: string; health: string }> };
  t.same(Object.values(doc.membership).map((m) => [m.name, m.health]).sort(), [['node1', 'Alive'], ['node2', 'Alive']], 'Habitat /butterfly on node2');

  // The members command is a chunk of its own, loaded only for commands other than sup run.
  const list = await chorus(['members', '-r', `127.0.0.1:${ports.ctl}`, '--data-dir', join(dir, 'node1')], {}, CHORUS_BUNDLE);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /^Node\s+Address\s+Status/);
  t.match(list.stdout, new RegExp(`\\nnode1\\s+127\\.0\\.0\\.1:${ports.gossip}\\s+alive\\s`));
  t.match(list.stdout, new RegExp(`\\nnode2\\s+127\\.0\\.0\\.2:${ports.gossip}\\s+alive\\s`));

  // msgpackr-extract stays outside the bundle; it must still be found from dist/chorus/.
  const maps = `/proc/${nodes[0]!.child.pid}/maps`;
  if (existsSync(maps) && nativeAddonLoads()) {
    t.match(readFileSync(maps, 'utf8'), /msgpackr-extract[^\n]*\.node\n/, 'the native msgpack decoder is loaded from node_modules');
  }

  nodes[1]!.child.kill('SIGTERM');
  t.equal(await nodes[1]!.exited, 0, 'node2 exits 0 on SIGTERM');
  await eventually(async () => ((await members(1)).find((m) => m.Name === 'node2')?.Status === 3 ? true : undefined), 10_000, 100);
  t.pass('node1 sees node2 left');
  nodes[0]!.child.kill('SIGTERM');
  t.equal(await nodes[0]!.exited, 0, 'node1 exits 0 on SIGTERM');
});
