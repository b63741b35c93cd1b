import Router from '@koa/router';
import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { isValidCoordinate } from '../../butterfly/coordinate/index.js';
import { nameKey } from '../../catalog/index.js';
import { authorizerOf, filterByAcl, requirePermission } from '../consul/acl.js';
import { coordinateJson, readCoordinateUpdate } from '../consul/coordinate-body.js';
import { catalogQuery, consulEndpoint, pathRest } from '../consul/endpoint.js';
import { ConsulApiError, ConsulErrorCode } from '../consul/errors.js';
import { sendEmpty, sendJson } from '../respond.js';
import type { ConsulDeps, CoordinateDeps } from '../types.js';

const NODE_PATH = /^\/v1\/coordinate\/node\/(.*)$/;

/** Consul's answer on an agent started with disable_coordinates. */
function disabled(): ChorusError {
  return new ChorusError(ErrorCode.Unauthorized, 'Coordinate support disabled');
}

function rejected(message: string): ChorusError {
  return new ChorusError(ErrorCode.Rejected, message);
}

/** Consul's filterCoordinates: `?segment=` (present, even empty) keeps only that segment. */
function bySegment<T extends { Segment: string }>(ctx: Context, rows: T[]): T[] {
  const params = new URLSearchParams(ctx.querystring);
  if (!params.has('segment')) return rows;
  const segment = params.get('segment') ?? '';
  return rows.filter((r) => r.Segment === segment);
}

/** Consul's `/v1/coordinate/*` (agent/coordinate_endpoint.go). */
export function consulCoordinateRoutes(deps: ConsulDeps): Router {
  const router = new Router();
  const dc = deps.backend.datacenter;
  const enabled = (): CoordinateDeps => {
    if (deps.coordinates === undefined) throw disabled();
    return deps.coordinates;
  };

  // The WAN pool: our one datacenter's servers, by name.
  consulEndpoint(router, /^\/v1\/coordinate\/datacenters$/, ['GET'], async (ctx) => {
    const servers = enabled().servers().slice().sort((a, b) => (a.Node < b.Node ? -1 : a.Node > b.Node ? 1 : 0));
    sendJson(ctx, [{ Datacenter: dc, AreaID: 'wan', Coordinates: servers.map((s) => ({ Node: s.Node, Coord: coordinateJson({ ...s, Segment: '' }).Coord })) }]);
  });

  consulEndpoint(router, /^\/v1\/coordinate\/nodes$/, ['GET'], async (ctx) => {
    enabled();
    const rows = await catalogQuery(deps, ctx, { table: 'coordinates', match: 'table' }, (s) => ({
      value: s.coordinates.list(),
      index: s.tableIndex('coordinates'),
    }));
    const authz = authorizerOf(ctx);
    sendJson(ctx, bySegment(ctx, filterByAcl(ctx, rows, (c) => authz.nodeRead(c.Node))).map(coordinateJson));
  });

  consulEndpoint(router, NODE_PATH, ['GET'], async (ctx) => {
    enabled();
    const node = pathRest(ctx, NODE_PATH);
    requirePermission(ctx, authorizerOf(ctx).nodeRead(node));
    const rows = await catalogQuery(deps, ctx, { table: 'coordinates', match: 'key', key: nameKey(node) }, (s) => ({
      // Consul names the node as the request did.
      value: s.coordinates.node(node).map((c) => ({ ...c, Node: node })),
      index: s.tableIndex('coordinates'),
    }));
    const found = bySegment(ctx, rows);
    if (found.length === 0) {
      sendEmpty(ctx, 404);
      return;
    }
    sendJson(ctx, found.map(coordinateJson));
  });

  consulEndpoint(router, /^\/v1\/coordinate\/update$/, ['PUT'], async (ctx) => {
    const coordinates = enabled();
    const request = await readCoordinateUpdate(ctx);
    const asked = new URLSearchParams(ctx.querystring).get('dc') || request.Datacenter;
    if (asked !== '' && asked !== dc) throw new ConsulApiError(ConsulErrorCode.NoPathToDatacenter, 'No path to datacenter');
    // Coordinate.Update's order: sound numbers, our dimensionality, then node:write.
    if (request.Coord === undefined || !isValidCoordinate(request.Coord)) throw rejected('invalid coordinate');
    if (request.Coord.Vec.length !== coordinates.dimensionality) throw rejected('incompatible coordinate');
    requirePermission(ctx, authorizerOf(ctx).nodeWrite(request.Node));
    await deps.backend.write({ type: 'coordinate.batch-update', Coordinates: [{ Node: request.Node, Segment: request.Segment, Coord: request.Coord }] });
    sendEmpty(ctx, 200);
  });

  return router;
}
