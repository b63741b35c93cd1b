import t from 'tap';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chorus, eventually, freeNodePorts, freePort, runChorus, supRunArgs } from '../helpers/proc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HELLO = join(root, 'cluster-configs', 'services', 'hello');

t.test('a chorus node: supervised services are agent services; API registrations survive kill -9', async (t) => {
  const dir = t.testdir({});
  const ports = await freeNodePorts();
  const helloPort = await freePort();
  const env = { HAB_HELLO: `port = ${helloPort}` };
  let node = runChorus(supRunArgs(dir, ports), env);
  t.teardown(() => { if (node.child.exitCode === null) node.child.kill('SIGKILL'); });
  await node.waitForLine(/Starting http-gateway/);
  const url = `http://127.0.0.1:${ports.http}`;
  const ctl = ['-r', `127.0.0.1:${ports.ctl}`, '--data-dir', dir];

  t.equal((await chorus(['svc', 'load', HELLO, '--health-check-interval', '1', ...ctl])).code, 0);
  const passing = await eventually(async () => {
    const res = await fetch(`${url}/v1/agent/health/service/name/hello?format=text`);
    return res.status === 200 ? await res.text() : undefined;
  }, 20_000);
  t.equal(passing, 'passing', 'the health-check hook drives the agent check');
  const services = (await (await fetch(`${url}/v1/agent/services`)).json()) as Record<string, { Service: string; Port: number; Tags: string[] }>;
  t.match(services['hello.default'], { Service: 'hello', Tags: ['default'] });

  const put = (path: string, body?: unknown) => fetch(`${url}${path}`, { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  t.equal((await put('/v1/agent/service/register', { Name: 'web', Port: 80, Check: { TTL: '10m' } })).status, 200);
  t.equal((await put('/v1/agent/check/pass/service:web?note=ready')).status, 200);
  t.equal((await put('/v1/agent/maintenance?enable=true&reason=upgrade')).status, 200);
  const self = (await (await fetch(`${url}/v1/agent/self`)).json()) as { Stats: { agent: Record<string, string> } };
  t.equal(self.Stats.agent.services, '2');

  node.child.kill('SIGKILL');
  await node.exited;
  node = runChorus(supRunArgs(dir, ports), env);
  await node.waitForLine(/Starting http-gateway/);
  const checks = (await (await fetch(`${url}/v1/agent/checks`)).json()) as Record<string, { Status: string; Output: string; Notes: string }>;
  t.match(checks['service:web'], { Status: 'passing', Output: 'ready' }, 'the TTL report came back within its TTL');
  t.match(checks._node_maintenance, { Notes: 'upgrade' });
  const after = await eventually(async () => {
    const s = (await (await fetch(`${url}/v1/agent/services`)).json()) as Record<string, unknown>;
    return Object.keys(s).length === 2 ? Object.keys(s).sort() : undefined;
  }, 20_000);
  t.same(after, ['hello.default', 'web'], 'the supervisor brought its service back too');

  t.equal((await chorus(['svc', 'unload', 'hello', ...ctl])).code, 0);
  const gone = await eventually(async () => {
    const res = await fetch(`${url}/v1/agent/health/service/id/hello.default?format=text`);
    return res.status === 404 ? res.status : undefined;
  });
  t.equal(gone, 404, 'unloading deregisters');
  node.child.kill('SIGTERM');
  t.equal(await node.exited, 0);
});
