/**
 * Defaults of the membership protocol. Every field of ButterflyOptions that is
 * left out takes its value from the profile named by `profile` (default `lan`),
 * which copies hashicorp/memberlist's DefaultLANConfig; `local` copies its
 * DefaultLocalConfig, for loopback clusters and tests.
 */
export interface TimingProfile {
  /** Time between probes of successive members (SWIM protocol period). */
  probeIntervalMs: number;
  /** Time a direct ping waits for its ack before asking others to probe. */
  probeTimeoutMs: number;
  /** Time between gossip rounds that push queued updates to random members. */
  gossipIntervalMs: number;
  /** Members each gossip round sends to. */
  gossipNodes: number;
  /** Members asked to probe a member that did not answer a direct ping. */
  indirectChecks: number;
  /** Suspicion timeout = suspicionMult × max(1, log10(n)) × probeInterval (the Lifeguard minimum). */
  suspicionMult: number;
  /** The Lifeguard suspicion timeout starts at suspicionMaxTimeoutMult × the minimum. */
  suspicionMaxTimeoutMult: number;
  /** Each update is sent at most retransmitMult × ceil(log10(n + 1)) times by each member. */
  retransmitMult: number;
  /** Full state sync with one random member this often (scaled up past 32 members); 0 disables it. */
  pushPullIntervalMs: number;
  /** How long a stream exchange (push-pull, large rumor) may take. */
  streamTimeoutMs: number;
  /** Failed members still receive gossip this long, so they can learn and refute. */
  gossipToTheDeadMs: number;
  /** The Lifeguard local health multiplier never exceeds this; timeouts stretch at most this many times. */
  awarenessMaxMultiplier: number;
}

export const LAN_PROFILE: Readonly<TimingProfile> = Object.freeze({
  probeIntervalMs: 1_000,
  probeTimeoutMs: 500,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  pushPullIntervalMs: 30_000,
  streamTimeoutMs: 10_000,
  gossipToTheDeadMs: 30_000,
  awarenessMaxMultiplier: 8,
});

export const LOCAL_PROFILE: Readonly<TimingProfile> = Object.freeze({
  ...LAN_PROFILE,
  probeIntervalMs: 1_000,
  probeTimeoutMs: 200,
  gossipIntervalMs: 100,
  indirectChecks: 1,
  suspicionMult: 3,
  retransmitMult: 2,
  pushPullIntervalMs: 15_000,
  streamTimeoutMs: 1_000,
  gossipToTheDeadMs: 15_000,
});

export const PROFILES = { lan: LAN_PROFILE, local: LOCAL_PROFILE } as const;
export type ProfileName = keyof typeof PROFILES;

/** Defaults that do not depend on the profile. */
export const DEFAULTS = Object.freeze({
  profile: 'lan' as ProfileName,
  /** Lifeguard (local health, dynamic suspicion, buddy system, nacks) is on unless turned off. */
  lifeguard: true,
  /**
   * Bytes a packet may carry before encryption: 1,400 minus the 29 bytes of
   * the AES-GCM ring wrapper (lib/net/keyring.ts), so packets stay under
   * 1,400 bytes on the wire with or without a ring key.
   */
  packetBudget: 1_371,
  /** Retry joining the seeds this often until one answers. */
  joinRetryIntervalMs: 1_000,
  /** Try a full sync with one random failed member this often, so split rings heal (serf's reconnect). */
  reconnectIntervalMs: 30_000,
  /** Failed and left members are forgotten this long after they failed or left (serf's 24 h). */
  reapAfterMs: 24 * 3_600_000,
  /** How often failed, left and departed members are checked for reaping. */
  reapIntervalMs: 15_000,
  /** A graceful leave waits this long for the leave message to spread. */
  leavePropagateMs: 1_000,
  /** Largest number of queued updates; the most-sent ones are dropped first beyond it. */
  maxQueuedBroadcasts: 8_192,
  /** Largest full-state message accepted over a stream, in bytes. */
  maxStreamMessageBytes: 8 * 1024 * 1024,
  /** Largest number of members in one full-state message. */
  maxMembersInSync: 100_000,
  /** Network coordinates ride on acks and move with every probe unless this is set (Consul's disable_coordinates). */
  disableCoordinates: false,
  /**
   * News goes out at once instead of waiting for the next gossip round
   * (lib/butterfly/eager.ts). Off, dissemination is memberlist's: one round
   * every gossipIntervalMs.
   */
  eagerGossip: true,
});

/** An eager gossip round runs at most once per gossipIntervalMs / EAGER_GOSSIP_ROUNDS_PER_INTERVAL, so bursts of news share rounds. */
export const EAGER_GOSSIP_ROUNDS_PER_INTERVAL = 8;

/** Wire protocol version: the first byte of every packet and stream message. */
export const PROTOCOL_VERSION = 1;

/** Past this many members, the push-pull interval grows with log2(n) (memberlist's pushPullScaleThreshold). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/** Field limits enforced after decoding. */
export const LIMITS = Object.freeze({
  idLength: 128,
  nameLength: 256,
  hostLength: 256,
  tagCount: 64,
  tagKeyLength: 128,
  tagValueLength: 512,
  /** Messages in one compound packet. */
  compoundParts: 255,
});
