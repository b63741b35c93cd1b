import type { Context, Next } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { ALLOW_ALL, type Authorizer } from '../../agent/acl/index.js';
import type { AclGatewayDeps } from '../types.js';

/** Consul's texts for the two ACL refusals (reference §0: both are 403). */
export const PERMISSION_DENIED = 'Permission denied';
export const ACL_NOT_FOUND = 'ACL not found';

/** What the ACL middleware leaves on ctx.state for the routes. */
export interface AclRequestState {
  /** What this request may do. */
  authorizer: Authorizer;
  /** The token the request carried (undefined: none, it acts as the anonymous token). */
  token: string | undefined;
  /** This agent's node name, which `agent` rules name. */
  nodeName: string;
  enabled: boolean;
  /** False when the request named a token that does not exist. */
  known: boolean;
}

function notFound(): ChorusError {
  return new ChorusError(ErrorCode.Forbidden, ACL_NOT_FOUND);
}

/**
 * Stands in for a token that does not exist: every check answers 403 "ACL
 * not found", so routes that never check (status) still answer, and the
 * ones that do fail as Consul's do.
 */
const UNKNOWN_TOKEN: Authorizer = new Proxy({} as Authorizer, {
  get(_target, prop) {
    if (prop === 'management') return false;
    return () => {
      throw notFound();
    };
  },
});

/**
 * The request's token, in Consul's order: `?token=`, `X-Consul-Token`,
 * then `Authorization: Bearer <token>` (only the first word of the value).
 * The Authorization header is skipped when the gateway's own bearer
 * authentication owns it (HAB_SUP_GATEWAY_AUTH_TOKEN).
 */
export function requestToken(ctx: Context, bearerIsGatewayAuth: boolean): string | undefined {
  const query = new URLSearchParams(ctx.querystring).get('token');
  if (query !== null && query !== '') return query;
  const header = ctx.get('X-Consul-Token');
  if (header !== '') return header;
  if (bearerIsGatewayAuth) return undefined;
  const parts = ctx.get('Authorization').split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  const value = parts.slice(1).join(' ').trim().split(' ')[0]!.trim();
  return value === '' ? undefined : value;
}

/**
 * For every /v1 request: sends X-Consul-Default-ACL-Policy (always, as
 * Consul ≥ 1.9 does, even with ACLs off) and resolves the request's token
 * into an authorizer on ctx.state.acl. Resolution never fails the request by
 * itself; an unknown token fails the first check a route makes.
 */
export function aclMiddleware(acl: AclGatewayDeps | undefined, bearerIsGatewayAuth: boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/v1/')) {
      await next();
      return;
    }
    ctx.set('X-Consul-Default-ACL-Policy', acl?.resolver.defaultPolicy ?? 'allow');
    if (acl !== undefined && acl.resolver.enabled) {
      const token = requestToken(ctx, bearerIsGatewayAuth);
      const resolved = await acl.resolver.resolve(token);
      const state: AclRequestState = { authorizer: resolved ?? UNKNOWN_TOKEN, token, nodeName: acl.nodeName, enabled: true, known: resolved !== undefined };
      ctx.state.acl = state;
    }
    await next();
  };
}

/** The request's ACL state; with no ACL middleware or ACLs off, everything is allowed. */
export function aclState(ctx: Context): AclRequestState {
  return (ctx.state.acl as AclRequestState | undefined) ?? { authorizer: ALLOW_ALL, token: undefined, nodeName: '', enabled: false, known: true };
}

/** The request's authorizer (see aclMiddleware). */
export function authorizerOf(ctx: Context): Authorizer {
  return aclState(ctx).authorizer;
}

/** The one way a route refuses: 403 "Permission denied" unless `ok`. */
export function requirePermission(_ctx: Context, ok: boolean): void {
  if (!ok) throw new ChorusError(ErrorCode.Forbidden, PERMISSION_DENIED);
}

/**
 * Drops the items the request may not see, as Consul filters list results
 * silently; says so in X-Consul-Results-Filtered-By-ACLs when the request
 * carried a token and something was dropped.
 */
export function filterByAcl<T>(ctx: Context, items: readonly T[], allowed: (item: T) => boolean): T[] {
  // An unknown token fails even when there is nothing to filter, as Consul resolves the token first.
  if (!aclState(ctx).known) throw notFound();
  const kept = items.filter(allowed);
  if (kept.length < items.length && aclState(ctx).token !== undefined) ctx.set('X-Consul-Results-Filtered-By-ACLs', 'true');
  return kept;
}
