import type { Context } from 'koa';
import { distanceTo, isCompatible } from '../../butterfly/coordinate/index.js';
import type { Coordinate } from '../../catalog/index.js';
import { AGENT_NODE_HEADER, FORWARDED_HEADER } from '../forward-http.js';
import type { ConsulDeps } from '../types.js';

/** `?near=_agent` names the agent that took the request. */
export const NEAR_AGENT = '_agent';

/**
 * The node `?near` names: a node name as given, or for `_agent` this agent's
 * node — for a request a client node forwarded, that client's, as Consul's
 * agent fills in its own name before it asks a server.
 */
export function nearSource(ctx: Context, deps: ConsulDeps): string {
  const near = new URLSearchParams(ctx.querystring).get('near') ?? '';
  if (near !== NEAR_AGENT) return near;
  const forwardedFrom = ctx.get(FORWARDED_HEADER) !== '' ? ctx.get(AGENT_NODE_HEADER) : '';
  return forwardedFrom || (deps.nodeName ?? '');
}

/**
 * Consul's sortNodesByDistanceFrom for `?near=`: `items` ordered by the
 * estimated round trip from the source node to each item's node, nearest
 * first, ties and all in a stable order. Items whose node has no coordinate
 * (or one of another dimensionality) go last in the order they came; with
 * no `?near`, or a source without a coordinate, the items stay as they are.
 * Coordinates come from this server's own state: they are estimates, and
 * Consul too reads them from the state the query ran on.
 */
export async function sortByNear<T>(deps: ConsulDeps, ctx: Context, items: readonly T[], nodeOf: (item: T) => string): Promise<T[]> {
  const source = nearSource(ctx, deps);
  if (source === '' || items.length === 0) return [...items];
  const { value: coords } = await deps.backend.read('stale', (s) => {
    const of = new Map<string, Coordinate | undefined>();
    const sourceCoord = s.coordinates.get(source)?.Coord;
    if (sourceCoord !== undefined) for (const item of items) of.set(nodeOf(item), s.coordinates.get(nodeOf(item))?.Coord);
    return { value: { source: sourceCoord, of }, index: 0 };
  });
  const from = coords.source;
  if (from === undefined) return [...items];
  const distance = (node: string): number => {
    const to = coords.of.get(node);
    return to === undefined || !isCompatible(from, to) ? Number.POSITIVE_INFINITY : distanceTo(from, to);
  };
  return items
    .map((item, i) => ({ item, i, d: distance(nodeOf(item)) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.item);
}
