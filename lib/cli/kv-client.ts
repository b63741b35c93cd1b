import type { HttpTarget } from '../config/index.js';
import type { DirEntryJson } from '../gateway/consul/dir-entry.js';
import { apiRequest } from './http-client.js';

/** A DirEntry as /v1/kv answers it: the gateway's own shape. */
export type DirEntry = DirEntryJson;

/** Consul's KV endpoint over HTTP, as `chorus kv` uses it. Keys are percent-encoded segment by segment. */
export class KvClient {
  readonly #target: HttpTarget;

  constructor(target: HttpTarget) {
    this.#target = target;
  }

  /** The entries at `key` (or under it with `recurse`); [] when there are none. */
  async get(key: string, options: { recurse?: boolean } = {}): Promise<DirEntry[]> {
    const res = await this.#request('GET', key, { recurse: options.recurse ? '' : undefined }, [404]);
    return res.status === 404 ? [] : ((await res.json()) as DirEntry[]);
  }

  /** The raw value of `key`, or undefined when it does not exist. */
  async getRaw(key: string): Promise<Uint8Array | undefined> {
    const res = await this.#request('GET', key, { raw: '' }, [404]);
    return res.status === 404 ? undefined : new Uint8Array(await res.arrayBuffer());
  }

  async keys(prefix: string, separator?: string): Promise<string[]> {
    const res = await this.#request('GET', prefix, { keys: '', separator }, [404]);
    return res.status === 404 ? [] : ((await res.json()) as string[]);
  }

  /** Writes `value`; false when a `cas` did not match. */
  async put(key: string, value: Uint8Array, options: { flags?: number; cas?: number } = {}): Promise<boolean> {
    const res = await this.#request('PUT', key, { flags: options.flags?.toString(), cas: options.cas?.toString() }, [], value);
    return (await res.json()) === true;
  }

  /** Deletes `key` (or everything under it with `recurse`); false when a `cas` did not match. */
  async delete(key: string, options: { recurse?: boolean; cas?: number } = {}): Promise<boolean> {
    const res = await this.#request('DELETE', key, { recurse: options.recurse ? '' : undefined, cas: options.cas?.toString() });
    return (await res.json()) === true;
  }

  #request(
    method: string, key: string, query: Record<string, string | undefined>, allowed: number[] = [], body?: Uint8Array,
  ): Promise<Response> {
    const path = key.split('/').map(encodeURIComponent).join('/');
    return apiRequest(this.#target, method, `/v1/kv/${path}`, query, allowed, body);
  }
}
