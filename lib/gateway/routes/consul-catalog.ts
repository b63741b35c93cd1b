import Router from '@koa/router';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { nameKey } from '../../catalog/index.js';
import { deregisterFromBody, DEREGISTER_REQUEST, registerFromBody, REGISTER_REQUEST } from '../consul/catalog-body.js';
import { nodeJson, nodeServiceJson, serviceNodeJson } from '../consul/catalog-json.js';
import { nodeMetaFilter, tagFilter } from '../consul/catalog-filters.js';
import { filterParam, NODE, NODE_SERVICE, PASS_ALL, SERVICE_NODE } from '../consul/filter/index.js';
import { catalogQuery, consulEndpoint, pathRest } from '../consul/endpoint.js';
import { ConsulApiError, ConsulErrorCode } from '../consul/errors.js';
import { readJsonBody } from '../consul/json-body.js';
import { authorizerOf, filterByAcl } from '../consul/acl.js';
import { vetDeregister, vetRegister } from '../consul/catalog-acl.js';
import { sortByNear } from '../consul/near.js';
import { sendJson } from '../respond.js';
import type { ConsulDeps } from '../types.js';

const SERVICE_PATH = /^\/v1\/catalog\/service\/(.*)$/;
const NODE_PATH = /^\/v1\/catalog\/node\/(.*)$/;
const NODE_SERVICES_PATH = /^\/v1\/catalog\/node-services\/(.*)$/;

function noPath(): ConsulApiError {
  return new ConsulApiError(ConsulErrorCode.NoPathToDatacenter, 'No path to datacenter');
}

