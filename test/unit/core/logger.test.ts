import t from 'tap';
import { createLogger, formatPretty, silentLogger } from '../../../lib/core/logger.js';

function capture(format: 'json' | 'pretty', level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ format, level, destination: { write: (l: string) => { lines.push(l); } } });
  return { logger, lines };
}

t.test('json lines carry level, time, message, component and fields', async (t) => {
  const { logger, lines } = capture('json');
  logger.child({ component: 'MR' }).info({ memberId: 'abc' }, 'hello');
  logger.debug('hidden at info');
  t.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!);
  t.equal(rec.msg, 'hello');
  t.equal(rec.level, 30);
  t.equal(rec.component, 'MR');
  t.equal(rec.memberId, 'abc');
  t.match(rec.time, /^\d{4}-\d\d-\d\dT/);
});

t.test('pretty lines read like Habitat\'s supervisor log', async (t) => {
  const { logger, lines } = capture('pretty', 'debug');
  const mr = logger.child({ component: 'MR' });
  mr.info({ memberId: 'e89b' }, 'Supervisor Member-ID e89b');
  mr.warn({ address: '0.0.0.0:1' }, 'careful');
  logger.debug('no component');
  t.same(lines, [
    'chorus-sup(MR): Supervisor Member-ID e89b\n',
    'chorus-sup(MR): WARN careful address=0.0.0.0:1\n',
    'chorus-sup(MR): DEBUG no component\n',
  ]);
});

t.test('formatPretty passes through what is not JSON', async (t) => {
  t.equal(formatPretty('not json'), 'not json\n');
  t.equal(formatPretty('x\n'), 'x\n');
  t.equal(formatPretty('{"level":50,"msg":"bad","n":{"a":1}}'), 'chorus-sup(MR): ERROR bad n={"a":1}\n');
});

t.test('silent logger writes nothing', async (t) => {
  const logger = silentLogger();
  t.equal(logger.level, 'silent');
  logger.error('nothing');
});
