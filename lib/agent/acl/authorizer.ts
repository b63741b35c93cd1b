import type { AccessLevel, DefaultPolicy, Policy, PrefixKind, PrefixRule } from './types.js';

/**
 * What a request may do, as Consul's legacy `acl.ACL` interface answers it.
 * Every method is a pure yes/no; the gateway turns a no into 403.
 */
export interface Authorizer {
  /** A management token: may do everything, including managing ACLs. */
  readonly management: boolean;
  keyRead(key: string): boolean;
  /** Listing keys under `prefix` (the key `list` or `write` level; only enforced where Consul's acl_enable_key_list_policy is). */
  keyList(prefix: string): boolean;
  keyWrite(key: string): boolean;
  /** Writing (deleting) everything under `prefix`: write there and no rule below it that is not write. */
  keyWritePrefix(prefix: string): boolean;
  serviceRead(name: string): boolean;
  serviceWrite(name: string): boolean;
  nodeRead(name: string): boolean;
  nodeWrite(name: string): boolean;
  eventRead(name: string): boolean;
  eventWrite(name: string): boolean;
  sessionRead(node: string): boolean;
  sessionWrite(node: string): boolean;
  queryRead(prefix: string): boolean;
  queryWrite(prefix: string): boolean;
  agentRead(node: string): boolean;
  agentWrite(node: string): boolean;
  keyringRead(): boolean;
  keyringWrite(): boolean;
  operatorRead(): boolean;
  operatorWrite(): boolean;
  /** Creating, changing, listing and destroying tokens. */
  aclManagement(): boolean;
}

/** Allows or denies everything alike; never ACL management except for `manage`. */
class StaticAuthorizer implements Authorizer {
  readonly management: boolean;
  readonly #allow: boolean;

  constructor(kind: 'allow' | 'deny' | 'manage') {
    this.management = kind === 'manage';
    this.#allow = kind !== 'deny';
  }

