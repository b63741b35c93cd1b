import { parse as parseToml } from 'smol-toml';
import type { Member, ServiceRumor } from '../../butterfly/index.js';
import { parseServiceGroup } from '../service-group.js';
import { noElection, type CensusMember } from '../templating/types.js';
import type { TomlTable } from '../types.js';

/** The census health flags of a member: exactly one is set (Habitat's update_from_health). */
export interface HealthFlags {
  alive: boolean;
  suspect: boolean;
  confirmed: boolean;
  departed: boolean;
}

/**
 * Membership state → census flags: alive, suspect, failed → confirmed, left →
 * departed (Habitat marks a gracefully stopped supervisor departed). A member
 * the membership does not know (yet) has no flag set, unless it is us.
 */
export function healthFlags(member: Member | undefined, isLocal: boolean): HealthFlags {
  const state = isLocal ? 'alive' : member?.state;
  return {
    alive: state === 'alive',
    suspect: state === 'suspect',
    confirmed: state === 'failed',
    departed: state === 'left' || state === 'departed',
  };
}

/** `origin/name[/version[/release]]` → Habitat's pkg object. */
export function parsePkg(ident: string): CensusMember['pkg'] {
  const [origin = '', name = '', version, release] = ident.split('/');
  return { origin, name, version: version ?? null, release: release ?? null };
}

/** The exported config a member gossips, as TOML or JSON text; anything unreadable is an empty table. */
export function parseCfg(text: string): TomlTable {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  try {
    const value: unknown = trimmed.startsWith('{') ? JSON.parse(trimmed) : parseToml(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as TomlTable) : {};
  } catch {
    return {};
  }
}

/** A gossiped config's TOML, or undefined when it does not parse. */
export function parseConfigToml(text: string): TomlTable | undefined {
  try {
    return parseToml(text) as TomlTable;
  } catch {
    return undefined;
  }
}

/** The service group's parts, or undefined when the name does not parse. */
export function groupParts(name: string): { service: string; group: string; org: string | null } | undefined {
  try {
    const sg = parseServiceGroup(name);
    return { service: sg.service, group: sg.group, org: sg.org ?? null };
  } catch {
    return undefined;
  }
}

/**
 * One census member from a service rumor and what the membership knows of
 * its member (Habitat's update_from_service_rumor, update_from_member and
 * update_from_health). The gossip address comes from the membership, which
 * is where the member is actually heard from.
 */
export function censusMember(r: ServiceRumor, member: Member | undefined, localMemberId: string): CensusMember | undefined {
  const parts = groupParts(r.group);
  if (parts === undefined) return undefined;
  const isLocal = r.memberId === localMemberId;
  const sys = { ...r.sys };
  if (member !== undefined) {
    sys.gossip_ip = member.address;
    sys.gossip_port = member.gossipPort;
  }
  return {
    member_id: r.memberId,
    pkg: parsePkg(r.pkg),
    pkg_incarnation: r.pkgIncarnation,
    package: r.pkg,
    service: parts.service,
    group: parts.group,
    org: parts.org,
    persistent: member?.persistent ?? false,
    leader: false,
    follower: false,
    update_leader: false,
    update_follower: false,
    ...noElection(),
    sys,
    ...healthFlags(member, isLocal),
    cfg: parseCfg(r.cfg),
    health: r.health,
    initialized: r.initialized,
  };
}
