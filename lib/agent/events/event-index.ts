/**
 * Consul's uuidToUint64: the event list's X-Consul-Index is the XOR of the
 * two 64-bit halves of the newest listed event's ID. It is a hash, not a
 * counter (clients must not expect it to grow), and needs all 64 bits, so it
 * is a bigint: a Number would round it and a client's ?index would never match.
 */
export function uuidToUint64(uuid: string): bigint {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16)}`);
}

/** The index of a list of events: the newest one's, or 1 when there are none (never 0, so watchers do not spin). */
export function eventListIndex(events: readonly { ID: string }[]): bigint {
  const last = events[events.length - 1];
  return last === undefined ? 1n : uuidToUint64(last.ID);
}

/** Consul's uuid.GenerateUUID: 16 random bytes as 8-4-4-4-12 hex, no version bits set. */
export function formatUuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`a UUID is 16 bytes, got ${bytes.length}`);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
