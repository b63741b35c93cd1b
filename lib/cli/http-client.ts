import type { Command } from 'commander';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { HttpTarget } from '../config/index.js';

/** The flags every command that talks to the HTTP API takes. */
export type HttpTargetFlags = { httpAddr?: string; token?: string };

export function withHttpOptions(cmd: Command): Command {
  return cmd
    .option('--http-addr <addr>', 'HTTP API to talk to (default http://127.0.0.1:9631) [env: CHORUS_HTTP_ADDR, CONSUL_HTTP_ADDR]')
    .option('--token <token>', 'ACL / gateway token [env: CHORUS_HTTP_TOKEN, CONSUL_HTTP_TOKEN]');
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest, 401: ErrorCode.Unauthorized, 403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound, 413: ErrorCode.TooLarge, 503: ErrorCode.Unavailable,
};

/**
 * One request to the HTTP API, as the CLI's clients make them. `path` is
 * already percent-encoded; a query value of '' sends a bare flag. A status
 * outside 2xx and `allowed` becomes a ChorusError carrying the server's text.
 */
export async function apiRequest(
  target: HttpTarget, method: string, path: string, query: Record<string, string | undefined> = {}, allowed: number[] = [], body?: Uint8Array,
): Promise<Response> {
  const search = Object.entries(query)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');
  const url = `${target.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
  const headers: Record<string, string> = {};
  if (target.token !== undefined) {
    // The gateway's bearer check and Consul's own header, so either kind of server accepts it.
    headers.Authorization = `Bearer ${target.token}`;
    headers['X-Consul-Token'] = target.token;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  } catch (err) {
    throw new ChorusError(ErrorCode.Unavailable, `cannot reach the HTTP API at ${target.baseUrl}: ${messageOf((err as Error).cause ?? err)}`, { cause: err });
  }
  if (res.ok || allowed.includes(res.status)) return res;
  const text = (await res.text()).trim();
  throw new ChorusError(
    CODE_BY_STATUS[res.status] ?? ErrorCode.OperationFailed,
    `${method} ${decodeURIComponent(path)} failed: ${res.status}${text === '' ? '' : ` ${text}`}`,
    { details: { status: res.status } },
  );
}
