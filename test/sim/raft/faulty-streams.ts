import { ChorusError, ErrorCode, type Clock, type Random } from '../../../lib/core/index.js';
import type { StreamHandler, StreamKind, StreamTransport } from '../../../lib/net/types.js';

export interface StreamFaults {
  /** Probability a request (or its reply) is lost: the caller sees a timeout. */
  loss: number;
  /** Probability a request is delivered twice (a retransmission); the second reply is dropped. */
  duplicate: number;
}

/**
 * Wraps a simulated stream transport with message loss and duplication,
 * which the simulated TCP streams do not do by themselves; delays and
 * reordering come from the network underneath.
 */
export class FaultyStreams implements StreamTransport {
  readonly #inner: StreamTransport;
  readonly #clock: Clock;
  readonly #random: Random;
  faults: StreamFaults = { loss: 0, duplicate: 0 };

  constructor(inner: StreamTransport, clock: Clock, random: Random) {
    this.#inner = inner;
    this.#clock = clock;
    this.#random = random;
  }

  get localAddress(): string {
    return this.#inner.localAddress;
  }

  request(to: string, kind: StreamKind, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const { loss, duplicate } = this.faults;
    if (duplicate > 0 && this.#random.next() < duplicate) this.#inner.request(to, kind, request, timeoutMs).catch(() => undefined);
    const lost = loss > 0 && this.#random.next() < loss;
    if (!lost) return this.#inner.request(to, kind, request, timeoutMs);
    // Either the request is lost (the handler never runs) or its reply is (it did run): the caller cannot tell.
    const requestLost = this.#random.next() < 0.5;
    return new Promise((_resolve, reject) => {
      const fail = (): void => reject(new ChorusError(ErrorCode.Timeout, `lost message to ${to}`));
      if (requestLost) this.#clock.setTimer(timeoutMs, fail);
      else this.#inner.request(to, kind, request, timeoutMs).then(() => this.#clock.setTimer(0, fail), fail);
    });
  }

  handle(kind: StreamKind, handler: StreamHandler): void {
    this.#inner.handle(kind, handler);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
