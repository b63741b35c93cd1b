import type { MemberId } from '../types.js';

/** A service group as gossiped: `service.group[@org]`. */
export type ServiceGroupName = string;

/** Health as the census and the `/health` route spell it. */
export type RumorHealth = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const RUMOR_HEALTH: readonly RumorHealth[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

/** Habitat's SysInfo: where a member's service can be reached. */
export interface ServiceSys {
  ip: string;
  hostname: string;
  gossip_ip: string;
  gossip_port: number;
  http_gateway_ip: string;
  http_gateway_port: number;
  ctl_gateway_ip: string;
  ctl_gateway_port: number;
}

/** One member's service in a group. Keyed by (group, member); the incarnation orders versions. */
export interface ServiceRumor {
  kind: 'service';
  group: ServiceGroupName;
  memberId: MemberId;
  incarnation: number;
  /** Fully qualified package ident, `origin/name/version/release`. */
  pkg: string;
  pkgIncarnation: number;
  /** The exported config keys, as TOML or JSON text. */
  cfg: string;
  sys: ServiceSys;
  health: RumorHealth;
  initialized: boolean;
  /** A tombstone: the member withdrew the service (unloaded or stopped). */
  withdrawn: boolean;
  /**
   * For a tombstone, how long until it expires, as of when it was sent: a
   * duration, not a time, so no two members' clocks are compared, and a
   * tombstone passed along never outlives the original. 0 for a live rumor.
   */
  expiresInMs: number;
}

/** A group's gossiped config (`config apply`). Keyed by group. */
export interface ServiceConfigRumor {
  kind: 'config';
  group: ServiceGroupName;
  version: number;
  /** Who injected it (a member id). */
  fromId: string;
  toml: string;
}

/** A gossiped file (`file upload`). Keyed by (group, filename). */
export interface ServiceFileRumor {
  kind: 'file';
  group: ServiceGroupName;
  filename: string;
  version: number;
  fromId: string;
  body: Uint8Array;
}

/** A member departed for good (`sup depart`). Keyed by member id; never changes. */
export interface DepartureRumor {
  kind: 'departure';
  memberId: MemberId;
}

/** A user event (serf's user event): fire and forget, filtered at the receiver. */
export interface UserEventRumor {
  kind: 'event';
  name: string;
  payload: Uint8Array;
  /** Regex matched against the member's name or id; empty matches all. */
  nodeFilter: string;
  /** Regex matched against the service groups the member publishes; empty matches all. */
  serviceFilter: string;
  /** Tag name → regex its value must match. */
  tagFilters: Record<string, string>;
  /** Lamport time of the event at its origin. */
  ltime: number;
  /** The member that fired it. */
  origin: MemberId;
}

export type Rumor = ServiceRumor | ServiceConfigRumor | ServiceFileRumor | DepartureRumor | UserEventRumor;
export type RumorKind = Rumor['kind'];

/**
 * A large rumor's announcement: the rumor's identity and version, and where
 * its body can be fetched over a stream (`StreamKind.LargeRumor`).
 */
export interface RumorHeader {
  kind: 'header';
  of: LargeKind;
  group: ServiceGroupName;
  /** The member id of a service, '' for a config, the file name of a file. */
  name: string;
  version: number;
  size: number;
  /** "host:port" of a member holding the body (the last one to pass the header on). */
  holder: string;
}

/** The kinds kept in stores, which may be too large for a packet. */
export type LargeKind = 'service' | 'config' | 'file';
export type StoredRumor = ServiceRumor | ServiceConfigRumor | ServiceFileRumor;

/** Everything that travels in a rumor message body. */
export type RumorWire = Rumor | RumorHeader;

/** What `publishService` takes: the fields the supervisor knows. */
export interface ServicePublication {
  group: ServiceGroupName;
  pkg: string;
  pkgIncarnation?: number;
  cfg?: string;
  sys: ServiceSys;
  health?: RumorHealth;
  initialized?: boolean;
}

/** What `fireEvent` takes. */
export interface UserEventInit {
  name: string;
  payload?: Uint8Array;
  nodeFilter?: string;
  serviceFilter?: string;
  tagFilters?: Record<string, string>;
}

/** A rumor change. `previous` is what was held before (undefined for new ones). */
export interface RumorChange<R> {
  current: R | undefined;
  previous: R | undefined;
  /** Why: a newer version arrived, it was withdrawn (tombstone), or it was purged or expired. */
  reason: 'update' | 'withdrawn' | 'purged';
}

export interface RumorEvents {
  /** A service rumor appeared, changed, was withdrawn or purged. `current` is undefined when it is gone. */
  serviceChanged: (change: RumorChange<ServiceRumor>) => void;
  configChanged: (change: RumorChange<ServiceConfigRumor>) => void;
  fileChanged: (change: RumorChange<ServiceFileRumor>) => void;
  departure: (rumor: DepartureRumor) => void;
  /** A user event whose filters match this member. */
  event: (event: UserEventRumor) => void;
}

/** Update counters, one per store (`/butterfly`'s `update_counter`); ignored counts rumors that were not news. */
export interface RumorCounters {
  service: number;
  serviceConfig: number;
  serviceFile: number;
  departure: number;
  event: number;
  ignored: number;
  malformed: number;
  largeFetches: number;
  largeFetchFailures: number;
}

/** Options of the rumor layer; each is optional, defaults in rumors/constants.ts. */
export interface RumorOptions {
  /** A withdrawn service's tombstone is forgotten this long after it was learned. */
  serviceTombstoneTtlMs?: number;
  /** Rumors of a member that departed, left or is no longer known are purged this long after. */
  departedRumorTtlMs?: number;
  /** How often tombstones and departed members' rumors are checked. */
  rumorSweepIntervalMs?: number;
  /** A rumor whose encoding is larger than this is announced by header and fetched by stream. */
  maxInlineRumorBytes?: number;
  maxConfigBytes?: number;
  maxFileBytes?: number;
  maxServiceCfgBytes?: number;
  maxEventPayloadBytes?: number;
  /** User events kept (for de-duplication and listing): the newest by Lamport time. */
  eventBufferSize?: number;
  /** Caps on the stores: beyond them new keys are refused (counted as ignored). */
  maxServiceRumors?: number;
  maxFileRumors?: number;
  maxConfigRumors?: number;
  maxDepartureRumors?: number;
}
