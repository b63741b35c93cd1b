import t from 'tap';
import { decodeJsonBody, t as types, type Schema } from '../../../lib/gateway/consul/json-body.js';
import { formatGoDuration, parseGoDuration } from '../../../lib/gateway/consul/duration.js';
import { ErrorCode } from '../../../lib/core/errors.js';

const INNER: Schema = { name: 'Inner', fields: { Port: types.int, Tags: types.list(types.string) } };
const LENIENT: Schema = { name: 'Def', lenient: true, fields: { Interval: { type: types.duration, aliases: ['interval_duration'] } } };
const SCHEMA: Schema = {
  name: 'Request',
  qualifiedName: 'structs.Request',
  fields: {
    Name: types.string,
    On: types.bool,
    Count: types.uint64,
    Meta: types.map(types.string),
    Inner: types.struct(INNER),
    Def: types.struct(LENIENT),
    Timeout: { type: types.duration, aliases: ['timeout_ns'] },
    Anything: types.any,
  },
};

const decode = (text: string) => decodeJsonBody(text, SCHEMA);
/** The code and message `text` is refused with. */
function refusal(text: string): string {
  try {
    decode(text);
    return 'accepted';
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
}

t.test('fields match exactly, case-insensitively or by alias; null leaves a field unset', async (t) => {
  t.same(decode('{"name":"a","ON":true,"count":3,"meta":{"k":"v"},"inner":{"port":-1,"tags":["x",null]},"Timeout":"1m30s","Anything":[1]}'), {
    Name: 'a', On: true, Count: 3, Meta: { k: 'v' }, Inner: { Port: -1, Tags: ['x', ''] }, Timeout: 90e9, Anything: [1],
  });
  t.same(decode('{"timeout_ns": 5, "Name": null}'), { Timeout: 5 }, 'a snake_case alias; null is absent');
  t.same(decode('{"def":{"interval_duration":"10ms","unknown":1}}'), { Def: { Interval: 10e6 } }, 'a lenient struct ignores unknown fields');
  t.equal(decode('null'), null);
  t.same(decode('{"Name":"a","name":"b"}'), { Name: 'b' }, 'the last of case-folded duplicates wins, as in Go');
});

t.test("mistakes are refused with Go's texts", async (t) => {
  t.equal(refusal(''), `${ErrorCode.BadRequest}: Request decode failed: ` + 'EOF');
  t.equal(refusal('   '), `${ErrorCode.BadRequest}: Request decode failed: ` + 'EOF');
  t.equal(refusal('{"Name":'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'unexpected EOF');
  t.equal(refusal('{"Name": x}'), `${ErrorCode.BadRequest}: Request decode failed: ` + "invalid character 'x' looking for beginning of value");
  t.equal(refusal('{"Nope":1}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: unknown field "Nope"');
  t.equal(refusal('{"Inner":{"Nope":1}}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: unknown field "Nope"');
  t.equal(refusal('{"Name":1}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal number into Go struct field Request.Name of type string');
  t.equal(refusal('{"On":"yes"}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal string into Go struct field Request.On of type bool');
  t.equal(refusal('{"Count":-1}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal number -1 into Go struct field Request.Count of type uint64');
  t.equal(refusal('{"Inner":{"Port":2.5}}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal number 2.5 into Go struct field Request.Inner.Port of type int');
  t.equal(refusal('{"Inner":{"Tags":"x"}}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal string into Go struct field Request.Inner.Tags of type []string');
  t.equal(refusal('{"Inner":[]}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal array into Go struct field Request.Inner of type Inner');
  t.equal(refusal('{"Meta":{"a":{}}}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal object into Go struct field Request.Meta of type string');
  t.equal(refusal('{"Timeout":"later"}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'time: invalid duration "later"');
  t.equal(refusal('{"Timeout":true}'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal bool into Go struct field Request.Timeout of type time.Duration');
  t.equal(refusal('"text"'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal string into Go value of type structs.Request');
  t.equal(refusal('[1]'), `${ErrorCode.BadRequest}: Request decode failed: ` + 'json: cannot unmarshal array into Go value of type structs.Request');
});

t.test("Go's Duration.String", async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0s'], [1, '1ns'], [1500, '1.5µs'], [2e6, '2ms'], [1.5e6, '1.5ms'], [1e9, '1s'], [1.5e9, '1.5s'], [10e9, '10s'],
    [90e9, '1m30s'], [3600e9, '1h0m0s'], [3723.004e9, '1h2m3.004s'], [-5e9, '-5s'],
  ];
  for (const [ns, text] of cases) {
    t.equal(formatGoDuration(ns), text, text);
    t.equal(Math.round(parseGoDuration(text)! * 1e6), ns, `${text} parses back`);
  }
});

t.test("a loose duration (Go's interface{} read as a duration): string or nanoseconds, anything else ignored", async (t) => {
  const LOOSE: Schema = { name: 'CheckType', fields: { TTL: types.looseDuration, Name: types.string } };
  t.same(decodeJsonBody('{"TTL":"1m"}', LOOSE), { TTL: 60e9 });
  t.same(decodeJsonBody('{"ttl":1500.7}', LOOSE), { TTL: 1500 }, 'a number is nanoseconds, truncated as Go converts a float64');
  t.same(decodeJsonBody('{"TTL":true,"Name":"x"}', LOOSE), { Name: 'x' }, 'another JSON kind leaves the field unset');
  t.same(decodeJsonBody('{"TTL":{"a":1}}', LOOSE), {});
  t.throws(() => decodeJsonBody('{"TTL":"10"}', LOOSE), { message: 'Request decode failed: time: missing unit in duration "10"' });
  t.throws(() => decodeJsonBody('{"TTL":"5d"}', LOOSE), { message: 'Request decode failed: time: unknown unit "d" in duration "5d"' });
});
