import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { CatalogReader, QueryResult, WatchScope } from '../../catalog/index.js';
import { sendEmpty } from '../respond.js';
import type { ConsulDeps } from '../types.js';
import { blockingQuery } from './blocking.js';
import { ConsulApiError, ConsulErrorCode } from './errors.js';
import { clientSignal, setQueryMeta } from './meta.js';
import { parseQueryOptions, requireDatacenter } from './query-options.js';

/**
 * One Consul endpoint: OPTIONS answers with the allowed methods, any other
 * method not listed gets Consul's 405 text, as Consul's `wrap` does.
 */
export function consulEndpoint(router: Router, path: RegExp, methods: readonly string[], handler: (ctx: Context) => Promise<void>): void {
  const allow = ['OPTIONS', ...methods].join(',');
  router.all(path, async (ctx) => {
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allow);
      sendEmpty(ctx, 200);
      return;
    }
    if (!methods.includes(ctx.method)) {
      ctx.set('Allow', allow);
      throw new ConsulApiError(ConsulErrorCode.MethodNotAllowed, `method ${ctx.method} not allowed`);
    }
    await handler(ctx);
  });
}

/** The percent-decoded rest of the path after an endpoint's prefix (Consul trims the prefix off the decoded path). */
export function pathRest(ctx: Context, path: RegExp): string {
  const raw = path.exec(ctx.path)?.[1] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ChorusError(ErrorCode.BadRequest, `invalid URL escape in ${JSON.stringify(raw)}`);
  }
}

/**
 * A catalog, health or session read: Consul's query options, blocking on
 * `scope`, the meta headers, and (unless `effectiveConsistency` is false, as
 * for Consul's session reads) X-Consul-Effective-Consistency. `check` runs
 * after the options are parsed and before the query, for the endpoint's own 400s.
 */
export async function catalogQuery<T>(
  deps: ConsulDeps, ctx: Context, scope: WatchScope, query: (state: CatalogReader) => QueryResult<T>, check: () => void = () => undefined,
  effectiveConsistency = true,
): Promise<T> {
  const options = parseQueryOptions(new URLSearchParams(ctx.querystring));
  check();
  requireDatacenter(options, deps.backend.datacenter);
  const answer = await blockingQuery(deps, options, scope, query, clientSignal(ctx));
  setQueryMeta(ctx, answer);
  if (effectiveConsistency) ctx.set('X-Consul-Effective-Consistency', options.consistency === 'default' ? 'leader' : options.consistency);
  return answer.value;
}

/** One Consul endpoint as agent/http_register.go declares it. */
export interface ConsulEndpoint {
  /** `/v1/agent/services` (exact) or `/v1/agent/service/deregister/` (a prefix: ends with `/`). */
  pattern: string;
  methods: readonly string[];
  /** `rest` is the percent-decoded path after a prefix pattern ("" for an exact one). */
  handle: (ctx: Context, rest: string) => Promise<void> | void;
}

/**
 * Dispatches like Go's ServeMux under Consul's wrap(): the longest matching
 * pattern wins, OPTIONS answers 200 with `Allow`, another method not declared
 * answers 405 `method X not allowed` with `Allow`. Paths no pattern owns go on
 * to the next middleware.
 */
export function consulEndpoints(endpoints: readonly ConsulEndpoint[]) {
  const sorted = [...endpoints].sort((a, b) => b.pattern.length - a.pattern.length);
  return async (ctx: Context, next: Next): Promise<void> => {
    const path = ctx.path;
    const endpoint = sorted.find((e) => (e.pattern.endsWith('/') ? path.startsWith(e.pattern) || path === e.pattern.slice(0, -1) : path === e.pattern));
    if (endpoint === undefined) {
      await next();
      return;
    }
    const allow = ['OPTIONS', ...endpoint.methods].join(',');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allow);
      sendEmpty(ctx, 200);
      return;
    }
    if (!endpoint.methods.includes(ctx.method)) {
      ctx.set('Allow', allow);
      throw new ConsulApiError(ConsulErrorCode.MethodNotAllowed, `method ${ctx.method} not allowed`);
    }
    let rest = '';
    if (endpoint.pattern.endsWith('/')) {
      const raw = path.slice(endpoint.pattern.length);
      try {
        rest = decodeURIComponent(raw);
      } catch {
        throw new ChorusError(ErrorCode.BadRequest, `invalid URL escape ${JSON.stringify(raw)}`);
      }
    }
    await endpoint.handle(ctx, rest);
  };
}
