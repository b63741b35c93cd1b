/**
 * A level of access in a legacy rule. `list` exists for keys only (Consul
 * 1.0's key listing policy) and reads as `read` everywhere else.
 */
export type AccessLevel = 'deny' | 'read' | 'list' | 'write';

/** The resource kinds a rule may name with a prefix: `key "app/" { policy = "write" }`. */
export const PREFIX_KINDS = ['key', 'service', 'event', 'query', 'node', 'session', 'agent'] as const;
export type PrefixKind = (typeof PREFIX_KINDS)[number];

/** The kinds that take one level and no prefix: `keyring = "write"`. */
export const GLOBAL_KINDS = ['keyring', 'operator'] as const;
export type GlobalKind = (typeof GLOBAL_KINDS)[number];

/** One prefix rule: everything whose name starts with `prefix` gets `policy`, unless a longer prefix says otherwise. */
export interface PrefixRule {
  readonly prefix: string;
  readonly policy: AccessLevel;
}

/** The parsed rules of one token. Rules of a kind keep the order they were written in. */
export interface Policy {
  readonly prefixes: Readonly<Record<PrefixKind, readonly PrefixRule[]>>;
  readonly keyring: AccessLevel | undefined;
  readonly operator: AccessLevel | undefined;
}

/** Consul's legacy token types. */
export type TokenType = 'client' | 'management';

/** What a client token falls back to when no rule matches (Consul's acl_default_policy). */
export type DefaultPolicy = 'allow' | 'deny';

/** The ID of the token a request without a token acts as. */
export const ANONYMOUS_TOKEN_ID = 'anonymous';
export const ANONYMOUS_TOKEN_NAME = 'Anonymous Token';
export const MASTER_TOKEN_NAME = 'Master Token';
