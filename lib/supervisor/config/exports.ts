import type { TomlTable } from '../types.js';
import { lookupPath } from './merge.js';

/**
 * The part of a service's cfg it shares with binders: export key → the value
 * at the cfg path the manifest names. Keys whose path has no value are left
 * out, so a binder's "required keys" check sees them as missing.
 */
export function exportedConfig(cfg: TomlTable, exports: Readonly<Record<string, string>>): TomlTable {
  const out: TomlTable = {};
  for (const [key, path] of Object.entries(exports)) {
    const value = lookupPath(cfg, path);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
