import t from 'tap';
import { decodeCheckDefinition, decodeCheckUpdate, decodeServiceDefinition } from '../../../lib/gateway/consul/agent-body.js';

/** The message a body is refused with. */
function refusal(decode: () => unknown): string {
  try {
    decode();
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
}

t.test('a service definition: case-insensitive names, durations in ms, snake_case spellings', async (t) => {
  const def = decodeServiceDefinition(JSON.stringify({
    name: 'web', port: 80, tagged_addresses: { lan: { address: '10.0.0.1', port: 81 } }, enable_tag_override: true,
    Weights: { Passing: 3 },
    Check: { CheckID: 'c', TTL: '1m30s', deregister_critical_service_after: 2e9 },
    Checks: [{ Name: 'h', HTTP: 'http://x', interval: '10s', timeout: 500e6, Args: ['a'] }],
  }));
  t.same(def, {
    Name: 'web', Port: 80, TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 81 } }, EnableTagOverride: true,
    Weights: { Passing: 3, Warning: 0 },
    Check: { CheckID: 'c', TTLMs: 90_000, DeregisterCriticalServiceAfterMs: 2000 },
    Checks: [{ Name: 'h', HTTP: 'http://x', IntervalMs: 10_000, TimeoutMs: 500, ScriptArgs: ['a'] }],
  });
  t.same(decodeServiceDefinition('null'), {}, 'a null body is the zero ServiceDefinition');
});

t.test('the CamelCase field wins over its snake_case spelling, as in Consul aux structs', async (t) => {
  const def = decodeCheckDefinition(JSON.stringify({ Name: 'x', TTL: '1s', ServiceID: 'a', service_id: 'b', ScriptArgs: ['c'], script_args: ['d'] }));
  t.equal(def.ServiceID, 'a');
  t.same(def.ScriptArgs, ['c']);
  t.equal(decodeCheckDefinition(JSON.stringify({ Name: 'x', service_id: 'b', tls_skip_verify: true })).ServiceID, 'b');
  t.equal(decodeCheckDefinition(JSON.stringify({ ID: 'i', Name: 'x' })).CheckID, 'i', "a check registration's ID is the CheckID");
});

t.test("agent bodies are refused with Go's texts and the agent's type names", async (t) => {
  t.equal(refusal(() => decodeServiceDefinition('{"Name":"a","Check":{"Name":1}}')),
    'Request decode failed: json: cannot unmarshal number into Go struct field ServiceDefinition.Check.Name of type string');
  t.equal(refusal(() => decodeServiceDefinition('{"Checks":{}}')),
    'Request decode failed: json: cannot unmarshal object into Go struct field ServiceDefinition.Checks of type []structs.CheckType');
  t.equal(refusal(() => decodeServiceDefinition('{"Weights":[]}')),
    'Request decode failed: json: cannot unmarshal array into Go struct field ServiceDefinition.Weights of type structs.Weights');
  t.equal(refusal(() => decodeCheckDefinition('{"CheckID":"x"}')), 'Request decode failed: json: unknown field "CheckID"');
  t.equal(refusal(() => decodeCheckDefinition('{"Interval":"often"}')), 'Request decode failed: time: invalid duration "often"');
  t.equal(refusal(() => decodeCheckDefinition('7')), 'Request decode failed: json: cannot unmarshal number into Go value of type structs.CheckDefinition');
  t.equal(refusal(() => decodeCheckUpdate('"passing"')), 'Request decode failed: json: cannot unmarshal string into Go value of type agent.checkUpdate');
  t.equal(refusal(() => decodeCheckUpdate('{"Status":"passing","Note":"x"}')), 'Request decode failed: json: unknown field "Note"');
  t.same(decodeCheckUpdate('{"status":"warning"}'), { Status: 'warning', Output: '' });
});
