import t from 'tap';
import { join, resolve } from 'node:path';
import {
  checkSpecAgainstPackage,
  formatServiceGroup,
  loadPackage,
  parseBind,
  parseServiceGroup,
  parseServiceSpec,
  resolveBinds,
  serviceGroupOf,
  specFromToml,
  specToToml,
  svcInfo,
  selfMember,
  TemplateRenderer,
  type CensusMember,
  type SysInfo,
} from '../../../lib/supervisor/index.js';

const EXAMPLES = join(resolve(import.meta.dirname, '../../../..'), 'cluster-configs/services');

t.test('service groups parse as Habitat validates them', async (t) => {
  t.same(parseServiceGroup('hello.default'), { application: undefined, service: 'hello', group: 'default', org: undefined });
  t.same(parseServiceGroup('app#hello.blue@acme'), { application: 'app', service: 'hello', group: 'blue', org: 'acme' });
  for (const bad of ['hello', 'hello.', '.default', 'a.b.c', 'a.b@', 'a b.c', 'a.b@c@d']) {
    t.throws(() => parseServiceGroup(bad), { code: 'BAD_REQUEST' }, bad);
  }
  t.equal(formatServiceGroup(serviceGroupOf('hello', 'default', 'acme')), 'hello.default@acme');
  t.throws(() => serviceGroupOf('hel.lo', 'default'), { code: 'BAD_REQUEST' });
});

t.test('spec defaults are Habitat\'s', async (t) => {
  const spec = parseServiceSpec({ packagePath: '/p' });
  t.same(spec, {
    packagePath: '/p',
    group: 'default',
    topology: 'standalone',
    updateStrategy: 'none',
    updateCondition: 'latest',
    binds: [],
    bindingMode: 'strict',
    healthCheckIntervalMs: 30_000,
    desiredState: 'Up',
    minBackoffMs: 0,
    maxBackoffMs: 0,
    cooldownMs: 300_000,
  });
});

