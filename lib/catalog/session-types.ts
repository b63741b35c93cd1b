import type { LogIndex } from './types.js';

/**
 * Sessions, named as Consul's structs.Session so the routes map them one to
 * one. A session is immutable once created: it only comes and goes.
 */

/** What happens to the keys a session holds when it is invalidated. */
export type SessionBehavior = 'release' | 'delete';

export const SessionBehaviors: readonly SessionBehavior[] = ['release', 'delete'];

/** A service check a session watches (Consul's structs.ServiceCheck). */
export interface SessionServiceCheck {
  readonly ID: string;
  readonly Namespace: string;
}

/** What a session create says (Consul's Session without its indexes). */
export interface SessionRegistration {
  /** Chosen by the proposer (a UUID), so every replica stores the same one. */
  readonly ID: string;
  readonly Name: string;
  readonly Node: string;
  /** Nanoseconds, as Consul's JSON shows it. */
  readonly LockDelay: number;
  readonly Behavior: SessionBehavior;
  /** As the client wrote it ("30s"); '' for none. */
  readonly TTL: string;
  /** Null and [] differ, as Go's nil and empty slices do in Consul's JSON. */
  readonly NodeChecks: readonly string[] | null;
  readonly ServiceChecks: readonly SessionServiceCheck[] | null;
  /** Deprecated since Consul 1.7; still watched, shown only when not empty. */
  readonly Checks: readonly string[] | null;
}

export interface CatalogSession extends SessionRegistration {
  readonly CreateIndex: LogIndex;
  readonly ModifyIndex: LogIndex;
}

/** Create a session; refused unless its node and checks exist and no check is critical. */
export interface SessionCreateCommand extends SessionRegistration {
  type: 'session.create';
}

/** Destroy (invalidate) a session; destroying an unknown one is not an error. */
export interface SessionDestroyCommand {
  type: 'session.destroy';
  ID: string;
}

/** Every check ID a session watches (Consul's Session.CheckIDs): Checks, NodeChecks, then ServiceChecks. */
export function sessionCheckIds(s: SessionRegistration): string[] {
  return [...(s.Checks ?? []), ...(s.NodeChecks ?? []), ...(s.ServiceChecks ?? []).map((c) => c.ID)];
}

/**
 * Keys a destroyed session held, reported from apply so the leader can start
 * their lock-delay: that needs a clock, which the state machine must not read.
 */
export interface LocksReleased {
  session: string;
  keys: string[];
  /** The session's LockDelay in nanoseconds (not yet capped). */
  lockDelayNs: number;
}

/** What the state machine tells its owner about sessions, beside the watch notifications. */
export interface SessionEvents {
  /** A session was created (the leader starts its TTL timer). */
  created?(session: CatalogSession): void;
  /** A session is gone, however it went (the leader drops its TTL timer). */
  destroyed?(id: string): void;
  /** A destroyed session held these keys (the leader starts their lock-delay). */
  locksReleased?(released: LocksReleased): void;
}

/** Consul's SessionTTLMultiplier: the leader waits twice the TTL before it expires a session. */
export const SESSION_TTL_MULTIPLIER = 2;
/** Consul's session_ttl_min default. */
export const SESSION_TTL_MIN_MS = 10_000;
/** Consul's SessionTTLMax. */
export const SESSION_TTL_MAX_MS = 24 * 3_600_000;
/** Consul's MaxLockDelay: a longer LockDelay is cut to this. */
export const MAX_LOCK_DELAY_MS = 60_000;
