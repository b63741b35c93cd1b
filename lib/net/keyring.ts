import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ChorusError, ErrorCode, SystemRandom, type Random } from '../core/index.js';
import type { PacketTransport, StreamHandler, StreamKind, StreamTransport } from './types.js';

/**
 * Ring encryption: AES-256-GCM over every gossip packet and cluster stream
 * message. A keyring has one primary key, used to send, and any number of
 * other keys accepted on receive, so a ring's key can be rotated without
 * downtime (install the new key everywhere, make it primary everywhere, remove
 * the old one).
 *
 * Sealed message: [0x81 marker][12-byte nonce][ciphertext][16-byte GCM tag];
 * the marker is authenticated as associated data. Plain gossip starts with the
 * protocol version (1), so the two can never be confused.
 */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const SEALED_MARKER = 0x81;
/** Bytes sealing adds to a message: budget packets 1,400 − this. */
export const KEYRING_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

function keyError(message: string): ChorusError {
  return new ChorusError(ErrorCode.InvalidConfig, message);
}

function checkKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.byteLength !== KEY_BYTES) throw keyError(`a ring key must be ${KEY_BYTES} bytes`);
  return Uint8Array.from(key);
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

export class Keyring {
  #keys: Uint8Array[];
  #random: Random;

  /** @param random nonce source; cryptographically strong by default, seeded in the simulator */
  constructor(primary: Uint8Array, others: readonly Uint8Array[] = [], random: Random = new SystemRandom()) {
    this.#keys = [checkKey(primary)];
    for (const k of others) this.addKey(k);
    this.#random = random;
  }

  /** Parses a key given as base64 (what `--ring-key` files and CHORUS_RING_KEY hold). */
  static parseKey(text: string): Uint8Array {
    const trimmed = text.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw keyError('a ring key must be base64');
    return checkKey(new Uint8Array(Buffer.from(trimmed, 'base64')));
  }

  get primary(): Uint8Array {
    return Uint8Array.from(this.#keys[0]!);
  }

  get size(): number {
    return this.#keys.length;
  }

  /** Accepts `key` on receive too. */
  addKey(key: Uint8Array): void {
    const k = checkKey(key);
    if (!this.#keys.some((x) => sameKey(x, k))) this.#keys.push(k);
  }

  /** Makes an installed key the primary (the one used to send). */
  useKey(key: Uint8Array): void {
    const i = this.#keys.findIndex((x) => sameKey(x, key));
    if (i < 0) throw keyError('cannot use a key that is not installed');
    const [k] = this.#keys.splice(i, 1);
    this.#keys.unshift(k!);
  }

  /** Stops accepting a key; the primary cannot be removed. */
  removeKey(key: Uint8Array): void {
    if (sameKey(this.#keys[0]!, key)) throw keyError('cannot remove the primary key');
    this.#keys = this.#keys.filter((x) => !sameKey(x, key));
  }

  seal(plain: Uint8Array): Uint8Array {
    const nonce = this.#random.bytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, nonce);
    cipher.setAAD(Uint8Array.of(SEALED_MARKER));
    const body = cipher.update(plain);
    const final = cipher.final();
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(KEYRING_OVERHEAD + body.byteLength + final.byteLength);
    out[0] = SEALED_MARKER;
    out.set(nonce, 1);
    out.set(body, 1 + NONCE_BYTES);
    out.set(final, 1 + NONCE_BYTES + body.byteLength);
    out.set(tag, out.byteLength - TAG_BYTES);
    return out;
  }

  /** The plaintext, or undefined when `sealed` is not sealed or no installed key opens it. Never throws. */
  open(sealed: Uint8Array): Uint8Array | undefined {
    if (sealed.byteLength < KEYRING_OVERHEAD || sealed[0] !== SEALED_MARKER) return undefined;
    const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
    const body = sealed.subarray(1 + NONCE_BYTES, sealed.byteLength - TAG_BYTES);
    const tag = sealed.subarray(sealed.byteLength - TAG_BYTES);
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAAD(Uint8Array.of(SEALED_MARKER));
        decipher.setAuthTag(tag);
        const a = decipher.update(body);
        const b = decipher.final();
        const out = new Uint8Array(a.byteLength + b.byteLength);
        out.set(a, 0);
        out.set(b, a.byteLength);
        return out;
      } catch {
        // wrong key: try the next one
      }
    }
    return undefined;
  }
}

export interface RingStats {
  /** Packets or stream messages refused because they were not sealed. */
  plaintext: number;
  /** Sealed with a key we do not hold, or tampered with. */
  undecryptable: number;
}

function classify(keyring: Keyring, data: Uint8Array, stats: RingStats): Uint8Array | undefined {
  const plain = keyring.open(data);
  if (plain === undefined) {
    if (data.byteLength > 0 && data[0] === SEALED_MARKER) stats.undecryptable++;
    else stats.plaintext++;
  }
  return plain;
}

/** Seals every datagram sent and opens every one received; refused ones are counted and dropped. */
export class EncryptedPacketTransport implements PacketTransport {
  readonly stats: RingStats = { plaintext: 0, undecryptable: 0 };
  #inner: PacketTransport;
  #keyring: Keyring;

  constructor(inner: PacketTransport, keyring: Keyring) {
    this.#inner = inner;
    this.#keyring = keyring;
  }

  get localAddress(): string {
    return this.#inner.localAddress;
  }

  send(to: string, packet: Uint8Array): void {
    this.#inner.send(to, this.#keyring.seal(packet));
  }

  onPacket(handler: (from: string, packet: Uint8Array) => void): void {
    this.#inner.onPacket((from, sealed) => {
      const plain = classify(this.#keyring, sealed, this.stats);
      if (plain !== undefined) handler(from, plain);
    });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** Seals requests and replies of every cluster stream exchange. */
export class EncryptedStreamTransport implements StreamTransport {
  readonly stats: RingStats = { plaintext: 0, undecryptable: 0 };
  #inner: StreamTransport;
  #keyring: Keyring;

  constructor(inner: StreamTransport, keyring: Keyring) {
    this.#inner = inner;
    this.#keyring = keyring;
  }

  get localAddress(): string {
    return this.#inner.localAddress;
  }

  async request(to: string, kind: StreamKind, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const reply = await this.#inner.request(to, kind, this.#keyring.seal(request), timeoutMs);
    const plain = classify(this.#keyring, reply, this.stats);
    if (plain === undefined) throw new ChorusError(ErrorCode.Unauthorized, `reply from ${to} is not sealed with our ring key`, { details: { to } });
    return plain;
  }

  handle(kind: StreamKind, handler: StreamHandler): void {
    this.#inner.handle(kind, async (from, sealed, signal, conn) => {
      const plain = classify(this.#keyring, sealed, this.stats);
      if (plain === undefined) throw new ChorusError(ErrorCode.Unauthorized, `request from ${from} is not sealed with our ring key`, { details: { from } });
      return this.#keyring.seal(await handler(from, plain, signal, conn));
    });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
