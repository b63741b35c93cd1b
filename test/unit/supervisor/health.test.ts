import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import {
  HealthCheckLoop,
  HealthCheckSchedule,
  healthDisplay,
  healthFromExitCode,
  healthFromProcessState,
  healthHttpStatus,
} from '../../../lib/supervisor/health/index.js';
import type { HealthStatus } from '../../../lib/supervisor/types.js';

t.test('exit codes map to health', async (t) => {
  t.equal(healthFromExitCode(0), 'Ok');
  t.equal(healthFromExitCode(1), 'Warning');
  t.equal(healthFromExitCode(2), 'Critical');
  t.equal(healthFromExitCode(3), 'Unknown');
  t.equal(healthFromExitCode(4), 'Unknown');
  t.equal(healthFromExitCode(127), 'Unknown');
  t.equal(healthFromExitCode(null), 'Unknown', 'killed or failed to run');
});

t.test('without a hook, health follows the process', async (t) => {
  t.equal(healthFromProcessState('up'), 'Ok');
  t.equal(healthFromProcessState('down'), 'Critical');
});

t.test('display spellings and HTTP statuses', async (t) => {
  t.same(
    (['Ok', 'Warning', 'Critical', 'Unknown'] as const).map((s) => [healthDisplay(s), healthHttpStatus(s)]),
    [['OK', 200], ['WARNING', 200], ['CRITICAL', 503], ['UNKNOWN', 500]],
  );
});

t.test('schedule: splay after the first ok, interval after later oks, short retry after non-ok', async (t) => {
  const splays = new Set<number>();
  for (let seed = 0; seed < 30; seed++) {
    const s = new HealthCheckSchedule(new SeededRandom(seed), 60_000);
    const first = s.delayAfter('Ok');
    t.ok(first >= 0 && first < 60_000, `splay ${first} in [0, interval)`);
    splays.add(first);
    t.equal(s.delayAfter('Ok'), 60_000);
    t.equal(s.delayAfter('Critical'), 30_000, 'non-ok retries after min(interval, 30 s)');
    t.equal(s.delayAfter('Warning'), 30_000);
    t.equal(s.delayAfter('Ok'), 60_000, 'splay happens once');
  }
  t.ok(splays.size > 20, 'splay is random');
  const short = new HealthCheckSchedule(new SeededRandom(1), 5000);
  t.equal(short.delayAfter('Unknown'), 5000);
});

/** Lets promise callbacks run after a timer fired on virtual time. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('loop runs the first check at once and then on schedule', async (t) => {
  const clock = new VirtualClock(0);
  const results: HealthStatus[] = ['Critical', 'Ok', 'Ok', 'Ok'];
  const ranAt: number[] = [];
  const seen: HealthStatus[] = [];
  const loop = new HealthCheckLoop(
    {
      clock,
      random: new SeededRandom(4),
      check: async () => {
        ranAt.push(clock.now());
        return results.shift() ?? 'Ok';
      },
      onResult: (status) => seen.push(status),
    },
    { intervalMs: 100_000 },
  );
  loop.start();
  clock.advance(0);
  await settle();
  t.same(ranAt, [0]);
  clock.advance(29_999);
  await settle();
  t.same(ranAt, [0], 'not before the 30 s retry');
  clock.advance(1);
  await settle();
  t.same(ranAt, [0, 30_000]);
  // Next comes the splay, then the interval.
  clock.step();
  await settle();
  t.equal(ranAt.length, 3);
  t.ok(ranAt[2]! - 30_000 < 100_000);
  clock.advance(99_999);
  await settle();
  t.equal(ranAt.length, 3);
  clock.advance(1);
  await settle();
  t.equal(ranAt.length, 4);
  t.same(seen, ['Critical', 'Ok', 'Ok', 'Ok']);
  loop.stop();
  t.equal(clock.pending, 0, 'stop cancels the timer');
});

t.test('a check that throws is Unknown; a result after stop is dropped', async (t) => {
  const clock = new VirtualClock(0);
  const seen: HealthStatus[] = [];
  let release: (s: HealthStatus) => void = () => undefined;
  let calls = 0;
  const loop = new HealthCheckLoop({
    clock,
    random: new SeededRandom(4),
    check: (signal) => {
      calls += 1;
      if (calls === 1) return Promise.reject(new Error('spawn failed'));
      t.equal(signal.aborted, false);
      return new Promise((resolve) => (release = resolve));
    },
    onResult: (status) => seen.push(status),
  });
  loop.start();
  loop.start();
  clock.advance(0);
  await settle();
  t.same(seen, ['Unknown']);
  clock.advance(30_000);
  await settle();
  t.equal(calls, 2);
  loop.stop();
  release('Ok');
  await settle();
  t.same(seen, ['Unknown'], 'late result ignored');
  t.equal(clock.pending, 0);
});
