import type { Clock, Logger, Random } from '../core/index.js';
import type { PacketTransport, StreamTransport } from '../net/types.js';
import type { ProfileName, TimingProfile } from './constants.js';
import type { RumorOptions } from './rumors/types.js';

/** A member's stable identity (Habitat's member id). */
export type MemberId = string;
/** A member's own counter: only the member raises it, to refute rumors of its death. */
export type Incarnation = number;

/**
 * alive → suspect → failed (Habitat: "confirmed"); left after a graceful leave;
 * departed for good after `depart` (never alive again under that id).
 */
export type MemberState = 'alive' | 'suspect' | 'failed' | 'left' | 'departed';

export const MEMBER_STATES: readonly MemberState[] = ['alive', 'suspect', 'failed', 'left', 'departed'];

export type Tags = Readonly<Record<string, string>>;

/** What one member knows about another (or itself). */
export interface Member {
  readonly id: MemberId;
  readonly name: string;
  /** Host or IP the member gossips on. */
  readonly address: string;
  readonly gossipPort: number;
  readonly incarnation: Incarnation;
  readonly state: MemberState;
  /** A permanent peer: probed even when failed, so split rings heal. */
  readonly persistent: boolean;
  readonly tags: Tags;
  /** Local clock time of the last state change. */
  readonly stateChangedAt: number;
}

/** The local member's identity, given by the node (usually read from the data directory). */
export interface LocalMemberInit {
  id: MemberId;
  /** Default: the id. */
  name?: string;
  /** "host:port" others reach us on. Default: the packet transport's local address. */
  advertiseAddress?: string;
  /** The incarnation persisted by the last run; we start one above it. Default 0. */
  incarnation?: Incarnation;
  persistent?: boolean;
  tags?: Record<string, string>;
}

/** Counters a node may export (Prometheus or similar). All optional. */
export interface ButterflyMetrics {
  count(name: string, by?: number): void;
  gauge?(name: string, value: number): void;
}

/** What the membership core needs from the node. */
export interface ButterflyDeps {
  clock: Clock;
  random: Random;
  packets: PacketTransport;
  streams: StreamTransport;
  logger: Logger;
  metrics?: ButterflyMetrics;
}

/** Every field is optional; defaults are in constants.ts (profile `lan` unless set). */
export interface ButterflyOptions extends Partial<TimingProfile>, RumorOptions {
  profile?: ProfileName;
  lifeguard?: boolean;
  packetBudget?: number;
  /** Addresses ("host:port") to join at start; retried until one answers. */
  seeds?: string[];
  /** Addresses always kept in touch: synced with whenever they are not alive members. */
  permanentPeers?: string[];
  joinRetryIntervalMs?: number;
  reconnectIntervalMs?: number;
  reapAfterMs?: number;
  reapIntervalMs?: number;
  leavePropagateMs?: number;
  maxQueuedBroadcasts?: number;
  maxStreamMessageBytes?: number;
  maxMembersInSync?: number;
  disableCoordinates?: boolean;
  eagerGossip?: boolean;
}

export type ResolvedOptions = Required<Omit<ButterflyOptions, 'profile'>> & { profile: ProfileName };

/** Events of the membership, for the census, Raft server discovery and the gateway. */
export interface MembershipEvents {
  /** A member is new to us, or came back after failing or leaving. */
  joined: (member: Member) => void;
  /** A suspect member refuted the suspicion. */
  alive: (member: Member) => void;
  /** A member changed its tags or address. */
  updated: (member: Member) => void;
  suspect: (member: Member) => void;
  failed: (member: Member) => void;
  left: (member: Member) => void;
  departed: (member: Member) => void;
  /** A failed, left or departed member was forgotten. */
  reaped: (member: Member) => void;
  /** The local incarnation changed: persist it so a restart starts above it. */
  incarnation: (incarnation: Incarnation) => void;
  /** This member was departed by an operator: the node must stop and not come back under this id. */
  selfDeparted: () => void;
}

/** Counters kept by the membership itself, always available. */
export interface ButterflyStats {
  packetsReceived: number;
  packetsSent: number;
  bytesSent: number;
  /** Dropped incoming packets by reason (malformed, version, type, ...). */
  dropped: Record<string, number>;
  messagesReceived: Record<string, number>;
  probes: number;
  probesFailed: number;
  indirectProbes: number;
  nacksReceived: number;
  suspicionsRaised: number;
  refutations: number;
  pushPulls: number;
  pushPullFailures: number;
  /** Lifeguard local health score (0 is healthy). */
  healthScore: number;
  queuedBroadcasts: number;
}
