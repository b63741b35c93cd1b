import t from 'tap';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chorus, eventually, freeNodePorts, freePort, runChorus, supRunArgs } from '../helpers/proc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HELLO = join(root, 'cluster-configs', 'services', 'hello');

async function json(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: res.status === 200 || res.status >= 500 ? await res.json() : await res.text() };
}

t.test('a service loaded through the CLI runs, is health-checked, restarts after kill -9, and unloads', async (t) => {
  const dir = t.testdir({});
  const ports = await freeNodePorts();
  const helloPort = await freePort();
  const node = runChorus(supRunArgs(dir, ports), { HAB_HELLO: `port = ${helloPort}` });
  t.teardown(() => { if (node.child.exitCode === null) node.child.kill('SIGKILL'); });
  await node.waitForLine(/Starting http-gateway/);
  const ctl = ['-r', `127.0.0.1:${ports.ctl}`, '--data-dir', dir];
  const url = `http://127.0.0.1:${ports.http}`;

  const empty = await chorus(['svc', 'status', ...ctl]);
  t.equal(empty.stdout, 'No services loaded.');

  const load = await chorus(['svc', 'load', HELLO, '--health-check-interval', '1', ...ctl]);
  t.equal(load.code, 0, load.stderr);
  t.match(load.stdout, 'The hello.default service was successfully loaded');

  const healthy = await eventually(async () => {
    const r = await json(`${url}/services/hello/default/health`);
    return r.status === 200 && r.body.status === 'OK' ? r : undefined;
  }, 20_000);
  t.match(healthy.body.stdout, /answered 200/);
  const served = await fetch(`http://127.0.0.1:${helloPort}/`);
  t.equal(served.status, 200, 'the service itself answers on its templated port');

  const list = await json(`${url}/services`);
  t.equal(list.body.length, 1);
  const item = list.body[0];
  t.equal(item.service_group, 'hello.default');
  t.equal(item.health_check, 'Ok');
  t.equal(item.cfg.port, helloPort, 'HAB_HELLO overrides default.toml');
  t.equal(item.desired_state, 'Up');
  t.same((await json(`${url}/services/hello/default/config`)).body.port, helloPort);

  const status = await chorus(['svc', 'status', 'hello', ...ctl]);
  const lines = status.stdout.split('\n');
  t.match(lines[0], /^package\s+type\s+desired\s+state\s+elapsed \(s\)\s+pid\s+group$/);
  t.match(lines[1], /^chorus\/hello\/\S+\s+standalone\s+up\s+up\s+\d+\s+\d+\s+hello\.default$/);

  // kill -9 the service's process: it comes back and restart_count goes up.
  const pid = item.process.pid as number;
  process.kill(pid, 'SIGKILL');
  const restarted = await eventually(async () => {
    const [s] = (await json(`${url}/services`)).body;
    return s.process.pid !== null && s.process.pid !== pid && s.process.state === 'up' ? s : undefined;
  }, 20_000);
  t.ok(restarted.restart_count >= 1, `restart_count ${restarted.restart_count}`);

  const again = await chorus(['svc', 'load', HELLO, ...ctl]);
  t.equal(again.code, 1);
  t.match(again.stderr, /already loaded/);

  t.equal((await chorus(['svc', 'stop', 'hello.default', ...ctl])).code, 0);
  t.match((await chorus(['svc', 'status', ...ctl])).stdout, /down\s+down\s+\d+\s+<none>/);
  t.equal((await chorus(['svc', 'unload', 'hello', ...ctl])).code, 0);
  t.same((await json(`${url}/services`)).body, []);
  t.equal((await json(`${url}/services/hello/default`)).status, 404);
  await t.rejects(fetch(`http://127.0.0.1:${helloPort}/`), 'the service process is gone');
  node.child.kill('SIGTERM');
  t.equal(await node.exited, 0);
});

