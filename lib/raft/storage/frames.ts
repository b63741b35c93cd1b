import { crc32 } from 'node:zlib';

/**
 * Checksummed frames: [payload length u32 BE][crc32 of payload u32 BE][payload].
 * A write-ahead log is a sequence of frames; one frame per synced batch, so
 * a torn write can only damage the last frame.
 */
export const FRAME_HEADER = 8;
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

export function encodeFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.byteLength);
  out.writeUInt32BE(payload.byteLength, 0);
  out.writeUInt32BE(crc32(payload), 4);
  out.set(payload, FRAME_HEADER);
  return out;
}

export interface FrameScan {
  payloads: Buffer[];
  /** Bytes of whole, valid frames from the start. */
  validBytes: number;
  /** What follows the valid frames: nothing, a torn tail (safe to cut) or damage in the middle (not safe). */
  tail: 'clean' | 'torn' | 'corrupt';
}

/**
 * Reads frames until the first bad one. A bad frame whose claimed end is past
 * the end of the file, or that is followed only by zeros, is a write that was
 * cut short by a crash: everything from it on was never synced, so it can be
 * dropped. A bad frame with more data after it is corruption of synced data.
 */
export function scanFrames(buf: Buffer): FrameScan {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const rest = buf.length - offset;
    if (rest < FRAME_HEADER) return { payloads, validBytes: offset, tail: 'torn' };
    const length = buf.readUInt32BE(offset);
    const checksum = buf.readUInt32BE(offset + 4);
    const end = offset + FRAME_HEADER + length;
    if (length === 0 || length > MAX_FRAME_BYTES || end > buf.length) {
      return { payloads, validBytes: offset, tail: end > buf.length || allZero(buf, offset) ? 'torn' : 'corrupt' };
    }
    const payload = buf.subarray(offset + FRAME_HEADER, end);
    if (crc32(payload) !== checksum) {
      return { payloads, validBytes: offset, tail: end === buf.length || allZero(buf, offset) ? 'torn' : 'corrupt' };
    }
    payloads.push(payload);
    offset = end;
  }
  return { payloads, validBytes: offset, tail: 'clean' };
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
