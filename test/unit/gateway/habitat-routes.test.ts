import t from 'tap';
import { createGatewayApp } from '../../../lib/gateway/app.js';
import type { HabitatView } from '../../../lib/gateway/types.js';
import { ChorusError, ErrorCode } from '../../../lib/core/errors.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { serve } from '../../helpers/http.js';
import { fakeGossip } from '../../helpers/gateway.js';

const HEALTH: Record<string, [string, number]> = {
  'ok.default': ['OK', 200],
  'warn.default': ['WARNING', 200],
  'crit.default': ['CRITICAL', 503],
  'unk.default': ['UNKNOWN', 500],
  'ok.default@acme': ['OK', 200],
};

const asked: string[] = [];
const view: HabitatView = {
  censusJson: () => '{"changed":false,"census_groups":{}}',
  services: () => Object.keys(HEALTH).map((g) => ({ service_group: g })),
  service: (group) => {
    asked.push(group);
    if (!/^[^.@#]+\.[^.@#]+(@[^.@#]+)?$/.test(group)) throw new ChorusError(ErrorCode.BadRequest, 'bad group');
    const entry = HEALTH[group];
    if (entry === undefined) throw new ChorusError(ErrorCode.NotFound, 'not loaded');
    return {
      model: () => ({ service_group: group }),
      config: () => ({ port: 1, nested: { a: true } }),
      health: async () => ({ body: { status: entry[0], stdout: 'out', stderr: '' }, httpStatus: entry[1] }),
    };
  },
};

t.test('service, config and health routes, with and without an org', async (t) => {
  const s = await serve(createGatewayApp({ logger: silentLogger(), isReady: () => true, gossip: fakeGossip(), habitat: view }));
  t.teardown(s.close);
  const one = await fetch(`${s.url}/services/ok/default`);
  t.equal(one.status, 200);
  t.equal(one.headers.get('content-type'), 'application/json');
  t.same(await one.json(), { service_group: 'ok.default' });
  t.same(await (await fetch(`${s.url}/services/ok/default/config`)).json(), { port: 1, nested: { a: true } });
  t.same(await (await fetch(`${s.url}/services/ok/default/acme`)).json(), { service_group: 'ok.default@acme' });
  t.same(await (await fetch(`${s.url}/services/ok/default/acme/config`)).json(), { port: 1, nested: { a: true } });
  for (const [group, [status, code]] of Object.entries(HEALTH)) {
    const [svc, rest] = group.split('.');
    const [grp, org] = rest!.split('@');
    const res = await fetch(`${s.url}/services/${svc}/${grp}${org ? `/${org}` : ''}/health`);
    t.equal(res.status, code, `${group} health → ${code}`);
    t.same(await res.json(), { status, stdout: 'out', stderr: '' });
  }
});

t.test('an invalid group is 400 and an unknown one 404, both with empty bodies', async (t) => {
  const s = await serve(createGatewayApp({ logger: silentLogger(), isReady: () => true, gossip: fakeGossip(), habitat: view }));
  t.teardown(s.close);
  for (const path of ['/services/nope/default', '/services/nope/default/health', '/services/nope/default/config', '/services/ok/default/other']) {
    const res = await fetch(`${s.url}${path}`);
    t.equal(res.status, 404, path);
    t.equal(await res.text(), '');
  }
  for (const path of ['/services/a%40b/default', '/services/ok/de%23fault/health']) {
    const res = await fetch(`${s.url}${path}`);
    t.equal(res.status, 400, path);
    t.equal(await res.text(), '');
  }
  t.ok(asked.includes('a@b.default'), 'path segments arrive decoded');
});

t.test('GET /census serves the cached document as JSON', async (t) => {
  const s = await serve(createGatewayApp({ logger: silentLogger(), isReady: () => true, gossip: fakeGossip(), habitat: view }));
  t.teardown(s.close);
  const res = await fetch(`${s.url}/census`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  t.equal(await res.text(), '{"changed":false,"census_groups":{}}');
});
