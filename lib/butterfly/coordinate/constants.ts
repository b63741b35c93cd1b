import type { CoordinateConfig } from './types.js';

/**
 * serf's DefaultConfig (coordinate/config.go), with its references:
 * [1] Dabek et al., "Vivaldi: A decentralized network coordinate system", 2004;
 * [2] Ledlie et al., "Network Coordinates in the Wild", 2007;
 * [3] Lee et al., "On suitability of Euclidean embedding for host-based network coordinate systems", 2010.
 */
export const DEFAULT_COORDINATE_CONFIG: Readonly<CoordinateConfig> = Object.freeze({
  /** Dimensions of the Euclidean part; [2] saw no gain past about seven. */
  dimensionality: 8,
  /** The error a node starts with before any observation, and the most it may ever claim. */
  vivaldiErrorMax: 1.5,
  /** How much one observation may move a node's confidence ([1]). */
  vivaldiCE: 0.25,
  /** How much one observation may move a node's coordinate ([1]). */
  vivaldiCC: 0.25,
  /** Samples kept for the adjustment term ([3]); 0 turns the adjustment off. */
  adjustmentWindowSize: 20,
  /** Heights never drop below this (seconds): a zero height could not grow back. */
  heightMin: 10e-6,
  /** RTT samples per peer in the moving median that filters out one-off spikes ([2]). */
  latencyFilterSize: 3,
  /** Gravity towards the origin: its pull grows with (distance / rho)², so coordinates do not drift off together. */
  gravityRho: 150,
});

/** Below this (seconds), two positions coincide and an RTT counts as this small. */
export const ZERO_THRESHOLD = 1.0e-6;

/** serf refuses RTT observations above this: no ping takes ten seconds. */
export const MAX_RTT_MS = 10_000;

/** The most dimensions a coordinate from elsewhere may claim before it is refused unread. */
export const MAX_DIMENSIONS = 64;
