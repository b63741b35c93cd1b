import { isIP } from 'node:net';

/** A host and port to listen on or to reach a peer at. */
export interface Address {
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Parses "host:port", "[v6]:port", or, when `defaultPort` is given, a bare
 * host. Returns an error text instead of throwing, so callers can say which
 * flag was wrong.
 */
export function parseAddress(text: string, defaultPort?: number): Address | string {
  const value = text.trim();
  if (value === '') return 'expected HOST:PORT, got an empty value';
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  } else {
    const colons = value.split(':').length - 1;
    if (colons > 1) return 'an IPv6 address must be written in brackets, e.g. [::1]:9638';
    const idx = value.lastIndexOf(':');
    host = idx === -1 ? value : value.slice(0, idx);
    portText = idx === -1 ? undefined : value.slice(idx + 1);
    if (isIP(host) === 0 && !HOSTNAME.test(host)) return `"${host}" is not an IP address or host name`;
  }
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) return 'expected HOST:PORT, the port is missing';
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" is not a number from 0 to 65535`;
    port = Number(portText);
    if (port > 65535) return `port ${port} is not a number from 0 to 65535`;
  }
  return { host, port };
}

export function formatAddress(address: Address): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
