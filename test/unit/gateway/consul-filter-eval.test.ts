import t from 'tap';
import { AGENT_SERVICE, CHECK_SERVICE_NODE, compileFilter, FilterError, HEALTH_CHECK, NODE, PASS_ALL } from '../../../lib/gateway/consul/filter/index.js';
import type { FilterShape } from '../../../lib/gateway/consul/filter/index.js';

const check = (CheckID: string, Status: string, extra: Record<string, unknown> = {}) => ({
  Node: 'n1', CheckID, Name: CheckID, Status, Notes: '', Output: '', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '', Interval: '',
  Timeout: '', ExposedPort: 0, Definition: {}, CreateIndex: 1, ModifyIndex: 1, ...extra,
});

/** Two /v1/health/service entries, as the endpoint answers them. */
const WEB1 = {
  Node: { ID: 'id-1', Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.1' }, Meta: { env: 'qa', 'rack-id': 'r1' }, CreateIndex: 1, ModifyIndex: 1 },
  Service: {
    ID: 'web1', Service: 'web', Tags: ['primary', 'v1'], Address: '', TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 8080 } }, Meta: {}, Port: 8080,
    Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: true, Proxy: { Mode: '', MeshGateway: {}, Expose: {} }, Connect: {}, PeerName: '',
  },
  Checks: [check('serfHealth', 'passing'), check('service:web1', 'critical', { ServiceID: 'web1', ServiceName: 'web', ServiceTags: ['primary', 'v1'] })],
};
const WEB2 = {
  Node: { ID: 'id-2', Node: 'n2', Address: '10.0.0.2', Datacenter: 'dc1', TaggedAddresses: null, Meta: null, CreateIndex: 2, ModifyIndex: 2 },
  Service: { ID: 'web2', Service: 'web', Tags: [], Address: '10.0.0.22', Meta: { version: '2.0' }, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, PeerName: '' },
  Checks: [check('serfHealth', 'passing')],
};
const NO_CHECKS = { ...WEB2, Service: { ...WEB2.Service, ID: 'web3' }, Checks: [] };
const ENTRIES = [WEB1, WEB2, NO_CHECKS];

/** The IDs of the health entries the expression keeps. */
function kept(expression: string): string[] {
  return compileFilter(expression, CHECK_SERVICE_NODE).list(ENTRIES).map((e) => e.Service.ID);
}

/** The message of the FilterError compiling throws, without bexpr.CreateFilter's prefix. */
function refusal(expression: string, shape: FilterShape = CHECK_SERVICE_NODE): string {
  try {
    compileFilter(expression, shape);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return err.message.replace(/^Failed to create boolean expression evaluator: /, '');
  }
  throw new Error(`${expression} compiled`);
}

t.test('strings: equality, substring in/contains, regular expressions', async (t) => {
  t.same(kept('Service.ID == "web1"'), ['web1']);
  t.same(kept('Service.ID != web1'), ['web2', 'web3'], 'a bare word is a string value');
  t.same(kept('"eb2" in Service.ID'), ['web2'], 'in on a string is a substring test');
  t.same(kept('Service.ID contains "3"'), ['web3']);
  t.same(kept('Service.ID not contains "web"'), []);
  t.same(kept('"" in Service.Address'), ['web1', 'web2', 'web3'], 'the empty string is in every string');
  t.same(kept('Service.ID matches "^web[12]$"'), ['web1', 'web2']);
  t.same(kept('Service.ID not matches "[12]"'), ['web3']);
  t.same(kept('Service.ID matches "(?i)^WEB1"'), ['web1'], "Go's leading flag group");
  t.same(kept('Service.Address matches `\\A10\\.0\\.0\\.22\\z`'), ['web2', 'web3'], 'Go anchors \\A and \\z');
});

