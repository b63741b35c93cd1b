import type { MatchOperator } from './ast.js';
import type { FieldType } from './schema.js';
import type { CompiledExpression, CompiledMatch } from './validate.js';

/**
 * go-bexpr's evaluation over the JSON an endpoint answers with, read through
 * the shape's Go types: a field the JSON leaves out (or sends as null) holds
 * its Go zero value, so `Service.Proxy.Mode == ""` holds for a service with
 * no proxy, and a null map or slice is empty.
 */
export function evaluate(expr: CompiledExpression, shape: FieldType, datum: unknown): boolean {
  switch (expr.type) {
    case 'not':
      return !evaluate(expr.operand, shape, datum);
    case 'and':
      return evaluate(expr.left, shape, datum) && evaluate(expr.right, shape, datum);
    case 'or':
      return evaluate(expr.left, shape, datum) || evaluate(expr.right, shape, datum);
    case 'match':
      return walk(expr, shape, datum, 0);
  }
}

function walk(match: CompiledMatch, t: FieldType, value: unknown, depth: number): boolean {
  if (depth === match.selector.length) return apply(match, t, value);
  switch (t.kind) {
    case 'struct': {
      const name = match.selector[depth]!;
      return walk(match, t.fields[name]!, objectOf(value)[name], depth + 1);
    }
    case 'list':
      // A selector that goes on into a slice matches when any element does: `Checks.Status == "passing"`.
      return listOf(value).some((element) => walk(match, t.of, element, depth));
    case 'map': {
      const entries = objectOf(value);
      const key = match.selector[depth]!;
      if (!Object.hasOwn(entries, key)) return missingKey(match.operator);
      return walk(match, t.of, entries[key], depth + 1);
    }
    default:
      // Validation lets no selector go on past a primitive.
      return false;
  }
}

/**
 * A map key that is not there: nothing equals, contains or matches it, so the
 * negative operators hold (bexpr's rule, which `Meta.env != "qa"` relies on for
 * nodes with no `env`).
 */
function missingKey(operator: MatchOperator): boolean {
  return !(operator === 'Equal' || operator === 'Is Not Empty' || operator === 'In' || operator === 'Matches');
}

function apply(match: CompiledMatch, t: FieldType, value: unknown): boolean {
  switch (match.operator) {
    case 'Equal':
      return equals(t, value, match.value);
    case 'Not Equal':
      return !equals(t, value, match.value);
    case 'In':
      return contains(t, value, match.value);
    case 'Not In':
      return !contains(t, value, match.value);
    case 'Is Empty':
      return isEmpty(t, value);
    case 'Is Not Empty':
      return !isEmpty(t, value);
    case 'Matches':
      return match.regexp!.test(stringOf(value));
    case 'Not Matches':
      return !match.regexp!.test(stringOf(value));
  }
}

function equals(t: FieldType, value: unknown, wanted: CompiledMatch['value']): boolean {
  switch (t.kind) {
    case 'string':
      return stringOf(value) === wanted;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) === wanted : wanted === 0n;
    case 'bool':
      return (value === true) === wanted;
    default:
      return false;
  }
}

/** `in` and `contains`: a key of a map, an element of a slice, a substring of a string. */
function contains(t: FieldType, value: unknown, wanted: CompiledMatch['value']): boolean {
  switch (t.kind) {
    case 'map':
      return Object.hasOwn(objectOf(value), String(wanted));
    case 'list':
      return listOf(value).some((element) => equals(t.of, element, wanted));
    case 'string':
      return stringOf(value).includes(String(wanted));
    default:
      return false;
  }
}

function isEmpty(t: FieldType, value: unknown): boolean {
  if (t.kind === 'map') return Object.keys(objectOf(value)).length === 0;
  return listOf(value).length === 0;
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
