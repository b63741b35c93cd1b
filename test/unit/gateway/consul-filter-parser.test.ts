import t from 'tap';
import { parseExpression } from '../../../lib/gateway/consul/filter/parser.js';
import { FilterError } from '../../../lib/gateway/consul/filter/errors.js';
import { ConsulErrorCode } from '../../../lib/gateway/consul/errors.js';

const match = (selector: string[], operator: string, value?: string) => ({ type: 'match', selector, operator, ...(value === undefined ? {} : { value }) });

/** The parse error's text without bexpr.CreateFilter's prefix. */
function parseError(input: string): string {
  try {
    parseExpression(input);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    t.equal(err.code, ConsulErrorCode.InvalidFilter);
    return err.message.replace(/^Failed to create boolean expression evaluator: /, '');
  }
  throw new Error(`${JSON.stringify(input)} parsed`);
}

t.test('every match operator, with the value on the side bexpr puts it', async (t) => {
  t.same(parseExpression('foo == 3'), match(['foo'], 'Equal', '3'));
  t.same(parseExpression('foo != xyz'), match(['foo'], 'Not Equal', 'xyz'));
  t.same(parseExpression('list is empty'), match(['list'], 'Is Empty'));
  t.same(parseExpression('list is not empty'), match(['list'], 'Is Not Empty'));
  t.same(parseExpression('foo in bar'), match(['bar'], 'In', 'foo'));
  t.same(parseExpression('foo not in bar'), match(['bar'], 'Not In', 'foo'));
  t.same(parseExpression('bar contains foo'), match(['bar'], 'In', 'foo'), 'contains is in, the other way round');
  t.same(parseExpression('bar not contains foo'), match(['bar'], 'Not In', 'foo'));
  t.same(parseExpression('foo matches "^b.r$"'), match(['foo'], 'Matches', '^b.r$'));
  t.same(parseExpression('foo not matches bar'), match(['foo'], 'Not Matches', 'bar'));
  t.same(parseExpression('foo==3'), match(['foo'], 'Equal', '3'), '== and != need no spaces');
});

t.test('values: quoted, raw, numbers, bare selectors', async (t) => {
  t.same(parseExpression('foo == "caf\\u00e9 \\x41\\101"'), match(['foo'], 'Equal', 'café AA'), 'Go escapes: \\u, \\x, octal');
  t.same(parseExpression('foo == "tab\\tnew\\nline"'), match(['foo'], 'Equal', 'tab\tnew\nline'), 'double quotes expand escapes');
  t.same(parseExpression('foo == `raw\\n`'), match(['foo'], 'Equal', 'raw\\n'), 'backticks do not');
  t.same(parseExpression('foo == -0.25'), match(['foo'], 'Equal', '-0.25'));
  t.same(parseExpression('foo == bar.baz["x y"]'), match(['foo'], 'Equal', 'bar.baz.x y'), 'a bare selector value is its dotted text');
  t.same(parseExpression('"v1" in Service.Tags'), match(['Service', 'Tags'], 'In', 'v1'));
});

t.test('selectors: dotted parts and ["…"] index keys of any characters', async (t) => {
  t.same(parseExpression('Node.Meta["rack-id"] == r1'), match(['Node', 'Meta', 'rack-id'], 'Equal', 'r1'));
  t.same(parseExpression("`environment` in foo.bar[\"meta\"].tags[\t`ENV` ]"), match(['foo', 'bar', 'meta', 'tags', 'ENV'], 'In', 'environment'));
  t.same(parseExpression('Meta["abc-def ghi åß∂ƒ"] == x'), match(['Meta', 'abc-def ghi åß∂ƒ'], 'Equal', 'x'));
});