  keyRead(): boolean { return this.#allow; }
  keyList(): boolean { return this.#allow; }
  keyWrite(): boolean { return this.#allow; }
  keyWritePrefix(): boolean { return this.#allow; }
  serviceRead(): boolean { return this.#allow; }
  serviceWrite(): boolean { return this.#allow; }
  nodeRead(): boolean { return this.#allow; }
  nodeWrite(): boolean { return this.#allow; }
  eventRead(): boolean { return this.#allow; }
  eventWrite(): boolean { return this.#allow; }
  sessionRead(): boolean { return this.#allow; }
  sessionWrite(): boolean { return this.#allow; }
  queryRead(): boolean { return this.#allow; }
  queryWrite(): boolean { return this.#allow; }
  agentRead(): boolean { return this.#allow; }
  agentWrite(): boolean { return this.#allow; }
  keyringRead(): boolean { return this.#allow; }
  keyringWrite(): boolean { return this.#allow; }
  operatorRead(): boolean { return this.#allow; }
  operatorWrite(): boolean { return this.#allow; }
  aclManagement(): boolean { return this.management; }
}

export const ALLOW_ALL: Authorizer = new StaticAuthorizer('allow');
export const DENY_ALL: Authorizer = new StaticAuthorizer('deny');
export const MANAGE_ALL: Authorizer = new StaticAuthorizer('manage');

/** The authorizer a client token without a matching rule falls back to. */
export function defaultAuthorizer(policy: DefaultPolicy): Authorizer {
  return policy === 'allow' ? ALLOW_ALL : DENY_ALL;
}

const RANK: Record<AccessLevel, number> = { deny: 0, read: 1, list: 2, write: 3 };

/**
 * Rules of one kind with the same prefix merge into one: deny wins at its
 * prefix, otherwise the highest level (as Consul's policy merging does).
 */
function mergeRules(rules: readonly PrefixRule[]): Map<string, AccessLevel> {
  const byPrefix = new Map<string, AccessLevel>();
  for (const r of rules) {
    const had = byPrefix.get(r.prefix);
    if (had === undefined || r.policy === 'deny' || (had !== 'deny' && RANK[r.policy] > RANK[had])) byPrefix.set(r.prefix, r.policy);
  }
  return byPrefix;
}

class PrefixRules {
  readonly #rules: Map<string, AccessLevel>;

  constructor(rules: readonly PrefixRule[]) {
    this.#rules = mergeRules(rules);
  }

  /** The rule with the longest prefix of `name`, or undefined when none matches. */
  longest(name: string): AccessLevel | undefined {
    let best: string | undefined;
    for (const prefix of this.#rules.keys()) {
      if (name.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? undefined : this.#rules.get(best);
  }

  /** Whether any rule at or below `prefix` grants less than write. */
  anyBelowShortOfWrite(prefix: string): boolean {
    for (const [p, policy] of this.#rules) if (p.startsWith(prefix) && policy !== 'write') return true;
    return false;
  }
}

const canRead = (l: AccessLevel): boolean => l !== 'deny';
const canWrite = (l: AccessLevel): boolean => l === 'write';

/**
 * A client token's rules over a parent (the default policy): the longest
 * matching prefix decides; with none, the parent does (Consul's PolicyACL).
 */
export class PolicyAuthorizer implements Authorizer {
  readonly management = false;
  readonly #rules: Record<PrefixKind, PrefixRules>;

  constructor(private readonly policy: Policy, private readonly parent: Authorizer) {
    this.#rules = {
      key: new PrefixRules(policy.prefixes.key),
      service: new PrefixRules(policy.prefixes.service),
      event: new PrefixRules(policy.prefixes.event),
      query: new PrefixRules(policy.prefixes.query),
      node: new PrefixRules(policy.prefixes.node),
      session: new PrefixRules(policy.prefixes.session),
      agent: new PrefixRules(policy.prefixes.agent),
    };
  }

  #check(kind: PrefixKind, name: string, ok: (l: AccessLevel) => boolean, fallback: () => boolean): boolean {
    const l = this.#rules[kind].longest(name);
    return l === undefined ? fallback() : ok(l);
  }

  keyRead(key: string): boolean { return this.#check('key', key, canRead, () => this.parent.keyRead(key)); }
  keyList(prefix: string): boolean { return this.#check('key', prefix, (l) => l === 'list' || l === 'write', () => this.parent.keyList(prefix)); }
  keyWrite(key: string): boolean { return this.#check('key', key, canWrite, () => this.parent.keyWrite(key)); }

  keyWritePrefix(prefix: string): boolean {
    const rules = this.#rules.key;
    const l = rules.longest(prefix);
    if (l !== undefined && l !== 'write') return false;
    // A rule below the prefix that does not grant write would be overridden by a recursive delete.
    if (rules.anyBelowShortOfWrite(prefix)) return false;
    return l !== undefined || this.parent.keyWritePrefix(prefix);
  }

  serviceRead(name: string): boolean { return this.#check('service', name, canRead, () => this.parent.serviceRead(name)); }
  serviceWrite(name: string): boolean { return this.#check('service', name, canWrite, () => this.parent.serviceWrite(name)); }
  nodeRead(name: string): boolean { return this.#check('node', name, canRead, () => this.parent.nodeRead(name)); }
  nodeWrite(name: string): boolean { return this.#check('node', name, canWrite, () => this.parent.nodeWrite(name)); }
  eventRead(name: string): boolean { return this.#check('event', name, canRead, () => this.parent.eventRead(name)); }
  eventWrite(name: string): boolean { return this.#check('event', name, canWrite, () => this.parent.eventWrite(name)); }
  sessionRead(node: string): boolean { return this.#check('session', node, canRead, () => this.parent.sessionRead(node)); }
  sessionWrite(node: string): boolean { return this.#check('session', node, canWrite, () => this.parent.sessionWrite(node)); }
  queryRead(prefix: string): boolean { return this.#check('query', prefix, canRead, () => this.parent.queryRead(prefix)); }
  queryWrite(prefix: string): boolean { return this.#check('query', prefix, canWrite, () => this.parent.queryWrite(prefix)); }
  agentRead(node: string): boolean { return this.#check('agent', node, canRead, () => this.parent.agentRead(node)); }
  agentWrite(node: string): boolean { return this.#check('agent', node, canWrite, () => this.parent.agentWrite(node)); }

  keyringRead(): boolean { return this.policy.keyring === undefined ? this.parent.keyringRead() : canRead(this.policy.keyring); }
  keyringWrite(): boolean { return this.policy.keyring === undefined ? this.parent.keyringWrite() : canWrite(this.policy.keyring); }
  operatorRead(): boolean { return this.policy.operator === undefined ? this.parent.operatorRead() : canRead(this.policy.operator); }
  operatorWrite(): boolean { return this.policy.operator === undefined ? this.parent.operatorWrite() : canWrite(this.policy.operator); }

  /** Client tokens never manage ACLs, whatever their rules (Consul's legacy rule). */
  aclManagement(): boolean { return false; }
}
