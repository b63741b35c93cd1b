import type { Context } from 'koa';
import type { QueryAnswer } from '../../catalog/index.js';

/**
 * The headers every Consul query response carries (reference §0, §2).
 * The index is never 0: clients treat 0 as "no index" and would busy-loop.
 */
export function setQueryMeta(ctx: Context, answer: QueryAnswer<unknown>): void {
  ctx.set('X-Consul-Index', String(Math.max(1, answer.index)));
  ctx.set('X-Consul-KnownLeader', answer.knownLeader ? 'true' : 'false');
  ctx.set('X-Consul-LastContact', String(Math.max(0, Math.round(answer.lastContactMs))));
  ctx.set('X-Consul-Query-Backend', 'blocking-query');
}

/** Aborts when the client goes away, so a parked query stops waiting for nobody. */
export function clientSignal(ctx: Context): AbortSignal {
  const controller = new AbortController();
  // Only a caller that hung up before the answer aborts; aborting after every answer cost a DOMException per request.
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) controller.abort();
  });
  return controller.signal;
}
