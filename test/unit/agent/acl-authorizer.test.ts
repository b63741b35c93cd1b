import t from 'tap';
import { ALLOW_ALL, DENY_ALL, MANAGE_ALL, PolicyAuthorizer, defaultAuthorizer } from '../../../lib/agent/acl/authorizer.js';
import { parseRules } from '../../../lib/agent/acl/rules.js';

const client = (rules: string, fallback: 'allow' | 'deny' = 'deny') => new PolicyAuthorizer(parseRules(rules), defaultAuthorizer(fallback));

t.test('keys: longest prefix decides, read < write, deny at its prefix', async (t) => {
  const a = client(`
key "" { policy = "read" }
key "app/" { policy = "write" }
key "app/secret/" { policy = "deny" }
key "app/secret/public" { policy = "read" }
`);
  t.ok(a.keyRead('anything'));
  t.notOk(a.keyWrite('anything'), 'read does not allow write');
  t.ok(a.keyWrite('app/x'));
  t.ok(a.keyRead('app/x'), 'write allows read');
  t.notOk(a.keyRead('app/secret/k'));
  t.notOk(a.keyWrite('app/secret/k'));
  t.ok(a.keyRead('app/secret/public/x'), 'a longer prefix overrides the deny below it');
  t.notOk(a.keyWrite('app/secret/public/x'));
  t.ok(a.keyWrite('app/'), 'the prefix itself matches');
  t.ok(a.keyWrite('app/secret'), 'app/secret is not under app/secret/');
});

t.test('no matching rule falls back to the default policy', async (t) => {
  const deny = client('key "app/" { policy = "write" }', 'deny');
  t.ok(deny.keyWrite('app/x'));
  t.notOk(deny.keyRead('other/x'));
  t.notOk(deny.keyWrite('other/x'));
  t.notOk(deny.serviceRead('web'));
  t.notOk(deny.operatorRead());
  const allow = client('key "app/" { policy = "read" }', 'allow');
  t.notOk(allow.keyWrite('app/x'), 'a matching rule wins over the allowing default');
  t.ok(allow.keyWrite('other/x'));
  t.ok(allow.serviceWrite('web'));
  t.ok(allow.keyringWrite());
  t.notOk(allow.aclManagement(), 'a client token never manages ACLs, even under allow');
});

t.test('keyWritePrefix needs write at the prefix and nothing short of write below it', async (t) => {
  const a = client(`
key "app/" { policy = "write" }
key "app/locked/" { policy = "read" }
key "tmp/" { policy = "write" }
`, 'allow');
  t.ok(a.keyWritePrefix('tmp/'));
  t.ok(a.keyWritePrefix('tmp/sub/'));
  t.notOk(a.keyWritePrefix('app/'), 'a read rule below the prefix blocks a recursive delete');
  t.ok(a.keyWritePrefix('app/other/'));
  t.notOk(a.keyWritePrefix('app/locked/x'));
  t.notOk(a.keyWritePrefix(''), 'the whole store holds read rules');
  t.ok(a.keyWritePrefix('zzz/'), 'no rule at or below: the default (allow)');
  const denyDefault = client('key "a/" { policy = "write" }', 'deny');
  t.notOk(denyDefault.keyWritePrefix('b/'));
  t.notOk(denyDefault.keyWritePrefix(''), 'the default denies the part outside a/');
  t.ok(denyDefault.keyWritePrefix('a/'));
  const denyBelow = client('key "" { policy = "write" }\nkey "a/x" { policy = "deny" }');
  t.notOk(denyBelow.keyWritePrefix('a/'));
  t.ok(denyBelow.keyWritePrefix('b/'));
});

t.test('several rules on one prefix: deny wins, otherwise the highest level', async (t) => {
  const a = client('key "a/" { policy = "write" }\nkey "a/" { policy = "deny" }\nkey "a/" { policy = "read" }');
  t.notOk(a.keyRead('a/x'));
  const b = client('key "a/" { policy = "read" }\nkey "a/" { policy = "write" }');
  t.ok(b.keyWrite('a/x'));
});

t.test('key list level: lists without reading values', async (t) => {
  const a = client('key "l/" { policy = "list" }\nkey "r/" { policy = "read" }\nkey "w/" { policy = "write" }');
  t.ok(a.keyList('l/'));
  t.ok(a.keyRead('l/x'), 'list implies read, as a level above it');
  t.notOk(a.keyWrite('l/x'));
  t.notOk(a.keyList('r/'));
  t.ok(a.keyList('w/'));
  t.notOk(a.keyList('x/'));
});

t.test('services, nodes, events, sessions, queries and agents are prefix rules too', async (t) => {
  const a = client(`
service "" { policy = "read" }
service "web" { policy = "write" }
node "db" { policy = "deny" }
node "" { policy = "read" }
event "deploy" { policy = "write" }
session "n" { policy = "write" }
query "q" { policy = "read" }
agent "n1" { policy = "write" }
agent "n2" { policy = "read" }
`);
  t.same([a.serviceRead('api'), a.serviceWrite('api'), a.serviceWrite('web-2')], [true, false, true]);
  t.same([a.nodeRead('web1'), a.nodeRead('db1'), a.nodeWrite('web1')], [true, false, false]);
  t.same([a.eventRead('deploy-x'), a.eventWrite('deploy'), a.eventRead('other')], [true, true, false]);
  t.same([a.sessionRead('n1'), a.sessionWrite('n1'), a.sessionWrite('m')], [true, true, false]);
  t.same([a.queryRead('q1'), a.queryWrite('q1')], [true, false]);
  t.same([a.agentRead('n1'), a.agentWrite('n1'), a.agentRead('n2'), a.agentWrite('n2'), a.agentRead('x')], [true, true, true, false, false]);
});

t.test('keyring and operator levels', async (t) => {
  const r = client('keyring = "read"\noperator = "write"');
  t.same([r.keyringRead(), r.keyringWrite(), r.operatorRead(), r.operatorWrite()], [true, false, true, true]);
  const d = client('keyring = "deny"\noperator = "deny"', 'allow');
  t.same([d.keyringRead(), d.keyringWrite(), d.operatorRead(), d.operatorWrite()], [false, false, false, false]);
  const none = client('', 'allow');
  t.same([none.keyringWrite(), none.operatorWrite()], [true, true]);
});

t.test('static authorizers: management allows all, allow all but ACLs, deny nothing', async (t) => {
  for (const [name, a, all, acl] of [['manage', MANAGE_ALL, true, true], ['allow', ALLOW_ALL, true, false], ['deny', DENY_ALL, false, false]] as const) {
    const checks = [
      a.keyRead('k'), a.keyList('k'), a.keyWrite('k'), a.keyWritePrefix(''), a.serviceRead('s'), a.serviceWrite('s'),
      a.nodeRead('n'), a.nodeWrite('n'), a.eventRead('e'), a.eventWrite('e'), a.sessionRead('n'), a.sessionWrite('n'),
      a.queryRead('q'), a.queryWrite('q'), a.agentRead('n'), a.agentWrite('n'), a.keyringRead(), a.keyringWrite(),
      a.operatorRead(), a.operatorWrite(),
    ];
    t.ok(checks.every((c) => c === all), `${name}: every check is ${all}`);
    t.equal(a.aclManagement(), acl, `${name}: ACL management ${acl}`);
    t.equal(a.management, acl);
  }
});
