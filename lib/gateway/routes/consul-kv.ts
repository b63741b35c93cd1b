import Router from '@koa/router';
import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { CatalogCommand, KvEntry, WatchScope } from '../../catalog/index.js';
import { authorizerOf, filterByAcl, requirePermission } from '../consul/acl.js';
import { blockingQuery } from '../consul/blocking.js';
import { DEFAULT_MAX_VALUE_SIZE, readRawBody } from '../consul/body.js';
import { toDirEntry } from '../consul/dir-entry.js';
import { ConsulApiError, ConsulErrorCode } from '../consul/errors.js';
import { clientSignal, setQueryMeta } from '../consul/meta.js';
import { queryUint } from '../consul/numbers.js';
import { encodeGoQuery, parseQueryOptions, requireDatacenter, type QueryOptions } from '../consul/query-options.js';
import { sendEmpty, sendJson } from '../respond.js';
import type { ConsulDeps } from '../types.js';

const KV_PATH = /^\/v1\/kv(?:\/(.*))?$/;
const KV_METHODS = ['GET', 'PUT', 'DELETE'];

/**
 * Consul's `/v1/kv/<key>` (reference §1.5). The key is the rest of the path,
 * percent-decoded, so `a%2Fb` and `a/b` name the same key. One handler does
 * its own method dispatch to answer OPTIONS and 405 with Consul's texts.
 */
export function consulKvRoutes(deps: ConsulDeps): Router {
  const router = new Router();
  router.all(KV_PATH, async (ctx) => {
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', ['OPTIONS', ...KV_METHODS].join(','));
      sendEmpty(ctx, 200);
      return;
    }
    if (!KV_METHODS.includes(ctx.method)) {
      ctx.set('Allow', ['OPTIONS', ...KV_METHODS].join(','));
      throw new ConsulApiError(ConsulErrorCode.MethodNotAllowed, `method ${ctx.method} not allowed`);
    }
    const params = new URLSearchParams(ctx.querystring);
    const options = parseQueryOptions(params);
    const key = keyFromPath(ctx.path);
    if (ctx.method === 'GET') await getKv(deps, ctx, params, options, key);
    else if (ctx.method === 'PUT') await putKv(deps, ctx, params, options, key);
    else await deleteKv(deps, ctx, params, options, key);
  });
  return router;
}

function keyFromPath(path: string): string {
  const raw = KV_PATH.exec(path)?.[1] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ChorusError(ErrorCode.BadRequest, `invalid URL escape in key ${JSON.stringify(raw)}`);
  }
}

function missingKey(): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, 'Missing key name');
}

/** Consul refuses some flags together, echoing the whole query back (sorted, Go-encoded). */
function refuseConflicts(params: URLSearchParams, flags: string[]): void {
  if (flags.filter((f) => params.has(f)).length > 1) {
    throw new ChorusError(ErrorCode.BadRequest, `Conflicting flags: ${encodeGoQuery(params)}\n`);
  }
}

async function getKv(deps: ConsulDeps, ctx: Context, params: URLSearchParams, options: QueryOptions, key: string): Promise<void> {
  if (params.has('keys')) return getKeys(deps, ctx, params, options, key);
  const recurse = params.has('recurse');
  if (!recurse && key === '') throw missingKey();
  requireDatacenter(options, deps.backend.datacenter);
  const authz = authorizerOf(ctx);
  if (!recurse) requirePermission(ctx, authz.keyRead(key));
  // A missing key or empty prefix answers with the table index, which every KV write moves.
  const scope: WatchScope = recurse ? { table: 'kv', match: 'prefix', prefix: key } : { table: 'kv', match: 'key', key };
  const answer = await blockingQuery(deps, options, scope, (state) => {
    if (recurse) {
      const listing = state.kv.list(key);
      return { value: listing.items, index: listing.index || state.tableIndex('kv') };
    }
    const entry = state.kv.get(key);
    return { value: entry === undefined ? [] : [entry], index: entry?.ModifyIndex ?? state.tableIndex('kv') };
  }, clientSignal(ctx));
  setQueryMeta(ctx, answer);
  // A recursive read shows only the keys the token may read, silently (the index stays the unfiltered one).
  const entries: KvEntry[] = recurse ? filterByAcl(ctx, answer.value, (e) => authz.keyRead(e.Key)) : answer.value;
  if (entries.length === 0) {
    sendEmpty(ctx, 404);
    return;
  }
  if (!recurse && params.has('raw')) {
    // Raw values are untrusted bytes: never let a browser sniff or run them.
    ctx.status = 200;
    ctx.body = Buffer.from(entries[0]!.Value);
    ctx.set('Content-Type', 'text/plain');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', 'sandbox');
    return;
  }
  sendJson(ctx, entries.map(toDirEntry));
}

