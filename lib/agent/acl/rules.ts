import { ChorusError, ErrorCode, messageOf } from '../../core/errors.js';
import { parseHcl, type HclBlock, type HclEntry } from './hcl.js';
import {
  GLOBAL_KINDS, PREFIX_KINDS, type AccessLevel, type GlobalKind, type Policy, type PrefixKind, type PrefixRule,
} from './types.js';

/**
 * Consul's legacy ACL rules language, in HCL or in its JSON form:
 *
 *   key "" { policy = "read" }            {"key": {"": {"policy": "read"}},
 *   key "app/" { policy = "write" }         "keyring": "write"}
 *   keyring = "write"
 *
 * Every rule is a prefix rule (the legacy system had no exact matches);
 * 1.4's `key_prefix` spelling is read as the same thing. Messages follow
 * Consul's: "Failed to parse ACL rules: ..." for syntax, "Invalid key
 * policy: ..." for a level it does not know.
 */
export class RulesError extends ChorusError {
  constructor(message: string) {
    super(ErrorCode.BadRequest, message);
    this.name = 'RulesError';
  }
}

/** Go's %#v of the policy struct Consul prints in "Invalid ... policy" errors. */
const GO_STRUCTS: Record<PrefixKind, [string, string]> = {
  key: ['KeyPolicy', 'Prefix'],
  service: ['ServicePolicy', 'Name'],
  event: ['EventPolicy', 'Event'],
  query: ['QueryPolicy', 'Prefix'],
  node: ['NodePolicy', 'Name'],
  session: ['SessionPolicy', 'Node'],
  agent: ['AgentPolicy', 'Node'],
};

const LEVELS = new Set(['deny', 'read', 'write']);

function syntax(message: string): RulesError {
  return new RulesError(`Failed to parse ACL rules: ${message}`);
}

function invalidPrefixPolicy(kind: PrefixKind, prefix: string, policy: string): RulesError {
  const [struct, field] = GO_STRUCTS[kind];
  return new RulesError(`Invalid ${kind} policy: &acl.${struct}{${field}:${JSON.stringify(prefix)}, Policy:${JSON.stringify(policy)}}`);
}

function level(kind: PrefixKind, prefix: string, policy: unknown): AccessLevel {
  if (typeof policy === 'string' && (LEVELS.has(policy) || (kind === 'key' && policy === 'list'))) return policy as AccessLevel;
  throw invalidPrefixPolicy(kind, prefix, typeof policy === 'string' ? policy : String(policy ?? ''));
}

function globalLevel(kind: GlobalKind, policy: unknown): AccessLevel {
  if (typeof policy === 'string' && LEVELS.has(policy)) return policy as AccessLevel;
  throw new RulesError(`Invalid ${kind} policy: ${JSON.stringify(typeof policy === 'string' ? policy : String(policy))}`);
}

/** `key`, and the 1.4 spelling `key_prefix`; undefined for anything that is not a prefix kind. */
function prefixKind(name: string): PrefixKind | undefined {
  const base = name.endsWith('_prefix') ? name.slice(0, -'_prefix'.length) : name;
  return (PREFIX_KINDS as readonly string[]).includes(base) ? (base as PrefixKind) : undefined;
}

function isGlobalKind(name: string): name is GlobalKind {
  return (GLOBAL_KINDS as readonly string[]).includes(name);
}

class Builder {
  readonly prefixes: Record<PrefixKind, PrefixRule[]> = {
    key: [], service: [], event: [], query: [], node: [], session: [], agent: [],
  };
  keyring: AccessLevel | undefined;
  operator: AccessLevel | undefined;

  policy(): Policy {
    return { prefixes: this.prefixes, keyring: this.keyring, operator: this.operator };
  }
}

/** Parses `text` (HCL or JSON) into a Policy; throws RulesError (BadRequest) with Consul's wording. */
export function parseRules(text: string): Policy {
  const b = new Builder();
  if (text.trim() === '') return b.policy();
  if (text.trimStart().startsWith('{')) fromJson(text, b);
  else fromHcl(text, b);
  return b.policy();
}

