import { ChorusError, ErrorCode } from '../core/index.js';
import type { ServerId } from './types.js';

/** Refusal by a server that is not the leader; carries where the leader is, when known. */
export function notLeader(leaderId: ServerId | undefined, leaderAddress: string | undefined): ChorusError {
  return new ChorusError(ErrorCode.Unavailable, leaderId === undefined ? 'no leader is known' : `not the leader; the leader is ${leaderId}`, {
    details: { leaderId, leaderAddress, applied: 'no' },
  });
}

/**
 * The proposal was appended but this server stopped leading before it was
 * applied: it may or may not be committed later. A client must treat the
 * outcome as unknown.
 */
export function leadershipLost(leaderId: ServerId | undefined, leaderAddress: string | undefined): ChorusError {
  return new ChorusError(ErrorCode.Unavailable, 'leadership lost before the entry was applied; its outcome is unknown', {
    details: { leaderId, leaderAddress, applied: 'unknown' },
  });
}

export function shuttingDown(): ChorusError {
  return new ChorusError(ErrorCode.ShuttingDown, 'raft node is stopping', { details: { applied: 'unknown' } });
}

export function tooBusy(pending: number): ChorusError {
  return new ChorusError(ErrorCode.Unavailable, `too many proposals in flight (${pending})`, { details: { applied: 'no' } });
}

export function configChangeInProgress(): ChorusError {
  return new ChorusError(ErrorCode.Conflict, 'a configuration change is already in progress', { details: { applied: 'no' } });
}

/** Another entry was committed at the proposal's index: the proposal was never applied and never will be. */
export function entryLost(leaderId: ServerId | undefined, leaderAddress: string | undefined): ChorusError {
  return new ChorusError(ErrorCode.Unavailable, 'the proposal was overwritten by a new leader and not applied', {
    details: { leaderId, leaderAddress, applied: 'no' },
  });
}

export function notBootstrappable(reason: string): ChorusError {
  return new ChorusError(ErrorCode.Conflict, `cannot bootstrap: ${reason}`);
}
