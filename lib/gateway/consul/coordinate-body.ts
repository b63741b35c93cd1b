import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { Coordinate } from '../../catalog/index.js';
import { readJsonBody, t, type Schema } from './json-body.js';

/**
 * PUT /v1/coordinate/update's body, structs.CoordinateUpdateRequest:
 * `{Datacenter, Node, Segment, Coord: {Vec, Error, Adjustment, Height}}`
 * (and the WriteRequest's Token, which the request's token overrides).
 * The float fields are checked here, with Go's texts, since the shared
 * decoder has no float64.
 */
const COORDINATE: Schema = {
  name: 'Coordinate',
  qualifiedName: 'coordinate.Coordinate',
  fields: { Vec: t.any, Error: t.any, Adjustment: t.any, Height: t.any },
};

const COORDINATE_UPDATE_REQUEST: Schema = {
  name: 'CoordinateUpdateRequest',
  qualifiedName: 'structs.CoordinateUpdateRequest',
  fields: { Datacenter: t.string, Node: t.string, Segment: t.string, Coord: t.struct(COORDINATE), Token: t.string },
};

export interface CoordinateUpdateRequest {
  Datacenter: string;
  Node: string;
  Segment: string;
  /** Undefined when the body had none (Go's nil pointer). */
  Coord: Coordinate | undefined;
}

function decodeFailed(message: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Request decode failed: json: ${message}`);
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : 'string';
}

function float(v: unknown, field: string): number {
  if (v === undefined) return 0;
  // JSON.parse turns a number too large for a float64 into Infinity; Go refuses it.
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw decodeFailed(`cannot unmarshal ${jsonKind(v)} into Go struct field CoordinateUpdateRequest.Coord.${field} of type float64`);
  }
  return v;
}

function vector(v: unknown): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw decodeFailed(`cannot unmarshal ${jsonKind(v)} into Go struct field CoordinateUpdateRequest.Coord.Vec of type []float64`);
  // Go leaves a null element at zero.
  return v.map((x) => (x === null ? 0 : float(x, 'Vec')));
}

/** Reads and decodes the body; 400 `Request decode failed: …` on anything Go would refuse. */
export async function readCoordinateUpdate(ctx: Context): Promise<CoordinateUpdateRequest> {
  const body = (await readJsonBody(ctx, COORDINATE_UPDATE_REQUEST)) ?? {};
  const raw = body.Coord as Record<string, unknown> | undefined;
  return {
    Datacenter: (body.Datacenter as string | undefined) ?? '',
    Node: (body.Node as string | undefined) ?? '',
    Segment: (body.Segment as string | undefined) ?? '',
    Coord: raw === undefined
      ? undefined
      : { Vec: vector(raw.Vec), Error: float(raw.Error, 'Error'), Adjustment: float(raw.Adjustment, 'Adjustment'), Height: float(raw.Height, 'Height') },
  };
}

/** Consul's JSON of one structs.Coordinate (Partition is omitempty and we have none). */
export function coordinateJson(c: { Node: string; Segment: string; Coord: Coordinate }): { Node: string; Segment: string; Coord: Coordinate } {
  return { Node: c.Node, Segment: c.Segment, Coord: { Vec: [...c.Coord.Vec], Error: c.Coord.Error, Adjustment: c.Coord.Adjustment, Height: c.Coord.Height } };
}
