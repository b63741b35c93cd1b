import Router from '@koa/router';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { HealthStatus, nameKey, type CatalogCheck, type CatalogReader } from '../../catalog/index.js';
import { healthCheckJson, nodeJson, nodeServiceJson } from '../consul/catalog-json.js';
import { nodeMetaFilter, passingParam, tagFilter } from '../consul/catalog-filters.js';
import { CHECK_SERVICE_NODE, filterParam, HEALTH_CHECK, PASS_ALL } from '../consul/filter/index.js';
import { catalogQuery, consulEndpoint, pathRest } from '../consul/endpoint.js';
import { authorizerOf, filterByAcl } from '../consul/acl.js';
import { checkVisible } from '../consul/catalog-acl.js';
import { sortByNear } from '../consul/near.js';
import { sendJson } from '../respond.js';
import type { ConsulDeps } from '../types.js';

const NODE_PATH = /^\/v1\/health\/node\/(.*)$/;
const CHECKS_PATH = /^\/v1\/health\/checks\/(.*)$/;
const SERVICE_PATH = /^\/v1\/health\/service\/(.*)$/;
const STATE_PATH = /^\/v1\/health\/state\/(.*)$/;

function missing(what: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Missing ${what}`);
}

/** Keeps checks whose node passes `?node-meta`. */
function onMatchingNodes(s: CatalogReader, checks: CatalogCheck[], params: URLSearchParams): CatalogCheck[] {
  if (!params.has('node-meta')) return checks;
  const meta = nodeMetaFilter(params);
  return checks.filter((c) => meta(s.registry.node(c.Node)?.Meta ?? null));
}

/** Consul's `/v1/health/*` (reference §1.4). */
export function consulHealthRoutes(deps: ConsulDeps): Router {
  const router = new Router();

  consulEndpoint(router, NODE_PATH, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const name = pathRest(ctx, NODE_PATH);
    let filter = PASS_ALL;
    const checks = await catalogQuery(deps, ctx, { table: 'node', match: 'key', key: nameKey(name) }, (s) => ({
      value: s.registry.nodeChecks(name),
      index: s.registry.nodeIndex(name),
    }), () => {
      if (name === '') throw missing('node name');
      filter = filterParam(params, HEALTH_CHECK);
    });
    const authz = authorizerOf(ctx);
    sendJson(ctx, filter.list(filterByAcl(ctx, checks, (c) => checkVisible(authz, c)).map(healthCheckJson)));
  });

  consulEndpoint(router, CHECKS_PATH, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const name = pathRest(ctx, CHECKS_PATH);
    let filter = PASS_ALL;
    const checks = await catalogQuery(deps, ctx, { table: 'service', match: 'key', key: nameKey(name) }, (s) => ({
      value: onMatchingNodes(s, s.registry.serviceChecks(name), params),
      index: s.registry.serviceIndex(name),
    }), () => {
      if (name === '') throw missing('service name');
      filter = filterParam(params, HEALTH_CHECK);
    });
    const authz = authorizerOf(ctx);
    sendJson(ctx, await sortByNear(deps, ctx, filter.list(filterByAcl(ctx, checks, (c) => checkVisible(authz, c)).map(healthCheckJson)), (c) => c.Node as string));
  });

  consulEndpoint(router, SERVICE_PATH, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const name = pathRest(ctx, SERVICE_PATH);
    let passing = false;
    let filter = PASS_ALL;
    const meta = nodeMetaFilter(params);
    const tags = tagFilter(params);
    const entries = await catalogQuery(deps, ctx, { table: 'service', match: 'key', key: nameKey(name) }, (s) => ({
      value: s.registry.serviceInstances(name)
        .filter((i) => meta(i.node.Meta) && tags(i.service.Tags))
        .map((i) => ({ ...i, checks: s.registry.instanceChecks(i) }))
        // ?passing drops an instance when any of its checks, node checks included, is not passing.
        .filter((e) => !passing || e.checks.every((c) => c.Status === HealthStatus.Passing)),
      index: s.registry.serviceIndex(name),
    }), () => {
      if (name === '') throw missing('service name');
      passing = passingParam(params);
      filter = filterParam(params, CHECK_SERVICE_NODE);
    });
    const authz = authorizerOf(ctx);
    const visible = filterByAcl(ctx, entries, (e) => authz.serviceRead(e.service.Service) && authz.nodeRead(e.node.Node));
    sendJson(ctx, await sortByNear(deps, ctx, filter.list(visible.map((e) => ({ Node: nodeJson(e.node), Service: nodeServiceJson(e.service), Checks: e.checks.map(healthCheckJson) }))), (e) => e.Node.Node as string));
  });

  consulEndpoint(router, STATE_PATH, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const state = pathRest(ctx, STATE_PATH);
    let filter = PASS_ALL;
    const checks = await catalogQuery(deps, ctx, { table: 'checks', match: 'table' }, (s) => ({
      value: onMatchingNodes(s, s.registry.checks().filter((c) => state === 'any' || c.Status === state), params),
      index: s.tableIndex('checks'),
    }), () => {
      if (state === '') throw missing('check state');
      filter = filterParam(params, HEALTH_CHECK);
    });
    const authz = authorizerOf(ctx);
    sendJson(ctx, filter.list(filterByAcl(ctx, checks, (c) => checkVisible(authz, c)).map(healthCheckJson)));
  });

  return router;
}
