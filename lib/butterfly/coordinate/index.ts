/** Vivaldi network coordinates, as serf computes them: RTT estimates between members without measuring every pair. */
export { CoordinateClient } from './client.js';
export {
  applyForce, cloneCoordinate, distanceTo, isCompatible, isValidCoordinate, newCoordinate, rawDistance, validateCoordinate,
} from './coordinate.js';
export { DEFAULT_COORDINATE_CONFIG, MAX_DIMENSIONS, MAX_RTT_MS, ZERO_THRESHOLD } from './constants.js';
export type { Coordinate, CoordinateClientStats, CoordinateConfig } from './types.js';
