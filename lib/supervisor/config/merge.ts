import type { TomlTable } from '../types.js';

/**
 * Deep merge of TOML tables, later layers winning: tables merge key by key,
 * everything else (scalars, arrays, dates) is replaced whole. Past
 * `maxDepth` nested tables the later value replaces the earlier one, which
 * bounds the work a hostile gossiped config can cause.
 */
export const MAX_MERGE_DEPTH = 30;

export function deepMerge(base: TomlTable, over: TomlTable, maxDepth = MAX_MERGE_DEPTH): TomlTable {
  const out: TomlTable = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] = maxDepth > 0 && isTable(prior) && isTable(value) ? deepMerge(prior, value, maxDepth - 1) : value;
  }
  return out;
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The value at a dotted path such as `http.port`, or undefined. */
export function lookupPath(table: TomlTable, path: string): unknown {
  let node: unknown = table;
  for (const part of path.split('.')) {
    if (!isTable(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}
