import t from 'tap';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { processAlive } from '../../../lib/core/proc-table.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { isChorusError } from '../../../lib/core/errors.js';
import {
  Service,
  checkSpecAgainstPackage,
  loadPackage,
  parseServiceSpec,
  signalGroup,
  type CensusMember,
  type CensusView,
  type ServiceSpecInput,
  type SysInfo,
} from '../../../lib/supervisor/index.js';

// dist/test/integration/supervisor → the repository root.
const ROOT = resolve(import.meta.dirname, '../../../..');
const EXAMPLES = join(ROOT, 'cluster-configs/services');
const clock = new SystemClock();
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

// SystemClock timers do not hold the event loop open; a node's sockets do. Here,
// between processes, nothing else would.
const keepAlive = setInterval(() => undefined, 1000);
t.teardown(() => clearInterval(keepAlive));

const sys: SysInfo = {
  version: '0.1.0',
  member_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ip: '127.0.0.1',
  hostname: 'localhost',
  gossip_ip: '127.0.0.1',
  gossip_port: 9638,
  http_gateway_ip: '127.0.0.1',
  http_gateway_port: 9631,
  ctl_gateway_ip: '127.0.0.1',
  ctl_gateway_port: 9632,
  permanent: false,
};

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-svc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function eventually(fn: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fn();
}

async function writePackage(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
    if (rel.startsWith('hooks/')) await chmod(join(dir, rel), 0o755);
  }
  return dir;
}

/** Creates a service; the test's teardown stops it and kills its process group whatever happened. */
async function makeService(
  packagePath: string,
  spec: Partial<ServiceSpecInput> = {},
  env: Record<string, string> = {},
  dataDir?: string,
): Promise<Service> {
  const pkg = await loadPackage(packagePath);
  const full = parseServiceSpec({ packagePath, healthCheckIntervalMs: 500, shutdownTimeoutMs: 2000, ...spec });
  checkSpecAgainstPackage(full, pkg);
  const service = await Service.create(
    { clock, random: new SeededRandom(1), logger: silentLogger(), env: { ...baseEnv, ...env }, sys },
    { spec: full, pkg, dataDir: dataDir ?? (await tempDir()) },
  );
  t.teardown(async () => {
    const pid = service.processStatus().pid;
    await service.stop();
    if (pid !== null) signalGroup(pid, 'SIGKILL');
  });
  return service;
}

async function httpGet(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json() };
}

function member(id: string, port: number, alive = true): CensusMember {
  return {
    member_id: id,
    pkg: { origin: 'chorus', name: 'hello', version: '0.1.0', release: null },
    package: 'chorus/hello/0.1.0',
    service: 'hello',
    group: 'default',
    org: null,
    persistent: false,
    leader: false,
    follower: false,
    update_leader: false,
    update_follower: false,
    election_is_running: false,
    election_is_no_quorum: false,
    election_is_finished: false,
    update_election_is_running: false,
    update_election_is_no_quorum: false,
    update_election_is_finished: false,
    sys: { ip: '127.0.0.1', hostname: id },
    alive,
    suspect: false,
    confirmed: !alive,
    departed: false,
    cfg: { port },
  };
}

t.test('the hello example: run, health, kill -9 restart, config apply, stop', async (t) => {
  const port = await freePort();
  // The env layer moves the port, as HAB_HELLO would.
  const service = await makeService(join(EXAMPLES, 'hello'), {}, { CHORUS_HELLO: `port = ${port}` });
  t.equal(service.serviceGroup, 'hello.default');
  t.equal(service.health, 'Unknown', 'Unknown until the first check');
  t.equal((await service.healthReport()).status, 'UNKNOWN');
  await service.start();
  const first = service.processStatus();
  t.equal(first.state, 'up');
  t.ok(first.pid);
  t.equal(await readFile(service.layout.pidFile, 'utf8'), `${first.pid}\n`);
  const rendered = JSON.parse(await readFile(join(service.layout.configPath, 'config.json'), 'utf8')) as Record<string, unknown>;
  t.same(rendered, { host: '127.0.0.1', port, message: 'hello from chorus', health: 'ok', member_id: sys.member_id, service_group: 'hello.default' });
  t.ok(await eventually(() => service.health === 'Ok'), 'health becomes OK');
  const report = await service.healthReport();
  t.equal(report.status, 'OK');
  t.match(report.stdout, /answered 200/);
  t.same((await httpGet(`http://127.0.0.1:${port}/`)).body, { message: 'hello from chorus', member_id: sys.member_id, service_group: 'hello.default' });
  t.match(await readFile(join(service.layout.logsPath, 'run.stdout.log'), 'utf8'), `hello listening on 127.0.0.1:${port}`);

  // kill -9 of the service process: restarted, counted.
  process.kill(first.pid!, 'SIGKILL');
  t.ok(await eventually(() => service.processStatus().pid !== null && service.processStatus().pid !== first.pid), 'restarted with a new pid');
  let model = service.queryModel();
  t.equal(model.restart_count, 1);
  t.equal(model.last_process_state?.termination_reason, 'run_hook_failed');
  t.equal(model.last_process_state?.pid, first.pid);
  t.equal(model.process.state, 'up');
  t.equal(model.next_restart_at, null);

  // A gossiped config version: re-rendered, restarted (no reconfigure hook), health follows.
  const before = service.processStatus().pid;
  await service.applyGossipConfig(2, 'health = "critical"\n');
  t.not(service.processStatus().pid, before, 'restarted for the new config');
  t.equal(service.queryModel().last_process_state?.termination_reason, 'app_config_updated');
  t.equal(service.queryModel().restart_count, 1, 'a config restart is not a failure');
  t.ok(await eventually(() => service.health === 'Critical'), 'health turns CRITICAL');
  t.equal((await service.healthReport()).status, 'CRITICAL');
  t.equal(service.cfg.health, 'critical');
  t.equal(service.configVersion, 2);
  t.throws(() => service.applyGossipConfig(2, 'health = "ok"\n'), { code: 'CONFLICT' });
  t.throws(() => service.applyGossipConfig(1, 'health = "ok"\n'), { code: 'CONFLICT' });

  const last = service.processStatus().pid!;
  await service.stop();
  model = service.queryModel();
  t.equal(model.process.state, 'down');
  t.equal(model.process.pid, null);
  t.equal(model.desired_state, 'Down');
  t.equal(service.health, 'Critical');
  t.notOk(existsSync(service.layout.pidFile), 'PID file removed');
  t.throws(() => process.kill(last, 0), 'the process is gone');
});

