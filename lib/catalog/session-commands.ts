import { ChorusError, ErrorCode } from '../core/errors.js';
import { badCommand, int, record, str, stringList, type Fail, type Obj } from './fields.js';
import { parseGoDurationNs } from './go-duration.js';
import { uuidError } from './registry-commands.js';
import {
  SessionBehaviors,
  type SessionBehavior, type SessionCreateCommand, type SessionDestroyCommand, type SessionRegistration, type SessionServiceCheck,
} from './session-types.js';

/**
 * Checks of session.create and session.destroy, in the two kinds the
 * registry's commands use: the shape (BadRequest) and Consul's rules that
 * need only the request (Rejected, answered with 500 and Consul's text).
 * The TTL's range is not here: its minimum is the leader's configuration,
 * checked before the command is proposed, not a rule every replica shares.
 */

const badShape: Fail = badCommand;

function rejected(message: string): ChorusError {
  return new ChorusError(ErrorCode.Rejected, message);
}

function serviceChecks(o: Obj, fail: Fail): SessionServiceCheck[] | null {
  const v = o.ServiceChecks;
  if (v === null) return null;
  if (!Array.isArray(v)) throw fail('ServiceChecks must be a list');
  return v.map((x, i) => {
    const c = record(x, `ServiceChecks[${i}]`, fail);
    return { ID: str(c, 'ID', fail), Namespace: str(c, 'Namespace', fail) };
  });
}

/** A session's fields from an untrusted map (a log entry or a snapshot row). */
export function readSession(o: Obj, fail: Fail): SessionRegistration {
  const Behavior = str(o, 'Behavior', fail);
  return {
    ID: str(o, 'ID', fail),
    Name: str(o, 'Name', fail),
    Node: str(o, 'Node', fail),
    LockDelay: int(o, 'LockDelay', fail),
    Behavior: Behavior as SessionBehavior,
    TTL: str(o, 'TTL', fail),
    NodeChecks: stringList(o, 'NodeChecks', fail),
    ServiceChecks: serviceChecks(o, fail),
    Checks: stringList(o, 'Checks', fail),
  };
}

/** Consul's Session.Apply rules for a create, in its order: node, behavior, TTL syntax. */
export function sessionRules(s: SessionRegistration): void {
  if (s.Node === '') throw rejected('Must provide Node');
  if (!SessionBehaviors.includes(s.Behavior)) throw rejected(`Invalid Behavior setting '${s.Behavior}'`);
  if (s.TTL !== '') {
    const ttl = parseGoDurationNs(s.TTL);
    if ('error' in ttl) throw rejected(`Session TTL '${s.TTL}' invalid: ${ttl.error}`);
  }
}

export function validateSessionCreate(o: Obj): SessionCreateCommand {
  const session = readSession(o, badShape);
  const idError = uuidError(session.ID);
  if (idError !== undefined) throw badShape(`session ID: ${idError}`);
  sessionRules(session);
  return { type: 'session.create', ...session };
}

export function validateSessionDestroy(o: Obj): SessionDestroyCommand {
  const ID = str(o, 'ID', badShape);
  if (ID === '') throw rejected('Must provide ID');
  return { type: 'session.destroy', ID };
}

/** A complete session.create from the fields a caller cares about, the rest at Consul's defaults for a body-less create. */
export function sessionCreateCommand(s: Partial<SessionRegistration> & { ID: string; Node: string }): SessionCreateCommand {
  return {
    type: 'session.create', Name: '', LockDelay: 15e9, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'],
    ServiceChecks: null, Checks: null, ...s,
  };
}
