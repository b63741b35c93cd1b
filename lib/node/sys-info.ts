import { hostname, networkInterfaces } from 'node:os';
import type { Address } from '../core/address.js';
import type { SysInfo } from '../supervisor/index.js';

const WILDCARD = new Set(['0.0.0.0', '::']);

/**
 * The address other members reach this node at: the listen address itself,
 * or, when listening on every interface, the first non-internal IPv4 address
 * (as Habitat's `sys.ip`), falling back to loopback on a machine with none.
 */
export function advertisedIp(listen: Address): string {
  if (!WILDCARD.has(listen.host)) return listen.host;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function sysInfo(opts: {
  version: string;
  memberId: string;
  gossip: Address;
  http: Address;
  ctl: Address;
  permanent?: boolean;
}): SysInfo {
  const ip = advertisedIp(opts.gossip);
  return {
    version: opts.version,
    member_id: opts.memberId,
    ip,
    hostname: hostname(),
    gossip_ip: opts.gossip.host,
    gossip_port: opts.gossip.port,
    http_gateway_ip: opts.http.host,
    http_gateway_port: opts.http.port,
    ctl_gateway_ip: opts.ctl.host,
    ctl_gateway_port: opts.ctl.port,
    permanent: opts.permanent ?? false,
  };
}
