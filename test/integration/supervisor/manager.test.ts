import t from 'tap';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { createLogger } from '../../../lib/core/logger.js';
import { ServiceManager, signalGroup, type Service, type SysInfo } from '../../../lib/supervisor/index.js';

const keepAlive = setInterval(() => undefined, 1000);
t.teardown(() => clearInterval(keepAlive));

const sys: SysInfo = {
  version: '0', member_id: 'm1', ip: '127.0.0.1', hostname: 'h', gossip_ip: '127.0.0.1', gossip_port: 9638,
  http_gateway_ip: '127.0.0.1', http_gateway_port: 9631, ctl_gateway_ip: '127.0.0.1', ctl_gateway_port: 9632, permanent: false,
};

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-mgr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function writePackage(name: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir();
  const all = {
    'package.toml': `name = "${name}"\norigin = "test"\nversion = "1"\n`,
    'hooks/run': '#!/bin/sh\necho "{{pkg.name}} up"\nexec sleep 1000\n',
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
    if (rel.startsWith('hooks/')) await chmod(join(dir, rel), 0o755);
  }
  return dir;
}

async function eventually(fn: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !fn()) await new Promise((r) => setTimeout(r, 25));
  return fn();
}

function makeManager(dataDir: string, lines: string[] = []): ServiceManager {
  const manager = new ServiceManager({
    clock: new SystemClock(),
    random: new SeededRandom(1),
    logger: createLogger({ destination: { write: (l) => void lines.push(l) } }),
    env: { PATH: process.env.PATH },
    sys,
    dataDir,
  });
  const pids = (): number[] => manager.list().map((s: Service) => s.processStatus().pid).filter((p): p is number => p !== null);
  t.teardown(async () => {
    const left = pids();
    await manager.stop();
    for (const pid of left) signalGroup(pid, 'SIGKILL');
  });
  return manager;
}

const up = (s: Service | undefined): boolean => s?.processStatus().state === 'up';

t.test('load, refuse, stop, restore after a restart, unload', async (t) => {
  const dataDir = await tempDir();
  const lines: string[] = [];
  const manager = makeManager(dataDir, lines);
  await manager.start();
  t.same(manager.list(), []);

  const alpha = await manager.load({ packagePath: await writePackage('alpha'), group: 'blue' });
  t.equal(alpha.serviceGroup, 'alpha.blue');
  t.ok(existsSync(join(dataDir, 'specs/alpha.spec')), 'spec persisted');
  t.ok(await eventually(() => up(alpha)));
  t.ok(await eventually(() => lines.some((l) => l.includes('alpha.blue(O): alpha up'))), 'run output reaches the node log');

  await t.rejects(manager.load({ packagePath: await writePackage('alpha') }), { code: 'CONFLICT', message: /already loaded/ });
  const bad = await writePackage('broken', { 'default.toml': 'a = 1\nb = [\n' });
  await t.rejects(manager.load({ packagePath: bad }), { code: 'INVALID_CONFIG', message: new RegExp(`${bad}/default\\.toml:3`) });
  await t.rejects(manager.load({ packagePath: await writePackage('lead'), topology: 'leader' }), { code: 'BAD_REQUEST' });
  t.ok(up(alpha), 'a refused load leaves the others running');
  t.same(manager.list().map((s) => s.serviceGroup), ['alpha.blue']);

  const beta = await manager.load({ packagePath: await writePackage('beta') });
  t.ok(await eventually(() => up(beta)));
  await manager.stopService('beta.default');
  t.equal(beta.processStatus().state, 'down');
  t.match(await readFile(join(dataDir, 'specs/beta.spec'), 'utf8'), /desiredState = "Down"/);

  t.throws(() => manager.find('nope'), { code: 'BAD_REQUEST' });
  t.equal(manager.find('nope.default'), undefined);
  t.throws(() => manager.find('nope.default', true), { code: 'NOT_FOUND' });
  await t.rejects(manager.unload('nope.default'), { code: 'NOT_FOUND' });

  // The node stops (or dies) and a new one starts from the same data directory.
  const alphaPid = alpha.processStatus().pid;
  await manager.stop();
  t.equal(alpha.processStatus().state, 'down');
  const again = makeManager(dataDir);
  await again.start();
  t.same(again.list().map((s) => s.serviceGroup), ['alpha.blue', 'beta.default']);
  const alpha2 = again.find('alpha.blue', true);
  t.ok(await eventually(() => up(alpha2)), 'alpha comes back up');
  t.not(alpha2.processStatus().pid, alphaPid);
  t.equal(again.find('beta.default', true).processStatus().state, 'down', 'beta stays stopped as it was left');

  await again.startService('beta.default');
  t.ok(await eventually(() => up(again.find('beta.default'))));

  const pid = alpha2.processStatus().pid!;
  await again.unload('alpha.blue');
  t.notOk(existsSync(join(dataDir, 'specs/alpha.spec')));
  t.equal(again.find('alpha.blue'), undefined);
  t.throws(() => process.kill(pid, 0), 'its process is gone');
});

t.test('a spec whose package disappeared is skipped on restore, the rest start', async (t) => {
  const dataDir = await tempDir();
  const lines: string[] = [];
  const first = makeManager(dataDir);
  await first.start();
  const gonePkg = await writePackage('gone');
  await first.load({ packagePath: gonePkg, desiredState: 'Down' });
  await first.load({ packagePath: await writePackage('kept'), desiredState: 'Down' });
  await first.stop();
  await rm(gonePkg, { recursive: true, force: true });
  const second = makeManager(dataDir, lines);
  await second.start();
  t.same(second.list().map((s) => s.serviceGroup), ['kept.default']);
  t.ok(lines.some((l) => l.includes('cannot restore service from') && l.includes('gone.spec')));
});

t.test('file upload lands in files/ and runs file-updated; old versions are refused', async (t) => {
  const dataDir = await tempDir();
  const manager = makeManager(dataDir);
  await manager.start();
  const svc = await manager.load({
    packagePath: await writePackage('filed', {
      'hooks/file-updated': '#!/bin/sh\nls "{{pkg.svc_files_path}}" > "{{pkg.svc_data_path}}/seen"\n',
    }),
  });
  t.ok(await eventually(() => up(svc)));
  await svc.applyServiceFile('app.pem', 3, new TextEncoder().encode('secret'));
  t.equal(await readFile(join(svc.layout.filesPath, 'app.pem'), 'utf8'), 'secret');
  t.equal(await readFile(join(svc.layout.dataPath, 'seen'), 'utf8'), 'app.pem\n');
  t.throws(() => svc.applyServiceFile('app.pem', 3, new Uint8Array()), { code: 'CONFLICT' });
  t.throws(() => svc.applyServiceFile('../x', 4, new Uint8Array()), { code: 'BAD_REQUEST' });
  await svc.applyServiceFile('app.pem', 4, new TextEncoder().encode('newer'));
  t.equal(await readFile(join(svc.layout.filesPath, 'app.pem'), 'utf8'), 'newer');
});
