/** Butterfly: SWIM + Lifeguard membership, gossip dissemination, push-pull sync and rumors. */
export { Butterfly } from './butterfly.js';
export type {
  ButterflyDeps,
  ButterflyMetrics,
  ButterflyOptions,
  ButterflyStats,
  Incarnation,
  LocalMemberInit,
  Member,
  MemberId,
  MemberState,
  MembershipEvents,
  Tags,
} from './types.js';
export { MEMBER_STATES } from './types.js';
export { DEFAULTS, LAN_PROFILE, LOCAL_PROFILE, PROFILES, PROTOCOL_VERSION, type ProfileName, type TimingProfile } from './constants.js';
export { resolveOptions } from './options.js';
export { retransmitLimit } from './broadcast-queue.js';
export { suspicionTimeout, remainingSuspicionTime } from './suspicion.js';
export { pushPullScale } from './gossip.js';
export { formatAddress, parseAddress } from './address.js';
export * from './rumors/index.js';
export * from './coordinate/index.js';
