import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { PROTOCOL_VERSION } from '../constants.js';
import { DecodeError } from '../errors.js';
import { MEMBER_STATES } from '../types.js';
import { decodeMemberWire, encodeMemberWire, wirePackr } from './codec.js';
import { MessageType, type PushPullMessage } from './messages.js';
import * as v from './validate.js';

/** Limits on a full-state message, from the options. */
export interface SyncLimits {
  maxBytes: number;
  maxMembers: number;
}

/** Full states smaller than this are sent as they are: deflate would not pay for its own header. */
export const DEFLATE_FROM_BYTES = 512;

/**
 * [version][PushPull][msgpack [join, members, departed, rumors]]; a member is
 * its alive fields plus a state code. A larger state goes deflated
 * ([version][PushPullDeflated][raw deflate of the same msgpack]): member
 * records repeat ids, tags and addresses, and shrink to a third or less.
 */
export function encodePushPull(m: PushPullMessage): Uint8Array {
  const body = wirePackr.pack([
    m.join,
    m.members.map((x) => [...encodeMemberWire(x), MEMBER_STATES.indexOf(x.state)]),
    m.departed,
    m.rumors,
  ]);
  let type: number = MessageType.PushPull;
  let payload: Uint8Array = body;
  if (body.byteLength >= DEFLATE_FROM_BYTES) {
    const deflated = deflateRawSync(body);
    if (deflated.byteLength < body.byteLength) {
      type = MessageType.PushPullDeflated;
      payload = deflated;
    }
  }
  const out = new Uint8Array(payload.byteLength + 2);
  out[0] = PROTOCOL_VERSION;
  out[1] = type;
  out.set(payload, 2);
  return out;
}

function inflate(bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    // The output cap keeps a small hostile message from inflating into gigabytes.
    return inflateRawSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodeError('oversized');
    throw new DecodeError('malformed', 'push-pull');
  }
}

export function decodePushPull(bytes: Uint8Array, limits: SyncLimits): PushPullMessage {
  if (bytes.byteLength < 3) throw new DecodeError('empty');
  if (bytes.byteLength > limits.maxBytes) throw new DecodeError('oversized');
  if (bytes[0] !== PROTOCOL_VERSION) throw new DecodeError('version');
  if (bytes[1] !== MessageType.PushPull && bytes[1] !== MessageType.PushPullDeflated) throw new DecodeError('type');
  const packed = bytes[1] === MessageType.PushPullDeflated ? inflate(bytes.subarray(2), limits.maxBytes) : bytes.subarray(2);
  let body: unknown;
  try {
    body = wirePackr.unpack(packed);
  } catch {
    throw new DecodeError('malformed', 'push-pull');
  }
  const f = v.tuple(body, 'push-pull', 4);
  const members = v.array(f[1], 'members', limits.maxMembers).map((raw) => {
    const fields = v.tuple(raw, 'member', 8);
    const state = MEMBER_STATES[v.uint(fields[7], 'state', MEMBER_STATES.length - 1)]!;
    return { ...decodeMemberWire(fields), state };
  });
  return {
    join: v.bool(f[0], 'join'),
    members,
    departed: v.array(f[2], 'departed', limits.maxMembers).map((id) => v.memberId(id)),
    rumors: v.array(f[3], 'rumors', 1_000_000).map((r) => v.bytes(r, 'rumor', limits.maxBytes)),
  };
}
