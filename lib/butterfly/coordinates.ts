import type { Random } from '../core/random.js';
import { CoordinateClient, cloneCoordinate, validateCoordinate, type Coordinate, type CoordinateConfig } from './coordinate/index.js';
import type { MemberId } from './types.js';

/**
 * What a member knows of network coordinates (serf's coordClient and
 * coordCache): its own, moved by every direct probe that came back with the
 * target's coordinate, and the last coordinate each other member reported.
 */
export class MemberCoordinates {
  readonly client: CoordinateClient;
  readonly #cache = new Map<MemberId, Coordinate>();

  constructor(random: Random, config: Partial<CoordinateConfig> = {}) {
    this.client = new CoordinateClient(random, config);
  }

  get own(): Coordinate {
    return this.client.coordinate;
  }

  /** The last coordinate `id` reported, undefined when none came yet. */
  of(id: MemberId): Coordinate | undefined {
    const c = this.#cache.get(id);
    return c === undefined ? undefined : cloneCoordinate(c);
  }

  /** Why `c` cannot be used (undefined when it can): NaN/Inf, or not our dimensionality. */
  problem(c: Coordinate): string | undefined {
    return validateCoordinate(c, this.client.config.dimensionality);
  }

  /**
   * One direct probe of `id` came back after `rttMs` with `c`: moves our
   * coordinate and remembers theirs. False (and nothing changed) when the
   * observation was refused.
   */
  observe(id: MemberId, c: Coordinate, rttMs: number): boolean {
    try {
      this.client.update(id, c, rttMs);
    } catch {
      return false;
    }
    this.#cache.set(id, cloneCoordinate(c));
    return true;
  }

  /** A member was reaped: its samples and coordinate go with it. */
  forget(id: MemberId): void {
    this.client.forgetNode(id);
    this.#cache.delete(id);
  }

  get size(): number {
    return this.#cache.size;
  }
}
