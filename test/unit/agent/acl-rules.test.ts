import t from 'tap';
import { checkRules, parseRules } from '../../../lib/agent/acl/rules.js';
import { ErrorCode } from '../../../lib/core/errors.js';

const rulesOf = (text: string) => {
  const p = parseRules(text);
  const out: Record<string, unknown> = {};
  for (const [kind, rules] of Object.entries(p.prefixes)) if (rules.length > 0) out[kind] = rules.map((r) => [r.prefix, r.policy]);
  if (p.keyring !== undefined) out.keyring = p.keyring;
  if (p.operator !== undefined) out.operator = p.operator;
  return out;
};

t.test('empty and blank rules are an empty policy', async (t) => {
  t.same(rulesOf(''), {});
  t.same(rulesOf('  \n\t\n'), {});
  t.same(rulesOf('# only a comment\n// another\n/* and\na block */'), {});
});

t.test('HCL: blocks of every kind, global levels, comments, one line and many', async (t) => {
  const text = `
# the app's keys
key "" { policy = "read" }
key "app/" {
  policy = "write"   // all of them
}
key "app/secret/" { policy = "deny" }
service "web" { policy = "write" }
service "" {
  policy = "read"
}
node "" { policy = "read" }
event "deploy" { policy = "write" }
session "n1" { policy = "write" }
query "q" { policy = "read" }
agent "n1" { policy = "read" }
keyring = "write"
operator = "read"
/* a block
   comment */
`;
  t.same(rulesOf(text), {
    key: [['', 'read'], ['app/', 'write'], ['app/secret/', 'deny']],
    service: [['web', 'write'], ['', 'read']],
    event: [['deploy', 'write']],
    query: [['q', 'read']],
    node: [['', 'read']],
    session: [['n1', 'write']],
    agent: [['n1', 'read']],
    keyring: 'write',
    operator: 'read',
  });
});

t.test('HCL: commas, several entries on a line, key_prefix spelling, escapes, object form', async (t) => {
  t.same(rulesOf('key "a" { policy = "read" }, key "b" { policy = "write", }'), { key: [['a', 'read'], ['b', 'write']] });
  t.same(rulesOf('key_prefix "x/" { policy = "write" }'), { key: [['x/', 'write']] });
  t.same(rulesOf('key "q\\"uote\\\\" { policy = "read" }'), { key: [['q"uote\\', 'read']] });
  t.same(rulesOf('key {\n "a/" { policy = "write" }\n "b/" { policy = "deny" }\n}'), { key: [['a/', 'write'], ['b/', 'deny']] });
  t.same(rulesOf('key "" = { policy = "read" }'), { key: [['', 'read']] }, 'HCL also accepts = before a block');
  t.same(rulesOf('service "web" { policy = "write" intentions = "read" }'.replace(' intentions', '\nintentions')), { service: [['web', 'write']] });
  t.same(rulesOf('key "l/" { policy = "list" }'), { key: [['l/', 'list']] }, 'keys know the list level');
});

t.test('JSON form of the same rules', async (t) => {
  const json = JSON.stringify({
    key: { '': { policy: 'read' }, 'app/': { policy: 'write' } },
    service: [{ web: { policy: 'write' } }, { db: { policy: 'deny' } }],
    keyring: 'read',
    operator: 'write',
  });
  t.same(rulesOf(json), {
    key: [['', 'read'], ['app/', 'write']],
    service: [['web', 'write'], ['db', 'deny']],
    keyring: 'read',
    operator: 'write',
  });
  t.same(rulesOf('  {}  '), {});
});

