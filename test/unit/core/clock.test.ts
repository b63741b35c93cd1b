import t from 'tap';
import { SystemClock, VirtualClock } from '../../../lib/core/clock.js';

t.test('virtual clock fires timers in time order, ties in the order they were set', async (t) => {
  const clock = new VirtualClock(1000);
  const fired: string[] = [];
  clock.setTimer(50, () => fired.push('b'));
  clock.setTimer(10, () => fired.push('a'));
  clock.setTimer(50, () => fired.push('c'));
  t.equal(clock.pending, 3);
  clock.advance(49);
  t.same(fired, ['a']);
  t.equal(clock.now(), 1049);
  clock.advance(1);
  t.same(fired, ['a', 'b', 'c']);
  t.equal(clock.pending, 0);
});

t.test('a timer sees the clock at its own due time and may set new timers', async (t) => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  clock.setTimer(10, () => {
    seen.push(clock.now());
    clock.setTimer(5, () => seen.push(clock.now()));
  });
  clock.advance(100);
  t.same(seen, [10, 15]);
  t.equal(clock.now(), 100);
});

t.test('cancelled timers never fire and are not pending', async (t) => {
  const clock = new VirtualClock();
  let fired = false;
  const timer = clock.setTimer(10, () => { fired = true; });
  clock.setTimer(20, () => undefined);
  timer.cancel();
  t.equal(clock.pending, 1);
  t.equal(clock.nextAt(), 20);
  clock.advance(30);
  t.equal(fired, false);
  t.equal(clock.nextAt(), undefined);
});

t.test('step jumps to the next timer; negative delays fire now', async (t) => {
  const clock = new VirtualClock();
  const order: number[] = [];
  for (const d of [30, -5, 7, 100, 3]) clock.setTimer(d, () => order.push(d));
  while (clock.step()) { /* drain */ }
  t.same(order, [-5, 3, 7, 30, 100]);
  t.equal(clock.now(), 100);
  t.equal(clock.step(), false);
  t.throws(() => clock.advanceTo(50), RangeError);
});

t.test('many timers come out sorted (heap order)', async (t) => {
  const clock = new VirtualClock();
  const got: number[] = [];
  const delays = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
  for (const d of delays) clock.setTimer(d, () => got.push(d));
  clock.advance(1000);
  t.same(got, [...delays].sort((a, b) => a - b));
});

t.test('system clock tells time and its timers fire and cancel', async (t) => {
  const clock = new SystemClock();
  const before = Date.now();
  t.ok(Math.abs(clock.now() - before) < 1000);
  const cancelled = clock.setTimer(1, () => t.fail('cancelled timer fired'));
  cancelled.cancel();
  await new Promise<void>((resolve) => {
    // The system clock's timers do not hold the process open, so keep one that does.
    const keep = setTimeout(() => undefined, 1000);
    clock.setTimer(5, () => { clearTimeout(keep); resolve(); });
  });
  t.pass('timer fired');
});
