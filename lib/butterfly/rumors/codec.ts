import { PROTOCOL_VERSION } from '../constants.js';
import { DecodeError } from '../errors.js';
import { wirePackr } from '../wire/codec.js';
import { MessageType } from '../wire/messages.js';
import * as v from '../wire/validate.js';
import { RUMOR_LIMITS, type ResolvedRumorOptions } from './constants.js';
import {
  type LargeKind,
  RUMOR_HEALTH,
  type RumorHeader,
  type RumorWire,
  type ServiceSys,
  type UserEventRumor,
} from './types.js';

/**
 * Rumor bodies: a msgpack array whose first element is the kind code. They
 * travel inside `rumor` messages (lib/butterfly/wire), inside push-pull
 * syncs, and as replies to large-rumor fetches. Every field is checked after
 * decoding; a bad one throws DecodeError, which the caller counts and drops.
 */
export const RumorCode = { service: 1, config: 2, file: 3, departure: 4, event: 5, header: 6 } as const;

/** The limits decoding enforces (from the rumor options). */
export type RumorDecodeLimits = Pick<ResolvedRumorOptions, 'maxConfigBytes' | 'maxFileBytes' | 'maxServiceCfgBytes' | 'maxEventPayloadBytes'>;

function sysTuple(s: ServiceSys): unknown[] {
  return [s.ip, s.hostname, s.gossip_ip, s.gossip_port, s.http_gateway_ip, s.http_gateway_port, s.ctl_gateway_ip, s.ctl_gateway_port];
}

export function encodeRumor(r: RumorWire): Uint8Array {
  return wirePackr.pack(rumorFields(r));
}

function rumorFields(r: RumorWire): unknown[] {
  switch (r.kind) {
    case 'service':
      return [RumorCode.service, r.group, r.memberId, r.incarnation, r.pkg, r.pkgIncarnation, r.cfg, sysTuple(r.sys), RUMOR_HEALTH.indexOf(r.health), r.initialized, r.withdrawn, r.expiresInMs];
    case 'config':
      return [RumorCode.config, r.group, r.version, r.fromId, r.toml];
    case 'file':
      return [RumorCode.file, r.group, r.filename, r.version, r.fromId, r.body];
    case 'departure':
      return [RumorCode.departure, r.memberId];
    case 'event':
      return [RumorCode.event, r.name, r.payload, r.nodeFilter, r.serviceFilter, v.flattenTags(r.tagFilters), r.ltime, r.origin];
    case 'header':
      return [RumorCode.header, RumorCode[r.of], r.group, r.name, r.version, r.size, r.holder];
  }
}

const L = RUMOR_LIMITS;

export function group(x: unknown): string {
  return v.str(x, 'group', L.groupLength, 1);
}

/** A plain file name: no path separators, not `.` or `..`, no NUL. */
export function fileName(x: unknown): string {
  const name = v.str(x, 'filename', L.fileNameLength, 1);
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new DecodeError('field', 'filename');
  return name;
}

/** A filter regex: bounded and compilable ('' matches everything). */
export function regex(x: unknown, field: string): string {
  const s = v.str(x, field, L.regexLength);
  try {
    new RegExp(s);
  } catch {
    throw new DecodeError('field', field);
  }
  return s;
}

function sys(x: unknown): ServiceSys {
  const f = v.tuple(x, 'sys', 8);
  const host = (i: number, name: string): string => v.str(f[i], name, L.hostLength);
  return {
    ip: host(0, 'sys.ip'),
    hostname: host(1, 'sys.hostname'),
    gossip_ip: host(2, 'sys.gossip_ip'),
    gossip_port: v.uint(f[3], 'sys.gossip_port', 65_535),
    http_gateway_ip: host(4, 'sys.http_gateway_ip'),
    http_gateway_port: v.uint(f[5], 'sys.http_gateway_port', 65_535),
    ctl_gateway_ip: host(6, 'sys.ctl_gateway_ip'),
    ctl_gateway_port: v.uint(f[7], 'sys.ctl_gateway_port', 65_535),
  };
}

function tagFilters(x: unknown): Record<string, string> {
  const flat = v.array(x, 'tagFilters', L.tagFilters * 2);
  const tags = v.tags(flat);
  for (const [k, re] of Object.entries(tags)) regex(re, `tagFilters.${k}`);
  return tags;
}

type Decoder = (f: unknown[], limits: RumorDecodeLimits) => RumorWire;

