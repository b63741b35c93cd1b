import { ChorusError, ErrorCode } from '../core/errors.js';
import { DEFAULT_HTTP_PORT } from './defaults.js';

/** Where an HTTP API client (`chorus kv ...`) sends its requests, and with what token. */
export interface HttpTarget {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:9631`. */
  baseUrl: string;
  token: string | undefined;
}

/**
 * Flag, then CHORUS_*, then CONSUL_* (so an existing Consul set-up works
 * unchanged), then the default. Like Consul, an address without a scheme is
 * taken as http.
 */
export function resolveHttpTarget(
  flags: { httpAddr?: string | undefined; token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): HttpTarget {
  const fromFlag = flags.httpAddr !== undefined;
  const text = flags.httpAddr ?? (env.CHORUS_HTTP_ADDR || env.CONSUL_HTTP_ADDR || `http://127.0.0.1:${DEFAULT_HTTP_PORT}`);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ChorusError(ErrorCode.InvalidConfig, `invalid value for --http-addr${fromFlag ? '' : ' (from the environment)'}: ${JSON.stringify(text)}`);
  }
  return {
    baseUrl: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`,
    token: flags.token || env.CHORUS_HTTP_TOKEN || env.CONSUL_HTTP_TOKEN || undefined,
  };
}
