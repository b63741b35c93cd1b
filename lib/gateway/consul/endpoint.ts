import type { Context, Next } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { sendEmpty } from '../respond.js';
import { ConsulApiError, ConsulErrorCode } from './errors.js';

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
