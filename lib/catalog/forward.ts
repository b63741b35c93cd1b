import { ChorusError, ErrorCode, isChorusError, messageOf, type ErrorCode as Code } from '../core/errors.js';
import { decode, encode } from '../core/codec.js';
import { StreamKind, type StreamTransport } from '../net/types.js';
import { validateCommand } from './commands.js';
import type { CatalogCommand } from './types.js';

/** How long a forwarded write or read-index request may take (Consul holds RPCs up to 7 s). */
export const FORWARD_TIMEOUT_MS = 7_000;

/** What a server asks the leader for on a forwarding stream. */
export type ForwardRequest =
  | { op: 'write'; command: CatalogCommand }
  | { op: 'readIndex'; mode: 'leader' | 'consistent' }
  | { op: 'removeServer'; id: string }
  | { op: 'renewSession'; id: string };

type ForwardReply = { ok: true; value: unknown } | { ok: false; code: string; message: string; details?: Record<string, unknown> };

/** What answers forwarded requests on the leader. */
export interface ForwardTarget {
  write(command: CatalogCommand): Promise<unknown>;
  readIndex(mode: 'leader' | 'consistent'): Promise<number>;
  /** A server leaving gracefully asks the leader to take it out of the configuration. */
  removeServer(id: string): Promise<void>;
  /** Restarts a session's TTL timer on the leader; the session, or null when unknown. */
  renewSession(id: string): Promise<unknown>;
}

const CODES = new Set<string>(Object.values(ErrorCode));

function parseRequest(bytes: Uint8Array): ForwardRequest {
  const v = decode(bytes) as Record<string, unknown> | null;
  if (v?.op === 'write') return { op: 'write', command: validateCommand(v.command) };
  if (v?.op === 'readIndex' && (v.mode === 'leader' || v.mode === 'consistent')) return { op: 'readIndex', mode: v.mode };
  if (v?.op === 'removeServer' && typeof v.id === 'string' && v.id.length > 0 && v.id.length <= 128) return { op: 'removeServer', id: v.id };
  if (v?.op === 'renewSession' && typeof v.id === 'string' && v.id.length <= 1024) return { op: 'renewSession', id: v.id };
  throw new ChorusError(ErrorCode.BadRequest, 'malformed forwarded request');
}

/** Serves forwarded requests; errors travel back typed, so the caller can tell "not the leader" from a bad command. */
export function serveForwarding(transport: StreamTransport, target: ForwardTarget): void {
  transport.handle(StreamKind.Forward, async (_from, bytes) => {
    let reply: ForwardReply;
    try {
      const req = parseRequest(bytes);
      const value =
        req.op === 'write' ? await target.write(req.command)
        : req.op === 'readIndex' ? await target.readIndex(req.mode)
        : req.op === 'renewSession' ? await target.renewSession(req.id)
        : await target.removeServer(req.id);
      reply = { ok: true, value };
    } catch (err) {
      reply = isChorusError(err)
        ? { ok: false, code: err.code, message: err.message, details: err.details }
        : { ok: false, code: ErrorCode.Internal, message: messageOf(err) };
    }
    return encode(reply);
  });
}

/** The asking side: one request to `address`, its typed error rethrown. */
export async function forward(transport: StreamTransport, address: string, request: ForwardRequest, timeoutMs = FORWARD_TIMEOUT_MS): Promise<unknown> {
  const bytes = await transport.request(address, StreamKind.Forward, encode(request), timeoutMs);
  const reply = decode(bytes) as ForwardReply | null;
  if (reply === null || typeof reply !== 'object' || typeof reply.ok !== 'boolean') {
    throw new ChorusError(ErrorCode.Internal, `malformed reply from ${address}`);
  }
  if (reply.ok) return reply.value;
  const code = (CODES.has(reply.code) ? reply.code : ErrorCode.Internal) as Code;
  throw new ChorusError(code, reply.message, { details: reply.details ?? {} });
}
