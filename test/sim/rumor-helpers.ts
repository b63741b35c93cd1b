import type { ServicePublication, ServiceSys } from '../../lib/butterfly/index.js';
import type { SimCluster, SimMember } from './harness.js';

export function sysOf(m: SimMember): ServiceSys {
  const [ip] = m.address.split(':') as [string];
  return {
    ip,
    hostname: `node${m.index}`,
    gossip_ip: ip,
    gossip_port: 9638,
    http_gateway_ip: '0.0.0.0',
    http_gateway_port: 9631,
    ctl_gateway_ip: '127.0.0.1',
    ctl_gateway_port: 9632,
  };
}

export function publication(m: SimMember, group: string, extra: Partial<ServicePublication> = {}): ServicePublication {
  return { group, pkg: 'core/redis/4.0.14/20190319155852', cfg: 'port = 6379\n', sys: sysOf(m), health: 'OK', initialized: true, ...extra };
}

/** Runs until `pred` holds for every live member; returns the virtual ms it took, or undefined on timeout. */
export async function timeUntilAll(c: SimCluster, pred: (m: SimMember) => boolean, maxMs: number): Promise<number | undefined> {
  const start = c.clock.now();
  const ok = await c.net.runUntil(() => c.live().every(pred), maxMs);
  return ok ? c.clock.now() - start : undefined;
}

/** Stops a member and takes it out of the cluster's list. */
export async function retire(c: SimCluster, m: SimMember): Promise<void> {
  await m.node.stop();
  await m.endpoint.packets.close();
  await m.endpoint.streams.close();
  c.members.splice(c.members.indexOf(m), 1);
}

/** Total rumor messages received by all live members. */
export function rumorMessages(c: SimCluster): number {
  return c.members.reduce((sum, m) => sum + (m.node.stats().messagesReceived.rumor ?? 0), 0);
}
