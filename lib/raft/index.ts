/** Raft: leader election, log replication, write-ahead log, snapshots, membership, reads. */
export { RaftNode, resolveRaftOptions } from './node.js';
export { RAFT_DEFAULTS, PROTOCOL_VERSION, LIMITS, type RaftOptions, type ResolvedRaftOptions } from './constants.js';
export type {
  Configuration,
  EntryKind,
  HardState,
  LogEntry,
  LogIndex,
  RaftDeps,
  RaftEvents,
  RaftIdentity,
  RaftMetrics,
  RaftStatus,
  RaftStorage,
  ReadMode,
  ReadResult,
  Role,
  Server,
  ServerId,
  SnapshotMeta,
  StateMachine,
  Suffrage,
  Term,
} from './types.js';
export type { RaftMessage, RaftRequest, RaftResponse } from './messages.js';
export { encodeMessage, decodeMessage } from './wire.js';
export { isVoter, quorumSize, voters, validateConfiguration } from './configuration.js';
export * from './storage/index.js';