t.test('numbers and booleans compare as the field\'s Go type', async (t) => {
  t.same(kept('Service.Port == 8080'), ['web1']);
  t.same(kept('Service.Port == "8080"'), ['web1'], 'a quoted number coerces to the int field');
  t.equal(refusal('Service.Port == 0x1F90'), '1:18 (17): rule "number": Invalid number literal', 'bare, 0x1F90 is no number literal');
  t.same(kept('Service.Port == "0x1F90"'), ['web1'], 'ParseInt with base prefixes');
  t.same(kept('Service.Port == 0'), ['web2', 'web3'], 'a port the JSON omits is 0');
  t.same(kept('Service.Port != 8080'), ['web2', 'web3']);
  t.same(kept('Service.EnableTagOverride == true'), ['web1']);
  t.same(kept('Service.EnableTagOverride == "f"'), ['web2', 'web3'], 'ParseBool spellings');
  t.same(kept('Service.Weights.Passing == 1'), ['web1', 'web2', 'web3']);
});

t.test('slices of strings: in, not in, is empty', async (t) => {
  t.same(kept('"v1" in Service.Tags'), ['web1']);
  t.same(kept('Service.Tags contains primary'), ['web1']);
  t.same(kept('"v" in Service.Tags'), [], 'elements compare whole, not as substrings');
  t.same(kept('"v1" not in Service.Tags'), ['web2', 'web3']);
  t.same(kept('Service.Tags is empty'), ['web2', 'web3']);
  t.same(kept('Service.Tags is not empty'), ['web1']);
});

t.test('maps: a key selects a value, in tests keys, a missing key satisfies only the negative operators', async (t) => {
  t.same(kept('Node.Meta.env == qa'), ['web1']);
  t.same(kept('Node.Meta["rack-id"] == "r1"'), ['web1']);
  t.same(kept('Node.Meta.env != qa'), ['web2', 'web3'], 'no env at all is not qa');
  t.same(kept('Node.Meta.env matches "q"'), ['web1']);
  t.same(kept('Node.Meta.env not matches "q"'), ['web2', 'web3']);
  t.same(kept('Node.Meta.env not contains "q"'), ['web2', 'web3']);
  t.same(kept('"env" in Node.Meta'), ['web1'], 'in on a map tests its keys');
  t.same(kept('"qa" in Node.Meta'), [], 'not its values');
  t.same(kept('Node.Meta is empty'), ['web2', 'web3'], 'a null map is empty');
  t.same(kept('Service.TaggedAddresses.lan.Port == 8080'), ['web1'], 'a map of structs');
  t.same(kept('Service.TaggedAddresses.wan.Port != 1'), ['web1', 'web2', 'web3']);
  t.same(kept('Service.Meta.version == "2.0"'), ['web2', 'web3']);
});

t.test('a selector that goes on into a slice matches when any element does', async (t) => {
  t.same(kept('Checks.Status == passing'), ['web1', 'web2'], 'any check passing; no checks, no match');
  t.same(kept('Checks.Status != passing'), ['web1'], 'any check not passing');
  t.same(kept('not Checks.Status != passing'), ['web2', 'web3'], 'every check passing (vacuously so for none)');
  t.same(kept('Checks.CheckID == "service:web1" and Checks.Status == critical'), ['web1']);
  t.same(kept('"primary" in Checks.ServiceTags'), ['web1'], 'a slice inside a slice');
  t.same(kept('Checks is empty'), ['web3']);
  t.same(kept('Checks is not empty'), ['web1', 'web2']);
});

t.test('fields the JSON leaves out read as Go zero values', async (t) => {
  t.same(kept('Service.Proxy.Mode == ""'), ['web1', 'web2', 'web3']);
  t.same(kept('Service.Proxy.Upstreams is empty'), ['web1', 'web2', 'web3']);
  t.same(kept('Service.Connect.Native == false'), ['web1', 'web2', 'web3']);
  t.same(kept('Service.Kind == ""'), ['web1', 'web2', 'web3']);
});

t.test('not, and, or and parentheses combine as bexpr evaluates them', async (t) => {
  t.same(kept('Service.ID == web1 or Service.ID == web2 and Service.Port == 8080'), ['web1'], 'and binds tighter than or');
  t.same(kept('(Service.ID == web1 or Service.ID == web2) and Service.Port == 0'), ['web2']);
  t.same(kept('not Service.ID == web1 and not Service.ID == web2'), ['web3']);
  t.same(kept('not (Service.ID == web1 or Service.ID == web2)'), ['web3']);
  t.same(kept('not not Service.ID == web1'), ['web1']);
});

