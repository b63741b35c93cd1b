import { Packr } from 'msgpackr';
import { LIMITS, PROTOCOL_VERSION } from '../constants.js';
import { DecodeError } from '../errors.js';
import { MessageType, type Message, type MessageKind, type MemberWire } from './messages.js';
import * as v from './validate.js';

/**
 * Packets on the wire:
 *   single:   [version u8][type u8][msgpack body]
 *   compound: [version u8][Compound u8][count u8] then count × ([length u16 BE][type u8][msgpack body])
 * A part is one message without the version byte. Bodies are msgpack arrays,
 * validated field by field after decoding.
 */
const packr = new Packr({ useRecords: false });

const SEQ_MAX = 0xffff_ffff;
/** Largest packet we ever try to decode; anything bigger is dropped unread. */
export const MAX_PACKET_BYTES = 65_507;
/** Bytes a compound packet adds: version, type and count. */
export const COMPOUND_HEADER = 3;
/** Bytes each compound part adds: its length. */
export const COMPOUND_PART_OVERHEAD = 2;

interface Codec<M extends Message> {
  code: number;
  encode(m: M): unknown;
  decode(body: unknown): M;
}
type CodecTable = { [K in MessageKind]: Codec<Extract<Message, { type: K }>> };

export function encodeMemberWire(m: MemberWire): unknown[] {
  return [m.id, m.name, m.address, m.gossipPort, m.incarnation, m.persistent, v.flattenTags(m.tags)];
}

export function decodeMemberWire(fields: unknown[]): MemberWire {
  return {
    id: v.memberId(fields[0]),
    name: v.str(fields[1], 'name', LIMITS.nameLength),
    address: v.str(fields[2], 'address', LIMITS.hostLength, 1),
    gossipPort: v.uint(fields[3], 'gossipPort', 65_535),
    incarnation: v.uint(fields[4], 'incarnation'),
    persistent: v.bool(fields[5], 'persistent'),
    tags: v.tags(fields[6]),
  };
}

const CODECS: CodecTable = {
  ping: {
    code: MessageType.Ping,
    encode: (m) => [m.seq, m.targetId, m.fromId],
    decode: (b) => {
      const f = v.tuple(b, 'ping', 3);
      return {
        type: 'ping',
        seq: v.uint(f[0], 'seq', SEQ_MAX),
        targetId: v.memberId(f[1], 'targetId'),
        fromId: v.memberId(f[2], 'fromId'),
      };
    },
  },
  'indirect-ping': {
    code: MessageType.IndirectPing,
    encode: (m) => [m.seq, m.targetId, m.targetAddress, m.nack],
    decode: (b) => {
      const f = v.tuple(b, 'indirect-ping', 4);
      return {
        type: 'indirect-ping',
        seq: v.uint(f[0], 'seq', SEQ_MAX),
        targetId: v.memberId(f[1], 'targetId'),
        targetAddress: v.str(f[2], 'targetAddress', LIMITS.hostLength + 8, 3),
        nack: v.bool(f[3], 'nack'),
      };
    },
  },
  ack: {
    code: MessageType.Ack,
    encode: (m) => [m.seq],
    decode: (b) => ({ type: 'ack', seq: v.uint(v.tuple(b, 'ack', 1)[0], 'seq', SEQ_MAX) }),
  },
  coordinate: {
    code: MessageType.Coordinate,
    encode: (m) => [m.seq, m.coordinate.Vec, m.coordinate.Error, m.coordinate.Adjustment, m.coordinate.Height],
    decode: (b) => {
      const f = v.tuple(b, 'coordinate', 5);
      return { type: 'coordinate', seq: v.uint(f[0], 'seq', SEQ_MAX), coordinate: v.coordinate(f) };
    },
  },
  nack: {
    code: MessageType.Nack,
    encode: (m) => [m.seq],
    decode: (b) => ({ type: 'nack', seq: v.uint(v.tuple(b, 'nack', 1)[0], 'seq', SEQ_MAX) }),
  },
  alive: {
    code: MessageType.Alive,
    encode: (m) => encodeMemberWire(m.member),
    decode: (b) => ({ type: 'alive', member: decodeMemberWire(v.tuple(b, 'alive', 7)) }),
  },
  suspect: {
    code: MessageType.Suspect,
    encode: (m) => [m.id, m.incarnation, m.from],
    decode: (b) => {
      const f = v.tuple(b, 'suspect', 3);
      return { type: 'suspect', id: v.memberId(f[0]), incarnation: v.uint(f[1], 'incarnation'), from: v.memberId(f[2], 'from') };
    },
  },
  dead: {
    code: MessageType.Dead,
    encode: (m) => [m.id, m.incarnation, m.from],
    decode: (b) => {
      const f = v.tuple(b, 'dead', 3);
      return { type: 'dead', id: v.memberId(f[0]), incarnation: v.uint(f[1], 'incarnation'), from: v.memberId(f[2], 'from') };
    },
  },
  departed: {
    code: MessageType.Departed,
    encode: (m) => [m.id],
    decode: (b) => ({ type: 'departed', id: v.memberId(v.tuple(b, 'departed', 1)[0]) }),
  },
  rumor: {
    code: MessageType.Rumor,
    encode: (m) => [m.body],
    decode: (b) => ({ type: 'rumor', body: v.bytes(v.tuple(b, 'rumor', 1)[0], 'body', MAX_PACKET_BYTES) }),
  },
};

