import { createConnection, type Socket } from 'node:net';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { FrameReader, encodeFrame } from './frames.js';

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;
/** Replies with this id are about the whole stream (unknown kind, oversized frame), not one request. */
export const STREAM_ID = 0;
/** A pooled connection nobody used for this long is closed; the server's idle limit is longer. */
export const CLIENT_IDLE_MS = 30_000;

/** Request and reply bodies on a stream: a 4-byte request id, then the payload. */
export function withId(id: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.byteLength);
  out.writeUInt32BE(id, 0);
  out.set(payload, 4);
  return out;
}

interface Pending {
  resolve: (reply: Uint8Array) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One client connection to a peer for one stream kind, shared by every
 * request to it: requests carry ids and replies may come back in any order,
 * so a slow request (a forwarded write waiting for its commit) does not hold
 * up the others, and no request pays for a TCP handshake.
 */
export class StreamConnection {
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #reader: FrameReader;
  #nextId = 1;
  #connected = false;
  #closed = false;
  #idle: NodeJS.Timeout | undefined;

  constructor(
    readonly to: string,
    host: string,
    port: number,
    kind: number,
    maxFrame: number,
    private readonly onClose: (c: StreamConnection) => void,
  ) {
    this.#reader = new FrameReader(maxFrame, true);
    this.#socket = createConnection({ host, port, noDelay: true });
    this.#socket.write(Buffer.from([kind]));
    this.#socket.on('connect', () => {
      this.#connected = true;
    });
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      this.#fail(new ChorusError(ErrorCode.Unavailable, `cannot reach ${to}: ${code ?? err.message}`, {
        cause: err,
        // A connection that never opened delivered nothing: callers may safely retry elsewhere.
        details: { delivered: this.#connected ? 'unknown' : false },
      }));
    });
    this.#socket.on('close', () => this.#fail(new ChorusError(ErrorCode.Unavailable, `${to} closed the stream`, { details: { delivered: this.#connected ? 'unknown' : false } })));
    this.#touch();
  }

  get closed(): boolean {
    return this.#closed;
  }

  request(payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new ChorusError(ErrorCode.Unavailable, `stream to ${this.to} is closed`, { details: { delivered: false } }));
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ChorusError(ErrorCode.Timeout, `no reply from ${this.to} within ${timeoutMs} ms`));
        // A connection that left a request unanswered may be stuck: after a partition heals, TCP resends what
        // it lost only when its backed-off retransmission timer fires, seconds later, and everything written
        // since waits behind it. The next request opens a fresh connection instead (as hashicorp/raft's pool does).
        this.close(new ChorusError(ErrorCode.Unavailable, `stream to ${this.to} dropped: a request on it got no reply within ${timeoutMs} ms`, {
          details: { delivered: 'unknown' },
        }));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#socket.write(encodeFrame(withId(id, payload)));
      this.#touch();
    });
  }

  close(err: Error = new ChorusError(ErrorCode.ShuttingDown, 'transport is closed')): void {
    this.#fail(err);
  }

  #touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#pending.size === 0) this.close(new ChorusError(ErrorCode.Unavailable, 'idle stream closed', { details: { delivered: false } }));
      else this.#touch();
    }, CLIENT_IDLE_MS);
    this.#idle.unref();
  }

  #receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.#reader.push(chunk);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    for (const frame of frames) {
      if (frame.payload.byteLength < 4) {
        this.#fail(new ChorusError(ErrorCode.Internal, `malformed reply from ${this.to}`));
        return;
      }
      const id = frame.payload.readUInt32BE(0);
      const body = frame.payload.subarray(4);
      if (id === STREAM_ID) {
        this.#fail(new ChorusError(ErrorCode.Unavailable, `${this.to} refused the stream: ${body.toString('utf8')}`, { details: { delivered: false } }));
        return;
      }
      const waiter = this.#pending.get(id);
      if (waiter === undefined) continue; // timed out already
      this.#pending.delete(id);
      clearTimeout(waiter.timer);
      if (frame.prefix === STATUS_OK) waiter.resolve(body);
      else waiter.reject(new ChorusError(ErrorCode.Unavailable, `${this.to} refused the request: ${body.toString('utf8')}`));
    }
  }

  #fail(err: Error): void {
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.#idle);
      this.#socket.destroy();
      this.onClose(this);
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