t.test('the greeter example waits for its bind, then renders and follows the bound members', async (t) => {
  const port = await freePort();
  const service = await makeService(join(EXAMPLES, 'greeter'), { binds: ['backend:hello.default'] }, { CHORUS_GREETER: `port = ${port}` });
  await service.start();
  t.equal(service.processStatus().state, 'down', 'strict binding: waits for the bound group');
  t.notOk(existsSync(join(service.layout.configPath, 'backends.json')));

  const census = (members: CensusMember[]): CensusView => ({ groups: { 'hello.default': { members } } });
  await service.updateCensus(census([member('m1', 9001)]));
  t.equal(service.processStatus().state, 'up', 'starts once a member exports port');
  const pid = service.processStatus().pid;
  const url = `http://127.0.0.1:${port}/`;
  t.ok(await eventually(async () => (await httpGet(url).catch(() => ({ status: 0 }))).status === 200));
  t.same((await httpGet(url)).body, { greeting: 'greetings', backends: [{ member_id: 'm1', url: 'http://127.0.0.1:9001' }] });

  await service.updateCensus(census([member('m1', 9001), member('m2', 9002), member('m3', 9003, false)]));
  t.equal(service.processStatus().pid, pid, 'reconfigured, not restarted');
  const backends = async (): Promise<unknown> => ((await httpGet(url)).body as { backends: unknown }).backends;
  t.ok(await eventually(async () => JSON.stringify(await backends()).includes('m2')), 'reloaded by the reconfigure hook');
  t.same(await backends(), [
    { member_id: 'm1', url: 'http://127.0.0.1:9001' },
    { member_id: 'm2', url: 'http://127.0.0.1:9002' },
  ], 'only alive members');

  await service.updateCensus(census([member('m2', 9002)]));
  t.ok(await eventually(async () => !JSON.stringify(await backends()).includes('m1')), 'a member that went away is dropped');
  t.same(JSON.parse(await readFile(join(service.layout.configPath, 'backends.json'), 'utf8')).backends, [
    { member_id: 'm2', url: 'http://127.0.0.1:9002' },
  ]);
  t.equal(service.processStatus().pid, pid);
});

t.test('init failure restarts with backoff; post-stop runs on stop', async (t) => {
  const pkg = await writePackage({
    'package.toml': 'name = "flaky"\norigin = "test"\nversion = "1"\n',
    'default.toml': 'fail_init = true\n',
    'hooks/init': '#!/bin/sh\necho init ran >> "{{pkg.svc_data_path}}/init.count"\n{{#if cfg.fail_init}}exit 1{{/if}}\n',
    'hooks/run': '#!/bin/sh\nexec sleep 1000\n',
    'hooks/post-stop': '#!/bin/sh\necho stopped > "{{pkg.svc_data_path}}/post-stop"\n',
  });
  const service = await makeService(pkg, { minBackoffMs: 200, maxBackoffMs: 400 });
  await service.start();
  t.equal(service.processStatus().state, 'down');
  const model = service.queryModel();
  t.equal(model.restart_count, 1);
  t.equal(model.last_process_state?.termination_reason, 'init_hook_failed');
  t.type(model.next_restart_at, 'number');
  t.equal(model.initialized, false);
  t.ok(await eventually(() => service.queryModel().restart_count >= 3), 'keeps retrying');
  const count = (await readFile(join(service.layout.dataPath, 'init.count'), 'utf8')).split('\n').length - 1;
  t.ok(count >= 3);
  t.match(await readFile(join(service.layout.logsPath, 'init.stdout.log'), 'utf8'), '');

  // Fixing the config lets init pass, and the run hook starts.
  await service.applyGossipConfig(1, 'fail_init = false\n');
  t.ok(await eventually(() => service.processStatus().state === 'up'), 'runs once init passes');
  t.equal(service.queryModel().initialized, true);
  t.equal(service.health, 'Ok', 'no health-check hook: follows the process');
  await service.stop();
  t.equal(await readFile(join(service.layout.dataPath, 'post-stop'), 'utf8'), 'stopped\n');
});

