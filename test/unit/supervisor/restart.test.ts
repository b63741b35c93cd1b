import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { Backoff, RestartTracker } from '../../../lib/supervisor/restart/index.js';

t.test('defaults restart at once, every time', async (t) => {
  const backoff = new Backoff(new SeededRandom(1));
  t.same([backoff.next(0), backoff.next(0), backoff.next(0)], [0, 0, 0]);
  t.equal(backoff.cooldownMs, 300_000);
});

t.test('decorrelated jitter: first wait is min, then within [min, prev*3], capped at max', async (t) => {
  for (let seed = 1; seed <= 50; seed++) {
    const backoff = new Backoff(new SeededRandom(seed), { minMs: 1000, maxMs: 20_000, cooldownMs: 60_000 });
    let previous = backoff.next(10);
    t.equal(previous, 1000);
    for (let i = 0; i < 20; i++) {
      const wait = backoff.next(10);
      if (wait < 1000 || wait > Math.min(20_000, previous * 3)) t.fail(`seed ${seed}: wait ${wait} after ${previous}`);
      previous = wait;
    }
  }
  // Over many failures the waits grow to the cap.
  const backoff = new Backoff(new SeededRandom(7), { minMs: 1000, maxMs: 20_000 });
  const waits = Array.from({ length: 40 }, () => backoff.next(0));
  t.equal(Math.max(...waits), 20_000);
});

t.test('equal min and max give a fixed wait; max below min is raised', async (t) => {
  const fixed = new Backoff(new SeededRandom(3), { minMs: 5000, maxMs: 5000 });
  t.same([fixed.next(0), fixed.next(0), fixed.next(0)], [5000, 5000, 5000]);
  t.equal(new Backoff(new SeededRandom(3), { minMs: 5000, maxMs: 10 }).maxMs, 5000);
});

t.test('a run longer than the cooldown resets the backoff', async (t) => {
  const backoff = new Backoff(new SeededRandom(9), { minMs: 1000, maxMs: 60_000, cooldownMs: 10_000 });
  backoff.next(0);
  for (let i = 0; i < 10; i++) backoff.next(0);
  t.equal(backoff.next(10_001), 1000, 'back to min after a long run');
  t.not(backoff.next(10_000), undefined);
});

t.test('tracker counts restarts, schedules the next and remembers how the last process ended', async (t) => {
  const clock = new VirtualClock(1_000_000);
  const tracker = new RestartTracker({ clock, random: new SeededRandom(2) }, { minMs: 2000, maxMs: 2000 });
  t.equal(tracker.restartCount, 0);
  t.equal(tracker.nextRestartAt, undefined);
  t.equal(tracker.lastProcessState, undefined);
  clock.advance(500);
  const wait = tracker.failed(42, 'run_hook_failed', 1_000_000);
  t.equal(wait, 2000);
  t.equal(tracker.restartCount, 1);
  t.equal(tracker.nextRestartAt, 1_000_500 + 2000);
  t.same(tracker.lastProcessState, { pid: 42, terminationReason: 'run_hook_failed', terminatedAt: 1_000_500 });
  tracker.restarted();
  t.equal(tracker.nextRestartAt, undefined);
  tracker.failed(null, 'init_hook_failed', clock.now());
  t.equal(tracker.restartCount, 2);
  tracker.stoppedOnPurpose(43, 'app_config_updated');
  t.equal(tracker.nextRestartAt, undefined);
  t.equal(tracker.restartCount, 2, 'purposeful restarts are not counted');
  t.equal(tracker.lastProcessState?.terminationReason, 'app_config_updated');
});
