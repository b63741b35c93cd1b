import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import {
  parseGoDurationNs, SERF_CHECK_ID,
  type SessionBehavior, type SessionRegistration, type SessionServiceCheck,
} from '../../catalog/index.js';
import { readRawBody } from './body.js';
import { bodyTooLarge, DEFAULT_MAX_BODY_SIZE, decodeJsonBody, t, type Schema } from './json-body.js';

/**
 * The body of /v1/session/create as Consul's agent reads it: defaults first
 * (this agent's node, serfHealth, 15 s lock-delay, release), the body, if
 * any, decoded over them, then fixupEmptySessionChecks. The session ID is the
 * caller's to choose.
 */

const SERVICE_CHECK: Schema = { name: 'ServiceCheck', qualifiedName: 'structs.ServiceCheck', fields: { ID: t.string, Namespace: t.string } };

export const SESSION_REQUEST: Schema = {
  name: 'Session',
  qualifiedName: 'structs.Session',
  fields: {
    ID: t.string,
    Name: t.string,
    Node: t.string,
    // Session.UnmarshalJSON takes a duration string or a number of nanoseconds.
    LockDelay: t.any,
    Behavior: t.string,
    TTL: t.string,
    NodeChecks: t.list(t.string),
    ServiceChecks: t.list(t.struct(SERVICE_CHECK)),
    Checks: t.list(t.string),
    CreateIndex: t.uint64,
    ModifyIndex: t.uint64,
  },
};

/** Consul's lockDelayMinThreshold: smaller lock delays are taken as seconds ("users often send 5"). */
const LOCK_DELAY_MIN_THRESHOLD = 1000;
const DEFAULT_LOCK_DELAY_NS = 15e9;

export type SessionRequest = Omit<SessionRegistration, 'ID'>;

function decodeFailed(message: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Request decode failed: ${message}`);
}

/** Session.UnmarshalJSON's LockDelay: a Go duration or a number (ns), anything else 0; below 1000 ns it means seconds. */
function lockDelay(raw: unknown): number {
  let ns = 0;
  if (typeof raw === 'string') {
    const parsed = parseGoDurationNs(raw);
    if ('error' in parsed) throw decodeFailed(parsed.error);
    ns = parsed.ns;
  } else if (typeof raw === 'number') {
    ns = Math.trunc(raw);
  }
  return ns < LOCK_DELAY_MIN_THRESHOLD ? ns * 1e9 : ns;
}

/** The JSON keys (any case) whose value was null: Go sets a slice to nil for them, which the fix-up tells from absent. */
function nullKeys(text: string): Set<string> {
  const parsed = JSON.parse(text) as unknown;
  const out = new Set<string>();
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [k, v] of Object.entries(parsed)) if (v === null) out.add(k.toLowerCase());
  }
  return out;
}

/**
 * Reads the create request. The body is decoded only when Content-Length
 * says there is one, as Consul's `req.ContentLength > 0` (a chunked body is
 * ignored there too).
 */
export async function readSessionRequest(ctx: Context, agentNode: string): Promise<SessionRequest> {
  let body: Record<string, unknown> = {};
  let nulls = new Set<string>();
  if (Number(ctx.get('Content-Length') || 0) > 0) {
    const raw = await readRawBody(ctx, DEFAULT_MAX_BODY_SIZE, bodyTooLarge);
    const text = raw.toString('utf8');
    body = decodeJsonBody(text, SESSION_REQUEST) ?? {};
    nulls = nullKeys(text);
  }
  const list = <T>(field: string, fallback: T[] | null): T[] | null =>
    field in body ? (body[field] as T[]) : nulls.has(field.toLowerCase()) ? null : fallback;
  let checks = list<string>('Checks', [SERF_CHECK_ID]);
  let nodeChecks = list<string>('NodeChecks', [SERF_CHECK_ID]);
  // fixupEmptySessionChecks: the deprecated Checks defer to NodeChecks unless they say something of their own.
  if (checks === null || checks.length === 0) {
    checks = null;
    nodeChecks = [];
  } else if (checks.length === 1 && checks[0] === SERF_CHECK_ID) {
    checks = null;
  } else if (nodeChecks === null || nodeChecks.length === 0) {
    checks = null;
  }
  return {
    Name: (body.Name as string | undefined) ?? '',
    Node: (body.Node as string | undefined) ?? agentNode,
    LockDelay: 'LockDelay' in body ? lockDelay(body.LockDelay) : DEFAULT_LOCK_DELAY_NS,
    // Consul's Session.Apply takes an empty behavior as release.
    Behavior: ((body.Behavior as string | undefined) || 'release') as SessionBehavior,
    TTL: (body.TTL as string | undefined) ?? '',
    NodeChecks: nodeChecks,
    ServiceChecks: list<SessionServiceCheck>('ServiceChecks', null)?.map((c) => ({ ID: c.ID ?? '', Namespace: c.Namespace ?? '' })) ?? null,
    Checks: checks,
  };
}