t.test('bad levels answer with Consul\'s "Invalid ... policy" texts', async (t) => {
  t.throws(() => parseRules('key "app/" { policy = "admin" }'), { code: ErrorCode.BadRequest, message: 'Invalid key policy: &acl.KeyPolicy{Prefix:"app/", Policy:"admin"}' });
  t.throws(() => parseRules('key "app/" { }'), { message: 'Invalid key policy: &acl.KeyPolicy{Prefix:"app/", Policy:""}' }, 'a block without a policy');
  t.throws(() => parseRules('service "web" { policy = "list" }'), { message: 'Invalid service policy: &acl.ServicePolicy{Name:"web", Policy:"list"}' }, 'list is for keys only');
  t.throws(() => parseRules('event "" { policy = "wrote" }'), { message: 'Invalid event policy: &acl.EventPolicy{Event:"", Policy:"wrote"}' });
  t.throws(() => parseRules('keyring = "admin"'), { message: 'Invalid keyring policy: "admin"' });
  t.throws(() => parseRules('operator = "x"'), { message: 'Invalid operator policy: "x"' });
  t.throws(() => parseRules('{"key": {"a": {"policy": "nope"}}}'), { message: 'Invalid key policy: &acl.KeyPolicy{Prefix:"a", Policy:"nope"}' });
  t.throws(() => parseRules('{"keyring": 3}'), { message: 'Invalid keyring policy: "3"' });
});

t.test('malformed HCL: a clear error with line and column', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['key "app/" { policy = "write" ', /^Failed to parse ACL rules: At 1:\d+: object expected closing RBRACE got: EOF$/],
    ['key "app/ { policy = "write" }', /^Failed to parse ACL rules: At 1:\d+: /],
    ['key "a" { policy = "write" }\nkey "b" { policy = "read"\n', /^Failed to parse ACL rules: At 3:\d+: object expected closing RBRACE/],
    ['}', /^Failed to parse ACL rules: At 1:1: expected: IDENT \| STRING got: RBRACE$/],
    ['key "a" { policy = read }', /^Failed to parse ACL rules: At 1:20: unexpected "read" after "policy"$/],
    ['key "a" { policy = 3 }', /^Failed to parse ACL rules: At 1:20: illegal char "3"$/],
    ['key "a" { policy = "read" } key "b" { policy = "read" }', /^Failed to parse ACL rules: At 1:29: expected a new line or a comma/],
    ['keys "a" { policy = "read" }', /^Failed to parse ACL rules: At 1:1: unknown rule "keys"$/],
    ['key "a" { policy = "read" colour = "red" }'.replace(' colour', '\ncolour'), /^Failed to parse ACL rules: At 2:1: unknown field "colour" in key "a"$/],
    ['key "a" "b" { policy = "read" }', /takes one prefix, got 2/],
    ['keyring { policy = "read" }', /keyring must be a string/],
    ['key = "read"', /key needs a block/],
    ['key "a" { policy = "a\\q" }', /unknown escape sequence/],
    ['/* never closed', /At 1:1: comment not terminated/],
    ['key "a" { policy { x = "y" } }', /policy of key "a" must be a string/],
    ['key "a" { policy = true }', /policy of key "a" must be a string/],
    ['key { "a" = "read" }', /expected "prefix" \{ policy = "..." \} inside key/],
    ['key "a"', /unexpected EOF after "key"/],
    ['=', /expected: IDENT \| STRING got: "="/],
  ];
  for (const [text, message] of cases) {
    t.throws(() => parseRules(text), { code: ErrorCode.BadRequest, message }, JSON.stringify(text));
  }
});

t.test('malformed JSON: a clear error', async (t) => {
  t.match(checkRules('{"key": '), /^Failed to parse ACL rules: /);
  t.equal(checkRules('{"keys": {}}'), 'Failed to parse ACL rules: unknown rule "keys"');
  t.equal(checkRules('{"key": "read"}'), 'Failed to parse ACL rules: key must map prefixes to {"policy": "..."}');
  t.equal(checkRules('{"key": {"a": "read"}}'), 'Failed to parse ACL rules: key "a" must be {"policy": "..."}');
  t.equal(checkRules('{"key": {"a": {"policy": "read", "x": 1}}}'), 'Failed to parse ACL rules: unknown field "x" in key "a"');
  t.equal(checkRules('{"key": {"a": [{"policy": "read"}, {"policy": "deny"}]}}'), true, 'a list of rules for one prefix');
  t.equal(checkRules('key "" { policy = "read" }'), true);
});
