import { Packr } from 'msgpackr';
import { ChorusError, ErrorCode } from './errors.js';

/**
 * Plain MessagePack, as the design's wire rules ask: no msgpackr records or
 * structures, so any MessagePack implementation can read our frames.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes a buffer; anything malformed becomes a BadRequest error, never a crash. */
export function decode(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (err) {
    throw new ChorusError(ErrorCode.BadRequest, 'malformed MessagePack', { cause: err });
  }
}
