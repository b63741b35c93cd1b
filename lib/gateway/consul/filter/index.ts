import { evaluate } from './evaluate.js';
import { parseExpression } from './parser.js';
import type { FieldType } from './schema.js';
import { validate } from './validate.js';

/**
 * Consul's `?filter=` (go-bexpr): an expression over the fields of each
 * element an endpoint answers with. Compiling parses and validates it against
 * the element's shape, throwing FilterError (500 with bexpr's text) for a
 * syntax error, an unknown selector, an operator the field does not support
 * or a value that does not fit it.
 */
export interface Filter {
  /** Whether one element (the JSON the endpoint answers with) passes. */
  matches(element: unknown): boolean;
  /** The elements of a list that pass, in order. */
  list<T>(elements: readonly T[]): T[];
  /** The entries of a map whose values pass (Consul filters maps by value). */
  values<T>(entries: Readonly<Record<string, T>>): Record<string, T>;
}

/** No `?filter`, or an empty one: everything passes, as Consul creates no filter then. */
export const PASS_ALL: Filter = {
  matches: () => true,
  list: (elements) => [...elements],
  values: (entries) => ({ ...entries }),
};

export function compileFilter(expression: string, shape: FieldType): Filter {
  if (expression === '') return PASS_ALL;
  const compiled = validate(parseExpression(expression), shape);
  const matches = (element: unknown) => evaluate(compiled, shape, element);
  return {
    matches,
    list: (elements) => elements.filter(matches),
    values: (entries) => Object.fromEntries(Object.entries(entries).filter(([, v]) => matches(v))),
  };
}

/** The request's `?filter` compiled for elements of `shape`. */
export function filterParam(params: URLSearchParams, shape: FieldType): Filter {
  return compileFilter(params.get('filter') ?? '', shape);
}

export { FilterError } from './errors.js';
export { AGENT_SERVICE, CHECK_SERVICE_NODE, HEALTH_CHECK, NODE, NODE_SERVICE, SERVICE_NODE, type FilterShape } from './shapes.js';
