import { MAX_DIMENSIONS } from '../butterfly/coordinate/index.js';
import { badCommand, record, str, type Fail, type Obj } from './fields.js';
import type { CatalogCoordinate, Coordinate, CoordinateBatchUpdateCommand } from './coordinate-types.js';

/** Most coordinates one batch may carry (Consul's batch size × max batches, 128 × 5). */
export const MAX_COORDINATE_BATCH = 640;

function finiteNumber(v: unknown, field: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(`${field} must be a finite number`);
  return v;
}

/** A coordinate from an untrusted map (a log entry or a snapshot row): numbers only, none NaN or infinite. */
export function readCoordinate(v: unknown, fail: Fail): Coordinate {
  const o = record(v, 'Coord', fail);
  const vec = o.Vec;
  if (!Array.isArray(vec) || vec.length === 0 || vec.length > MAX_DIMENSIONS) throw fail(`Coord.Vec must be a list of 1..${MAX_DIMENSIONS} numbers`);
  const coordinate: Coordinate = {
    Vec: vec.map((x, i) => finiteNumber(x, `Coord.Vec[${i}]`, fail)),
    Error: finiteNumber(o.Error, 'Coord.Error', fail),
    Adjustment: finiteNumber(o.Adjustment, 'Coord.Adjustment', fail),
    Height: finiteNumber(o.Height, 'Coord.Height', fail),
  };
  return coordinate;
}

export function readCatalogCoordinate(v: unknown, fail: Fail): CatalogCoordinate {
  const o = record(v, 'a coordinate', fail);
  return { Node: str(o, 'Node', fail), Segment: str(o, 'Segment', fail), Coord: readCoordinate(o.Coord, fail) };
}

export function validateCoordinateBatch(o: Obj): CoordinateBatchUpdateCommand {
  const list = o.Coordinates;
  if (!Array.isArray(list) || list.length > MAX_COORDINATE_BATCH) throw badCommand(`Coordinates must be a list of at most ${MAX_COORDINATE_BATCH}`);
  return { type: 'coordinate.batch-update', Coordinates: list.map((c) => readCatalogCoordinate(c, badCommand)) };
}
