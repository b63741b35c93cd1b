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

/** [version][PushPull][msgpack [join, members, departed, rumors]]; a member is its alive fields plus a state code. */
export function encodePushPull(m: PushPullMessage): Uint8Array {
  const body = wirePackr.pack([
    m.join,
    m.members.map((x) => [...encodeMemberWire(x), MEMBER_STATES.indexOf(x.state)]),
    m.departed,
    m.rumors,
  ]);
  const out = new Uint8Array(body.byteLength + 2);
  out[0] = PROTOCOL_VERSION;
  out[1] = MessageType.PushPull;
  out.set(body, 2);
  return out;
}

export function decodePushPull(bytes: Uint8Array, limits: SyncLimits): PushPullMessage {
  if (bytes.byteLength < 3) throw new DecodeError('empty');
  if (bytes.byteLength > limits.maxBytes) throw new DecodeError('oversized');
  if (bytes[0] !== PROTOCOL_VERSION) throw new DecodeError('version');
  if (bytes[1] !== MessageType.PushPull) throw new DecodeError('type');
  let body: unknown;
  try {
    body = wirePackr.unpack(bytes.subarray(2));
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
