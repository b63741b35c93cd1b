import { nameKey } from './registry-table.js';
import type { CatalogCoordinate } from './coordinate-types.js';
import type { LogIndex } from './types.js';

/** The table's key: Consul's coordinates "id" index is the lower-cased node, then the segment. */
function keyOf(node: string, segment: string): string {
  return `${nameKey(node)}\u0000${segment}`;
}

/**
 * The coordinates table: the latest network coordinate of each node (per
 * segment), with its own index, so a coordinate update every few seconds per
 * agent wakes only the queries that follow coordinates. Entries are
 * immutable; an update replaces them.
 */
export class CoordinateTable {
  readonly #rows = new Map<string, CatalogCoordinate>();
  #index: LogIndex = 0;

  get size(): number {
    return this.#rows.size;
  }

  /** The last LogIndex that changed a coordinate. */
  get index(): LogIndex {
    return this.#index;
  }

  /** Every coordinate, ordered by node (case-insensitively) and segment, as Consul's memdb lists them. */
  list(): CatalogCoordinate[] {
    return [...this.#rows.keys()].sort().map((k) => this.#rows.get(k)!);
  }

  /** A node's coordinates, one per segment it has one in, ordered by segment. */
  node(name: string): CatalogCoordinate[] {
    const prefix = `${nameKey(name)}\u0000`;
    return [...this.#rows.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => this.#rows.get(k)!);
  }

  get(node: string, segment = ''): CatalogCoordinate | undefined {
    return this.#rows.get(keyOf(node, segment));
  }

  /**
   * Stores the coordinates whose node `exists` (Consul silently skips the
   * rest: a coordinate goes when its node goes) and returns the lower-cased
   * names of the nodes whose coordinates were written.
   */
  batchUpdate(index: LogIndex, updates: readonly CatalogCoordinate[], exists: (node: string) => boolean): string[] {
    const changed = new Set<string>();
    for (const update of updates) {
      if (!exists(update.Node)) continue;
      this.#rows.set(keyOf(update.Node, update.Segment), update);
      changed.add(nameKey(update.Node));
    }
    if (changed.size > 0) this.#index = index;
    return [...changed];
  }

  /** Drops every coordinate of a node (given by its lower-cased name) that left the catalog; true when it had any. */
  deleteNode(index: LogIndex, nodeKey: string): boolean {
    const prefix = `${nodeKey}\u0000`;
    let deleted = false;
    for (const key of [...this.#rows.keys()]) {
      if (!key.startsWith(prefix)) continue;
      this.#rows.delete(key);
      deleted = true;
    }
    if (deleted) this.#index = index;
    return deleted;
  }

  /** Adds a row as it is (a snapshot row, checked by the caller). False when the node and segment already had one. */
  load(row: CatalogCoordinate): boolean {
    const key = keyOf(row.Node, row.Segment);
    if (this.#rows.has(key)) return false;
    this.#rows.set(key, row);
    return true;
  }

  loadIndex(index: LogIndex): void {
    this.#index = index;
  }
}