/** True when `text` parses; the error message otherwise. */
export function checkRules(text: string): true | string {
  try {
    parseRules(text);
    return true;
  } catch (err) {
    return messageOf(err);
  }
}

// ---- HCL ----

function fromHcl(text: string, b: Builder): void {
  let root: HclBlock;
  try {
    root = parseHcl(text);
  } catch (err) {
    throw syntax(messageOf(err));
  }
  for (const entry of root.entries) hclEntry(entry, b);
}

function at(e: HclEntry, message: string): RulesError {
  return syntax(`At ${e.line}:${e.column}: ${message}`);
}

function hclEntry(e: HclEntry, b: Builder): void {
  if (isGlobalKind(e.name)) {
    if (typeof e.value !== 'string') throw at(e, `${e.name} must be a string, as in ${e.name} = "read"`);
    b[e.name] = globalLevel(e.name, e.value);
    return;
  }
  const kind = prefixKind(e.name);
  if (kind === undefined) throw at(e, `unknown rule ${JSON.stringify(e.name)}`);
  if (typeof e.value !== 'object') throw at(e, `${e.name} needs a block, as in ${e.name} "prefix" { policy = "read" }`);
  if (e.labels.length === 1) {
    hclRule(kind, e.labels[0]!, e.value, e, b);
  } else if (e.labels.length === 0) {
    // HCL's object spelling: key { "app/" { policy = "write" } }
    for (const inner of e.value.entries) {
      if (typeof inner.value !== 'object' || inner.labels.length > 0) throw at(inner, `expected "prefix" { policy = "..." } inside ${e.name}`);
      hclRule(kind, inner.name, inner.value, inner, b);
    }
  } else {
    throw at(e, `${e.name} takes one prefix, got ${e.labels.length}`);
  }
}

function hclRule(kind: PrefixKind, prefix: string, block: HclBlock, where: HclEntry, b: Builder): void {
  let policy: unknown;
  for (const attr of block.entries) {
    if (attr.name === 'policy') policy = attr.value;
    else if (attr.name === 'intentions' && kind === 'service') level(kind, prefix, attr.value);
    else throw at(attr, `unknown field ${JSON.stringify(attr.name)} in ${kind} ${JSON.stringify(prefix)}`);
  }
  if (policy !== undefined && typeof policy !== 'string') throw at(where, `policy of ${kind} ${JSON.stringify(prefix)} must be a string`);
  b.prefixes[kind].push({ prefix, policy: level(kind, prefix, policy) });
}

// ---- JSON ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromJson(text: string, b: Builder): void {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw syntax(messageOf(err));
  }
  if (!isObject(root)) throw syntax('the rules must be an object');
  for (const [name, value] of Object.entries(root)) {
    if (isGlobalKind(name)) {
      b[name] = globalLevel(name, value);
      continue;
    }
    const kind = prefixKind(name);
    if (kind === undefined) throw syntax(`unknown rule ${JSON.stringify(name)}`);
    // HCL's JSON allows a list of objects where a block repeats.
    const groups = Array.isArray(value) ? value : [value];
    for (const group of groups) {
      if (!isObject(group)) throw syntax(`${name} must map prefixes to {"policy": "..."}`);
      for (const [prefix, rule] of Object.entries(group)) {
        const rules = Array.isArray(rule) ? rule : [rule];
        for (const r of rules) {
          if (!isObject(r)) throw syntax(`${name} ${JSON.stringify(prefix)} must be {"policy": "..."}`);
          for (const field of Object.keys(r)) {
            if (field !== 'policy' && !(field === 'intentions' && kind === 'service')) {
              throw syntax(`unknown field ${JSON.stringify(field)} in ${kind} ${JSON.stringify(prefix)}`);
            }
          }
          if (r.intentions !== undefined) level(kind, prefix, r.intentions);
          b.prefixes[kind].push({ prefix, policy: level(kind, prefix, r.policy) });
        }
      }
    }
  }
}