t.test('maps are filtered by their values, and an empty expression keeps everything', async (t) => {
  const checks = { a: check('a', 'passing'), b: check('b', 'critical') };
  t.same(Object.keys(compileFilter('Status == critical', HEALTH_CHECK).values(checks)), ['b']);
  t.equal(compileFilter('', HEALTH_CHECK), PASS_ALL);
  t.same(PASS_ALL.values(checks), checks);
  t.same(PASS_ALL.list([1, 2]), [1, 2]);
  t.ok(PASS_ALL.matches({}));
});

t.test('unknown selectors are refused up front, with the selector up to the unknown part', async (t) => {
  t.equal(refusal('Foo == 1'), 'Selector "Foo" is not valid');
  t.equal(refusal('Service.Foo.Bar == 1'), 'Selector "Service.Foo" is not valid');
  t.equal(refusal('Service.ID.Length == 1'), 'Selector "Service.ID.Length" is not valid', 'a string has no fields');
  t.equal(refusal('"x" in Service.Tags.Name'), 'Selector "Service.Tags.Name" is not valid', 'nor a slice of strings');
  t.equal(refusal('Node.CreateIndex == 1'), 'Selector "Node.CreateIndex" is not valid', 'Consul hides Raft indexes from bexpr');
  t.equal(refusal('Checks.Definition.HTTP == ""'), 'Selector "Checks.Definition" is not valid');
  t.equal(refusal('ContentHash == x', AGENT_SERVICE), 'Selector "ContentHash" is not valid');
  t.equal(refusal('Meta["a b"].c == x', NODE), 'Selector "Meta.a b.c" is not valid');
  t.equal(refusal('Node == a or Bogus == b', NODE), 'Selector "Bogus" is not valid', 'whichever side it is on');
});

t.test('operators a field does not support are refused', async (t) => {
  t.equal(refusal('Checks == x'), 'Invalid match operator "Equal" for selector "Checks"');
  t.equal(refusal('Service.Tags == x'), 'Invalid match operator "Equal" for selector "Service.Tags"');
  t.equal(refusal('Service.Port contains 80'), 'Invalid match operator "In" for selector "Service.Port"');
  t.equal(refusal('Service.Meta matches x'), 'Invalid match operator "Matches" for selector "Service.Meta"');
  t.equal(refusal('Service.ID is empty'), 'Invalid match operator "Is Empty" for selector "Service.ID"');
  t.equal(refusal('Service.Proxy is empty'), 'Invalid match operator "Is Empty" for selector "Service.Proxy"');
  t.equal(refusal('"x" in Checks'), 'Invalid match operator "In" for selector "Checks"');
});

t.test('values that do not fit the field, and patterns that do not compile, are refused', async (t) => {
  t.equal(refusal('Service.Port == abc'), 'Failed to coerce value "abc" for selector "Service.Port": strconv.ParseInt: parsing "abc": invalid syntax');
  t.equal(refusal('Service.Port == 1.5'), 'Failed to coerce value "1.5" for selector "Service.Port": strconv.ParseInt: parsing "1.5": invalid syntax');
  t.equal(refusal('Service.Port == 99999999999999999999'),
    'Failed to coerce value "99999999999999999999" for selector "Service.Port": strconv.ParseInt: parsing "99999999999999999999": value out of range');
  t.equal(refusal('Service.EnableTagOverride == yes'),
    'Failed to coerce value "yes" for selector "Service.EnableTagOverride": strconv.ParseBool: parsing "yes": invalid syntax');
  t.equal(refusal('Service.ID matches "("'), 'Failed to compile regular expression "(": error parsing regexp: missing closing ): `(`');
  t.equal(refusal('Service.ID matches "a)"'), 'Failed to compile regular expression "a)": error parsing regexp: unexpected ): `a)`');
  t.equal(refusal('Service.ID matches "*"'), 'Failed to compile regular expression "*": error parsing regexp: missing argument to repetition operator: `*`');
});
