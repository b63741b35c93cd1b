import { ChorusError, ErrorCode } from '../../core/index.js';
import type { Configuration, EntryKind, LogEntry, Server } from '../types.js';
import type { LogOp } from './log-view.js';

/** Entries and log operations as plain MessagePack arrays, for the WAL and the wire. */
const KIND_CODES: Record<EntryKind, number> = { command: 0, noop: 1, config: 2 };
const KINDS: EntryKind[] = ['command', 'noop', 'config'];

export function entryToWire(e: LogEntry): unknown[] {
  const out: unknown[] = [e.index, e.term, KIND_CODES[e.kind], e.data];
  if (e.config !== undefined) out.push(configToWire(e.config));
  return out;
}

export function configToWire(c: Configuration): unknown[] {
  return c.servers.map((s) => [s.id, s.address, s.suffrage === 'voter' ? 1 : 0]);
}

function bad(what: string): never {
  throw new ChorusError(ErrorCode.BadRequest, `malformed ${what}`);
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(what);
  return v;
}

function str(v: unknown, what: string, max: number): string {
  if (typeof v !== 'string' || v.length > max) bad(what);
  return v;
}

export function bytes(v: unknown, what: string, max: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength > max) bad(what);
  return v;
}

export interface EntryLimits {
  idLength: number;
  addressLength: number;
  serversPerConfig: number;
  entryBytes: number;
}

export function configFromWire(v: unknown, limits: EntryLimits): Configuration {
  if (!Array.isArray(v) || v.length > limits.serversPerConfig) bad('configuration');
  const servers: Server[] = v.map((s: unknown) => {
    if (!Array.isArray(s) || s.length !== 3) bad('server');
    return {
      id: str(s[0], 'server id', limits.idLength),
      address: str(s[1], 'server address', limits.addressLength),
      suffrage: s[2] === 1 ? 'voter' : s[2] === 0 ? 'nonvoter' : bad('suffrage'),
    };
  });
  return { servers };
}

export function entryFromWire(v: unknown, limits: EntryLimits): LogEntry {
  if (!Array.isArray(v) || v.length < 4 || v.length > 5) bad('entry');
  const kind = KINDS[uint(v[2], 'entry kind')] ?? bad('entry kind');
  const entry: LogEntry = {
    index: uint(v[0], 'entry index'),
    term: uint(v[1], 'entry term'),
    kind,
    data: bytes(v[3], 'entry data', limits.entryBytes),
  };
  if (kind === 'config') entry.config = configFromWire(v[4], limits);
  else if (v.length === 5) bad('entry');
  return entry;
}

export function opsToWire(ops: readonly LogOp[]): unknown[] {
  return ops.map((op) => {
    switch (op.op) {
      case 'append':
        return ['a', op.entries.map(entryToWire)];
      case 'truncate':
        return ['x', op.from];
      case 'compact':
        return ['c', op.upTo, op.term];
    }
  });
}

export function opsFromWire(v: unknown, limits: EntryLimits): LogOp[] {
  if (!Array.isArray(v)) bad('log batch');
  return v.map((op: unknown): LogOp => {
    if (!Array.isArray(op)) bad('log op');
    switch (op[0]) {
      case 'a':
        if (!Array.isArray(op[1])) bad('append op');
        return { op: 'append', entries: (op[1] as unknown[]).map((e) => entryFromWire(e, limits)) };
      case 'x':
        return { op: 'truncate', from: uint(op[1], 'truncate index') };
      case 'c':
        return { op: 'compact', upTo: uint(op[1], 'compact index'), term: uint(op[2], 'compact term') };
      default:
        return bad('log op');
    }
  });
}
