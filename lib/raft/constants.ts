/** Version of the Raft wire messages; the first element of every encoded message. */
export const PROTOCOL_VERSION = 1;

/**
 * Options of a Raft node. Every field is optional; the defaults below are
 * close to etcd's (heartbeat 100 ms, election timeout 1 s).
 */
export interface RaftOptions {
  /** How often a leader sends heartbeats. Default 100 ms. */
  heartbeatIntervalMs?: number;
  /**
   * The base election timeout. A follower waits a random time in
   * [electionTimeoutMs, 2 × electionTimeoutMs) without hearing from a leader
   * before it campaigns; a leader that has not heard from a quorum for this
   * long steps down (check quorum); a follower that heard from a leader within
   * it refuses (pre-)votes (leader stickiness). Default 1,000 ms.
   */
  electionTimeoutMs?: number;
  /** Ask for pre-votes before raising the term. Default true. */
  preVote?: boolean;
  /** A leader steps down when it has not heard from a quorum within an election timeout. Default true. */
  checkQuorum?: boolean;
  /** Timeout of one vote or AppendEntries request. Default 1,000 ms. */
  rpcTimeoutMs?: number;
  /** Timeout of one InstallSnapshot chunk. Default 10,000 ms. */
  snapshotRpcTimeoutMs?: number;
  /** Most entries in one AppendEntries. Default 256. */
  maxEntriesPerAppend?: number;
  /** Most bytes of entry data in one AppendEntries (at least one entry is always sent). Default 1 MiB. */
  maxBytesPerAppend?: number;
  /** Most AppendEntries in flight to one follower while it keeps up (pipelining). Default 8. */
  maxInflightAppends?: number;
  /** Take a snapshot once this many entries were applied since the last one. Default 8,192. */
  snapshotThreshold?: number;
  /** Entries kept in the log behind a snapshot, so a follower slightly behind needs no snapshot. Default 1,024. */
  trailingLogs?: number;
  /** Bytes of snapshot per InstallSnapshot chunk. Default 256 KiB. */
  snapshotChunkBytes?: number;
  /** Most proposals waiting to be applied on the leader before new ones are refused. Default 10,000. */
  maxPendingProposals?: number;
  /**
   * A non-voter being added is promoted once its log is within this many
   * entries of the leader's. Default 16.
   */
  promoteWithinEntries?: number;
  /** How long addServer waits for the new server to catch up before giving up. Default 30,000 ms. */
  catchUpTimeoutMs?: number;
}

export type ResolvedRaftOptions = Required<RaftOptions>;

export const RAFT_DEFAULTS: ResolvedRaftOptions = {
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1_000,
  preVote: true,
  checkQuorum: true,
  rpcTimeoutMs: 1_000,
  snapshotRpcTimeoutMs: 10_000,
  maxEntriesPerAppend: 256,
  maxBytesPerAppend: 1024 * 1024,
  maxInflightAppends: 8,
  snapshotThreshold: 8_192,
  trailingLogs: 1_024,
  snapshotChunkBytes: 256 * 1024,
  maxPendingProposals: 10_000,
  promoteWithinEntries: 16,
  catchUpTimeoutMs: 30_000,
};

/** Bounds applied when decoding messages from the wire. */
export const LIMITS = {
  idLength: 256,
  addressLength: 300,
  entriesPerMessage: 65_536,
  entryBytes: 64 * 1024 * 1024,
  serversPerConfig: 1_000,
  chunkBytes: 64 * 1024 * 1024,
  messageBytes: 128 * 1024 * 1024,
} as const;
