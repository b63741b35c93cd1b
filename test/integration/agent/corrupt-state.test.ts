import t from 'tap';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNodeConfig } from '../../../lib/config/index.js';
import { createLogger } from '../../../lib/core/logger.js';
import { ChorusNode } from '../../../lib/node.js';
import { freeNodePorts } from '../../helpers/proc.js';

t.test('a node over a data directory with a garbage agent/local.json comes up, serves /v1/agent/services and keeps the file aside', async (t) => {
  const dataDir = t.testdir({});
  await mkdir(join(dataDir, 'agent'), { recursive: true });
  const garbage = '\u0000\u0001not json at all {{{';
  await writeFile(join(dataDir, 'agent/local.json'), garbage);
  const ports = await freeNodePorts();
  const config = await loadNodeConfig({
    flags: {
      dataDir,
      nodeName: 'corrupt-test',
      listenHttp: `127.0.0.1:${ports.http}`,
      listenGossip: `127.0.0.1:${ports.gossip}`,
      listenCtl: `127.0.0.1:${ports.ctl}`,
    },
    env: {},
    cwd: dataDir,
  });
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const node = new ChorusNode(config, { logger, env: { PATH: process.env.PATH } });
  await node.start();
  t.teardown(() => node.stop());

  const url = `http://127.0.0.1:${ports.http}`;
  const services = await fetch(`${url}/v1/agent/services`);
  t.equal(services.status, 200);
  t.same(await services.json(), {}, 'the agent starts empty');

  const asides = (await readdir(join(dataDir, 'agent'))).filter((f) => f.startsWith('local.json.corrupt-'));
  t.equal(asides.length, 1, 'the bad file is set aside');
  t.equal(await readFile(join(dataDir, 'agent', asides[0]!), 'utf8'), garbage);
  t.match(lines.find((l) => l.setAside !== undefined), {
    level: 40, path: join(dataDir, 'agent/local.json'), setAside: join(dataDir, 'agent', asides[0]!), reason: /^not valid JSON/,
  }, 'a warning names the file and the reason');

  const reg = await fetch(`${url}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'web', Port: 80 }) });
  t.equal(reg.status, 200, 'registrations work and persist again');
  const saved = JSON.parse(await readFile(join(dataDir, 'agent/local.json'), 'utf8')) as { services: Array<{ ID: string }> };
  t.same(saved.services.map((s) => s.ID), ['web']);
});
