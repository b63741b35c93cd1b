import type { Clock, Logger, Random } from '../core/index.js';
import type { StreamTransport } from '../net/types.js';
import type { LogStore, SnapshotStore, StableStore } from './storage/types.js';

/** A Raft term: a logical clock that only grows; each term has at most one leader. */
export type Term = number;
/** A position in the replicated log; the first entry is 1, 0 means "before the log". */
export type LogIndex = number;
/** A server's stable identity (the member id); its address may change, its id does not. */
export type ServerId = string;

/** Voters count in elections and commit quorums; non-voters only receive the log (a server catching up). */
export type Suffrage = 'voter' | 'nonvoter';

export interface Server {
  id: ServerId;
  /** Where its cluster stream listens, "host:port". */
  address: string;
  suffrage: Suffrage;
}

/** The set of servers, as carried by configuration entries and snapshots. */
export interface Configuration {
  servers: Server[];
}

/**
 * command: a state machine command (opaque bytes);
 * noop: appended by every new leader, so entries of earlier terms get committed;
 * config: a new configuration, effective as soon as it is in a server's log.
 */
export type EntryKind = 'command' | 'noop' | 'config';

export interface LogEntry {
  index: LogIndex;
  term: Term;
  kind: EntryKind;
  /** The command for kind "command"; empty otherwise. */
  data: Uint8Array;
  /** The configuration for kind "config". */
  config?: Configuration;
}

/** What a node must remember across restarts before it answers anyone (Raft's "persistent state"). */
export interface HardState {
  term: Term;
  votedFor: ServerId | undefined;
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers. */
  index: LogIndex;
  term: Term;
  /** The configuration as of `index`. */
  config: Configuration;
}

/**
 * The replicated state machine. `apply` is called once per committed command,
 * in log order, on every server; it must be deterministic. It is synchronous
 * so that a read can observe the state at an exact applied index.
 */
export interface StateMachine {
  apply(entry: LogEntry): unknown;
  /** The whole state as bytes, at the index last applied. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's bytes. */
  restore(data: Uint8Array): void;
}

/**
 * pre-candidate: asking for pre-votes (would I win?) without raising the term,
 * so a partitioned server rejoining does not depose a healthy leader.
 */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * consistent: ReadIndex — the leader confirms with a quorum that it still
 * leads, then waits until it has applied the commit index it saw (linearizable);
 * leader: the leader answers from its own state without asking anyone (fresh
 * unless it was deposed and does not know yet);
 * stale: any server answers from what it has applied.
 */
export type ReadMode = 'consistent' | 'leader' | 'stale';

export interface ReadResult<T> {
  value: T;
  /** The applied index the value was read at. */
  index: LogIndex;
  /** Whether this server knows a leader. */
  knownLeader: boolean;
  /** Milliseconds since this server last heard from the leader; 0 on the leader. */
  lastContactMs: number;
}

export interface RaftStatus {
  id: ServerId;
  role: Role;
  term: Term;
  leaderId: ServerId | undefined;
  leaderAddress: string | undefined;
  commitIndex: LogIndex;
  appliedIndex: LogIndex;
  lastLogIndex: LogIndex;
  /** Milliseconds since the leader was last heard from; 0 on the leader, undefined if never. */
  lastContactMs: number | undefined;
  /** The latest configuration (possibly not yet committed). */
  configuration: Configuration;
}

export interface RaftStorage {
  log: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
}

export interface RaftMetrics {
  increment(name: string, by?: number): void;
}

/** What a Raft node needs from the world; nothing else is reached for. */
export interface RaftDeps {
  clock: Clock;
  random: Random;
  transport: StreamTransport;
  logger: Logger;
  storage: RaftStorage;
  stateMachine: StateMachine;
  metrics?: RaftMetrics;
}

export interface RaftIdentity {
  id: ServerId;
  /** This server's cluster stream address, as peers reach it. */
  address: string;
}

export interface RaftEvents {
  /** The role, term or known leader changed. */
  state: (status: RaftStatus) => void;
  /** An entry was applied to the state machine (after `apply` returned). */
  applied: (entry: LogEntry, result: unknown) => void;
}
