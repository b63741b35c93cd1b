import type { MatchOperator } from './ast.js';

/**
 * The type of a filterable field, as go-bexpr sees the Go type it reflects
 * over. bexpr validates every selector against these before it evaluates
 * anything, so a typo fails even when there is nothing to filter.
 */
export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'int' }
  | { readonly kind: 'bool' }
  /** A Go slice: operators on the slice itself; a selector going on inside it matches when any element does. */
  | { readonly kind: 'list'; readonly of: FieldType }
  /** A Go map with string keys: `in` tests the keys; the next selector part is a key. */
  | { readonly kind: 'map'; readonly of: FieldType }
  | { readonly kind: 'struct'; readonly fields: Readonly<Record<string, FieldType>> };

export const str: FieldType = { kind: 'string' };
export const int: FieldType = { kind: 'int' };
export const bool: FieldType = { kind: 'bool' };
export const list = (of: FieldType): FieldType => ({ kind: 'list', of });
export const map = (of: FieldType): FieldType => ({ kind: 'map', of });
export const struct = (fields: Record<string, FieldType>): FieldType => ({ kind: 'struct', fields });

const isPrimitive = (t: FieldType) => t.kind === 'string' || t.kind === 'int' || t.kind === 'bool';

/** What bexpr's generated field configuration allows on a field of this type. */
export function supportedOperators(t: FieldType): readonly MatchOperator[] {
  switch (t.kind) {
    case 'string':
      return ['Equal', 'Not Equal', 'In', 'Not In', 'Matches', 'Not Matches'];
    case 'int':
    case 'bool':
      return ['Equal', 'Not Equal'];
    case 'list':
      return isPrimitive(t.of) ? ['In', 'Not In', 'Is Empty', 'Is Not Empty'] : ['Is Empty', 'Is Not Empty'];
    case 'map':
      return ['Is Empty', 'Is Not Empty', 'In', 'Not In'];
    case 'struct':
      return [];
  }
}

/** The field a selector part names inside a value of this type, if it may name one. */
export function subField(t: FieldType, name: string): FieldType | undefined {
  switch (t.kind) {
    case 'struct':
      return Object.hasOwn(t.fields, name) ? t.fields[name] : undefined;
    case 'map':
      return t.of;
    case 'list':
      // A slice of primitives has no fields; a slice of structs has its elements' fields.
      return isPrimitive(t.of) ? undefined : subField(t.of, name);
    default:
      return undefined;
  }
}

/** The primitive a value is compared with: the field's own, its elements', or (for maps) the key's. */
export function valueKind(t: FieldType): 'string' | 'int' | 'bool' | undefined {
  switch (t.kind) {
    case 'string':
    case 'int':
    case 'bool':
      return t.kind;
    case 'list':
      return isPrimitive(t.of) ? valueKind(t.of) : undefined;
    case 'map':
      return 'string';
    case 'struct':
      return undefined;
  }
}
