import { readFile } from 'node:fs/promises';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { booleanRule, checkTable, numberRule } from './rules.js';

/**
 * Gossip timings a config file may set in its `[gossip]` table, each
 * overriding the chosen profile. Keys and meaning follow memberlist's config.
 */
const ms = numberRule({ type: 'must be a number of milliseconds', int: 'must be whole milliseconds', min: [1, 'must be at least 1'], max: [3_600_000, 'must be at most an hour'] });
const count = numberRule({ type: 'must be a number', int: 'must be a whole number', min: [1, 'must be at least 1'], max: [64, 'must be at most 64'] });

const GOSSIP_TABLE = {
  probe_interval_ms: ms,
  probe_timeout_ms: ms,
  gossip_interval_ms: ms,
  gossip_nodes: count,
  indirect_checks: count,
  suspicion_mult: count,
  suspicion_max_timeout_mult: count,
  retransmit_mult: count,
  push_pull_interval_ms: numberRule({
    type: 'must be a number of milliseconds', int: 'must be whole milliseconds', min: [0, 'must be at least 0 (0 turns periodic push-pull off)'], max: [3_600_000, 'must be at most an hour'],
  }),
  lifeguard: booleanRule('must be true or false'),
  /** Send news at once rather than at the next gossip round (lib/butterfly/eager.ts); false gives memberlist's plain rounds. */
  eager_gossip: booleanRule('must be true or false'),
  /** Consul's disable_coordinates: no coordinates on acks, none sent to the catalog, ?near sorts nothing. */
  disable_coordinates: booleanRule('must be true or false'),
  /** Consul's sync_coordinate_interval_min: the agent sends its coordinate to the servers at most this often. */
  sync_coordinate_interval_min_ms: numberRule({ type: 'must be a number of milliseconds', int: 'must be whole milliseconds', min: [100, 'must be at least 100'], max: [3_600_000, 'must be at most an hour'] }),
};

export interface GossipTimings {
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  gossipIntervalMs?: number;
  gossipNodes?: number;
  indirectChecks?: number;
  suspicionMult?: number;
  suspicionMaxTimeoutMult?: number;
  retransmitMult?: number;
  pushPullIntervalMs?: number;
  lifeguard?: boolean;
  eagerGossip?: boolean;
  disableCoordinates?: boolean;
  /** Not a membership timing: read by the node's coordinate sync, not passed to Butterfly. */
  syncCoordinateIntervalMinMs?: number;
}

export function parseGossipTable(raw: unknown, file: string): GossipTimings {
  return checkTable('gossip', raw, file, GOSSIP_TABLE) as GossipTimings;
}

/**
 * Ring keys, base64, one per line: the first is the primary (used to send),
 * the others are accepted on receive so keys can rotate without downtime.
 */
export function parseRingKeys(text: string, origin: string): Uint8Array[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new ChorusError(ErrorCode.InvalidConfig, `${origin} holds no ring key`);
  return lines.map((line, i) => {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(line) ? Buffer.from(line, 'base64') : undefined;
    if (bytes === undefined || bytes.length !== 32) {
      throw new ChorusError(ErrorCode.InvalidConfig, `${origin}: key ${i + 1} is not a base64 AES-256 key (32 bytes); make one with: chorus ring key generate`);
    }
    return new Uint8Array(bytes);
  });
}

export async function readRingKeyFile(path: string): Promise<Uint8Array[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ChorusError(ErrorCode.InvalidConfig, `invalid value for --ring-key: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  return parseRingKeys(text, `ring key file ${path}`);
}

const raftMs = numberRule({ type: 'must be a number of milliseconds', int: 'must be whole milliseconds', min: [10, 'must be at least 10'], max: [60_000, 'must be at most a minute'] });
const longMs = numberRule({ type: 'must be a number of milliseconds', int: 'must be whole milliseconds', min: [1_000, 'must be at least 1000'], max: [30 * 24 * 3_600_000, 'must be at most 30 days'] });

const RAFT_TABLE = {
  heartbeat_interval_ms: raftMs,
  election_timeout_ms: raftMs,
  dead_server_removal_ms: longMs,
  tombstone_ttl_ms: longMs,
};

export interface RaftTimings {
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
  /** A server failed this long is removed from the configuration by the leader. */
  deadServerRemovalMs?: number;
  /** KV tombstones older than this are reaped by the leader (Consul's tombstone_ttl). */
  tombstoneTtlMs?: number;
}

/** The config file's `[raft]` table: etcd's two timing knobs, in milliseconds. */
export function parseRaftTable(raw: unknown, file: string): RaftTimings {
  const out = checkTable('raft', raw, file, RAFT_TABLE) as RaftTimings;
  if (out.heartbeatIntervalMs !== undefined && out.electionTimeoutMs !== undefined && out.electionTimeoutMs < 5 * out.heartbeatIntervalMs) {
    throw new ChorusError(ErrorCode.InvalidConfig, `config file ${file}: raft.election_timeout_ms should be at least 5 × heartbeat_interval_ms (etcd recommends 10 ×)`);
  }
  return out;
}
