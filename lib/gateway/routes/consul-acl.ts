import Router from '@koa/router';
import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { AclSetCommand, AclToken } from '../../catalog/index.js';
import { ANONYMOUS_TOKEN_ID, checkRules } from '../../agent/acl/index.js';
import { authorizerOf, PERMISSION_DENIED, requirePermission } from '../consul/acl.js';
import { blockingQuery } from '../consul/blocking.js';
import { readRawBody } from '../consul/body.js';
import { DEFAULT_MAX_BODY_SIZE, decodeJsonBody, t, type Schema } from '../consul/json-body.js';
import { clientSignal, setQueryMeta } from '../consul/meta.js';
import { parseQueryOptions, requireDatacenter } from '../consul/query-options.js';
import { sendJson } from '../respond.js';
import type { AclGatewayDeps, ConsulDeps } from '../types.js';

/** structs.ACL as Consul decodes it: the raft indexes are known fields, accepted and ignored. */
const ACL_SCHEMA: Schema = {
  name: 'ACL',
  qualifiedName: 'structs.ACL',
  fields: { ID: t.string, Name: t.string, Type: t.string, Rules: t.string, CreateIndex: t.uint64, ModifyIndex: t.uint64 },
};

/** A token as /v1/acl/info and /v1/acl/list show it, in Go's field order (RaftIndex last). */
function toAclJson(t: AclToken): Record<string, unknown> {
  return { ID: t.ID, Name: t.Name, Type: t.Type, Rules: t.Rules, CreateIndex: t.CreateIndex, ModifyIndex: t.ModifyIndex };
}

function forbidden(message: string): ChorusError {
  return new ChorusError(ErrorCode.Forbidden, message);
}

/** Consul's generated IDs: 16 random bytes as 8-4-4-4-12 hex. */
function newTokenId(deps: ConsulDeps): string {
  const hex = Buffer.from(deps.random.bytes(16)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The `:id` rest of the path, percent-decoded; "Missing ACL" when empty. */
function idFromPath(ctx: Context, route: string): string {
  const raw = ctx.path.slice(`/v1/acl/${route}/`.length);
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new ChorusError(ErrorCode.BadRequest, `invalid URL escape in ACL ID ${JSON.stringify(raw)}`);
  }
  if (id === '') throw new ChorusError(ErrorCode.BadRequest, 'Missing ACL');
  return id;
}

/**
 * Consul's legacy ACL endpoints (seed 004, reference §1.7). Every one
 * answers 401 "ACL support disabled" while ACLs are off. Create, update,
 * destroy, clone and list need a management token; info is open to whoever
 * holds the ID (the ID is the secret). Writes go through the catalog (Raft
 * on a server), reads block on the ACL table's index.
 */
export function consulAclRoutes(deps: ConsulDeps, acl: AclGatewayDeps | undefined): Router {
  const router = new Router();
  /** Every endpoint first: ACLs on, and the datacenter ours. */
  const enabled = (ctx: Context): void => {
    if (acl === undefined || !acl.resolver.enabled) throw new ChorusError(ErrorCode.Unauthorized, 'ACL support disabled');
    requireDatacenter(parseQueryOptions(new URLSearchParams(ctx.querystring)), deps.backend.datacenter);
  };

  router.put('/v1/acl/create', (ctx) => {
    enabled(ctx);
    return setToken(deps, ctx, false);
  });
  router.put('/v1/acl/update', (ctx) => {
    enabled(ctx);
    return setToken(deps, ctx, true);
  });

  router.put(/^\/v1\/acl\/destroy\/.*$/, async (ctx) => {
    enabled(ctx);
    const id = idFromPath(ctx, 'destroy');
    requirePermission(ctx, authorizerOf(ctx).aclManagement());
    if (id === ANONYMOUS_TOKEN_ID) throw forbidden(`${PERMISSION_DENIED}: Cannot delete anonymous token`);
    await deps.backend.write({ type: 'acl.delete', id });
    sendJson(ctx, true);
  });

  router.get(/^\/v1\/acl\/info\/.*$/, async (ctx) => {
    enabled(ctx);
    const id = idFromPath(ctx, 'info');
    const options = parseQueryOptions(new URLSearchParams(ctx.querystring));
    const answer = await blockingQuery(deps, options, { table: 'acl', match: 'table' }, (state) => {
      const token = state.acl.get(id);
      return { value: token, index: state.tableIndex('acl') };
    }, clientSignal(ctx));
    setQueryMeta(ctx, answer);
    // Seed 004: an unknown ID answers null, not an empty list.
    sendJson(ctx, answer.value === undefined ? null : [toAclJson(answer.value)]);
  });

  router.put(/^\/v1\/acl\/clone\/.*$/, async (ctx) => {
    enabled(ctx);
    const id = idFromPath(ctx, 'clone');
    requirePermission(ctx, authorizerOf(ctx).aclManagement());
    const source = (await deps.backend.read('default', (state) => ({ value: state.acl.get(id), index: state.tableIndex('acl') }))).value;
    // Consul answers a missing source as it answers a token it may not read.
    if (source === undefined) throw forbidden(PERMISSION_DENIED);
    const command: AclSetCommand = { type: 'acl.set', id: newTokenId(deps), name: source.Name, tokenType: source.Type, rules: source.Rules };
    await deps.backend.write(command);
    sendJson(ctx, { ID: command.id });
  });

  router.get('/v1/acl/list', async (ctx) => {
    enabled(ctx);
    requirePermission(ctx, authorizerOf(ctx).aclManagement());
    const options = parseQueryOptions(new URLSearchParams(ctx.querystring));
    const answer = await blockingQuery(deps, options, { table: 'acl', match: 'table' }, (state) => (
      { value: state.acl.list(), index: state.tableIndex('acl') }
    ), clientSignal(ctx));
    setQueryMeta(ctx, answer);
    sendJson(ctx, answer.value.map(toAclJson));
  });

  return router;
}

/** create and update: the same body; update needs its ID, create makes one when none is given. */
async function setToken(deps: ConsulDeps, ctx: Context, update: boolean): Promise<void> {
  // Seed 004: no body at all means every default (an empty token of type client).
  const raw = await readRawBody(ctx, DEFAULT_MAX_BODY_SIZE);
  const body = raw.length === 0 ? {} : (decodeJsonBody(raw.toString('utf8'), ACL_SCHEMA) ?? {});
  const given = (body.ID as string | undefined) ?? '';
  if (update && given === '') throw new ChorusError(ErrorCode.BadRequest, 'ACL ID must be set');
  requirePermission(ctx, authorizerOf(ctx).aclManagement());
  const type = (body.Type as string | undefined) || 'client';
  if (type !== 'client' && type !== 'management') throw new ChorusError(ErrorCode.BadRequest, 'Invalid ACL Type');
  const rules = (body.Rules as string | undefined) ?? '';
  const checked = checkRules(rules);
  if (checked !== true) throw new ChorusError(ErrorCode.BadRequest, `ACL rule compilation failed: ${checked}`);
  const command: AclSetCommand = {
    type: 'acl.set', id: given === '' ? newTokenId(deps) : given, name: (body.Name as string | undefined) ?? '', tokenType: type, rules,
  };
  await deps.backend.write(command);
  sendJson(ctx, { ID: command.id });
}
