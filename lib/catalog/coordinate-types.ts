import type { Coordinate } from '../butterfly/coordinate/types.js';

export type { Coordinate };

/** One node's network coordinate in one network segment (Consul's structs.Coordinate; we have only the "" segment). */
export interface CatalogCoordinate {
  readonly Node: string;
  readonly Segment: string;
  readonly Coord: Coordinate;
}

/**
 * Consul's CoordinateBatchUpdateType: the latest coordinates agents sent in,
 * several nodes in one log entry. Updates for nodes the catalog does not hold
 * are skipped, as Consul's state store skips them: a coordinate only lives as
 * long as its node.
 */
export interface CoordinateBatchUpdateCommand {
  type: 'coordinate.batch-update';
  Coordinates: CatalogCoordinate[];
}
