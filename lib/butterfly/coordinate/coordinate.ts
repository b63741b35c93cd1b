import type { Random } from '../../core/random.js';
import { ZERO_THRESHOLD } from './constants.js';
import type { Coordinate, CoordinateConfig } from './types.js';

/** A coordinate at the origin, at the largest error: a node that has observed nothing yet. */
export function newCoordinate(config: Pick<CoordinateConfig, 'dimensionality' | 'vivaldiErrorMax' | 'heightMin'>): Coordinate {
  return { Vec: new Array<number>(config.dimensionality).fill(0), Error: config.vivaldiErrorMax, Adjustment: 0, Height: config.heightMin };
}

export function cloneCoordinate(c: Coordinate): Coordinate {
  return { Vec: [...c.Vec], Error: c.Error, Adjustment: c.Adjustment, Height: c.Height };
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** serf's IsValid: every component is a number other than NaN and ±Inf. */
export function isValidCoordinate(c: Coordinate): boolean {
  return Array.isArray(c.Vec) && c.Vec.every(finite) && finite(c.Error) && finite(c.Adjustment) && finite(c.Height);
}

/** serf's IsCompatibleWith: the same number of dimensions. */
export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.Vec.length === b.Vec.length;
}

/**
 * Why a coordinate from elsewhere cannot be used against ours (undefined when
 * it can), in Consul's words: "invalid coordinate" for NaN or Inf anywhere,
 * "incompatible coordinate" for another dimensionality.
 */
export function validateCoordinate(c: Coordinate, dimensionality: number): 'invalid coordinate' | 'incompatible coordinate' | undefined {
  if (!isValidCoordinate(c)) return 'invalid coordinate';
  if (c.Vec.length !== dimensionality) return 'incompatible coordinate';
  return undefined;
}

function magnitude(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

/** The Vivaldi distance in seconds without the adjustments: Euclidean part plus both heights. */
export function rawDistance(a: Coordinate, b: Coordinate): number {
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) {
    const d = a.Vec[i]! - b.Vec[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum) + a.Height + b.Height;
}

/**
 * The estimated round trip time between two nodes, in seconds (serf's
 * DistanceTo). The adjustments count only while they leave the distance
 * positive. Throws RangeError for coordinates of different dimensionality;
 * callers validate foreign coordinates first.
 */
export function distanceTo(a: Coordinate, b: Coordinate): number {
  if (!isCompatible(a, b)) throw new RangeError('coordinate dimensionality does not match');
  const dist = rawDistance(a, b);
  const adjusted = dist + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : dist;
}

/**
 * A unit vector pointing from `to` towards `from` (the way a node at `from`
 * is pushed away from one at `to`) and the distance between them. When they
 * coincide, a random direction: two nodes starting at the origin must still
 * be able to move apart.
 */
function unitVectorAt(from: readonly number[], to: readonly number[], random: Random): { unit: number[]; mag: number } {
  const diff = from.map((x, i) => x - to[i]!);
  const mag = magnitude(diff);
  if (mag > ZERO_THRESHOLD) return { unit: diff.map((x) => x / mag), mag };
  const rand = diff.map(() => random.next() - 0.5);
  const randMag = magnitude(rand);
  if (randMag > ZERO_THRESHOLD) return { unit: rand.map((x) => x / randMag), mag: 0 };
  // Every random component near zero: exceedingly rare, so any fixed direction will do.
  const unit = new Array<number>(from.length).fill(0);
  unit[0] = 1;
  return { unit, mag: 0 };
}

/** `c` moved by `force` seconds away from `other` (towards it when negative); the height follows, never below heightMin. */
export function applyForce(config: Pick<CoordinateConfig, 'heightMin'>, c: Coordinate, force: number, other: Coordinate, random: Random): Coordinate {
  if (!isCompatible(c, other)) throw new RangeError('coordinate dimensionality does not match');
  const { unit, mag } = unitVectorAt(c.Vec, other.Vec, random);
  let height = c.Height;
  if (mag > ZERO_THRESHOLD) height = Math.max((c.Height + (force * (c.Height + other.Height)) / mag), config.heightMin);
  return { Vec: c.Vec.map((x, i) => x + unit[i]! * force), Error: c.Error, Adjustment: c.Adjustment, Height: height };
}
