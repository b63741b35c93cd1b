import t from 'tap';
import { booleanRule, checkTable, numberRule, oneOfRule, stringRule } from '../../../lib/config/rules.js';

t.test('numberRule says what is wrong, in order: type, fraction, bounds', async (t) => {
  const rule = numberRule({ type: 'must be a number', int: 'must be whole', min: [1, 'too small'], max: [10, 'too big'] });
  t.equal(rule(5), undefined);
  t.equal(rule('5'), 'must be a number');
  t.equal(rule(Number.POSITIVE_INFINITY), 'must be a number', 'TOML inf is not a number of anything');
  t.equal(rule(Number.NaN), 'must be a number');
  t.equal(rule(2.5), 'must be whole');
  t.equal(rule(0), 'too small');
  t.equal(rule(11), 'too big');
  t.equal(numberRule({ type: 'x', min: [1, 'small'], max: [2, 'big'] })(1.5), undefined, 'fractions pass without an int rule');
});

t.test('stringRule, oneOfRule, booleanRule', async (t) => {
  const rule = stringRule({ max: [3, 'too long'], pattern: [/^[a-z]+$/, 'letters only'] });
  t.equal(rule('abc'), undefined);
  t.equal(rule(''), 'must not be empty');
  t.equal(rule(7), 'must be a string');
  t.equal(stringRule({ type: 'must be a path' })(7), 'must be a path');
  t.equal(rule('abcd'), 'too long');
  t.equal(rule('a1'), 'letters only');
  t.equal(oneOfRule(['a', 'b'], 'a or b')('c'), 'a or b');
  t.equal(oneOfRule(['a', 'b'], 'a or b')('b'), undefined);
  t.equal(booleanRule('yes or no')('true'), 'yes or no');
  t.equal(booleanRule('yes or no')(false), undefined);
});

t.test('checkTable names the file, the table and the key at fault', async (t) => {
  const rules = { size: numberRule({ type: 'must be a number', min: [1, 'must be at least 1'], max: [9, 'must be at most 9'] }) };
  t.same(checkTable('t', { size: 3 }, 'f.toml', rules), { size: 3 });
  t.same(checkTable('t', {}, 'f.toml', rules), {});
  t.same(checkTable('t', { max_size_ms: 3 }, 'f.toml', { max_size_ms: rules.size }), { maxSizeMs: 3 }, 'snake_case keys come back camelCase');
  t.throws(() => checkTable('t', 5, 'f.toml', rules), /^config file f\.toml: t: must be a table$/);
  t.throws(() => checkTable('t', [1], 'f.toml', rules), /t: must be a table/);
  t.throws(() => checkTable('t', { size: 3, a: 1, b: 2 }, 'f.toml', rules), /^config file f\.toml: t: unknown key "a", "b"$/);
  t.throws(() => checkTable('t', { size: 0 }, 'f.toml', rules), /^config file f\.toml: t\.size: must be at least 1$/);
  t.throws(() => checkTable('t', { toString: 1 }, 'f.toml', rules), /unknown key "toString"/, 'inherited names are not keys');
});
