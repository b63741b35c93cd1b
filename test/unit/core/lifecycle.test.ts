import t from 'tap';
import { Lifecycle, type Startable } from '../../../lib/core/lifecycle.js';
import { ErrorCode, isChorusError } from '../../../lib/core/errors.js';

function recorder(log: string[], name: string, opts: { failStart?: boolean; failStop?: boolean } = {}): Startable {
  return {
    start: async () => {
      if (opts.failStart) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: async () => {
      log.push(`stop ${name}`);
      if (opts.failStop) throw new Error(`${name} cannot stop`);
    },
  };
}

t.test('starts in order, stops in reverse, aborts the shutdown signal first', async (t) => {
  const log: string[] = [];
  const lc = new Lifecycle();
  t.equal(lc.state, 'new');
  await lc.start([recorder(log, 'a'), recorder(log, 'b')]);
  t.equal(lc.state, 'running');
  lc.signal.addEventListener('abort', () => log.push('abort'));
  await Promise.all([lc.stop(), lc.stop()]);
  t.same(log, ['start a', 'start b', 'abort', 'stop b', 'stop a']);
  t.equal(lc.state, 'stopped');
  t.ok(lc.signal.aborted);
  t.ok(isChorusError(lc.signal.reason, ErrorCode.ShuttingDown));
  await lc.stop();
  t.equal(log.length, 5, 'stopping twice stops once');
});

t.test('a failed start stops what already started and rethrows', async (t) => {
  const log: string[] = [];
  const lc = new Lifecycle();
  await t.rejects(lc.start([recorder(log, 'a'), recorder(log, 'b', { failStart: true }), recorder(log, 'c')]), /b cannot start/);
  t.same(log, ['start a', 'stop a']);
  t.equal(lc.state, 'stopped');
  await t.rejects(lc.start([]), /cannot start from state stopped/);
});

t.test('one component failing to stop does not keep the others running', async (t) => {
  const log: string[] = [];
  const lc = new Lifecycle();
  await lc.start([recorder(log, 'a'), recorder(log, 'b', { failStop: true })]);
  await t.rejects(lc.stop(), /b cannot stop/);
  t.same(log, ['start a', 'start b', 'stop b', 'stop a']);

  const log2: string[] = [];
  const lc2 = new Lifecycle();
  await lc2.start([recorder(log2, 'a', { failStop: true }), recorder(log2, 'b', { failStop: true })]);
  await t.rejects(lc2.stop(), AggregateError);
});

t.test('stop during start prevents later components from starting', async (t) => {
  const log: string[] = [];
  const lc = new Lifecycle();
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const slow: Startable = { start: async () => { await gate; log.push('start slow'); }, stop: async () => { log.push('stop slow'); } };
  const starting = lc.start([slow, recorder(log, 'late')]);
  const stopping = lc.stop();
  release();
  await t.rejects(starting, /stopped while starting/);
  await stopping;
  t.notOk(log.includes('start late'));
});
