import { selectorText, type Expression, type MatchOperator, type Selector } from './ast.js';
import { FilterError, goQuote } from './errors.js';
import { compileGoRegexp, RegexpError } from './regex.js';
import { subField, supportedOperators, valueKind, type FieldType } from './schema.js';
import { parseBool, parseInt64, StrconvError } from './strconv.js';

/** A match ready to run: its field's type known, its value coerced to that type once. */
export interface CompiledMatch {
  readonly type: 'match';
  readonly selector: Selector;
  readonly operator: MatchOperator;
  readonly value?: string | bigint | boolean;
  readonly regexp?: RegExp;
}

export type CompiledExpression =
  | CompiledMatch
  | { readonly type: 'not'; readonly operand: CompiledExpression }
  | { readonly type: 'and' | 'or'; readonly left: CompiledExpression; readonly right: CompiledExpression };

/**
 * go-bexpr's validation pass, left to right, first error wins: each selector
 * must name a field of `shape`, the operator must suit that field's type, the
 * value must coerce to it, and a `matches` pattern must compile.
 */
export function validate(ast: Expression, shape: FieldType): CompiledExpression {
  switch (ast.type) {
    case 'not':
      return { type: 'not', operand: validate(ast.operand, shape) };
    case 'and':
    case 'or': {
      const left = validate(ast.left, shape);
      return { type: ast.type, left, right: validate(ast.right, shape) };
    }
    case 'match':
      return validateMatch(ast.selector, ast.operator, ast.value, shape);
  }
}

function validateMatch(selector: Selector, operator: MatchOperator, raw: string | undefined, shape: FieldType): CompiledMatch {
  let field = shape;
  for (let i = 0; i < selector.length; i++) {
    const next = subField(field, selector[i]!);
    if (next === undefined) throw new FilterError(`Selector ${goQuote(selectorText(selector.slice(0, i + 1)))} is not valid`);
    field = next;
  }
  const quotedSelector = goQuote(selectorText(selector));
  if (!supportedOperators(field).includes(operator)) {
    throw new FilterError(`Invalid match operator ${goQuote(operator)} for selector ${quotedSelector}`);
  }
  if (raw === undefined) return { type: 'match', selector, operator };
  let value: string | bigint | boolean;
  try {
    value = coerce(raw, field);
  } catch (err) {
    if (!(err instanceof StrconvError)) throw err;
    throw new FilterError(`Failed to coerce value ${goQuote(raw)} for selector ${quotedSelector}: ${err.message}`);
  }
  if (operator !== 'Matches' && operator !== 'Not Matches') return { type: 'match', selector, operator, value };
  try {
    return { type: 'match', selector, operator, value, regexp: compileGoRegexp(String(value)) };
  } catch (err) {
    if (!(err instanceof RegexpError)) throw err;
    throw new FilterError(`Failed to compile regular expression ${goQuote(String(value))}: ${err.message}`);
  }
}

function coerce(raw: string, field: FieldType): string | bigint | boolean {
  switch (valueKind(field)) {
    case 'int':
      return parseInt64(raw);
    case 'bool':
      return parseBool(raw);
    default:
      return raw;
  }
}
