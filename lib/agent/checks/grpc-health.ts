import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { isIP } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { goDialError, joinHostPort, splitHostPort } from './go-net.js';
import { CHECK_STOPPED, settleOnce } from './settle.js';
import type { GrpcCheckRequest, GrpcCheckResult } from './types.js';

/**
 * The standard gRPC health check (grpc.health.v1.Health/Check) spoken over
 * node:http2, as Consul's GRPC check calls it: one unary call, the two tiny
 * protobuf messages encoded by hand, errors in grpc-go's words
 * (`rpc error: code = Unavailable desc = ...`).
 */

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** HealthCheckResponse.ServingStatus, as Go prints the enum. */
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export const SERVING = 1;

/** grpc-go's codes.Code names, by number. */
const GRPC_CODES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss',
  'Unauthenticated',
];

/** The default port grpc-go dials when the target names none. */
const GRPC_DEFAULT_PORT = 443;

export function servingStatusName(status: number): string {
  return SERVING_STATUS[status] ?? String(status);
}

function rpcError(code: number, desc: string): string {
  return `rpc error: code = ${GRPC_CODES[code] ?? `Code(${code})`} desc = ${desc}`;
}

/** Consul's GRPC target: `host:port` or `host:port/service` (the service asked about; empty: the whole server). */
export function parseGrpcTarget(target: string): { host: string; port: number; service: string } {
  const slash = target.indexOf('/');
  const server = slash === -1 ? target : target.slice(0, slash);
  const service = slash === -1 ? '' : target.slice(slash + 1);
  const hostPort = splitHostPort(server) ?? { host: server.replace(/^\[|\]$/g, ''), port: GRPC_DEFAULT_PORT };
  return { ...hostPort, service };
}

// ---- protobuf ------------------------------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** HealthCheckRequest { string service = 1; }: nothing at all for the empty service, as proto3 omits defaults. */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(bytes.length)]), bytes]);
}

/** A length-prefixed gRPC message: not compressed, 4-byte big-endian length, the message. */
export function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    value += (buf[i]! & 0x7f) * scale;
    scale *= 128;
    if ((buf[i]! & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('truncated varint');
}

/** HealthCheckResponse { ServingStatus status = 1; }: unknown fields skipped, an absent status is UNKNOWN (0). */
export function decodeHealthCheckResponse(message: Buffer): number {
  let status = 0;
  let at = 0;
  while (at < message.length) {
    const [tag, next] = readVarint(message, at);
    at = next;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [value, after] = readVarint(message, at);
      if (field === 1) status = value;
      at = after;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [length, after] = readVarint(message, at);
      at = after + length;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (at > message.length) throw new Error('truncated field');
  }
  return status;
}

// ---- the call ------------------------------------------------------------------------------

/** grpc-go's code for an HTTP status that is not 200 (transport/http_util.go HTTPStatusConvTab). */
function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

function connectionError(address: string, err: NodeJS.ErrnoException): string {
  const transport = err.syscall === 'connect' || err.code === 'ENOTFOUND'
    ? `Error while dialing: ${goDialError(address, err)}`
    : /CERT|SSL|TLS|certificate/i.test(`${err.code ?? ''} ${err.message}`)
      ? `authentication handshake failed: ${err.message}`
      : err.message;
  return rpcError(14, `connection error: desc = "transport: ${transport}"`);
}

/** The status a finished call carries, from its trailers (or its headers, for a trailers-only answer). */
function callResult(headers: IncomingHttpHeaders, trailers: IncomingHttpHeaders, body: Buffer): GrpcCheckResult {
  const httpStatus = Number(headers[':status']);
  if (httpStatus !== 200) {
    return { ok: false, error: rpcError(codeForHttpStatus(httpStatus), `unexpected HTTP status code received from server: ${httpStatus}`) };
  }
  const statusText = trailers['grpc-status'] ?? headers['grpc-status'];
  if (statusText === undefined) return { ok: false, error: rpcError(13, 'server closed the stream without sending trailers') };
  const code = Number(statusText);
  if (code !== 0) {
    const message = String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '');
    let desc = message;
    try {
      desc = decodeURIComponent(message);
    } catch {
      // A malformed percent-encoding is shown as sent.
    }
    return { ok: false, error: rpcError(code, desc) };
  }
  if (body.length < 5) return { ok: false, error: rpcError(13, 'server returned no response message') };
  if (body[0] !== 0) return { ok: false, error: rpcError(13, 'grpc: compressed message received, but no compression was asked for') };
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) return { ok: false, error: rpcError(13, 'server sent a truncated message') };
  try {
    return { ok: true, servingStatus: decodeHealthCheckResponse(body.subarray(5, 5 + length)) };
  } catch (err) {
    return { ok: false, error: rpcError(13, `grpc: failed to unmarshal the received message: ${(err as Error).message}`) };
  }
}

/** One Health/Check call over a fresh HTTP/2 connection, given up after `timeoutMs` on `clock`. */
export function runGrpcHealth(clock: Clock, req: GrpcCheckRequest): Promise<GrpcCheckResult> {
  const { host, port, service } = parseGrpcTarget(req.target);
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    let session: ClientHttp2Session | undefined;
    const finish = settleOnce<GrpcCheckResult>(clock, resolve, {
      timeoutMs: req.timeoutMs,
      signal: req.signal,
      onTimeout: () => ({ ok: false, error: rpcError(4, 'context deadline exceeded') }),
      cleanup: () => session?.destroy(),
    }, CHECK_STOPPED);
    const tls = req.useTls
      ? { rejectUnauthorized: !req.tlsSkipVerify, ...(req.tlsServerName !== '' ? { servername: req.tlsServerName } : isIP(host) === 0 ? { servername: host } : {}) }
      : {};
    session = connect(`${req.useTls ? 'https' : 'http'}://${address}`, tls);
    session.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: connectionError(address, err) }));
    const stream = session.request({
      ':method': 'POST',
      ':path': HEALTH_CHECK_PATH,
      ':authority': address,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { headers = h; });
    stream.on('trailers', (t) => { trailers = t; });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => finish(callResult(headers, trailers, Buffer.concat(chunks))));
    // A stream cancelled because its connection failed carries the connection's error as its cause.
    stream.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: connectionError(address, (err.cause as NodeJS.ErrnoException | undefined) ?? err) }));
    stream.end(grpcFrame(encodeHealthCheckRequest(service)));
  });
}
