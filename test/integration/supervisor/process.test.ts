import t from 'tap';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../../lib/core/clock.js';
import { processAlive } from '../../../lib/core/proc-table.js';
import {
  SupervisedProcess,
  groupAlive,
  reapStaleProcess,
  runHook,
  signalGroup,
  type HookCommand,
  type OutputStream,
} from '../../../lib/supervisor/process/index.js';

const clock = new SystemClock();
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-proc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function hook(dir: string, name: string, body: string, mode = 0o755): Promise<HookCommand> {
  const path = join(dir, name);
  await writeFile(path, body);
  await chmod(path, mode);
  return { path, cwd: dir, env };
}

/** Polls `fn` until it is true or the deadline passes; real-time tests never sleep a fixed time. */
async function eventually(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return fn();
}

// A zombie counts as gone: in a container whose PID 1 never reaps, an orphan killed with its group stays one.
const alive = processAlive;

/** Every process a test starts is killed at the end, even when the test fails. */
function track(proc: SupervisedProcess): SupervisedProcess {
  t.teardown(() => void signalGroup(proc.pid, 'SIGKILL'));
  return proc;
}

t.test('a run hook: output to log files (appended) and lines; stop sends SIGTERM to the group', async (t) => {
  const dir = await tempDir();
  const cmd = await hook(dir, 'run', '#!/bin/sh\necho "out $$"\necho err >&2\nprintf partial\nexec sleep 1000\n');
  const logs = { stdoutLog: join(dir, 'run.stdout.log'), stderrLog: join(dir, 'run.stderr.log') };
  await writeFile(logs.stdoutLog, 'earlier run\n');
  const lines: Array<[OutputStream, string]> = [];
  const before = clock.now();
  const proc = track(await SupervisedProcess.start(cmd, { clock, onLine: (s, l) => lines.push([s, l]) }, logs));
  const status = proc.status();
  t.equal(status.state, 'up');
  t.equal(status.pid, proc.pid);
  t.ok(status.stateEnteredAt >= before);
  t.ok(await eventually(() => lines.length >= 2), 'lines arrive while it runs');
  t.same(lines.slice(0, 2).sort(), [['stderr', 'err'], ['stdout', `out ${proc.pid}`]].sort());
  const exit = await proc.stop();
  t.same(exit, { code: null, signal: 'SIGTERM' });
  t.equal(proc.status().state, 'down');
  t.equal(proc.exit?.signal, 'SIGTERM');
  t.same(lines.at(-1), ['stdout', 'partial'], 'a last line without newline is flushed');
  t.equal(await readFile(logs.stdoutLog, 'utf8'), `earlier run\nout ${proc.pid}\npartial`);
  t.equal(await readFile(logs.stderrLog, 'utf8'), 'err\n');
  t.same(await proc.stop(), exit, 'stop is idempotent');
});

t.test('a process that ignores the shutdown signal is killed after the timeout', async (t) => {
  const dir = await tempDir();
  const cmd = await hook(dir, 'run', "#!/bin/sh\ntrap '' TERM\necho ready\nwhile :; do sleep 0.05; done\n");
  let ready = false;
  const proc = track(
    await SupervisedProcess.start(cmd, { clock, onLine: () => (ready = true) }, {
      stdoutLog: join(dir, 'o'),
      stderrLog: join(dir, 'e'),
      shutdownTimeoutMs: 300,
    }),
  );
  t.ok(await eventually(() => ready));
  const started = Date.now();
  const exit = await proc.stop();
  t.equal(exit.signal, 'SIGKILL');
  t.ok(Date.now() - started >= 290, 'waited the shutdown timeout first');
});

t.test('children the run hook started go with it, on stop and when it exits by itself', async (t) => {
  const dir = await tempDir();
  const cmd = await hook(dir, 'run', `#!/bin/sh\nsleep 1000 &\necho $! > ${dir}/child.pid\nexec sleep 1000\n`);
  const proc = track(await SupervisedProcess.start(cmd, { clock }, { stdoutLog: join(dir, 'o'), stderrLog: join(dir, 'e') }));
  const childPid = async (): Promise<number> => Number(await readFile(join(dir, 'child.pid'), 'utf8').catch(() => 'NaN'));
  t.ok(await eventually(async () => Number.isInteger(await childPid())));
  const child = await childPid();
  t.ok(alive(child));
  await proc.stop();
  t.ok(await eventually(() => !alive(child)), 'background child killed');
  t.notOk(groupAlive(proc.pid));

  const cmd2 = await hook(dir, 'run2', `#!/bin/sh\nsleep 1000 &\necho $! > ${dir}/child2.pid\necho bye\nexit 3\n`);
  const proc2 = track(await SupervisedProcess.start(cmd2, { clock }, { stdoutLog: join(dir, 'o'), stderrLog: join(dir, 'e') }));
  const exit = await proc2.exited;
  t.same(exit, { code: 3, signal: null });
  t.equal(proc2.status().state, 'down');
  const child2 = Number(await readFile(join(dir, 'child2.pid'), 'utf8'));
  t.ok(await eventually(() => !alive(child2)), 'leftover child of an exited run hook is killed');
});

