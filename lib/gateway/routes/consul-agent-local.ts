import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { healthHttpStatus, isCheckStatus, type CheckStatus } from '../../agent/index.js';
import { decodeCheckDefinition, decodeCheckUpdate, decodeServiceDefinition, readBodyText } from '../consul/agent-body.js';
import { blockingTimeout } from '../consul/blocking.js';
import { parseGoDuration } from '../consul/duration.js';
import { consulEndpoints, type ConsulEndpoint } from '../consul/endpoint.js';
import { AGENT_SERVICE, filterParam, HEALTH_CHECK } from '../consul/filter/index.js';
import { clientSignal } from '../consul/meta.js';
import { parseUint64 } from '../consul/numbers.js';
import { sendEmpty, sendJson } from '../respond.js';
import type { AgentLocalDeps } from '../types.js';

/**
 * Consul's agent-local endpoints (seed 002, reference §1.2): services,
 * checks, their health and maintenance, on this agent only. Nothing here is
 * a Raft query, so no X-Consul-Index; writes answer 200 with an empty body.
 */
export function consulAgentLocalRoutes(deps: AgentLocalDeps) {
  const { agent } = deps;
  const params = (ctx: Context) => new URLSearchParams(ctx.querystring);
  const written = async (ctx: Context) => {
    await agent.syncChanges();
    sendEmpty(ctx, 200);
  };
  const ttlUpdate = (status: CheckStatus): ConsulEndpoint['handle'] => async (ctx, id) => {
    await agent.updateTtlCheck(id, status, params(ctx).get('note') ?? '');
    await written(ctx);
  };

  const endpoints: ConsulEndpoint[] = [
    { pattern: '/v1/agent/services', methods: ['GET'], handle: (ctx) => sendJson(ctx, filterParam(params(ctx), AGENT_SERVICE).values(agent.servicesJson())) },
    { pattern: '/v1/agent/service/', methods: ['GET'], handle: (ctx, id) => getService(deps, ctx, id) },
    {
      pattern: '/v1/agent/service/register',
      methods: ['PUT'],
      handle: async (ctx) => {
        const def = decodeServiceDefinition(await readBodyText(ctx));
        const p = params(ctx);
        // Present without a value, or "true": anything else leaves the other checks alone.
        const replace = p.has('replace-existing-checks') && (p.get('replace-existing-checks') === '' || p.get('replace-existing-checks') === 'true');
        await agent.registerService(def, { replaceExistingChecks: replace });
        await written(ctx);
      },
    },
    {
      pattern: '/v1/agent/service/deregister/',
      methods: ['PUT'],
      handle: async (ctx, id) => {
        await agent.deregisterService(id);
        await written(ctx);
      },
    },
    {
      pattern: '/v1/agent/service/maintenance/',
      methods: ['PUT'],
      handle: async (ctx, id) => {
        if (id === '') throw new ChorusError(ErrorCode.BadRequest, 'Missing service ID');
        const p = params(ctx);
        const enable = parseEnable(p);
        await agent.setServiceMaintenance(id, enable, p.get('reason') ?? '');
        await written(ctx);
      },
    },
    {
      pattern: '/v1/agent/maintenance',
      methods: ['PUT'],
      handle: async (ctx) => {
        const p = params(ctx);
        const enable = parseEnable(p);
        await agent.setNodeMaintenance(enable, p.get('reason') ?? '');
        await written(ctx);
      },
    },
    { pattern: '/v1/agent/health/service/id/', methods: ['GET'], handle: (ctx, id) => healthById(deps, ctx, id) },
    { pattern: '/v1/agent/health/service/name/', methods: ['GET'], handle: (ctx, name) => healthByName(deps, ctx, name) },
    { pattern: '/v1/agent/checks', methods: ['GET'], handle: (ctx) => sendJson(ctx, filterParam(params(ctx), HEALTH_CHECK).values(agent.checksJson())) },
    {
      pattern: '/v1/agent/check/register',
      methods: ['PUT'],
      handle: async (ctx) => {
        await agent.registerCheck(decodeCheckDefinition(await readBodyText(ctx)));
        await written(ctx);
      },
    },
    {
      pattern: '/v1/agent/check/deregister/',
      methods: ['PUT'],
      handle: async (ctx, id) => {
        await agent.deregisterCheck(id);
        await written(ctx);
      },
    },
    { pattern: '/v1/agent/check/pass/', methods: ['PUT'], handle: ttlUpdate('passing') },
    { pattern: '/v1/agent/check/warn/', methods: ['PUT'], handle: ttlUpdate('warning') },
    { pattern: '/v1/agent/check/fail/', methods: ['PUT'], handle: ttlUpdate('critical') },
    {
      pattern: '/v1/agent/check/update/',
      methods: ['PUT'],
      handle: async (ctx, id) => {
        const update = decodeCheckUpdate(await readBodyText(ctx));
        if (!isCheckStatus(update.Status)) throw new ChorusError(ErrorCode.BadRequest, `Invalid check status: '${update.Status}'`);
        await agent.updateTtlCheck(id, update.Status, update.Output);
        await written(ctx);
      },
    },
  ];
  return consulEndpoints(endpoints);
}

