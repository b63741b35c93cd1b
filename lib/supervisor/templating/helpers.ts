import { stringify as tomlStringify } from 'smol-toml';
import type { HelperDelegate, HelperOptions } from 'handlebars';

/**
 * Habitat's template helpers, with Habitat's argument orders, so a template
 * written for Habitat renders the same here.
 */

/** `{{toToml cfg.section}}`: a table as a TOML document, a scalar as a TOML value. */
function toToml(value: unknown): string {
  if (isTable(value)) return tomlStringify(value);
  const line = tomlStringify({ v: value });
  return line.replace(/^v = /, '').trimEnd();
}

/** `{{toJson cfg}}`: pretty JSON, the way Habitat's serde_json::to_string_pretty prints. */
function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** `{{#eachAlive bind.x.members as |m|}}...{{else}}...{{/eachAlive}}`: iterates members whose `alive` flag is set. */
function eachAlive(this: unknown, members: unknown, options: HelperOptions): string {
  const list = Array.isArray(members) ? members : isTable(members) ? Object.values(members) : [];
  const alive = list.filter((m) => isTable(m) && m.alive === true);
  if (alive.length === 0) return options.inverse(this);
  return alive
    .map((member, index) => {
      const data = { ...(options.data as object), index, first: index === 0, last: index === alive.length - 1 };
      return options.fn(member, { data, blockParams: [member, index] });
    })
    .join('');
}

/** `{{strJoin list ","}}` */
function strJoin(list: unknown, separator: unknown): string {
  if (!Array.isArray(list)) throw new TypeError('strJoin expects a list as its first argument');
  return list.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(String(separator));
}

/** `{{strReplace text "from" "to"}}`: every occurrence. */
function strReplace(text: unknown, from: unknown, to: unknown): string {
  return String(text).split(String(from)).join(String(to));
}

/** `{{strConcat a b ...}}` */
function strConcat(...args: unknown[]): string {
  return args.slice(0, -1).map(String).join('');
}

function toUppercase(text: unknown): string {
  return String(text).toUpperCase();
}

function toLowercase(text: unknown): string {
  return String(text).toLowerCase();
}

/**
 * `{{pkgPathFor "origin/name"}}`: the path of a dependency from `pkg.deps`, or
 * of the package itself. An unknown ident is an error rather than an empty
 * string, in keeping with strict rendering: a silently empty path in a hook
 * is worse than a refusal.
 */
function pkgPathFor(ident: unknown, options: HelperOptions): string {
  const root = (options.data as { root?: { pkg?: { origin?: string; name?: string; path?: string; deps?: unknown } } }).root;
  const wanted = String(ident).split('/');
  const matches = (dep: { origin?: unknown; name?: unknown; version?: unknown; release?: unknown }): boolean =>
    dep.origin === wanted[0] &&
    dep.name === wanted[1] &&
    (wanted[2] === undefined || dep.version === wanted[2]) &&
    (wanted[3] === undefined || dep.release === wanted[3]);
  const deps = Array.isArray(root?.pkg?.deps) ? (root.pkg.deps as Array<Record<string, unknown>>) : [];
  const found = deps.find((dep) => isTable(dep) && matches(dep));
  if (found !== undefined && typeof found.path === 'string') return found.path;
  if (root?.pkg !== undefined && matches(root.pkg) && typeof root.pkg.path === 'string') return root.pkg.path;
  throw new Error(`pkgPathFor: '${String(ident)}' is not a dependency of this package`);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export const HELPERS: Readonly<Record<string, HelperDelegate>> = {
  toToml,
  toJson,
  eachAlive,
  strJoin,
  strReplace,
  strConcat,
  toUppercase,
  toLowercase,
  pkgPathFor,
};