async function getKeys(deps: ConsulDeps, ctx: Context, params: URLSearchParams, options: QueryOptions, prefix: string): Promise<void> {
  // Consul has honoured its historic misspelling "seperator" forever; the right spelling wins.
  const separator = params.get('separator') ?? params.get('seperator') ?? '';
  requireDatacenter(options, deps.backend.datacenter);
  const answer = await blockingQuery(deps, options, { table: 'kv', match: 'prefix', prefix }, (state) => {
    const listing = state.kv.listKeys(prefix, separator);
    return { value: listing.items, index: listing.index || state.tableIndex('kv') };
  }, clientSignal(ctx));
  setQueryMeta(ctx, answer);
  const authz = authorizerOf(ctx);
  const keys = filterByAcl(ctx, answer.value, (k) => authz.keyRead(k));
  // The root is never "not found": an empty store lists as [].
  if (keys.length === 0 && prefix !== '') {
    sendEmpty(ctx, 404);
    return;
  }
  sendJson(ctx, keys);
}

async function putKv(deps: ConsulDeps, ctx: Context, params: URLSearchParams, options: QueryOptions, key: string): Promise<void> {
  if (key === '') throw missingKey();
  refuseConflicts(params, ['cas', 'acquire', 'release']);
  const flags = params.has('flags') ? queryUint(params.get('flags')!) : 0;
  const cas = params.has('cas') ? queryUint(params.get('cas')!) : undefined;
  const lock = lockOf(params);
  const value = await readRawBody(ctx, deps.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE);
  requirePermission(ctx, authorizerOf(ctx).keyWrite(key));
  requireDatacenter(options, deps.backend.datacenter);
  // Consul's kvsLockTxn/kvsUnlockTxn: an empty ?acquire= or ?release= reaches the state store and fails there.
  if (lock?.session === '') throw new ChorusError(ErrorCode.Rejected, 'missing session');
  let command: CatalogCommand;
  if (lock !== undefined) command = { type: lock.type, key, value, flags, session: lock.session };
  else if (cas !== undefined) command = { type: 'kv.set', key, value, flags, cas };
  else command = { type: 'kv.set', key, value, flags };
  const result = await deps.backend.write(command);
  // A plain set always reports true (Consul ignores the result unless it was a CAS or a lock).
  sendJson(ctx, cas === undefined && lock === undefined ? true : result);
}

/** ?acquire=<session> (a lock, refused during the key's lock-delay) or ?release=<session>; both replace the value. */
function lockOf(params: URLSearchParams): { type: 'kv.lock' | 'kv.unlock'; session: string } | undefined {
  if (params.has('acquire')) return { type: 'kv.lock', session: params.get('acquire')! };
  if (params.has('release')) return { type: 'kv.unlock', session: params.get('release')! };
  return undefined;
}

async function deleteKv(deps: ConsulDeps, ctx: Context, params: URLSearchParams, options: QueryOptions, key: string): Promise<void> {
  refuseConflicts(params, ['recurse', 'cas']);
  const recurse = params.has('recurse');
  if (!recurse && key === '') throw missingKey();
  const cas = params.has('cas') ? queryUint(params.get('cas')!) : undefined;
  requireDatacenter(options, deps.backend.datacenter);
  // A recursive delete needs write on the whole prefix: no rule below it may forbid the delete.
  const authz = authorizerOf(ctx);
  requirePermission(ctx, recurse ? authz.keyWritePrefix(key) : authz.keyWrite(key));
  let command: CatalogCommand;
  if (recurse) command = { type: 'kv.deleteTree', prefix: key };
  else if (cas !== undefined) command = { type: 'kv.delete', key, cas };
  else command = { type: 'kv.delete', key };
  const result = await deps.backend.write(command);
  sendJson(ctx, cas === undefined ? true : result);
}