/** Go's strconv.ParseBool. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

function parseEnable(p: URLSearchParams): boolean {
  if (!p.has('enable')) throw new ChorusError(ErrorCode.BadRequest, 'Missing value for enable');
  const raw = p.get('enable')!;
  const enable = parseGoBool(raw);
  if (enable === undefined) throw new ChorusError(ErrorCode.BadRequest, `Invalid value for enable: ${JSON.stringify(raw)}`);
  return enable;
}

/** Consul's parseWait: `?wait` a Go duration, `?index` an unsigned integer, or 400. */
function parseWait(p: URLSearchParams): number | undefined {
  let waitMs: number | undefined;
  const wait = p.get('wait');
  if (wait !== null && wait !== '') {
    waitMs = parseGoDuration(wait);
    if (waitMs === undefined) throw new ChorusError(ErrorCode.BadRequest, 'Invalid wait time');
  }
  const index = p.get('index');
  if (index !== null && index !== '' && typeof parseUint64(index) !== 'bigint') throw new ChorusError(ErrorCode.BadRequest, 'Invalid index');
  return waitMs;
}

/**
 * `GET /v1/agent/service/:id` with hash-based blocking: with `?hash=` equal
 * to the current ContentHash, waits (up to `?wait`, default 5 min, capped at
 * 10, plus jitter) for the service to change, then answers what it is then.
 */
async function getService(deps: AgentLocalDeps, ctx: Context, id: string): Promise<void> {
  const p = new URLSearchParams(ctx.querystring);
  const waitMs = parseWait(p);
  const hash = p.get('hash') ?? '';
  let service = deps.agent.serviceJson(id);
  if (service !== undefined && hash !== '' && service.ContentHash === hash) {
    const expiry = new AbortController();
    const timer = deps.clock.setTimer(blockingTimeout(waitMs, deps.random), () => expiry.abort());
    const client = clientSignal(ctx);
    const onGone = () => expiry.abort();
    client.addEventListener('abort', onGone, { once: true });
    try {
      while (!expiry.signal.aborted) {
        await deps.agent.waitForServiceChange(id, expiry.signal);
        service = deps.agent.serviceJson(id);
        if (service === undefined || service.ContentHash !== hash) break;
      }
    } finally {
      timer.cancel();
      client.removeEventListener('abort', onGone);
    }
  }
  if (service === undefined) {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = `unknown service ID: ${id}`;
    return;
  }
  ctx.set('X-Consul-ContentHash', service.ContentHash!);
  sendJson(ctx, service);
}

/** Text when asked by `Accept: text/plain…`, or by a non-empty `?format` that is `text` (returnTextPlain). */
function wantsText(ctx: Context): boolean {
  if ((ctx.get('Accept') ?? '').startsWith('text/plain')) return true;
  const format = new URLSearchParams(ctx.querystring).get('format') ?? '';
  return format !== '' && format === 'text';
}

function sendText(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.body = text;
  ctx.set('Content-Type', 'text/plain');
}

async function healthById(deps: AgentLocalDeps, ctx: Context, id: string): Promise<void> {
  if (id === '') throw new ChorusError(ErrorCode.BadRequest, 'Missing serviceID');
  const health = deps.agent.serviceHealth(id);
  if (health === undefined) {
    const reason = `ServiceId ${id} not found`;
    ctx.set('X-Consul-Reason', reason);
    // Consul labels this text answer application/json and writes the reason as a JSON string.
    if (wantsText(ctx)) sendJson(ctx, reason, 404);
    else sendJson(ctx, { AggregatedStatus: 'critical', Service: null, Checks: null }, 404);
    return;
  }
  const code = healthHttpStatus(health.AggregatedStatus);
  ctx.set('X-Consul-Reason', health.AggregatedStatus);
  if (wantsText(ctx)) sendText(ctx, code, health.AggregatedStatus);
  else sendJson(ctx, health, code);
}

/** Every instance by that name; the answer's status is the worst instance's. */
async function healthByName(deps: AgentLocalDeps, ctx: Context, name: string): Promise<void> {
  if (name === '') throw new ChorusError(ErrorCode.BadRequest, 'Missing service Name');
  const list = deps.agent.serviceHealthByName(name);
  let code = 404;
  let status = `ServiceName ${name} Not Found`;
  for (const h of list) {
    const scode = healthHttpStatus(h.AggregatedStatus);
    if (code === 404 || code < scode) {
      code = scode;
      status = h.AggregatedStatus;
    }
  }
  ctx.set('X-Consul-Reason', status);
  if (wantsText(ctx)) sendText(ctx, code, status);
  else sendJson(ctx, list, code);
}