function missing(what: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Missing ${what}`);
}

/** Consul's `/v1/catalog/*` (reference §1.3). */
export function consulCatalogRoutes(deps: ConsulDeps): Router {
  const router = new Router();
  const dc = deps.backend.datacenter;

  consulEndpoint(router, /^\/v1\/catalog\/register$/, ['PUT'], async (ctx) => {
    const command = registerFromBody(await readJsonBody(ctx, REGISTER_REQUEST), dc);
    if (command.Datacenter !== dc) throw noPath();
    vetRegister(ctx, command);
    await deps.backend.write(command);
    sendJson(ctx, true);
  });

  consulEndpoint(router, /^\/v1\/catalog\/deregister$/, ['PUT'], async (ctx) => {
    const { command, datacenter } = deregisterFromBody(await readJsonBody(ctx, DEREGISTER_REQUEST));
    if (datacenter !== '' && datacenter !== dc) throw noPath();
    vetDeregister(ctx, command, await serviceNameOf(deps, command.Node, command.ServiceID, command.CheckID));
    await deps.backend.write(command);
    sendJson(ctx, true);
  });

  // Known without a leader: "a simple check to see if any Consul servers are routable".
  consulEndpoint(router, /^\/v1\/catalog\/datacenters$/, ['GET'], async (ctx) => {
    sendJson(ctx, [dc]);
  });

  consulEndpoint(router, /^\/v1\/catalog\/nodes$/, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const meta = nodeMetaFilter(params);
    let filter = PASS_ALL;
    const nodes = await catalogQuery(deps, ctx, { table: 'nodes', match: 'table' }, (s) => ({
      value: s.registry.nodes().filter((n) => meta(n.Meta)),
      index: s.tableIndex('nodes'),
    }), () => (filter = filterParam(params, NODE)));
    const authz = authorizerOf(ctx);
    sendJson(ctx, await sortByNear(deps, ctx, filter.list(filterByAcl(ctx, nodes, (n) => authz.nodeRead(n.Node)).map(nodeJson)), (n) => n.Node as string));
  });

  consulEndpoint(router, /^\/v1\/catalog\/services$/, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const meta = nodeMetaFilter(params);
    let filter = PASS_ALL;
    const services = await catalogQuery(deps, ctx, { table: 'services', match: 'table' }, (s) => {
      // ?filter sees each instance as a ServiceNode; the names and tags of those it keeps make the answer.
      const value = params.has('node-meta') || filter !== PASS_ALL
        ? unionTags(s.registry.nodes().filter((n) => meta(n.Meta))
          .flatMap((n) => s.registry.nodeServices(n.Node).filter((x) => filter.matches(serviceNodeJson(n, x)))))
        : s.registry.services();
      return { value, index: s.tableIndex('services') };
    }, () => (filter = filterParam(params, SERVICE_NODE)));
    const authz = authorizerOf(ctx);
    const visible = filterByAcl(ctx, [...services.entries()], ([name]) => authz.serviceRead(name));
    // Go marshals a map with its keys sorted.
    sendJson(ctx, Object.fromEntries(visible.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  });

  consulEndpoint(router, SERVICE_PATH, ['GET'], async (ctx) => {
    const params = new URLSearchParams(ctx.querystring);
    const name = pathRest(ctx, SERVICE_PATH);
    const meta = nodeMetaFilter(params);
    const tags = tagFilter(params);
    let filter = PASS_ALL;
    const instances = await catalogQuery(deps, ctx, { table: 'service', match: 'key', key: nameKey(name) }, (s) => ({
      value: s.registry.serviceInstances(name).filter((i) => meta(i.node.Meta) && tags(i.service.Tags)),
      index: s.registry.serviceIndex(name),
    }), () => {
      if (name === '') throw missing('service name');
      filter = filterParam(params, SERVICE_NODE);
    });
    const authz = authorizerOf(ctx);
    const visible = filterByAcl(ctx, instances, (i) => authz.serviceRead(i.service.Service) && authz.nodeRead(i.node.Node));
    sendJson(ctx, await sortByNear(deps, ctx, filter.list(visible.map((i) => serviceNodeJson(i.node, i.service))), (n) => n.Node as string));
  });

  consulEndpoint(router, NODE_PATH, ['GET'], async (ctx) => {
    const name = pathRest(ctx, NODE_PATH);
    let filter = PASS_ALL;
    const found = await catalogQuery(deps, ctx, { table: 'node', match: 'key', key: nameKey(name) }, (s) => {
      const node = s.registry.node(name);
      return { value: node === undefined ? null : { node, services: s.registry.nodeServices(name) }, index: s.registry.nodeIndex(name) };
    }, () => {
      if (name === '') throw missing('node name');
      filter = filterParam(new URLSearchParams(ctx.querystring), NODE_SERVICE);
    });
    const authz = authorizerOf(ctx);
    // An unknown node, or one this token may not read, is not an error: Consul answers 200 with null.
    const readable = filterByAcl(ctx, found === null ? [] : [found], (f) => authz.nodeRead(f.node.Node))[0];
    sendJson(ctx, readable === undefined ? null : {
      Node: nodeJson(readable.node),
      Services: filter.values(Object.fromEntries(filterByAcl(ctx, readable.services, (x) => authz.serviceRead(x.Service)).map((x) => [x.ID, nodeServiceJson(x)]))),
    });
  });

  consulEndpoint(router, NODE_SERVICES_PATH, ['GET'], async (ctx) => {
    const name = pathRest(ctx, NODE_SERVICES_PATH);
    let filter = PASS_ALL;
    const found = await catalogQuery(deps, ctx, { table: 'node', match: 'key', key: nameKey(name) }, (s) => ({
      value: { node: s.registry.node(name), services: s.registry.nodeServices(name) },
      index: s.registry.nodeIndex(name),
    }), () => {
      if (name === '') throw missing('node name');
      filter = filterParam(new URLSearchParams(ctx.querystring), NODE_SERVICE);
    });
    const authz = authorizerOf(ctx);
    const node = filterByAcl(ctx, found.node === undefined ? [] : [found.node], (n) => authz.nodeRead(n.Node))[0];
    const services = node === undefined ? [] : filterByAcl(ctx, found.services, (x) => authz.serviceRead(x.Service));
    sendJson(ctx, { Node: node === undefined ? null : nodeJson(node), Services: filter.list(services.map(nodeServiceJson)) });
  });

  return router;
}

/** The name of the service a deregistration touches, for its ACL check (a stale read: the write decides). */
async function serviceNameOf(deps: ConsulDeps, node: string, serviceId: string, checkId: string): Promise<string | undefined> {
  if (serviceId === '' && checkId === '') return undefined;
  const answer = await deps.backend.read('stale', (s) => {
    const id = nameKey(serviceId !== '' ? serviceId : s.registry.nodeChecks(node).find((c) => nameKey(c.CheckID) === nameKey(checkId))?.ServiceID ?? '');
    return { value: s.registry.nodeServices(node).find((x) => nameKey(x.ID) === id)?.Service, index: 0 };
  });
  return answer.value;
}

function unionTags(services: { Service: string; Tags: readonly string[] | null }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of services) {
    let tags = out.get(s.Service);
    if (tags === undefined) out.set(s.Service, (tags = []));
    for (const tag of s.Tags ?? []) if (!tags.includes(tag)) tags.push(tag);
  }
  return out;
}

