import type { Context } from 'koa';

/**
 * Writes a JSON body with exactly `application/json` (real clients compare
 * the header) and `?pretty` indentation as Consul does.
 */
export function sendJson(ctx: Context, value: unknown, status = 200): void {
  const pretty = Object.hasOwn(ctx.query, 'pretty');
  ctx.status = status;
  ctx.body = JSON.stringify(value, null, pretty ? 4 : undefined);
  ctx.set('Content-Type', 'application/json');
}

/** An empty response with `content-length: 0` and no content type, as Habitat's gateway sends. */
export function sendEmpty(ctx: Context, status: number): void {
  ctx.status = status;
  ctx.body = '';
  ctx.remove('Content-Type');
}
