import t from 'tap';
import { createGatewayApp } from '../../../lib/gateway/app.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { serve } from '../../helpers/http.js';
import { fakeGossip } from '../../helpers/gateway.js';
import type { ConsulMember } from '../../../lib/gateway/types.js';

const member = (name: string, role: string, status: number): ConsulMember => ({
  Name: name, Addr: '127.0.0.1', Port: 9638, Tags: { role, dc: 'dc1' }, Status: status,
  ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
});

async function app(t: { teardown(fn: () => unknown): void }) {
  const gossip = fakeGossip([member('a', 'consul', 1), member('b', 'node', 4)]);
  const s = await serve(createGatewayApp({ logger: silentLogger(), isReady: () => true, gossip, habitat: { censusJson: () => '{}', services: () => [], service: () => { throw new Error('unused'); } } }));
  t.teardown(s.close);
  return { s, gossip };
}

t.test('GET /v1/agent/members, LAN and WAN', async (t) => {
  const { s } = await app(t);
  const res = await fetch(`${s.url}/v1/agent/members`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  const body = (await res.json()) as ConsulMember[];
  t.same(body.map((m) => [m.Name, m.Status]), [['a', 1], ['b', 4]]);
  const wan = (await (await fetch(`${s.url}/v1/agent/members?wan=1`)).json()) as ConsulMember[];
  t.same(wan.map((m) => m.Name), ['a'], 'the WAN view lists servers');
  const bad = await fetch(`${s.url}/v1/agent/members?wan=1&segment=x`);
  t.equal(bad.status, 400);
  t.equal(await bad.text(), 'Cannot provide a segment with wan=true');
  const pretty = await (await fetch(`${s.url}/v1/agent/members?pretty`)).text();
  t.match(pretty, /\n    \{/);
});

t.test('PUT /v1/agent/join and force-leave', async (t) => {
  const { s, gossip } = await app(t);
  const ok = await fetch(`${s.url}/v1/agent/join/10.0.0.2:9638`, { method: 'PUT' });
  t.equal(ok.status, 200);
  t.equal(await ok.text(), '');
  t.same(gossip.joined, ['10.0.0.2:9638']);
  const fail = await fetch(`${s.url}/v1/agent/join/unreachable`, { method: 'PUT' });
  t.equal(fail.status, 500);
  t.equal(await fail.text(), 'failed to join unreachable: no answer');
  t.equal((await fetch(`${s.url}/v1/agent/join/x`)).status, 405, 'GET is not allowed');
  t.equal((await fetch(`${s.url}/v1/agent/force-leave/b`, { method: 'PUT' })).status, 200);
  t.same(gossip.departed, ['b']);
  const unknown = await fetch(`${s.url}/v1/agent/force-leave/zzz`, { method: 'PUT' });
  t.equal(unknown.status, 404);
  t.equal(await unknown.text(), "agent: No node found with name 'zzz'");
});

t.test('GET /butterfly is JSON from the gossip view', async (t) => {
  const { s } = await app(t);
  const res = await fetch(`${s.url}/butterfly`);
  t.equal(res.status, 200);
  t.same(Object.keys((await res.json()) as object), ['member', 'membership', 'departed_members']);
});
