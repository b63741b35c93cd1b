import { DEFAULTS, PROFILES, type TimingProfile } from './constants.js';
import { invalidOption } from './errors.js';
import type { ButterflyOptions, ResolvedOptions } from './types.js';
import { parseAddress } from './address.js';
import { resolveRumorOptions } from './rumors/constants.js';

const POSITIVE: (keyof TimingProfile | keyof typeof DEFAULTS)[] = [
  'probeIntervalMs',
  'probeTimeoutMs',
  'gossipIntervalMs',
  'gossipNodes',
  'suspicionMult',
  'suspicionMaxTimeoutMult',
  'retransmitMult',
  'streamTimeoutMs',
  'awarenessMaxMultiplier',
  'joinRetryIntervalMs',
  'reapIntervalMs',
  'maxQueuedBroadcasts',
  'maxStreamMessageBytes',
  'maxMembersInSync',
];

const NON_NEGATIVE: (keyof TimingProfile | keyof typeof DEFAULTS)[] = [
  'indirectChecks',
  'pushPullIntervalMs',
  'gossipToTheDeadMs',
  'reconnectIntervalMs',
  'reapAfterMs',
  'leavePropagateMs',
];

/** Fills every missing option from the profile and DEFAULTS, and checks ranges. Throws ChorusError(InvalidConfig). */
export function resolveOptions(options: ButterflyOptions = {}): ResolvedOptions {
  const profileName = options.profile ?? DEFAULTS.profile;
  const profile = PROFILES[profileName];
  if (profile === undefined) throw invalidOption('profile', profileName, `must be one of ${Object.keys(PROFILES).join(', ')}`);
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: ResolvedOptions = {
    ...profile,
    ...DEFAULTS,
    ...resolveRumorOptions(options),
    seeds: [],
    permanentPeers: [],
    ...defined,
    profile: profileName,
  } as ResolvedOptions;
  for (const key of POSITIVE) {
    const value = o[key as keyof ResolvedOptions];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidOption(key, value, 'must be a positive number');
  }
  for (const key of NON_NEGATIVE) {
    const value = o[key as keyof ResolvedOptions];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidOption(key, value, 'must be zero or more');
  }
  if (o.probeTimeoutMs > o.probeIntervalMs) throw invalidOption('probeTimeoutMs', o.probeTimeoutMs, 'must not exceed probeIntervalMs');
  if (o.packetBudget < 512 || o.packetBudget > 65_000) throw invalidOption('packetBudget', o.packetBudget, 'must be within 512..65000');
  for (const address of [...o.seeds, ...o.permanentPeers]) {
    if (parseAddress(address) === undefined) throw invalidOption('seeds', address, 'is not host:port');
  }
  return o;
}
