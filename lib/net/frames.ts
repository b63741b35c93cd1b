import { ChorusError, ErrorCode } from '../core/errors.js';

/** Default cap on one frame on a cluster stream: large enough for a snapshot chunk. */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

/** Prefixes `payload` with its length as a 32-bit big-endian integer. */
export function encodeFrame(payload: Uint8Array, prefix?: number): Buffer {
  const head = prefix === undefined ? 4 : 5;
  const out = Buffer.allocUnsafe(head + payload.length);
  let offset = 0;
  if (prefix !== undefined) out[offset++] = prefix;
  out.writeUInt32BE(payload.length, offset);
  out.set(payload, head);
  return out;
}

/**
 * Reassembles length-prefixed frames from a byte stream. A frame announcing
 * more than `maxFrame` bytes is an error: the peer is broken or hostile, and
 * buffering it would let one connection exhaust memory.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME, private readonly prefixed = false) {}

  /** Adds bytes and returns the complete frames now available. */
  push(chunk: Buffer): Array<{ prefix: number; payload: Buffer }> {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Array<{ prefix: number; payload: Buffer }> = [];
    const head = this.prefixed ? 5 : 4;
    for (;;) {
      if (this.#buffered < head) break;
      const buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      this.#chunks = [buf];
      const prefix = this.prefixed ? buf[0]! : 0;
      const length = buf.readUInt32BE(this.prefixed ? 1 : 0);
      if (length > this.maxFrame) {
        throw new ChorusError(ErrorCode.TooLarge, `frame of ${length} bytes exceeds the limit of ${this.maxFrame}`);
      }
      if (buf.length < head + length) break;
      frames.push({ prefix, payload: buf.subarray(head, head + length) });
      const rest = buf.subarray(head + length);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#buffered = rest.length;
    }
    return frames;
  }
}