/** One decoder per kind code. */
const DECODERS: Record<number, Decoder> = {
  [RumorCode.service]: (f, limits) => {
    v.tuple(f, 'service', 12);
    const health = RUMOR_HEALTH[v.uint(f[8], 'health', RUMOR_HEALTH.length - 1)]!;
    return {
      kind: 'service',
      group: group(f[1]),
      memberId: v.memberId(f[2], 'memberId'),
      incarnation: v.uint(f[3], 'incarnation'),
      pkg: v.str(f[4], 'pkg', L.pkgLength),
      pkgIncarnation: v.uint(f[5], 'pkgIncarnation'),
      cfg: v.str(f[6], 'cfg', limits.maxServiceCfgBytes),
      sys: sys(f[7]),
      health,
      initialized: v.bool(f[9], 'initialized'),
      withdrawn: v.bool(f[10], 'withdrawn'),
      expiresInMs: v.uint(f[11], 'expiresInMs'),
    };
  },
  [RumorCode.config]: (f, limits) => {
    v.tuple(f, 'config', 5);
    return { kind: 'config', group: group(f[1]), version: v.uint(f[2], 'version'), fromId: v.str(f[3], 'fromId', L.idLength), toml: v.str(f[4], 'toml', limits.maxConfigBytes) };
  },
  [RumorCode.file]: (f, limits) => {
    v.tuple(f, 'file', 6);
    return {
      kind: 'file',
      group: group(f[1]),
      filename: fileName(f[2]),
      version: v.uint(f[3], 'version'),
      fromId: v.str(f[4], 'fromId', L.idLength),
      body: v.bytes(f[5], 'body', limits.maxFileBytes),
    };
  },
  [RumorCode.departure]: (f) => {
    v.tuple(f, 'departure', 2);
    return { kind: 'departure', memberId: v.memberId(f[1], 'memberId') };
  },
  [RumorCode.event]: (f, limits) => {
    v.tuple(f, 'event', 8);
    const event: UserEventRumor = {
      kind: 'event',
      name: v.str(f[1], 'name', L.eventNameLength, 1),
      payload: v.bytes(f[2], 'payload', limits.maxEventPayloadBytes),
      nodeFilter: regex(f[3], 'nodeFilter'),
      serviceFilter: regex(f[4], 'serviceFilter'),
      tagFilters: tagFilters(f[5]),
      ltime: v.uint(f[6], 'ltime'),
      origin: v.memberId(f[7], 'origin'),
    };
    return event;
  },
  [RumorCode.header]: (f, limits) => {
    v.tuple(f, 'header', 7);
    const of = largeKind(f[1]);
    const header: RumorHeader = {
      kind: 'header',
      of,
      group: group(f[2]),
      name: largeName(of, f[3]),
      version: v.uint(f[4], 'version'),
      size: v.uint(f[5], 'size', limits.maxFileBytes + 4096),
      holder: v.str(f[6], 'holder', L.addressLength, 3),
    };
    return header;
  },
};

const LARGE_KINDS: Record<number, LargeKind> = { [RumorCode.service]: 'service', [RumorCode.config]: 'config', [RumorCode.file]: 'file' };

function largeKind(x: unknown): LargeKind {
  const of = LARGE_KINDS[v.uint(x, 'of', 255)];
  if (of === undefined) throw new DecodeError('field', 'of');
  return of;
}

/** The second part of a stored rumor's identity: the member id of a service, '' for a config, the file name of a file. */
function largeName(of: LargeKind, x: unknown): string {
  if (of === 'file') return fileName(x);
  if (of === 'service') return v.memberId(x, 'name');
  return v.str(x, 'name', 0);
}

/** Decodes one rumor body; throws DecodeError. */
export function decodeRumor(bytes: Uint8Array, limits: RumorDecodeLimits): RumorWire {
  if (bytes.byteLength < 2) throw new DecodeError('empty');
  let body: unknown;
  try {
    body = wirePackr.unpack(bytes);
  } catch {
    throw new DecodeError('malformed', 'rumor');
  }
  if (!Array.isArray(body) || body.length < 2) throw new DecodeError('shape', 'rumor');
  const decoder = DECODERS[v.uint(body[0], 'kind', 255)];
  if (decoder === undefined) throw new DecodeError('type', 'rumor kind');
  return decoder(body, limits);
}

/** What a fetch asks for: a large rumor by identity and (at least) version. */
export interface FetchRequest {
  of: LargeKind;
  group: string;
  name: string;
  version: number;
}

export function encodeFetchRequest(r: FetchRequest): Uint8Array {
  return frame(MessageType.RumorFetch, wirePackr.pack([RumorCode[r.of], r.group, r.name, r.version]));
}

export function decodeFetchRequest(bytes: Uint8Array): FetchRequest {
  const body = unframe(bytes, MessageType.RumorFetch, 4096);
  let f: unknown;
  try {
    f = wirePackr.unpack(body);
  } catch {
    throw new DecodeError('malformed', 'fetch');
  }
  const t = v.tuple(f, 'fetch', 4);
  const of = largeKind(t[0]);
  return { of, group: group(t[1]), name: largeName(of, t[2]), version: v.uint(t[3], 'version') };
}

/** A fetch reply: the full rumor, or an empty body when the holder no longer has that version. */
export function encodeFetchReply(rumor: Uint8Array | undefined): Uint8Array {
  return frame(MessageType.RumorFetchReply, rumor ?? new Uint8Array(0));
}

export function decodeFetchReply(bytes: Uint8Array, maxBytes: number): Uint8Array | undefined {
  const body = unframe(bytes, MessageType.RumorFetchReply, maxBytes);
  return body.byteLength === 0 ? undefined : body;
}

function frame(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.byteLength + 2);
  out[0] = PROTOCOL_VERSION;
  out[1] = type;
  out.set(body, 2);
  return out;
}

function unframe(bytes: Uint8Array, type: number, maxBytes: number): Uint8Array {
  if (bytes.byteLength < 2) throw new DecodeError('empty');
  if (bytes.byteLength > maxBytes + 2) throw new DecodeError('oversized');
  if (bytes[0] !== PROTOCOL_VERSION) throw new DecodeError('version');
  if (bytes[1] !== type) throw new DecodeError('type');
  return bytes.subarray(2);
}
