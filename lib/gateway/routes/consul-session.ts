import Router from '@koa/router';
import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import {
  parseGoDurationNs, sessionRules, SESSION_TTL_MAX_MS, SESSION_TTL_MIN_MS,
  type CatalogReader, type CatalogSession, type QueryResult, type WatchScope,
} from '../../catalog/index.js';
import { formatGoDuration } from '../consul/duration.js';
import { catalogQuery, consulEndpoint, pathRest } from '../consul/endpoint.js';
import { ConsulApiError, ConsulErrorCode } from '../consul/errors.js';
import { parseQueryOptions, requireDatacenter } from '../consul/query-options.js';
import { readSessionRequest, type SessionRequest } from '../consul/session-body.js';
import { sessionJson } from '../consul/session-json.js';
import { AGENT_NODE_HEADER, FORWARDED_HEADER } from '../forward-http.js';
import { authorizerOf, filterByAcl, requirePermission } from '../consul/acl.js';
import { sendJson } from '../respond.js';
import type { ConsulDeps } from '../types.js';

const DESTROY_PATH = /^\/v1\/session\/destroy\/(.*)$/;
const INFO_PATH = /^\/v1\/session\/info\/(.*)$/;
const NODE_PATH = /^\/v1\/session\/node\/(.*)$/;
const RENEW_PATH = /^\/v1\/session\/renew\/(.*)$/;