t.test('health-check exit codes and no orphan after a supervisor crash', async (t) => {
  const pkg = await writePackage({
    'package.toml': 'name = "checked"\norigin = "test"\nversion = "1"\n',
    'default.toml': 'code = 1\n',
    'hooks/run': '#!/bin/sh\nexec sleep 1000\n',
    'hooks/health-check': '#!/bin/sh\necho checking {{cfg.code}}\necho to-stderr >&2\nexit {{cfg.code}}\n',
    'hooks/reconfigure': '#!/bin/sh\ntrue\n',
  });
  const dataDir = await tempDir();
  const service = await makeService(pkg, {}, {}, dataDir);
  await service.start();
  t.ok(await eventually(() => service.health === 'Warning'));
  t.same(await service.healthReport(), { status: 'WARNING', stdout: 'checking 1\n', stderr: 'to-stderr\n' });
  const pid = service.processStatus().pid!;
  await service.applyGossipConfig(1, 'code = 7\n');
  t.equal(service.processStatus().pid, pid, 'reconfigure hook: no restart');
  t.ok(await eventually(() => service.health === 'Unknown'), 'exit 7 is UNKNOWN');
  await service.applyGossipConfig(2, 'code = 2\n');
  t.ok(await eventually(() => service.health === 'Critical'));

  // The supervisor dies without stopping the service; the next one reaps it before starting.
  // This one lives on in the test process, so keep it from restarting the child the next one kills:
  // its restart would reap, by the shared pid file, the next one's process (a dead supervisor restarts nothing).
  service.spec.desiredState = 'Down';
  const again = await makeService(pkg, {}, {}, dataDir);
  await again.start();
  t.ok(await eventually(() => !processAlive(pid)), 'the orphan from the crashed supervisor is killed');
  t.not(again.processStatus().pid, pid);
  t.equal(again.processStatus().state, 'up');
});

t.test('the /services model has Habitat\'s fields in Habitat\'s order', async (t) => {
  const port = await freePort();
  const service = await makeService(join(EXAMPLES, 'hello'), { group: 'blue' }, { CHORUS_HELLO: `port = ${port}` });
  const model = service.queryModel();
  t.same(Object.keys(model), [
    'all_pkg_binds', 'binding_mode', 'binds', 'bldr_url', 'cfg', 'channel', 'config_from', 'desired_state', 'health_check',
    'hooks', 'initialized', 'last_election_status', 'manager_fs_cfg', 'pkg', 'process', 'last_process_state', 'next_restart_at',
    'restart_count', 'restart_config', 'service_group', 'spec_file', 'spec_ident', 'spec_identifier', 'svc_encrypted_password',
    'health_check_interval', 'sys', 'topology', 'update_strategy', 'update_condition', 'user_config_updated',
  ]);
  t.equal(model.service_group, 'hello.blue');
  t.equal(model.pkg.ident, 'chorus/hello/0.1.0');
  t.same(model.pkg.exposes, [String(port)]);
  t.same(model.pkg.exports, { port: 'port' });
  t.equal(model.pkg.svc_config_path, service.layout.configPath);
  t.same(Object.keys(model.hooks), ['health_check', 'init', 'file_updated', 'reconfigure', 'suitability', 'run', 'post_run', 'post_stop']);
  t.equal(model.hooks.init, null);
  t.equal(model.hooks.run?.render_pair, join(service.layout.hooksPath, 'run'));
  t.same(model.health_check_interval, { secs: 0, nanos: 500_000_000 });
  t.same(model.restart_config.cooldown_period, { secs: 300, nanos: 0 });
  t.equal(model.process.state, 'down');
  t.equal(model.spec_identifier, 'chorus/hello');
  t.same(service.exportedCfg, { port });
  t.same(JSON.parse(JSON.stringify(model)), model, 'plain JSON');
});

t.test('bad user.toml and bad env config are refused with where they are', async (t) => {
  const dataDir = await tempDir();
  const userToml = join(dataDir, 'user/hello/config/user.toml');
  await mkdir(dirname(userToml), { recursive: true });
  await writeFile(userToml, 'port = 1\nmessage = \n');
  try {
    await makeService(join(EXAMPLES, 'hello'), {}, {}, dataDir);
    t.fail('accepted');
  } catch (err) {
    t.ok(isChorusError(err, 'INVALID_CONFIG'));
    t.match((err as Error).message, `${userToml}:2:`);
  }
  await writeFile(userToml, 'message = "from user.toml"\n');
  const service = await makeService(join(EXAMPLES, 'hello'), {}, {}, dataDir);
  t.equal(service.cfg.message, 'from user.toml');
  await t.rejects(makeService(join(EXAMPLES, 'hello'), {}, { HAB_HELLO: '{not json' }), { message: /HAB_HELLO is neither TOML/ });
});