t.test('a critical health hook makes the health route 503; services come back after a supervisor restart', async (t) => {
  const dir = t.testdir({});
  const ports = await freeNodePorts();
  const helloPort = await freePort();
  const env = { HAB_HELLO: `port = ${helloPort}\nhealth = "critical"` };
  let node = runChorus(supRunArgs(dir, ports), env);
  t.teardown(() => { if (node.child.exitCode === null) node.child.kill('SIGKILL'); });
  await node.waitForLine(/Starting http-gateway/);
  const ctl = ['-r', `127.0.0.1:${ports.ctl}`, '--data-dir', dir];
  const url = `http://127.0.0.1:${ports.http}`;
  t.equal((await chorus(['svc', 'load', HELLO, '--health-check-interval', '1', ...ctl])).code, 0);
  const critical = await eventually(async () => {
    const r = await json(`${url}/services/hello/default/health`);
    return r.status === 503 ? r : undefined;
  }, 20_000);
  t.equal(critical.body.status, 'CRITICAL');
  t.equal((await json(`${url}/services`)).body[0].health_check, 'Critical');

  node.child.kill('SIGTERM');
  t.equal(await node.exited, 0);
  await t.rejects(fetch(`http://127.0.0.1:${helloPort}/`), 'stopping the supervisor stops its services');
  node = runChorus(supRunArgs(dir, ports), { HAB_HELLO: `port = ${helloPort}` });
  await node.waitForLine(/Starting http-gateway/);
  const back = await eventually(async () => {
    const r = await json(`${url}/services/hello/default/health`);
    return r.status === 200 ? r : undefined;
  }, 20_000);
  t.equal(back.body.status, 'OK', 'the spec was kept in the data directory and the service restored');
  t.match(await readFile(join(dir, 'specs', 'hello.spec'), 'utf8'), /packagePath/);
  node.child.kill('SIGTERM');
  t.equal(await node.exited, 0);
});

t.test('a broken package is refused with the file and line, and the node keeps running its services', async (t) => {
  const dir = t.testdir({
    data: {},
    broken: {
      'package.toml': 'name = "broken"\norigin = "chorus"\nversion = "1.0.0"\n',
      'default.toml': 'port = 1\nthis is = = wrong\n',
      hooks: { run: '#!/bin/sh\nexec sleep 1000\n' },
    },
    nomanifest: { 'default.toml': '' },
  });
  const ports = await freeNodePorts();
  const helloPort = await freePort();
  const node = runChorus(supRunArgs(join(dir, 'data'), ports), { HAB_HELLO: `port = ${helloPort}` });
  t.teardown(() => { if (node.child.exitCode === null) node.child.kill('SIGKILL'); });
  await node.waitForLine(/Starting http-gateway/);
  const ctl = ['-r', `127.0.0.1:${ports.ctl}`, '--data-dir', join(dir, 'data')];
  t.equal((await chorus(['svc', 'load', HELLO, ...ctl])).code, 0);
  const broken = await chorus(['svc', 'load', join(dir, 'broken'), ...ctl]);
  t.not(broken.code, 0);
  t.match(broken.stderr, /broken\/default\.toml:2/);
  const missing = await chorus(['svc', 'load', join(dir, 'nomanifest'), ...ctl]);
  t.not(missing.code, 0);
  t.match(missing.stderr, /package\.toml/);
  const badFlag = await chorus(['svc', 'load', HELLO, '--health-check-interval', 'soon', ...ctl]);
  t.equal(badFlag.code, 2);
  t.match(badFlag.stderr, /--health-check-interval takes a whole number of seconds/);
  const list = await json(`http://127.0.0.1:${ports.http}/services`);
  t.same(list.body.map((s: { service_group: string }) => s.service_group), ['hello.default']);
  node.child.kill('SIGTERM');
  t.equal(await node.exited, 0);
});

t.test('kill -9 of the supervisor leaves no service process behind', async (t) => {
  const dir = t.testdir({});
  const ports = await freeNodePorts();
  const helloPort = await freePort();
  const node = runChorus(supRunArgs(dir, ports), { HAB_HELLO: `port = ${helloPort}` });
  t.teardown(() => { if (node.child.exitCode === null) node.child.kill('SIGKILL'); });
  await node.waitForLine(/Starting http-gateway/);
  t.equal((await chorus(['svc', 'load', HELLO, '-r', `127.0.0.1:${ports.ctl}`, '--data-dir', dir])).code, 0);
  const pid = await eventually(async () => {
    const [s] = (await json(`http://127.0.0.1:${ports.http}/services`)).body;
    return s?.process.state === 'up' ? (s.process.pid as number) : undefined;
  }, 20_000);
  node.child.kill('SIGKILL');
  await node.exited;
  // A process that ended but was not reaped yet (a zombie) counts as gone.
  const alive = (p: number): boolean => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  await eventually(async () => (alive(pid) ? undefined : true), 10_000);
  t.pass(`service process ${pid} ended with its supervisor`);
  await t.rejects(fetch(`http://127.0.0.1:${helloPort}/`), 'nothing listens on the service port');
});
