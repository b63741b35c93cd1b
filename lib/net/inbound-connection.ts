import type { InboundConnection } from './types.js';

/**
 * The serving side's handle on one inbound stream connection, shared by the
 * TCP and simulated transports: `close()` runs every callback once; a
 * callback registered after that runs on the next microtask, so a late
 * subscriber still learns the connection is gone.
 */
export class InboundConn implements InboundConnection {
  #callbacks = new Set<() => void>();
  #closed = false;

  constructor(readonly id: number) {}

  get closed(): boolean {
    return this.#closed;
  }

  onClose(cb: () => void): () => void {
    if (this.#closed) {
      let cancelled = false;
      queueMicrotask(() => { if (!cancelled) cb(); });
      return () => { cancelled = true; };
    }
    // Wrapped so the same function registered twice is two subscriptions.
    const entry = (): void => cb();
    this.#callbacks.add(entry);
    return () => { this.#callbacks.delete(entry); };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const callbacks = [...this.#callbacks];
    this.#callbacks.clear();
    for (const cb of callbacks) {
      try {
        cb();
      } catch {
        // A subscriber's failure must not keep the others from hearing of the close.
      }
    }
  }
}
