import type { Configuration, LogEntry, LogIndex, ServerId, SnapshotMeta, Term } from './types.js';

/**
 * Raft RPCs. Requests travel on a cluster stream of kind Raft; each gets
 * exactly one response of the matching type on the same stream.
 */
export interface PreVoteRequest {
  type: 'preVote';
  /** The term the sender would campaign in (its term + 1); nobody adopts it. */
  term: Term;
  candidateId: ServerId;
  lastLogIndex: LogIndex;
  lastLogTerm: Term;
}

export interface VoteRequest {
  type: 'vote';
  term: Term;
  candidateId: ServerId;
  lastLogIndex: LogIndex;
  lastLogTerm: Term;
}

export interface VoteResponse {
  type: 'voteResponse';
  term: Term;
  granted: boolean;
}

export interface AppendRequest {
  type: 'append';
  term: Term;
  leaderId: ServerId;
  leaderAddress: string;
  prevLogIndex: LogIndex;
  prevLogTerm: Term;
  entries: LogEntry[];
  leaderCommit: LogIndex;
}

export interface AppendResponse {
  type: 'appendResponse';
  term: Term;
  success: boolean;
  /** On success, the last index known to match the leader's log (durable on the follower). */
  matchIndex: LogIndex;
  /** On rejection, where the leader should retry from: the follower's log matches nothing past this. */
  hintIndex: LogIndex;
}

export interface SnapshotRequest {
  type: 'snapshot';
  term: Term;
  leaderId: ServerId;
  leaderAddress: string;
  meta: SnapshotMeta;
  /** Byte offset of `chunk` in the snapshot; 0 starts a new transfer. */
  offset: number;
  chunk: Uint8Array;
  done: boolean;
}

export interface SnapshotResponse {
  type: 'snapshotResponse';
  term: Term;
  success: boolean;
  /** The offset the follower expects next (to resume, or to restart at 0). */
  nextOffset: number;
}

export type RaftRequest = PreVoteRequest | VoteRequest | AppendRequest | SnapshotRequest;
export type RaftResponse = VoteResponse | AppendResponse | SnapshotResponse;
export type RaftMessage = RaftRequest | RaftResponse;
export type RaftMessageType = RaftMessage['type'];

/** The response type answering each request type. */
export interface ResponseOf {
  preVote: VoteResponse;
  vote: VoteResponse;
  append: AppendResponse;
  snapshot: SnapshotResponse;
}

export type { Configuration };