t.test('a hook that cannot start is refused with a reason', async (t) => {
  const dir = await tempDir();
  const notExec = await hook(dir, 'run', '#!/bin/sh\nexit 0\n', 0o644);
  await t.rejects(SupervisedProcess.start(notExec, { clock }, { stdoutLog: join(dir, 'o'), stderrLog: join(dir, 'e') }), {
    message: /cannot run .*run: .*is it executable\?/,
  });
  await t.rejects(
    SupervisedProcess.start({ ...notExec, path: join(dir, 'missing') }, { clock }, { stdoutLog: join(dir, 'o'), stderrLog: join(dir, 'e') }),
    { message: /ENOENT/ },
  );
});

t.test('runHook: exit code, output and logs of the last run', async (t) => {
  const dir = await tempDir();
  const logs = { stdout: join(dir, 'health-check.stdout.log'), stderr: join(dir, 'health-check.stderr.log') };
  const lines: string[] = [];
  const first = await runHook(await hook(dir, 'hc', '#!/bin/sh\necho one\necho warn >&2\nexit 2\n'), { clock, onLine: (_s, l) => lines.push(l) }, { logs });
  t.equal(first.code, 2);
  t.equal(first.signal, null);
  t.equal(first.stdout, 'one\n');
  t.equal(first.stderr, 'warn\n');
  t.equal(first.timedOut, false);
  t.same(lines.sort(), ['one', 'warn']);
  t.equal(await readFile(logs.stdout, 'utf8'), 'one\n');
  const second = await runHook(await hook(dir, 'hc', '#!/bin/sh\necho two\nexit 0\n'), { clock }, { logs });
  t.equal(second.code, 0);
  t.equal(await readFile(logs.stdout, 'utf8'), 'two\n', 'replaced, not appended');
  t.equal(await readFile(logs.stderr, 'utf8'), '');
});

t.test('runHook: timeout and abort kill the hook group', async (t) => {
  const dir = await tempDir();
  const slow = await hook(dir, 'slow', `#!/bin/sh\nsleep 1000 &\necho $! > ${dir}/bg.pid\necho started\nwait\n`);
  const result = await runHook(slow, { clock }, { timeoutMs: 300 });
  t.equal(result.timedOut, true);
  t.equal(result.signal, 'SIGKILL');
  t.equal(result.stdout, 'started\n');
  const bg = Number(await readFile(join(dir, 'bg.pid'), 'utf8'));
  t.ok(await eventually(() => !alive(bg)), 'the hook group is gone');

  const controller = new AbortController();
  // The timeout is only a safety net so a broken abort cannot hang the suite.
  const pending = runHook(slow, { clock, onLine: () => controller.abort() }, { signal: controller.signal, timeoutMs: 10_000 });
  const aborted = await pending;
  t.equal(aborted.signal, 'SIGKILL');
  t.equal(aborted.timedOut, false);
  const bg2 = Number(await readFile(join(dir, 'bg.pid'), 'utf8'));
  t.ok(await eventually(() => !alive(bg2)));
  const before = await runHook(slow, { clock }, { signal: AbortSignal.abort() });
  t.ok(before.spawnError);
});

t.test('runHook: a hook that cannot start is reported, not thrown', async (t) => {
  const dir = await tempDir();
  const logs = { stdout: join(dir, 'x.stdout.log'), stderr: join(dir, 'x.stderr.log') };
  const result = await runHook(await hook(dir, 'noexec', '#!/bin/sh\n', 0o600), { clock }, { logs });
  t.equal(result.code, null);
  t.ok(result.spawnError);
  t.match(await readFile(logs.stderr, 'utf8'), /cannot run .*noexec/);
});

t.test('reapStaleProcess kills a leftover group that carries our marker, and nothing else', async (t) => {
  // SystemClock timers do not hold the event loop open (a node's sockets do);
  // here nothing else would while the reaper polls.
  const keepAlive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const dir = await tempDir();
  const marker = { name: 'CHORUS_SVC_MARK', value: 'abc123' };
  const cmd = await hook(dir, 'run', '#!/bin/sh\nexec sleep 1000\n');
  const pidFile = join(dir, 'PID');
  const other = track(await SupervisedProcess.start(cmd, { clock }, { stdoutLog: join(dir, 'o'), stderrLog: join(dir, 'e') }));
  await writeFile(pidFile, `${other.pid}\n`);
  t.equal(await reapStaleProcess(pidFile, marker, { clock }), undefined, 'no marker: left alone');
  t.ok(groupAlive(other.pid));
  await other.stop();

  const ours = track(
    await SupervisedProcess.start({ ...cmd, env: { ...env, [marker.name]: marker.value } }, { clock }, { stdoutLog: join(dir, 'o'), stderrLog: join(dir, 'e') }),
  );
  await writeFile(pidFile, `${ours.pid}\n`);
  t.equal(await reapStaleProcess(pidFile, marker, { clock }), ours.pid);
  t.equal((await ours.exited).signal, 'SIGKILL');
  t.equal(await reapStaleProcess(join(dir, 'nope'), marker, { clock }), undefined, 'no PID file');
  await writeFile(pidFile, 'garbage');
  t.equal(await reapStaleProcess(pidFile, marker, { clock }), undefined);
});
