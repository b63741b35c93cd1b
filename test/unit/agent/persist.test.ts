import t from 'tap';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../lib/core/clock.js';
import { createLogger } from '../../../lib/core/logger.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { LocalAgent } from '../../../lib/agent/index.js';
import { AgentStateFile } from '../../../lib/agent/persist.js';
import { fakeExecutors } from '../../helpers/agent.js';

/** 2026-01-02T03:04:05.678Z, so the set-aside name is predictable. */
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const ASIDE = 'local.json.corrupt-20260102T030405.678Z';

async function dataDir(t: { teardown(fn: () => unknown): void }, content?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-persist-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'agent'));
  if (content !== undefined) await writeFile(join(dir, 'agent/local.json'), content);
  return dir;
}

/** An agent over `dir` whose warnings a test can read. */
function agentOver(dir: string, clock = new VirtualClock(NOW)) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger, nodeName: 'node1', dataDir: dir, executors: fakeExecutors() });
  return { agent, lines, clock };
}

const service = (id: string, extra: Record<string, unknown> = {}) => ({
  Kind: '', ID: id, Service: id, Tags: [], Meta: {}, Port: 80, Address: '', SocketPath: '', TaggedAddresses: {},
  Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, ...extra,
});
const check = (id: string, extra: Record<string, unknown> = {}, definition: unknown = { Name: id, TTLMs: 60_000 }) => ({
  check: {
    Node: 'node1', CheckID: id, Name: id, Status: 'critical', Notes: '', Output: '', ServiceID: '', ServiceName: '', ServiceTags: [],
    Type: 'ttl', Interval: '', Timeout: '', ...extra,
  },
  definition,
});

for (const [what, content, reason] of [
  ['not JSON', '{"version":1,', /^not valid JSON: /],
  ['empty', '', /^not valid JSON: /],
  ['JSON but not an object', '[1,2]', /^not an agent state file: it does not hold a JSON object$/],
  ['another version', '{"version":2,"services":[],"checks":[]}', /^not an agent state file: version 2 is not one/],
  ['lists missing', '{"version":1,"services":{}}', /^not an agent state file: services or checks is not a list$/],
] as const) {
  t.test(`a state file that is ${what} is set aside and the agent starts empty`, async (t) => {
    const dir = await dataDir(t, content);
    const { agent, lines } = agentOver(dir);
    await agent.start();
    t.teardown(() => agent.stop());
    t.same(agent.servicesJson(), {});
    t.same(await readdir(join(dir, 'agent')), [ASIDE], 'the bad file is kept under its corrupt name, nothing left as local.json');
    t.equal(await readFile(join(dir, 'agent', ASIDE), 'utf8'), content, 'byte for byte');
    const warning = lines.find((l) => l.setAside !== undefined);
    t.match(warning, { level: 40, component: 'AGENT', path: join(dir, 'agent/local.json'), setAside: join(dir, 'agent', ASIDE), reason });
    await agent.registerService({ Name: 'web' });
    const saved = JSON.parse(await readFile(join(dir, 'agent/local.json'), 'utf8')) as { services: Array<{ ID: string }> };
    t.same(saved.services.map((s) => s.ID), ['web'], 'the next registration writes a fresh file');
  });
}

t.test('bad entries are left out one by one, each logged; the good ones come back; the file is copied aside', async (t) => {
  const content = JSON.stringify({
    version: 1,
    services: [service('web'), service('broken', { Port: '80' }), 'nonsense', service('', {})],
    checks: [
      check('alive'),
      check('bad-status', { Status: 'fine' }),
      check('bad-definition', {}, { Name: 'x', TTLMs: 1000, IntervalMs: 1000 }),
      { check: check('no-definition').check },
      check('maint', { Type: 'maintenance' }, null),
      { check: null },
    ],
  });
  const dir = await dataDir(t, content);
  const { agent, lines } = agentOver(dir);
  await agent.start();
  t.teardown(() => agent.stop());
  t.same(Object.keys(agent.servicesJson()), ['web']);
  t.same(Object.keys(agent.checksJson()).sort(), ['alive', 'maint']);
  const dropped = lines.filter((l) => l.kind !== undefined).map((l) => [l.kind, l.index, l.id, l.reason]);
  t.same(dropped, [
    ['service', 1, 'broken', 'Port has the wrong type'],
    ['service', 2, undefined, 'is not an object'],
    ['service', 3, '', 'ID has the wrong type'],
    ['check', 1, 'bad-status', 'check Status has the wrong type'],
    ['check', 2, 'bad-definition', 'definition Interval and TTL cannot both be specified'],
    ['check', 3, 'no-definition', 'definition is missing'],
    ['check', 5, undefined, 'check is not an object'],
  ]);
  t.ok(lines.every((l) => l.path === join(dir, 'agent/local.json')), 'every warning names the file');
  t.equal(await readFile(join(dir, 'agent', ASIDE), 'utf8'), content, 'the whole file is kept beside it');
  t.equal(await readFile(join(dir, 'agent/local.json'), 'utf8'), content, 'and stays in place until the next save');
});

t.test('a second set-aside at the same instant does not overwrite the first', async (t) => {
  const dir = await dataDir(t, 'garbage one');
  const clock = new VirtualClock(NOW);
  const file = () => new AgentStateFile(join(dir, 'agent/local.json'), { clock, logger: createLogger({ level: 'silent' }) });
  t.equal(await file().load(), undefined);
  await writeFile(join(dir, 'agent/local.json'), 'garbage two');
  t.equal(await file().load(), undefined);
  t.same((await readdir(join(dir, 'agent'))).sort(), [ASIDE, `${ASIDE}-1`]);
  t.equal(await readFile(join(dir, 'agent', ASIDE), 'utf8'), 'garbage one');
  t.equal(await readFile(join(dir, 'agent', `${ASIDE}-1`), 'utf8'), 'garbage two');
});

t.test('a well-formed file loads as saved, with nothing set aside', async (t) => {
  const content = JSON.stringify({ version: 1, services: [service('web')], checks: [check('alive')] });
  const dir = await dataDir(t, content);
  const { agent, lines } = agentOver(dir);
  await agent.start();
  t.teardown(() => agent.stop());
  t.same(Object.keys(agent.servicesJson()), ['web']);
  t.same(lines, []);
  t.same(await readdir(join(dir, 'agent')), ['local.json']);
});
