import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chorus, eventually, freePort, runChorus, type RunningProcess } from '../helpers/proc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HELLO = join(root, 'cluster-configs', 'services', 'hello');
const GREETER = join(root, 'cluster-configs', 'services', 'greeter');

interface CensusMember { member_id: string; health: string; alive: boolean; sys: { ip: string } }
interface Census { census_groups: Record<string, { population: Record<string, CensusMember>; service_config: { incarnation: number } | null }> }

t.test('three nodes: services, census and health agree; config apply, file upload, restarts, critical health, unload and binds', async (t) => {
  const dir = t.testdir({});
  const ports = { http: await freePort(), gossip: await freePort(), ctl: await freePort() };
  const helloPort = await freePort();
  const greeterPort = await freePort();
  const env = { HAB_HELLO: `port = ${helloPort}`, HAB_GREETER: `port = ${greeterPort}` };
  const procs: RunningProcess[] = [];
  t.teardown(() => { for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  for (let i = 1; i <= 3; i++) {
    procs.push(runChorus([
      'sup', 'run', '--node-name', `node${i}`, '--data-dir', join(dir, `node${i}`),
      '--listen-http', `127.0.0.${i}:${ports.http}`, '--listen-gossip', `127.0.0.${i}:${ports.gossip}`, '--listen-ctl', `127.0.0.${i}:${ports.ctl}`,
      ...(i === 1 ? [] : ['--peer', `127.0.0.1:${ports.gossip}`]),
    ], env));
  }
  await Promise.all(procs.map((p) => p.waitForLine(/Starting http-gateway/)));
  const url = (i: number, path: string): string => `http://127.0.0.${i}:${ports.http}${path}`;
  const get = async <T>(i: number, path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(url(i, path));
    return { status: res.status, body: (await res.json()) as T };
  };
  const ctl = (i: number): string[] => ['-r', `127.0.0.${i}:${ports.ctl}`, '--data-dir', join(dir, `node${i}`)];
  const census = async (i: number): Promise<Census> => (await get<Census>(i, '/census')).body;
  const members = (c: Census, group: string): CensusMember[] => Object.values(c.census_groups[group]?.population ?? {});

  // Load hello on nodes 1 and 2, greeter bound to it on node 3, all through the CLI.
  for (const i of [1, 2]) {
    const r = await chorus(['svc', 'load', HELLO, '--health-check-interval', '1', ...ctl(i)]);
    t.equal(r.code, 0, r.stderr);
  }
  const g = await chorus(['svc', 'load', GREETER, '--bind', 'backend:hello.default', '--health-check-interval', '1', ...ctl(3)]);
  t.equal(g.code, 0, g.stderr);

  // /services, /census and the health route agree on every node.
  await eventually(async () => {
    for (const i of [1, 2, 3]) {
      const hello = members(await census(i), 'hello.default');
      if (hello.length !== 2 || hello.some((m) => m.health !== 'OK' || !m.alive)) return undefined;
    }
    for (const i of [1, 2]) {
      const h = await get<{ status: string }>(i, '/services/hello/default/health');
      const s = await get<Array<{ health_check: string }>>(i, '/services');
      if (h.status !== 200 || h.body.status !== 'OK' || s.body[0]?.health_check !== 'Ok') return undefined;
    }
    return true;
  }, 30_000, 200);
  t.pass('hello is OK in /services, in the health route and in every census');

  // The binding service renders the bound members and changes with them.
  const backendsFile = join(dir, 'node3', 'svc', 'greeter', 'config', 'backends.json');
  const backends = async (): Promise<string[]> => {
    try {
      return (JSON.parse(await readFile(backendsFile, 'utf8')) as { backends: Array<{ url: string }> }).backends.map((b) => b.url).sort();
    } catch {
      return [];
    }
  };
  t.same(await eventually(async () => ((await backends()).length === 2 ? backends() : undefined), 15_000), [
    `http://127.0.0.1:${helloPort}`, `http://127.0.0.2:${helloPort}`,
  ]);

  // config apply: a new version re-renders on both members; an older one is refused.
  const cfgFile = join(dir, 'v2.toml');
  await writeFile(cfgFile, 'message = "from config apply"\n');
  const apply = await chorus(['config', 'apply', 'hello.default', '2', cfgFile, ...ctl(3)]);
  t.equal(apply.code, 0, apply.stderr);
  await eventually(async () => {
    for (const i of [1, 2]) {
      const body = (await (await fetch(`http://127.0.0.${i}:${helloPort}/`)).json()) as { message: string };
      if (body.message !== 'from config apply') return undefined;
    }
    return true;
  }, 15_000, 200);
  t.pass('both members re-rendered and serve the applied config');
  t.equal((await get<{ message: string }>(2, '/services/hello/default/config')).body.message, 'from config apply');
  const stale = await chorus(['config', 'apply', 'hello.default', '1', cfgFile, ...ctl(1)]);
  t.equal(stale.code, 1);
  t.match(stale.stderr, /version 1 is not higher than the current version 2/);
  const badToml = await chorus(['config', 'apply', 'hello.default', '5', join(root, 'README.md'), ...ctl(1)]);
  t.equal(badToml.code, 2);
  t.match(badToml.stderr, /not valid TOML \(line \d+/);

  // file upload lands on both members.
  const upload = join(dir, 'motd.txt');
  await writeFile(upload, 'hello from file upload\n');
  t.equal((await chorus(['file', 'upload', 'hello.default', '1', upload, ...ctl(2)])).code, 0);
  for (const i of [1, 2]) {
    const path = join(dir, `node${i}`, 'svc', 'hello', 'files', 'motd.txt');
    t.equal(await eventually(async () => readFile(path, 'utf8').catch(() => undefined), 15_000), 'hello from file upload\n', `file on node${i}`);
  }

  // kill -9 of the service process: restarted, restart_count goes up.
  const [before] = (await get<Array<{ process: { pid: number }; restart_count: number }>>(1, '/services')).body;
  process.kill(before!.process.pid, 'SIGKILL');
  const after = await eventually(async () => {
    const [s] = (await get<Array<{ process: { pid: number | null; state: string }; restart_count: number }>>(1, '/services')).body;
    return s && s.process.pid !== null && s.process.pid !== before!.process.pid && s.process.state === 'up' ? s : undefined;
  }, 20_000, 200);
  t.ok(after.restart_count > before!.restart_count, `restart_count ${before!.restart_count} → ${after.restart_count}`);

  // A health hook exiting 2: the health route says 503 and the census CRITICAL, everywhere.
  await writeFile(cfgFile, 'message = "from config apply"\nhealth = "critical"\n');
  t.equal((await chorus(['config', 'apply', 'hello.default', '3', cfgFile, ...ctl(1)])).code, 0);
  await eventually(async () => {
    if ((await fetch(url(1, '/services/hello/default/health'))).status !== 503) return undefined;
    for (const i of [1, 2, 3]) if (members(await census(i), 'hello.default').some((m) => m.health !== 'CRITICAL')) return undefined;
    return true;
  }, 30_000, 200);
  t.pass('503 from the health route and CRITICAL in every census');

  // svc unload: gone from every census within 5 s, and the binder's config follows.
  t.equal((await chorus(['svc', 'unload', 'hello', ...ctl(2)])).code, 0);
  const unloaded = Date.now();
  await eventually(async () => {
    for (const i of [1, 2, 3]) if (members(await census(i), 'hello.default').length !== 1) return undefined;
    return true;
  }, 5000, 100);
  t.pass(`node2's hello left every census ${Date.now() - unloaded} ms after svc unload returned`);
  t.same(await eventually(async () => ((await backends()).length === 1 ? backends() : undefined), 10_000), [`http://127.0.0.1:${helloPort}`]);

  for (const p of procs) p.child.kill('SIGTERM');
  for (const p of procs) t.equal(await p.exited, 0);
});
