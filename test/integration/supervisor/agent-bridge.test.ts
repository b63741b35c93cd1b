import t from 'tap';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { LocalAgent } from '../../../lib/agent/index.js';
import { ServiceManager, signalGroup, type Service, type SysInfo } from '../../../lib/supervisor/index.js';
import { SupervisorAgentBridge, agentNodeInfo, checkStatusFor } from '../../../lib/node/agent-bridge.js';

const keepAlive = setInterval(() => undefined, 1000);
t.teardown(() => clearInterval(keepAlive));

const sys: SysInfo = {
  version: '0', member_id: 'm1', ip: '127.0.0.1', hostname: 'h', gossip_ip: '127.0.0.1', gossip_port: 9638,
  http_gateway_ip: '127.0.0.1', http_gateway_port: 9631, ctl_gateway_ip: '127.0.0.1', ctl_gateway_port: 9632, permanent: false,
};

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-bridge-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function writePackage(name: string, files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
    if (rel.startsWith('hooks/')) await chmod(join(dir, rel), 0o755);
  }
  void name;
  return dir;
}

async function eventually(fn: () => boolean, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !fn()) await new Promise((r) => setTimeout(r, 25));
  return fn();
}

t.test('Habitat health maps to Consul statuses', async (t) => {
  t.same((['Ok', 'Warning', 'Critical', 'Unknown'] as const).map(checkStatusFor), ['passing', 'warning', 'critical', 'critical']);
  t.same(agentNodeInfo('n1', 'ab'.repeat(16), '10.0.0.1'), {
    Node: 'n1', ID: 'abababab-abab-abab-abab-abababababab', Address: '10.0.0.1',
    TaggedAddresses: { lan: '10.0.0.1', lan_ipv4: '10.0.0.1', wan: '10.0.0.1', wan_ipv4: '10.0.0.1' }, Meta: { 'consul-network-segment': '' },
  });
});

t.test('a loaded service is an agent service whose check follows its health-check hook; unloading deregisters it', async (t) => {
  const dataDir = await tempDir();
  const clock = new SystemClock();
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger: silentLogger(), nodeName: 'node1', dataDir });
  await agent.start();
  let bridge: SupervisorAgentBridge | undefined;
  const manager = new ServiceManager({
    clock, random: new SeededRandom(2), logger: silentLogger(), env: { PATH: process.env.PATH }, sys, dataDir,
    onChange: () => bridge?.changed(),
  });
  bridge = new SupervisorAgentBridge(agent, () => manager.list(), silentLogger());
  t.teardown(async () => {
    const pids = manager.list().map((s: Service) => s.processStatus().pid).filter((p): p is number => p !== null);
    await manager.stop();
    for (const pid of pids) signalGroup(pid, 'SIGKILL');
    await agent.stop();
  });
  await manager.start();

  // The hook's exit code comes from a file the test rewrites: 1 is Warning, 0 is Ok.
  const statusFile = join(dataDir, 'health-status');
  await writeFile(statusFile, '1');
  const pkg = await writePackage('hello', {
    'package.toml': 'name = "hello"\norigin = "test"\nversion = "1.2.0"\nexposes = ["port"]\n',
    'default.toml': 'port = 8080\n',
    'hooks/run': '#!/bin/sh\nexec sleep 1000\n',
    'hooks/health-check': `#!/bin/sh\necho checked\nexit $(cat ${statusFile})\n`,
  });
  await manager.load({ packagePath: pkg, group: 'default', healthCheckIntervalMs: 200 });

  t.ok(await eventually(() => agent.servicesJson()['hello.default'] !== undefined), 'registered');
  t.match(agent.servicesJson()['hello.default'], {
    ID: 'hello.default', Service: 'hello', Tags: ['default'], Port: 8080,
    Meta: { habitat_service_group: 'hello.default', habitat_package: 'test/hello/1.2.0' },
  });
  t.match(agent.checksJson()['service:hello.default'], { Name: "Service 'hello' check", ServiceID: 'hello.default', ServiceName: 'hello' });
  t.ok(await eventually(() => agent.checksJson()['service:hello.default']?.Status === 'warning'), 'a hook exiting 1 is warning');
  t.equal(agent.checksJson()['service:hello.default']!.Output, 'Habitat health: WARNING');
  t.equal(agent.serviceHealthByName('hello')[0]!.AggregatedStatus, 'warning');

  await writeFile(statusFile, '0');
  t.ok(await eventually(() => agent.checksJson()['service:hello.default']?.Status === 'passing'), 'then passing');

  await manager.unload('hello.default');
  await bridge.settled();
  t.same(agent.servicesJson(), {}, 'unloaded: deregistered');
  t.same(agent.checksJson(), {});
});
