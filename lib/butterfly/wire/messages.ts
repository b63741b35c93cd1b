import type { Coordinate } from '../coordinate/types.js';
import type { Incarnation, MemberId, MemberState } from '../types.js';

/** Message type codes: the second byte of every packet and of every compound part's first byte. */
export const MessageType = {
  Ping: 1,
  IndirectPing: 2,
  Ack: 3,
  Nack: 4,
  Alive: 5,
  Suspect: 6,
  Dead: 7,
  Departed: 8,
  Compound: 9,
  Rumor: 10,
  /** The acker's network coordinate, in the same packet as (and just before) the ack it belongs to. */
  Coordinate: 11,
  /** Stream-only: a full state exchange. */
  PushPull: 32,
  /** Stream-only: a full state exchange, deflated (what serf's compression does for its syncs). */
  PushPullDeflated: 35,
  /** Stream-only: a request for a large rumor's body, and its reply. */
  RumorFetch: 33,
  RumorFetchReply: 34,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/** A member as it travels in alive messages and full state syncs. */
export interface MemberWire {
  id: MemberId;
  name: string;
  address: string;
  gossipPort: number;
  incarnation: Incarnation;
  persistent: boolean;
  tags: Record<string, string>;
}

export interface PingMessage {
  type: 'ping';
  seq: number;
  /** The member the sender means to probe; anyone else at that address does not answer. */
  targetId: MemberId;
  /** The prober: a member pinged by someone it does not know syncs with it. */
  fromId: MemberId;
}

export interface IndirectPingMessage {
  type: 'indirect-ping';
  seq: number;
  targetId: MemberId;
  targetAddress: string;
  /** Answer with a nack if the target does not ack in time (Lifeguard). */
  nack: boolean;
}

export interface AckMessage {
  type: 'ack';
  seq: number;
}

/**
 * serf's ack payload: the acker's coordinate, so the prober can turn the
 * ping's round trip into a Vivaldi observation. It travels as a part of its
 * own rather than inside the ack, so a member that does not know it (or has
 * coordinates off) drops just this part and still takes the ack.
 */
export interface CoordinateMessage {
  type: 'coordinate';
  /** The seq of the ack it goes with. */
  seq: number;
  coordinate: Coordinate;
}

export interface NackMessage {
  type: 'nack';
  seq: number;
}

export interface AliveMessage {
  type: 'alive';
  member: MemberWire;
}

export interface SuspectMessage {
  type: 'suspect';
  id: MemberId;
  incarnation: Incarnation;
  /** Who suspects: independent confirmations shorten the Lifeguard suspicion timeout. */
  from: MemberId;
}

/** A member failed, or left when `from` is the member itself. */
export interface DeadMessage {
  type: 'dead';
  id: MemberId;
  incarnation: Incarnation;
  from: MemberId;
}

export interface DepartedMessage {
  type: 'departed';
  id: MemberId;
}

/** A rumor travels opaque through the membership layer; the rumor store decodes its body. */
export interface RumorMessage {
  type: 'rumor';
  body: Uint8Array;
}

export type Message =
  | PingMessage
  | IndirectPingMessage
  | AckMessage
  | CoordinateMessage
  | NackMessage
  | AliveMessage
  | SuspectMessage
  | DeadMessage
  | DepartedMessage
  | RumorMessage;

export type MessageKind = Message['type'];

/** One member in a full state sync: its record plus our view of its state. */
export interface MemberStateWire extends MemberWire {
  state: MemberState;
}

export interface PushPullMessage {
  /** True when the sender is joining: the receiver answers but the joiner does not re-gossip what it learns. */
  join: boolean;
  members: MemberStateWire[];
  /** Departed ids we still remember without their records. */
  departed: MemberId[];
  /** Opaque rumor-store state, exchanged alongside the members. */
  rumors: Uint8Array[];
}
