import Router from '@koa/router';
import type { Context } from 'koa';
import { ChorusError, ErrorCode, isChorusError } from '../../core/errors.js';
import { eventListIndex, validateUserEventParams, type UserEvent, type UserEventParams } from '../../agent/events/index.js';
import { authorizerOf, filterByAcl, requirePermission } from '../consul/acl.js';
import { MAX_WAIT_MS } from '../consul/blocking.js';
import { readRawBody } from '../consul/body.js';
import { parseGoDuration } from '../consul/duration.js';
import { ConsulApiError, ConsulErrorCode } from '../consul/errors.js';
import { clientSignal } from '../consul/meta.js';
import { parseUint64 } from '../consul/numbers.js';
import { sendEmpty, sendJson } from '../respond.js';
import type { EventsDeps } from '../types.js';

const FIRE_PATH = /^\/v1\/event\/fire(?:\/(.*))?$/;
const LIST_PATH = '/v1/event/list';

/** Consul's UserEvent JSON, in Go's field order, the payload base64 (null when there was none). */
export interface UserEventJson {
  ID: string;
  Name: string;
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

export function toUserEventJson(e: UserEvent): UserEventJson {
  return {
    ID: e.ID,
    Name: e.Name,
    Payload: e.Payload === null ? null : Buffer.from(e.Payload.buffer, e.Payload.byteOffset, e.Payload.byteLength).toString('base64'),
    NodeFilter: e.NodeFilter,
    ServiceFilter: e.ServiceFilter,
    TagFilter: e.TagFilter,
    Version: e.Version,
    LTime: e.LTime,
  };
}

/** Consul's `/v1/event/fire/<name>` and `/v1/event/list` (reference §1.8), answered by this agent itself. */
export function consulEventRoutes(deps: EventsDeps): Router {
  const router = new Router();
  router.all(FIRE_PATH, async (ctx) => {
    if (answeredMethod(ctx, 'PUT')) return;
    await fire(deps, ctx);
  });
  router.all(LIST_PATH, async (ctx) => {
    if (answeredMethod(ctx, 'GET')) return;
    await list(deps, ctx);
  });
  return router;
}

/** OPTIONS and other methods than `method`, answered as Consul's wrap does; true when answered. */
function answeredMethod(ctx: Context, method: string): boolean {
  if (ctx.method === method) return false;
  ctx.set('Allow', `OPTIONS,${method}`);
  if (ctx.method === 'OPTIONS') {
    sendEmpty(ctx, 200);
    return true;
  }
  throw new ConsulApiError(ConsulErrorCode.MethodNotAllowed, `method ${ctx.method} not allowed`);
}

async function fire(deps: EventsDeps, ctx: Context): Promise<void> {
  let name: string;
  try {
    name = decodeURIComponent(FIRE_PATH.exec(ctx.path)?.[1] ?? '');
  } catch {
    throw new ChorusError(ErrorCode.BadRequest, 'Missing name');
  }
  if (name === '') throw new ChorusError(ErrorCode.BadRequest, 'Missing name');
  requirePermission(ctx, authorizerOf(ctx).eventWrite(name));
  const query = new URLSearchParams(ctx.querystring);
  const params: UserEventParams = {
    name,
    nodeFilter: query.get('node') ?? '',
    serviceFilter: query.get('service') ?? '',
    tagFilter: query.get('tag') ?? '',
    // Consul reads the body only when its length is declared (a chunked body is not a payload); any content type.
    payload: (ctx.request.length ?? 0) > 0 ? await readRawBody(ctx, deps.events.sizeLimit, (_bytes, limit) => exceeds(limit)) : null,
  };
  const dc = query.get('dc') || undefined;
  const event = refusedAs500(() => {
    validateUserEventParams(params);
    // Consul validates on the agent, then routes to the datacenter's servers.
    if (dc !== undefined && dc !== deps.datacenter) throw new ConsulApiError(ConsulErrorCode.NoPathToDatacenter, 'No path to datacenter');
    return deps.events.fire(params);
  });
  sendJson(ctx, toUserEventJson(event));
}

/** Consul answers everything its agent refuses with 500 and the reason. */
function refusedAs500<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isChorusError(err, ErrorCode.BadRequest) || isChorusError(err, ErrorCode.TooLarge)) {
      throw new ConsulApiError(ConsulErrorCode.Refused, err.message);
    }
    throw err;
  }
}

function exceeds(limit: number): ConsulApiError {
  return new ConsulApiError(ConsulErrorCode.Refused, `user event exceeds configured limit of ${limit} bytes before encoding`);
}

interface ListAnswer {
  events: UserEvent[];
  index: bigint;
}

async function list(deps: EventsDeps, ctx: Context): Promise<void> {
  const query = new URLSearchParams(ctx.querystring);
  // Consul's parseWait: wait first, then index; both answered 400 before anything else.
  let waitMs: number | undefined;
  const wait = query.get('wait');
  if (wait !== null && wait !== '') {
    waitMs = parseGoDuration(wait);
    if (waitMs === undefined) throw new ChorusError(ErrorCode.BadRequest, 'Invalid wait time');
  }
  let minIndex = 0n;
  const index = query.get('index');
  if (index !== null && index !== '') {
    const parsed = parseUint64(index);
    if (typeof parsed !== 'bigint') throw new ChorusError(ErrorCode.BadRequest, 'Invalid index');
    minIndex = parsed;
  }
  const name = query.get('name') || undefined;
  const answer = await blockingList(deps, name, minIndex, waitMs, clientSignal(ctx));
  // The index is a hash of the newest event's ID, all 64 bits of it; no leader headers (gossip has no leader).
  ctx.set('X-Consul-Index', answer.index.toString());
  const authz = authorizerOf(ctx);
  sendJson(ctx, filterByAcl(ctx, answer.events, (e) => authz.eventRead(e.Name)).map(toUserEventJson));
}

/**
 * Consul's EventList blocking: with ?index, wait while the list's index
 * equals it, until an event changes it, the wait (default and cap 10 min, no
 * jitter) runs out or the client hangs up; then answer with the list as it is.
 * An event of another name wakes the wait but does not end it.
 */
function blockingList(deps: EventsDeps, name: string | undefined, minIndex: bigint, waitMs: number | undefined, request: AbortSignal): Promise<ListAnswer> {
  const run = (): ListAnswer => {
    const events = deps.events.list(name);
    return { events, index: eventListIndex(events) };
  };
  let answer = run();
  if (minIndex === 0n || answer.index !== minIndex || request.aborted) return Promise.resolve(answer);
  const timeoutMs = waitMs === undefined || waitMs <= 0 ? MAX_WAIT_MS : Math.min(Math.ceil(waitMs), MAX_WAIT_MS);
  return new Promise((resolve) => {
    const finish = (): void => {
      timer.cancel();
      unsubscribe();
      request.removeEventListener('abort', finish);
      resolve(answer);
    };
    const unsubscribe = deps.events.onEvent(() => {
      answer = run();
      if (answer.index !== minIndex) finish();
    });
    const timer = deps.clock.setTimer(timeoutMs, finish);
    request.addEventListener('abort', finish, { once: true });
  });
}
