import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { eventually } from '../helpers/proc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'cluster');

function cluster(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(script, args, { env: { ...process.env, CHORUS_CLUSTER_DIR: dir, CHORUS_CLUSTER_NO_BUILD: '1' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

t.test('scripts/cluster starts, lists, kills and stops a loopback cluster on the default ports', async (t) => {
  const dir = t.testdir({});
  t.teardown(() => cluster(dir, 'stop'));
  const start = await cluster(dir, 'start', '3');
  t.equal(start.code, 0, start.out);
  t.match(start.out, 'cluster of 3 up');
  const members = async (i: number) => (await (await fetch(`http://127.0.0.${i}:9631/v1/agent/members`)).json()) as Array<{ Name: string; Status: number }>;
  await eventually(async () => ((await members(3)).filter((m) => m.Status === 1).length === 3 ? true : undefined), 10_000);
  t.pass('all three see each other');
  const list = await cluster(dir, 'list');
  t.match(list.out, /node1\s+\d+\s+running\s+http:\/\/127\.0\.0\.1:9631/);
  t.match(list.out, /node3\s+\d+\s+running/);
  t.equal((await cluster(dir, 'kill', '2')).code, 0);
  t.match((await cluster(dir, 'list')).out, /node2\s+\d+\s+stopped/);
  t.equal((await cluster(dir, 'kill', '2')).code, 1, 'killing a stopped node is an error');
  const stop = await cluster(dir, 'stop');
  t.match(stop.out, 'stopped 2 node(s)');
  t.equal((await cluster(dir, 'start', 'many')).code, 2);
  t.equal((await cluster(dir, 'bogus')).code, 2);
});
