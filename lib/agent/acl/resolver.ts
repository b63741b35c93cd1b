import type { AclToken } from '../../catalog/index.js';
import { ALLOW_ALL, DENY_ALL, MANAGE_ALL, PolicyAuthorizer, defaultAuthorizer, type Authorizer } from './authorizer.js';
import { parseRules } from './rules.js';
import { ANONYMOUS_TOKEN_ID, type DefaultPolicy } from './types.js';

/** Looks a token up by ID; a stale answer is fine (Consul caches resolved tokens too). */
export type TokenLookup = (id: string) => AclToken | undefined | Promise<AclToken | undefined>;

export interface AclResolverOptions {
  enabled: boolean;
  defaultPolicy: DefaultPolicy;
  /**
   * This server's configured master token: it is management even before the
   * leader has written it to the catalog, so an operator can use it at once.
   */
  masterToken?: string | undefined;
  lookup: TokenLookup;
}

/** Compiled authorizers kept, keyed by token and ModifyIndex, so rules are parsed once per change. */
const CACHE_LIMIT = 1024;

/**
 * Turns the token a request carries into an Authorizer. No token means the
 * anonymous token; a token that does not exist resolves to undefined, which
 * the gateway answers with 403 "ACL not found". With ACLs disabled every
 * request may do everything (but ACL management, whose endpoints answer 401).
 */
export class AclResolver {
  readonly enabled: boolean;
  readonly defaultPolicy: DefaultPolicy;
  readonly #masterToken: string | undefined;
  readonly #lookup: TokenLookup;
  readonly #compiled = new Map<string, Authorizer>();

  constructor(options: AclResolverOptions) {
    this.enabled = options.enabled;
    this.defaultPolicy = options.defaultPolicy;
    this.#masterToken = options.masterToken;
    this.#lookup = options.lookup;
  }

  async resolve(token: string | undefined): Promise<Authorizer | undefined> {
    if (!this.enabled) return ALLOW_ALL;
    const id = token === undefined || token === '' ? ANONYMOUS_TOKEN_ID : token;
    if (this.#masterToken !== undefined && id === this.#masterToken) return MANAGE_ALL;
    const found = await this.#lookup(id);
    // Before the leader has written the anonymous token, no token means the default policy alone.
    if (found === undefined) return id === ANONYMOUS_TOKEN_ID ? defaultAuthorizer(this.defaultPolicy) : undefined;
    return this.authorizerFor(found);
  }

  /** The authorizer of one token: management allows all, a client token's rules sit over the default policy. */
  authorizerFor(token: AclToken): Authorizer {
    if (token.Type === 'management') return MANAGE_ALL;
    const key = `${token.ModifyIndex}\u0000${token.ID}`;
    let authorizer = this.#compiled.get(key);
    if (authorizer === undefined) {
      authorizer = compile(token.Rules, this.defaultPolicy);
      if (this.#compiled.size >= CACHE_LIMIT) this.#compiled.clear();
      this.#compiled.set(key, authorizer);
    }
    return authorizer;
  }
}

function compile(rules: string, defaultPolicy: DefaultPolicy): Authorizer {
  try {
    return new PolicyAuthorizer(parseRules(rules), defaultAuthorizer(defaultPolicy));
  } catch {
    // Rules are checked before they are stored; a token whose rules still fail (written by hand into a snapshot) may do nothing.
    return DENY_ALL;
  }
}