t.test('spec refusals', async (t) => {
  t.throws(() => parseServiceSpec({ packagePath: '/p', topology: 'leader' }), { code: 'BAD_REQUEST', message: /leader' is not available yet/ });
  t.throws(() => parseServiceSpec({ packagePath: '/p', group: 'a.b' }), { message: /group: must not contain/ });
  t.throws(() => parseServiceSpec({ packagePath: '/p', bogus: 1 }), { code: 'BAD_REQUEST' });
  t.throws(() => parseServiceSpec({ packagePath: '/p', healthCheckIntervalMs: 0 }), { message: /healthCheckIntervalMs/ });
  t.same(parseBind('backend:hello.default'), { name: 'backend', serviceGroup: 'hello.default' });
  t.throws(() => parseBind('backend'), { message: /expected NAME:SERVICE\.GROUP/ });
  t.throws(() => parseBind('backend:hello'), { code: 'BAD_REQUEST' });
});

t.test('spec binds are checked against the package', async (t) => {
  const greeter = await loadPackage(join(EXAMPLES, 'greeter'));
  t.throws(() => checkSpecAgainstPackage(parseServiceSpec({ packagePath: 'x' }), greeter), { message: /missing required bind 'backend': pass --bind backend:SERVICE\.GROUP/ });
  t.throws(() => checkSpecAgainstPackage(parseServiceSpec({ packagePath: 'x', binds: ['db:pg.default'] }), greeter), { message: /no bind named 'db' \(it declares: backend\)/ });
  t.throws(
    () => checkSpecAgainstPackage(parseServiceSpec({ packagePath: 'x', binds: ['backend:a.b', 'backend:c.d'] }), greeter),
    { message: /given twice/ },
  );
  t.doesNotThrow(() => checkSpecAgainstPackage(parseServiceSpec({ packagePath: 'x', binds: ['backend:hello.default'] }), greeter));
});

t.test('specs round-trip through their TOML file', async (t) => {
  const spec = parseServiceSpec({ packagePath: '/p', binds: ['backend:hello.default'], shutdownTimeoutMs: 1000, desiredState: 'Down' });
  t.same(specFromToml('/d/specs/x.spec', specToToml(spec)), spec);
  t.throws(() => specFromToml('/d/specs/x.spec', 'packagePath = '), { message: /^\/d\/specs\/x\.spec:1:/ });
  t.throws(() => specFromToml('/d/specs/x.spec', 'group = "x"'), { message: /^\/d\/specs\/x\.spec: invalid service spec: packagePath/ });
});

const sys: SysInfo = {
  version: '0', member_id: 'me', ip: '10.0.0.9', hostname: 'h', gossip_ip: '10.0.0.9', gossip_port: 9638,
  http_gateway_ip: '0.0.0.0', http_gateway_port: 9631, ctl_gateway_ip: '127.0.0.1', ctl_gateway_port: 9632, permanent: false,
};

function member(id: string, flags: Partial<CensusMember> = {}, cfg: Record<string, unknown> = { port: 1 }): CensusMember {
  const base = selfMember({ dir: '/', ident: { origin: 'o', name: 'hello', version: '1' }, manifest: { name: 'hello', origin: 'o', version: '1', exports: {}, binds: {}, bindsOptional: {}, exposes: [], deps: {}, shutdownSignal: 'TERM', shutdownTimeoutSec: 8 }, defaults: {}, hooks: {}, configTemplates: [] }, parseServiceSpec({ packagePath: '/' }), { ...sys, member_id: id }, {});
  return { ...base, cfg, ...flags };
}

t.test('binds resolve to active members that export the required keys', async (t) => {
  const greeter = await loadPackage(join(EXAMPLES, 'greeter'));
  const spec = parseServiceSpec({ packagePath: 'x', binds: ['backend:hello.default'] });
  let r = resolveBinds(spec, greeter, { groups: {} });
  t.same(r.unsatisfied, [{ name: 'backend', serviceGroup: 'hello.default', reason: 'group not found' }]);
  r = resolveBinds(spec, greeter, { groups: { 'hello.default': { members: [member('a', { alive: false, confirmed: true })] } } });
  t.equal(r.unsatisfied[0]?.reason, 'no active members');
  r = resolveBinds(spec, greeter, { groups: { 'hello.default': { members: [member('a', {}, {})] } } });
  t.equal(r.unsatisfied[0]?.reason, 'no active member exports port');
  r = resolveBinds(spec, greeter, {
    groups: { 'hello.default': { members: [member('c'), member('b', { alive: false, suspect: true }), member('a', { alive: false, departed: true })], leaderId: 'c' } },
  });
  t.same(r.unsatisfied, []);
  t.same(r.bind.backend!.members.map((m) => m.member_id), ['b', 'c'], 'alive and suspect, in member-id order');
  t.equal(r.bind.backend!.leader?.member_id, 'c');
  t.equal(r.bind.backend!.first?.member_id, 'c', 'first is the leader when there is one');
});

t.test('svc always holds this member, current, among the active others', async (t) => {
  const me = member('m');
  const svc = svcInfo(me, { members: [member('z'), member('m', { alive: false }), member('a', { alive: false })] });
  t.same(svc.members.map((m) => m.member_id), ['m', 'z']);
  t.equal(svc.me, me);
  t.equal(svc.first.member_id, 'm');
  t.equal(svc.leader, null);
  t.equal(svcInfo(me, undefined).members.length, 1);
});

t.test('the example packages load and their templates render', async (t) => {
  const hello = await loadPackage(join(EXAMPLES, 'hello'));
  t.same(hello.manifest.exports, { port: 'port' });
  t.same(Object.keys(hello.hooks).sort(), ['health-check', 'run']);
  const greeter = await loadPackage(join(EXAMPLES, 'greeter'));
  const tpl = greeter.configTemplates.find((c) => c.relPath === 'backends.json')!;
  const renderer = new TemplateRenderer();
  const render = (bind: Record<string, unknown>): unknown =>
    JSON.parse(renderer.compile(tpl.path, tpl.source).render({ sys, cfg: greeter.defaults, bind }));
  t.same(render({}), { host: '10.0.0.9', port: 8282, greeting: 'greetings', backends: [] }, 'relaxed binding without members');
  const members = [member('a', {}, { port: 81 }), member('b', { alive: false }, { port: 82 }), member('c', {}, { port: 83 })];
  t.same((render({ backend: { members } }) as { backends: unknown }).backends, [
    { member_id: 'a', url: 'http://10.0.0.9:81' },
    { member_id: 'c', url: 'http://10.0.0.9:83' },
  ]);
});
