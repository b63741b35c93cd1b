import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../../lib/core/clock.js';
import { BackgroundThreadPriority, linuxThreadOps, type ThreadOps } from '../../../lib/core/thread-priority.js';

/** A process with a main thread (1000) and some helpers; setPriority errors are scripted per thread. */
function fakeThreads(threads: number[], opts: { base?: number; errors?: Record<number, string> } = {}) {
  const nice = new Map<number, number>(threads.map((tid) => [tid, opts.base ?? 0]));
  const calls: number[] = [];
  const ops: ThreadOps & { threads: number[] } = {
    threads,
    listThreads: () => ops.threads.slice(),
    mainThread: 1000,
    getPriority: (tid) => nice.get(tid)!,
    setPriority: (tid, value) => {
      calls.push(tid);
      const code = opts.errors?.[tid];
      if (code !== undefined) throw Object.assign(new Error(`uv_os_setpriority returned ${code}`), { code: 'ERR_SYSTEM_ERROR', info: { code } });
      nice.set(tid, value);
    },
  };
  return { ops, nice, calls };
}

t.test('lowers every thread but the main one, relative to the main thread, capped at 19', async (t) => {
  const { ops, nice } = fakeThreads([1000, 1001, 1002, 1003]);
  const result = new BackgroundThreadPriority(10, new VirtualClock(), ops).lowerNew();
  t.same(result, { lowered: 3, failed: 0, nice: 10 });
  t.same([...nice.entries()], [[1000, 0], [1001, 10], [1002, 10], [1003, 10]]);

  const niced = fakeThreads([1000, 1001], { base: 15 });
  t.same(new BackgroundThreadPriority(10, new VirtualClock(), niced.ops).lowerNew(), { lowered: 1, failed: 0, nice: 19 }, 'a process started with nice 15 gets 19, not 25');
  t.equal(niced.nice.get(1000), 15, 'the main thread keeps its priority');
});

t.test('threads that start later are lowered by the periodic pass; none is set twice', async (t) => {
  const clock = new VirtualClock();
  const { ops, calls, nice } = fakeThreads([1000, 1001]);
  const priority = new BackgroundThreadPriority(5, clock, ops);
  t.same(priority.start(), { lowered: 1, failed: 0, nice: 5 });
  ops.threads.push(1002, 1003);
  clock.advance(29_999);
  t.same(calls, [1001], 'not before the rescan');
  clock.advance(1);
  t.equal(nice.get(1002), 5);
  t.equal(nice.get(1003), 5);
  clock.advance(30_000);
  t.same(calls, [1001, 1002, 1003], 'each thread once');

  // A thread id the kernel reuses after a thread ended is a new thread.
  ops.threads = [1000, 1002, 1003];
  clock.advance(30_000);
  ops.threads = [1000, 1001, 1002, 1003];
  nice.set(1001, 0);
  clock.advance(30_000);
  t.equal(nice.get(1001), 5);

  priority.stop();
  ops.threads.push(1004);
  clock.advance(120_000);
  t.notOk(calls.includes(1004), 'no pass after stop()');
});

t.test('a thread that ended meanwhile is no failure; a refused change is counted once', async (t) => {
  const { ops, calls } = fakeThreads([1000, 1001, 1002, 1003], { errors: { 1001: 'ESRCH', 1002: 'EPERM' } });
  const priority = new BackgroundThreadPriority(10, new VirtualClock(), ops);
  t.same(priority.lowerNew(), { lowered: 1, failed: 1, nice: 10 });
  ops.threads = [1000, 1002, 1003];
  t.same(priority.lowerNew(), { lowered: 0, failed: 0, nice: 10 }, 'EPERM is not retried on every pass');
  t.same(calls, [1001, 1002, 1003]);
});

t.test('nothing happens when turned off or where threads cannot be listed', async (t) => {
  const { ops, calls } = fakeThreads([1000, 1001]);
  const clock = new VirtualClock();
  t.equal(new BackgroundThreadPriority(0, clock, ops).start(), undefined);
  t.equal(new BackgroundThreadPriority(10, clock, { ...ops, listThreads: () => undefined }).start(), undefined);
  t.equal(new BackgroundThreadPriority(10, clock, { ...ops, getPriority: () => { throw new Error('no such process'); } }).lowerNew(), undefined);
  clock.advance(60_000);
  t.same(calls, []);
});

t.test('on Linux, a real process: helpers at nice 7, the main thread untouched', { skip: process.platform !== 'linux' && 'needs /proc/self/task (Linux)' }, async (t) => {
  t.ok(linuxThreadOps.listThreads()!.includes(process.pid));
  // In a child process, so this test's own threads keep their priority.
  const url = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    import { BackgroundThreadPriority } from ${url('../../../lib/core/thread-priority.js')};
    import { SystemClock } from ${url('../../../lib/core/clock.js')};
    const result = new BackgroundThreadPriority(7, new SystemClock()).lowerNew();
    // What the kernel says: the nice value is field 19 of /proc/self/task/TID/stat.
    const nice = Object.fromEntries(readdirSync('/proc/self/task').map((tid) =>
      [tid, Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16])]));
    process.stdout.write(JSON.stringify({ pid: process.pid, result, nice }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(child.status, 0, child.stderr);
  const { pid, result, nice } = JSON.parse(child.stdout) as { pid: number; result: { lowered: number; failed: number; nice: number }; nice: Record<string, number> };
  t.equal(result.failed, 0);
  t.equal(result.nice, 7);
  t.equal(nice[String(pid)], 0, 'main thread');
  const helpers = Object.entries(nice).filter(([tid]) => tid !== String(pid));
  t.equal(helpers.length, result.lowered, `${result.lowered} helper threads lowered`);
  t.ok(helpers.length >= 4, 'V8 has its worker threads from the start');
  t.ok(helpers.every(([, n]) => n === 7), JSON.stringify(helpers));
});
