import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { DEFAULT_COORDINATE_CONFIG, MAX_RTT_MS, ZERO_THRESHOLD } from './constants.js';
import { applyForce, cloneCoordinate, distanceTo, isValidCoordinate, newCoordinate, rawDistance, validateCoordinate } from './coordinate.js';
import type { Coordinate, CoordinateClientStats, CoordinateConfig } from './types.js';

function invalidConfig(name: string, value: number, why: string): ChorusError {
  return new ChorusError(ErrorCode.InvalidConfig, `coordinate option ${name}=${value}: ${why}`);
}

function resolveConfig(options: Partial<CoordinateConfig>): CoordinateConfig {
  const c: CoordinateConfig = { ...DEFAULT_COORDINATE_CONFIG, ...options };
  if (!Number.isInteger(c.dimensionality) || c.dimensionality <= 0) throw invalidConfig('dimensionality', c.dimensionality, 'must be a positive integer');
  if (!Number.isInteger(c.adjustmentWindowSize) || c.adjustmentWindowSize < 0) throw invalidConfig('adjustmentWindowSize', c.adjustmentWindowSize, 'must be zero or more');
  if (!Number.isInteger(c.latencyFilterSize) || c.latencyFilterSize <= 0) throw invalidConfig('latencyFilterSize', c.latencyFilterSize, 'must be a positive integer');
  for (const key of ['vivaldiErrorMax', 'vivaldiCE', 'vivaldiCC', 'heightMin', 'gravityRho'] as const) {
    if (!Number.isFinite(c[key]) || c[key] <= 0) throw invalidConfig(key, c[key], 'must be a positive number');
  }
  return c;
}

/**
 * The local node's network coordinate, moved by each RTT it observes to
 * another node whose coordinate it knows: serf's coordinate.Client (Vivaldi
 * with heights, a moving-median latency filter per peer, an adjustment term
 * and gravity towards the origin). Randomness is injected for the one place
 * Vivaldi needs it: two coordinates on top of each other push apart in a
 * random direction.
 */
export class CoordinateClient {
  readonly config: Readonly<CoordinateConfig>;
  #coord: Coordinate;
  readonly #origin: Coordinate;
  readonly #random: Random;
  #adjustmentIndex = 0;
  readonly #adjustmentSamples: number[];
  readonly #latencySamples = new Map<string, number[]>();
  readonly #stats: CoordinateClientStats = { resets: 0 };

  constructor(random: Random, options: Partial<CoordinateConfig> = {}) {
    this.config = Object.freeze(resolveConfig(options));
    this.#random = random;
    this.#coord = newCoordinate(this.config);
    this.#origin = newCoordinate(this.config);
    this.#adjustmentSamples = new Array<number>(this.config.adjustmentWindowSize).fill(0);
  }

  /** A copy of the current coordinate. */
  get coordinate(): Coordinate {
    return cloneCoordinate(this.#coord);
  }

  /** Forces the coordinate to a known state (a restart restoring one, or a test). Throws BadRequest for one that does not fit. */
  setCoordinate(c: Coordinate): void {
    this.#check(c);
    this.#coord = cloneCoordinate(c);
  }

  /** Forgets the RTT samples of a node that left. */
  forgetNode(node: string): void {
    this.#latencySamples.delete(node);
  }

  get stats(): CoordinateClientStats {
    return { ...this.#stats };
  }

  /** The estimated RTT to a node at `other`, in seconds. */
  distanceTo(other: Coordinate): number {
    return distanceTo(this.#coord, other);
  }

  /**
   * Observes one round trip of `rttMs` to `node`, which reports itself at
   * `other`, and returns the updated coordinate. Throws BadRequest (and
   * changes nothing) for an invalid or incompatible coordinate, or an RTT
   * outside 0..10 s.
   */
  update(node: string, other: Coordinate, rttMs: number): Coordinate {
    this.#check(other);
    if (!Number.isFinite(rttMs) || rttMs < 0 || rttMs > MAX_RTT_MS) {
      throw new ChorusError(ErrorCode.BadRequest, `round trip time ${rttMs} ms is not within 0..${MAX_RTT_MS} ms`);
    }
    const rtt = this.#latencyFilter(node, rttMs / 1000);
    this.#updateVivaldi(other, rtt);
    this.#updateAdjustment(other, rtt);
    this.#updateGravity();
    if (!isValidCoordinate(this.#coord)) {
      this.#stats.resets++;
      this.#coord = newCoordinate(this.config);
    }
    return this.coordinate;
  }

  #check(c: Coordinate): void {
    const problem = validateCoordinate(c, this.config.dimensionality);
    if (problem !== undefined) throw new ChorusError(ErrorCode.BadRequest, problem);
  }

  /** The median of the last few samples to `node`: one slow ping should not throw the coordinate off. */
  #latencyFilter(node: string, rttSeconds: number): number {
    let samples = this.#latencySamples.get(node);
    if (samples === undefined) this.#latencySamples.set(node, (samples = []));
    samples.push(rttSeconds);
    if (samples.length > this.config.latencyFilterSize) samples.shift();
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  #updateVivaldi(other: Coordinate, rttSeconds: number): void {
    const c = this.config;
    const dist = distanceTo(this.#coord, other);
    const rtt = Math.max(rttSeconds, ZERO_THRESHOLD);
    const wrongness = Math.abs(dist - rtt) / rtt;
    const totalError = Math.max(this.#coord.Error + other.Error, ZERO_THRESHOLD);
    // A node sure of itself moves less for a peer that is unsure, and the other way round.
    const weight = this.#coord.Error / totalError;
    const error = Math.min(c.vivaldiCE * weight * wrongness + this.#coord.Error * (1 - c.vivaldiCE * weight), c.vivaldiErrorMax);
    const force = c.vivaldiCC * weight * (rtt - dist);
    this.#coord = applyForce(c, { ...this.#coord, Error: error }, force, other, this.#random);
  }

  #updateAdjustment(other: Coordinate, rttSeconds: number): void {
    const size = this.config.adjustmentWindowSize;
    if (size === 0) return;
    // The raw distance: the adjustments themselves must not feed back into their own estimate.
    this.#adjustmentSamples[this.#adjustmentIndex] = rttSeconds - rawDistance(this.#coord, other);
    this.#adjustmentIndex = (this.#adjustmentIndex + 1) % size;
    let sum = 0;
    for (const s of this.#adjustmentSamples) sum += s;
    this.#coord = { ...this.#coord, Adjustment: sum / (2 * size) };
  }

  #updateGravity(): void {
    const dist = distanceTo(this.#origin, this.#coord);
    const force = -1 * (dist / this.config.gravityRho) ** 2;
    this.#coord = applyForce(this.config, this.#coord, force, this.#origin, this.#random);
  }
}