const BY_CODE = new Map<number, Codec<Message>>(
  Object.values(CODECS).map((c) => [c.code, c as unknown as Codec<Message>]),
);

/** Encodes one message as a part: [type][msgpack body]. */
export function encodePart(message: Message): Uint8Array {
  const codec = CODECS[message.type] as unknown as Codec<Message>;
  const body = packr.pack(codec.encode(message));
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = codec.code;
  out.set(body, 1);
  return out;
}

/** Decodes one part; throws DecodeError. */
export function decodePart(part: Uint8Array): Message {
  if (part.byteLength < 2) throw new DecodeError('malformed', 'part');
  const codec = BY_CODE.get(part[0]!);
  if (codec === undefined) throw new DecodeError('type', String(part[0]));
  let body: unknown;
  try {
    body = packr.unpack(part.subarray(1));
  } catch {
    throw new DecodeError('malformed', 'body');
  }
  return codec.decode(body);
}

/** The size of a packet holding these parts. */
export function packetSize(parts: readonly Uint8Array[]): number {
  if (parts.length === 1) return 1 + parts[0]!.byteLength;
  let size = COMPOUND_HEADER;
  for (const p of parts) size += COMPOUND_PART_OVERHEAD + p.byteLength;
  return size;
}

/** Frames parts into one packet (single or compound). */
export function framePacket(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 0) throw new RangeError('a packet needs at least one part');
  if (parts.length > LIMITS.compoundParts) throw new RangeError(`at most ${LIMITS.compoundParts} parts per packet`);
  const out = new Uint8Array(packetSize(parts));
  out[0] = PROTOCOL_VERSION;
  if (parts.length === 1) {
    out.set(parts[0]!, 1);
    return out;
  }
  out[1] = MessageType.Compound;
  out[2] = parts.length;
  let at = COMPOUND_HEADER;
  for (const p of parts) {
    if (p.byteLength > 0xffff) throw new RangeError('part too large');
    out[at] = p.byteLength >> 8;
    out[at + 1] = p.byteLength & 0xff;
    out.set(p, at + 2);
    at += 2 + p.byteLength;
  }
  return out;
}

export interface DecodedPacket {
  messages: Message[];
  /** Parts that failed to decode, by reason; the good parts of a compound packet still count. */
  errors: DecodeError[];
}

/** Splits and decodes a packet. Throws DecodeError when the framing itself is bad. */
export function decodePacket(packet: Uint8Array): DecodedPacket {
  if (packet.byteLength < 2) throw new DecodeError('empty');
  if (packet.byteLength > MAX_PACKET_BYTES) throw new DecodeError('oversized');
  if (packet[0] !== PROTOCOL_VERSION) throw new DecodeError('version');
  const out: DecodedPacket = { messages: [], errors: [] };
  const tryPart = (part: Uint8Array): void => {
    try {
      out.messages.push(decodePart(part));
    } catch (err) {
      out.errors.push(err instanceof DecodeError ? err : new DecodeError('malformed'));
    }
  };
  if (packet[1] !== MessageType.Compound) {
    tryPart(packet.subarray(1));
    return out;
  }
  if (packet.byteLength < COMPOUND_HEADER) throw new DecodeError('malformed', 'compound');
  const count = packet[2]!;
  let at = COMPOUND_HEADER;
  for (let i = 0; i < count; i++) {
    if (at + 2 > packet.byteLength) throw new DecodeError('malformed', 'compound length');
    const len = (packet[at]! << 8) | packet[at + 1]!;
    at += 2;
    if (at + len > packet.byteLength) throw new DecodeError('malformed', 'compound part');
    tryPart(packet.subarray(at, at + len));
    at += len;
  }
  if (at !== packet.byteLength) out.errors.push(new DecodeError('malformed', 'trailing bytes'));
  return out;
}

export { packr as wirePackr };
