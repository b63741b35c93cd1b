import { decode, encode } from '../../core/codec.js';
import { USER_EVENT_ENCODING_V1 } from './constants.js';
import type { UserEvent } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The event as it rides in a gossip event's payload, as Consul puts its
 * msgpack-encoded UserEvent in serf's: everything but LTime, which gossip
 * stamps. One leading byte names the encoding.
 */
export function encodeUserEvent(e: UserEvent): Uint8Array {
  const body = encode([e.ID, e.Name, e.Payload, e.NodeFilter, e.ServiceFilter, e.TagFilter, e.Version]);
  const out = new Uint8Array(body.length + 1);
  out[0] = USER_EVENT_ENCODING_V1;
  out.set(body, 1);
  return out;
}

/** The event in a gossip payload with `ltime` set; undefined when the payload is not one (another peer's bug or another kind of event). */
export function decodeUserEvent(bytes: Uint8Array, ltime: number): UserEvent | undefined {
  if (bytes[0] !== USER_EVENT_ENCODING_V1) return undefined;
  let fields: unknown;
  try {
    fields = decode(bytes.subarray(1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length < 7) return undefined;
  const [id, name, payload, nodeFilter, serviceFilter, tagFilter, version] = fields as unknown[];
  if (typeof id !== 'string' || !UUID.test(id)) return undefined;
  if (typeof name !== 'string' || name === '') return undefined;
  if (payload !== null && !(payload instanceof Uint8Array)) return undefined;
  for (const f of [nodeFilter, serviceFilter, tagFilter]) if (typeof f !== 'string') return undefined;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return undefined;
  return {
    ID: id,
    Name: name,
    Payload: payload === null ? null : Uint8Array.from(payload),
    NodeFilter: nodeFilter as string,
    ServiceFilter: serviceFilter as string,
    TagFilter: tagFilter as string,
    Version: version,
    LTime: ltime,
  };
}
