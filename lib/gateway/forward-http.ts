import type { Context, Next } from 'koa';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';

/** The routes a client node does not answer itself: they read or write the replicated catalog. */
const SERVER_PREFIXES = ['/v1/kv/', '/v1/kv', '/v1/status/', '/v1/catalog/', '/v1/health/', '/v1/session/', '/v1/acl/', '/v1/txn', '/v1/coordinate/'];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'te', 'trailer', 'proxy-authorization']);
/** Marks a forwarded request, so a server never forwards it on. */
export const FORWARDED_HEADER = 'x-chorus-forwarded';
/** Names the client node a request was forwarded from: a session it creates defaults to that node, not the server's. */
export const AGENT_NODE_HEADER = 'x-chorus-agent-node';

function forServer(path: string): boolean {
  return SERVER_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

/**
 * On a client node, catalog requests go to a server's gateway as they came
 * (method, path, query, headers, body), and its answer comes back as it is:
 * blocking queries, consistency modes and every header keep Consul's
 * meaning with no second implementation of them here.
 */
export function forwardToServer(target: () => string | undefined, nodeName?: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!forServer(ctx.path) || ctx.get(FORWARDED_HEADER) !== '') {
      await next();
      return;
    }
    const base = target();
    if (base === undefined) throw new ChorusError(ErrorCode.OperationFailed, 'No known Consul servers');
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(ctx.request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers[FORWARDED_HEADER] = '1';
    if (nodeName !== undefined) headers[AGENT_NODE_HEADER] = nodeName;
    else delete headers[AGENT_NODE_HEADER];
    // node:http rather than fetch: a blocking query may wait ten minutes, past fetch's fixed header timeout.
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const out = httpRequest(`${base}${ctx.url}`, { method: ctx.method, headers }, resolve);
      out.on('error', (err) => reject(new ChorusError(ErrorCode.OperationFailed, `failed to forward to a server: ${messageOf(err)}`, { cause: err })));
      // The caller hung up (a blocking query given up): stop waiting on the server too.
      ctx.res.on('close', () => { if (!ctx.res.writableFinished) out.destroy(); });
      if (ctx.method === 'GET' || ctx.method === 'HEAD') out.end();
      else ctx.req.pipe(out);
    });
    ctx.status = upstream.statusCode ?? 502;
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length') ctx.set(name, value);
    }
    const length = upstream.headers['content-length'];
    ctx.body = upstream;
    // Koa would label a streamed body application/octet-stream; keep the server's answer as it was.
    if (upstream.headers['content-type'] === undefined) ctx.remove('Content-Type');
    if (length !== undefined) ctx.length = Number(length);
  };
}
