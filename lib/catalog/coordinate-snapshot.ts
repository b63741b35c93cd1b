import { record, uint, type Fail } from './fields.js';
import { readCatalogCoordinate } from './coordinate-commands.js';
import { CoordinateTable } from './coordinate-table.js';
import type { CatalogCoordinate } from './coordinate-types.js';
import type { RegistryTable } from './registry-table.js';
import type { LogIndex } from './types.js';

/**
 * The coordinates' part of a snapshot, `tables.coordinates`, with its own version:
 *
 *   { version: 1, index, coordinates: [{ Node, Segment, Coord: { Vec, Error, Adjustment, Height } }...] }   (ordered as listed)
 *
 * Snapshots written before coordinates existed have no such section and read
 * as an empty table; a reader that does not know the section ignores it.
 */
export const COORDINATES_SECTION_VERSION = 1;

export interface CoordinatesSection {
  version: number;
  index: LogIndex;
  coordinates: CatalogCoordinate[];
}

export function writeCoordinates(t: CoordinateTable): CoordinatesSection {
  return { version: COORDINATES_SECTION_VERSION, index: t.index, coordinates: t.list() };
}

/** Reads and checks the section; `max` bounds its index, and each row's node must be in `registry`. */
export function readCoordinates(raw: unknown, max: LogIndex, registry: Pick<RegistryTable, 'node'>, fail: Fail): CoordinateTable {
  const table = new CoordinateTable();
  if (raw === undefined) return table;
  const o = record(raw, 'coordinates section', fail);
  if (o.version !== COORDINATES_SECTION_VERSION) throw fail(`unsupported coordinates section version ${JSON.stringify(o.version)}`);
  const index = uint(o, 'index', fail);
  if (index > max) throw fail(`coordinates index ${index} is past ${max}`);
  if (!Array.isArray(o.coordinates)) throw fail('coordinates is not a list');
  for (const row of o.coordinates as unknown[]) {
    const c = readCatalogCoordinate(row, fail);
    if (registry.node(c.Node) === undefined) throw fail(`coordinate of unknown node ${JSON.stringify(c.Node)}`);
    if (!table.load(c)) throw fail(`coordinate of ${JSON.stringify(c.Node)} in segment ${JSON.stringify(c.Segment)} is repeated`);
  }
  table.loadIndex(index);
  return table;
}
