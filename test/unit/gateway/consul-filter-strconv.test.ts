import t from 'tap';
import { parseBool, parseInt64, StrconvError, unquote } from '../../../lib/gateway/consul/filter/strconv.js';
import { compileGoRegexp, RegexpError } from '../../../lib/gateway/consul/filter/regex.js';
import { goQuote } from '../../../lib/gateway/consul/filter/errors.js';

t.test('ParseInt(s, 0, 64): signs, base prefixes, underscores, range', async (t) => {
  const cases: [string, bigint][] = [
    ['0', 0n], ['-12', -12n], ['+7', 7n], ['0x1f', 31n], ['0X1F', 31n], ['0o17', 15n], ['017', 15n], ['0b101', 5n],
    ['1_000', 1000n], ['0x_1f', 31n], ['9223372036854775807', 2n ** 63n - 1n], ['-9223372036854775808', -(2n ** 63n)],
  ];
  for (const [text, value] of cases) t.equal(parseInt64(text), value, text);
  for (const text of ['', '-', '08', '0x', '_1', '1_', '1__0', '1.5', 'abc', ' 1']) {
    t.throws(() => parseInt64(text), new StrconvError(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`), JSON.stringify(text));
  }
  t.throws(() => parseInt64('9223372036854775808'), { message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range' });
});

t.test('ParseBool', async (t) => {
  for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) t.equal(parseBool(text), true, text);
  for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) t.equal(parseBool(text), false, text);
  t.throws(() => parseBool('yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
});

t.test('Unquote: Go escapes in "…", nothing but dropping \\r in `…`', async (t) => {
  t.equal(unquote('"\\a\\b\\f\\n\\r\\t\\v\\\\\\""'), '\u0007\b\f\n\r\t\v\\"');
  t.equal(unquote('"\\x41\\101\\u00e9\\U0001F600"'), 'AAé😀');
  t.equal(unquote('`a\\n\rb`'), 'a\\nb');
  for (const bad of ['"\\400"', '"\\ud800"', '"\\U00110000"', '"\\x4"', '"\\q"', '"a\\"', '"a\nb"', '"a"b"', "'a'", '"', '"a`']) {
    t.throws(() => unquote(bad), new StrconvError('invalid syntax'), JSON.stringify(bad));
  }
});

t.test("Go regular expressions in JavaScript's engine", async (t) => {
  t.ok(compileGoRegexp('(?i)^abc$').test('ABC'));
  t.ok(compileGoRegexp('(?s)a.b').test('a\nb'));
  t.ok(compileGoRegexp('(?P<word>[[:alpha:]]+)-[[:digit:]]').test('ab-1'));
  t.notOk(compileGoRegexp('\\Aab\\z').test('ab\n'), '\\z is the very end');
  t.throws(() => compileGoRegexp('(?U)a+'), new RegexpError('invalid or unsupported Perl syntax: `(?U)`'));
  t.throws(() => compileGoRegexp('[[:nope:]]'), new RegexpError('invalid character class range: `[:nope:]`'));
  t.throws(() => compileGoRegexp('a[b'), new RegexpError('missing closing ]: `[b`'));
  t.throws(() => compileGoRegexp('a\\'), new RegexpError('trailing backslash at end of expression: ``'));
  t.throws(() => compileGoRegexp('a{2,1}'), new RegexpError('invalid repeat count: `a{2,1}`'));
});

t.test('%q quoting', async (t) => {
  t.equal(goQuote('a"b\\c\n\u0001é'), '"a\\"b\\\\c\\n\\x01é"');
});
