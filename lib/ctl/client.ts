import { createConnection, type Socket } from 'node:net';
import { ChorusError, ErrorCode, messageOf, type ErrorCode as Code } from '../core/errors.js';
import { decode, encode } from '../core/codec.js';
import { encodeFrame, FrameReader } from '../net/frames.js';
import { CTL_MAX_FRAME, CTL_PROTOCOL_VERSION, type CtlReply } from './protocol.js';

export interface CtlClientOptions {
  host: string;
  port: number;
  secret: string;
  timeoutMs?: number;
}

function asError(reply: Extract<CtlReply, { ok: false }>): ChorusError {
  const known = Object.values(ErrorCode) as string[];
  const code = (known.includes(reply.code) ? reply.code : ErrorCode.Internal) as Code;
  return new ChorusError(code, reply.message);
}

/** The CLI's side of the control gateway: connect, hand over the secret, send requests. */
export class CtlClient {
  #socket: Socket;
  #reader = new FrameReader(CTL_MAX_FRAME);
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.#reader.push(chunk)) {
          const reply = decode(frame.payload) as CtlReply;
          const waiter = this.#pending.get(reply.id);
          if (waiter === undefined) continue;
          this.#pending.delete(reply.id);
          if (reply.ok) waiter.resolve(reply.body);
          else waiter.reject(asError(reply));
        }
      } catch (err) {
        this.#fail(new ChorusError(ErrorCode.Internal, `bad reply from the supervisor: ${messageOf(err)}`));
      }
    });
    socket.on('error', (err) => this.#fail(new ChorusError(ErrorCode.Unavailable, messageOf(err))));
    socket.on('close', () => this.#fail(new ChorusError(ErrorCode.Unavailable, 'the supervisor closed the connection')));
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const waiter of this.#pending.values()) waiter.reject(err);
    this.#pending.clear();
  }

  /** Connects and authenticates; rejects with Unauthorized on a wrong secret. */
  static async connect(options: CtlClientOptions): Promise<CtlClient> {
    const address = `${options.host}:${options.port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host: options.host, port: options.port });
      s.setTimeout(options.timeoutMs ?? 10_000, () => s.destroy(new Error('timed out')));
      s.once('connect', () => resolve(s));
      s.once('error', (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ECONNREFUSED' ? 'is a supervisor running there?' : messageOf(err);
        reject(new ChorusError(ErrorCode.Unavailable, `cannot connect to the supervisor at ${address}: ${why}`, { cause: err }));
      });
    });
    const client = new CtlClient(socket);
    // The handshake's reply carries id 0.
    const handshake = new Promise((resolve, reject) => client.#pending.set(0, { resolve, reject }));
    socket.write(encodeFrame(encode({ v: CTL_PROTOCOL_VERSION, type: 'Handshake', secret: options.secret })));
    try {
      await handshake;
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return client;
  }

  request<T = unknown>(type: string, body: unknown = null): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#socket.write(encodeFrame(encode({ id, type, body })));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}