function missing(what: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Missing ${what}`);
}

function rejected(message: string): ChorusError {
  return new ChorusError(ErrorCode.Rejected, message);
}

/** A random (version 4) UUID: the proposer picks a session's ID so every replica stores the same one. */
export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Consul's Session.Apply checks on a create, then the TTL's range, which is this server's setting. */
function checkSession(request: SessionRequest, ttlMinMs: number): void {
  sessionRules({ ...request, ID: '' });
  if (request.TTL === '') return;
  const ttl = parseGoDurationNs(request.TTL);
  const ns = 'ns' in ttl ? ttl.ns : 0;
  if (ns !== 0 && (ns < ttlMinMs * 1e6 || ns > SESSION_TTL_MAX_MS * 1e6)) {
    throw rejected(`Invalid Session TTL '${ns}', must be between [${formatGoDuration(ttlMinMs * 1e6)}=${formatGoDuration(SESSION_TTL_MAX_MS * 1e6)}]`);
  }
}

/** Consul's session writes read only ?dc (parseDC), none of the query options. */
function requireWriteDatacenter(ctx: Context, dc: string): void {
  const asked = new URLSearchParams(ctx.querystring).get('dc') || undefined;
  if (asked !== undefined && asked !== dc) throw new ConsulApiError(ConsulErrorCode.NoPathToDatacenter, 'No path to datacenter');
}

/** The node a create defaults to: this agent's, or for a request a client node forwarded, that node's. */
function agentNode(ctx: Context, deps: ConsulDeps): string {
  const forwardedFrom = ctx.get(FORWARDED_HEADER) !== '' ? ctx.get(AGENT_NODE_HEADER) : '';
  return forwardedFrom || (deps.nodeName ?? '');
}

/** Consul's session reads set no X-Consul-Effective-Consistency. */
function sessionQuery<T>(
  deps: ConsulDeps, ctx: Context, scope: WatchScope, query: (state: CatalogReader) => QueryResult<T>, check: () => void,
): Promise<T> {
  return catalogQuery(deps, ctx, scope, query, check, false);
}

/** Consul's `/v1/session/*` (reference §1.6). */
export function consulSessionRoutes(deps: ConsulDeps): Router {
  const router = new Router();
  const dc = deps.backend.datacenter;
  const sessionsTable: WatchScope = { table: 'sessions', match: 'table' };

  consulEndpoint(router, /^\/v1\/session\/create$/, ['PUT'], async (ctx) => {
    const request = await readSessionRequest(ctx, agentNode(ctx, deps));
    requireWriteDatacenter(ctx, dc);
    checkSession(request, deps.sessions?.ttlMinMs ?? SESSION_TTL_MIN_MS);
    requirePermission(ctx, authorizerOf(ctx).sessionWrite(request.Node));
    const ID = await deps.backend.write({ type: 'session.create', ID: randomUuid(deps.random), ...request });
    sendJson(ctx, { ID });
  });

  consulEndpoint(router, DESTROY_PATH, ['PUT'], async (ctx) => {
    const id = pathRest(ctx, DESTROY_PATH);
    if (id === '') throw missing('session');
    requireWriteDatacenter(ctx, dc);
    await requireSessionWrite(ctx, deps, id);
    await deps.backend.write({ type: 'session.destroy', ID: id });
    sendJson(ctx, true);
  });

  consulEndpoint(router, INFO_PATH, ['GET'], async (ctx) => {
    const id = pathRest(ctx, INFO_PATH);
    const found = await sessionQuery(deps, ctx, { table: 'sessions', match: 'key', key: id }, (s) => {
      const session = s.sessions.get(id);
      return { value: session === undefined ? [] : [session], index: s.tableIndex('sessions') };
    }, () => {
      if (id === '') throw missing('session');
    });
    // Unknown: [] (not null), so clients can always take the first element.
    sendJson(ctx, readable(ctx, found).map(sessionJson));
  });

  consulEndpoint(router, NODE_PATH, ['GET'], async (ctx) => {
    const node = pathRest(ctx, NODE_PATH);
    const found = await sessionQuery(deps, ctx, sessionsTable, (s) => ({ value: s.sessions.nodeSessions(node), index: s.tableIndex('sessions') }), () => {
      if (node === '') throw missing('node name');
    });
    sendJson(ctx, readable(ctx, found).map(sessionJson));
  });

  consulEndpoint(router, /^\/v1\/session\/list$/, ['GET'], async (ctx) => {
    const found = await sessionQuery(deps, ctx, sessionsTable, (s) => ({ value: s.sessions.list(), index: s.tableIndex('sessions') }), () => undefined);
    sendJson(ctx, readable(ctx, found).map(sessionJson));
  });

  consulEndpoint(router, RENEW_PATH, ['PUT'], async (ctx) => {
    const id = pathRest(ctx, RENEW_PATH);
    const options = parseQueryOptions(new URLSearchParams(ctx.querystring));
    if (id === '') throw missing('session');
    requireDatacenter(options, dc);
    await requireSessionWrite(ctx, deps, id);
    const session = await renew(deps, id);
    if (session === undefined) throw new ChorusError(ErrorCode.NotFound, `Session id '${id}' not found`);
    sendJson(ctx, [sessionJson(session)]);
  });

  return router;
}

/** Destroying or renewing needs session:write on the session's node (looked up stale; unknown sessions pass, to their own answer). */
async function requireSessionWrite(ctx: Parameters<typeof authorizerOf>[0], deps: ConsulDeps, id: string): Promise<void> {
  const node = (await deps.backend.read('stale', (s) => ({ value: s.sessions.get(id)?.Node, index: 0 }))).value;
  if (node !== undefined) requirePermission(ctx, authorizerOf(ctx).sessionWrite(node));
}

/** The sessions this request may read: session:read on their node. */
function readable(ctx: Parameters<typeof authorizerOf>[0], sessions: readonly CatalogSession[]): CatalogSession[] {
  const authz = authorizerOf(ctx);
  return filterByAcl(ctx, sessions, (x) => authz.sessionRead(x.Node));
}

/** On the leader, through the session duties; without them (no TTL timers anywhere) a renewal only looks the session up. */
async function renew(deps: ConsulDeps, id: string): Promise<CatalogSession | undefined> {
  if (deps.sessions !== undefined) return deps.sessions.renew(id);
  const answer = await deps.backend.read('default', (s) => ({ value: s.sessions.get(id), index: 0 }));
  return answer.value;
}