t.test('precedence: not binds tightest, then and, then or; parentheses override', async (t) => {
  const a = match(['a'], 'Equal', '1');
  const b = match(['b'], 'Equal', '2');
  const c = match(['c'], 'Equal', '3');
  t.same(parseExpression('a == 1 and not b == 2 or c == 3'), { type: 'or', left: { type: 'and', left: a, right: { type: 'not', operand: b } }, right: c });
  t.same(parseExpression('a == 1 and not (b == 2 or c == 3)'), { type: 'and', left: a, right: { type: 'not', operand: { type: 'or', left: b, right: c } } });
  t.same(parseExpression('a == 1 or b == 2 and c == 3'), { type: 'or', left: a, right: { type: 'and', left: b, right: c } });
  t.same(parseExpression('(a == 1 or b == 2) and c == 3'), { type: 'and', left: { type: 'or', left: a, right: b }, right: c });
  t.same(parseExpression('a == 1 or b == 2 or c == 3'), { type: 'or', left: a, right: { type: 'or', left: b, right: c } }, 'right-associative, as bexpr builds it');
  t.same(parseExpression('not not a == 1'), a, 'a double negation cancels');
  t.same(parseExpression('\t\r\n ( \t\r\n a \t\r\n == \t\r\n 1 \t\r\n ) \t\r\n'), a, 'whitespace anywhere between tokens');
  t.same(parseExpression('((((a == 1))))'), a);
  t.same(parseExpression('not == 1'), match(['not'], 'Equal', '1'), 'keywords are not reserved');
});

t.test("syntax errors carry pigeon's text: position, then what was expected there", async (t) => {
  // go-bexpr's own grammar tests: Consul answers these texts.
  t.equal(parseError('32 == 32'), '1:4 (3): no match found, expected: "in", "not" or [ \\t\\r\\n]');
  t.equal(parseError('x in foo abc'), '1:10 (9): no match found, expected: "and", "or", [ \\t\\r\\n] or EOF');
  t.equal(parseError('x in foo and '), '1:14 (13): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]');
  t.equal(parseError('x in foo or not '),
    '1:17 (16): no match found, expected: "!=", "(", "-", "0", "==", "\\"", "`", "contains", "in", "is", "matches", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]');
  t.equal(parseError('Node1'), '1:6 (5): no match found, expected: "!=", ".", "==", "[", [ \\t\\r\\n] or [a-zA-Z0-9_]');
  t.equal(parseError('   '), '1:4 (3): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]');
});

t.test('errors raised inside a rule name it', async (t) => {
  t.equal(parseError('foo == "12x'), '1:12 (11): rule "string": Unterminated string literal');
  t.equal(parseError('foo == `12x'), '1:12 (11): rule "string": Unterminated string literal');
  t.equal(parseError('foo == 3x'), '1:9 (8): rule "number": Invalid number literal');
  t.equal(parseError('foo[3] == abc'), '1:5 (4): rule "index": Invalid index');
  t.equal(parseError('x in foo["abc"'), '1:15 (14): rule "index": Unclosed index expression');
  t.equal(parseError('foo["abc" == 3'), '1:11 (10): rule "index": Unclosed index expression');
  t.equal(parseError('x in 32'), '1:6 (5): rule "match": Invalid selector');
  t.equal(parseError('(foo == 4'), '1:10 (9): rule "grouping": Unmatched parentheses');
  t.equal(parseError('foo == "a\\qb"'), '1:8 (7): rule "string": invalid syntax', 'an unknown escape fails strconv.Unquote');
  t.equal(parseError('foo == "a\\"b"'), '1:8 (7): rule "string": invalid syntax', 'bexpr ends a "…" string at any quote, escaped or not');
});

t.test('positions count lines, characters and UTF-8 bytes as pigeon does', async (t) => {
  t.equal(parseError('a == 1 and\nb == 2x'), '2:7 (17): rule "number": Invalid number literal');
  t.equal(parseError('Meta["é"] == 1x'), '1:15 (15): rule "number": Invalid number literal', 'é is one column and two bytes');
});

t.test('deep nesting parses quickly, and nesting beyond the stack is refused, not a crash', async (t) => {
  const depth = 200;
  t.same(parseExpression(`${'('.repeat(depth)}a == 1${')'.repeat(depth)}`), match(['a'], 'Equal', '1'));
  t.match(parseError(`${'('.repeat(20000)}a == 1${')'.repeat(20000)}`), /nested too deeply/);
});

t.test('a long chain of and/or terms is not nesting: it parses, right-associative', async (t) => {
  let ast = parseExpression(Array(3000).fill('a == 1').join(' and '));
  let depth = 0;
  let leftsAreMatches = true;
  while (ast.type === 'and') {
    leftsAreMatches &&= ast.left.type === 'match';
    ast = ast.right;
    depth++;
  }
  t.equal(depth, 2999);
  t.ok(leftsAreMatches);
  const dangling = `${Array(3000).fill('a == 1').join(' or ')} or`;
  t.equal(parseError(dangling), `1:${dangling.length + 1} (${dangling.length}): no match found, expected: [ \\t\\r\\n]`);
});
