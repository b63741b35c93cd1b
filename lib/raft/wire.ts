import { ChorusError, ErrorCode, decode, encode } from '../core/index.js';
import { LIMITS, PROTOCOL_VERSION } from './constants.js';
import type { RaftMessage, RaftMessageType } from './messages.js';
import { bytes, configFromWire, configToWire, entryFromWire, entryToWire } from './storage/entry-codec.js';

/**
 * Messages on the wire: a MessagePack array [version, type code, ...fields].
 * Every field is checked after decoding; anything malformed, oversized or of
 * an unknown version or type becomes a BadRequest error for the caller to
 * count and drop, never an exception out of a handler.
 */
const CODES: Record<RaftMessageType, number> = {
  preVote: 1,
  vote: 2,
  voteResponse: 3,
  append: 4,
  appendResponse: 5,
  snapshot: 6,
  snapshotResponse: 7,
};

function bad(what: string): never {
  throw new ChorusError(ErrorCode.BadRequest, `malformed raft message: ${what}`);
}
function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(what);
  return v;
}
function str(v: unknown, what: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) bad(what);
  return v;
}
function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') bad(what);
  return v;
}

export function encodeMessage(m: RaftMessage): Buffer {
  const head = [PROTOCOL_VERSION, CODES[m.type]];
  switch (m.type) {
    case 'preVote':
    case 'vote':
      return encode([...head, m.term, m.candidateId, m.lastLogIndex, m.lastLogTerm]);
    case 'voteResponse':
      return encode([...head, m.term, m.granted]);
    case 'append':
      return encode([...head, m.term, m.leaderId, m.leaderAddress, m.prevLogIndex, m.prevLogTerm, m.entries.map(entryToWire), m.leaderCommit]);
    case 'appendResponse':
      return encode([...head, m.term, m.success, m.matchIndex, m.hintIndex]);
    case 'snapshot':
      return encode([...head, m.term, m.leaderId, m.leaderAddress, m.meta.index, m.meta.term, configToWire(m.meta.config), m.offset, m.chunk, m.done]);
    case 'snapshotResponse':
      return encode([...head, m.term, m.success, m.nextOffset]);
  }
}

export function decodeMessage(buf: Uint8Array): RaftMessage {
  if (buf.byteLength > LIMITS.messageBytes) bad('too large');
  const f = decode(buf);
  if (!Array.isArray(f) || f.length < 2) bad('not an array');
  if (f[0] !== PROTOCOL_VERSION) bad(`unknown version ${String(f[0])}`);
  const n = (count: number): void => {
    if (f.length !== count + 2) bad(`expected ${count} fields`);
  };
  switch (f[1]) {
    case CODES.preVote:
    case CODES.vote:
      n(4);
      return {
        type: f[1] === CODES.preVote ? 'preVote' : 'vote',
        term: uint(f[2], 'term'),
        candidateId: str(f[3], 'candidateId', LIMITS.idLength),
        lastLogIndex: uint(f[4], 'lastLogIndex'),
        lastLogTerm: uint(f[5], 'lastLogTerm'),
      };
    case CODES.voteResponse:
      n(2);
      return { type: 'voteResponse', term: uint(f[2], 'term'), granted: bool(f[3], 'granted') };
    case CODES.append: {
      n(7);
      const raw = f[7];
      if (!Array.isArray(raw) || raw.length > LIMITS.entriesPerMessage) bad('entries');
      const prevLogIndex = uint(f[5], 'prevLogIndex');
      const entries = raw.map((e: unknown) => entryFromWire(e, LIMITS));
      // Entries must follow prevLogIndex contiguously; a gap would corrupt the log.
      entries.forEach((e, i) => {
        if (e.index !== prevLogIndex + 1 + i) bad('entries not contiguous');
      });
      return {
        type: 'append',
        term: uint(f[2], 'term'),
        leaderId: str(f[3], 'leaderId', LIMITS.idLength),
        leaderAddress: str(f[4], 'leaderAddress', LIMITS.addressLength),
        prevLogIndex,
        prevLogTerm: uint(f[6], 'prevLogTerm'),
        entries,
        leaderCommit: uint(f[8], 'leaderCommit'),
      };
    }
    case CODES.appendResponse:
      n(4);
      return { type: 'appendResponse', term: uint(f[2], 'term'), success: bool(f[3], 'success'), matchIndex: uint(f[4], 'matchIndex'), hintIndex: uint(f[5], 'hintIndex') };
    case CODES.snapshot:
      n(9);
      return {
        type: 'snapshot',
        term: uint(f[2], 'term'),
        leaderId: str(f[3], 'leaderId', LIMITS.idLength),
        leaderAddress: str(f[4], 'leaderAddress', LIMITS.addressLength),
        meta: { index: uint(f[5], 'snapshot index'), term: uint(f[6], 'snapshot term'), config: configFromWire(f[7], LIMITS) },
        offset: uint(f[8], 'offset'),
        chunk: bytes(f[9], 'chunk', LIMITS.chunkBytes),
        done: bool(f[10], 'done'),
      };
    case CODES.snapshotResponse:
      n(3);
      return { type: 'snapshotResponse', term: uint(f[2], 'term'), success: bool(f[3], 'success'), nextOffset: uint(f[4], 'nextOffset') };
    default:
      return bad(`unknown type ${String(f[1])}`);
  }
}
