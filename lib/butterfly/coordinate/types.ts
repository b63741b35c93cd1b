/**
 * A network coordinate, as serf's `coordinate.Coordinate` and with its field
 * names (they are also the names Consul's HTTP API shows). Every distance is
 * in seconds: a Euclidean position plus a height (the access link every path
 * to the node crosses) and an adjustment (the recent mean of what the
 * Euclidean model gets wrong for this node).
 */
export interface Coordinate {
  readonly Vec: readonly number[];
  /** How far off the node believes its estimates are (dimensionless, at most vivaldiErrorMax). */
  readonly Error: number;
  readonly Adjustment: number;
  readonly Height: number;
}

/** serf's coordinate.Config; see constants.ts for the defaults and what each does. */
export interface CoordinateConfig {
  dimensionality: number;
  vivaldiErrorMax: number;
  vivaldiCE: number;
  vivaldiCC: number;
  adjustmentWindowSize: number;
  heightMin: number;
  latencyFilterSize: number;
  gravityRho: number;
}

export interface CoordinateClientStats {
  /** Times the local coordinate went invalid (NaN, Inf) and was started over at the origin. */
  resets: number;
}
