import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { HttpTarget } from '../config/index.js';

/** A legacy ACL token as /v1/acl/info and /v1/acl/list answer it. */
export interface AclTokenJson {
  ID: string;
  Name: string;
  Type: 'client' | 'management';
  Rules: string;
  CreateIndex: number;
  ModifyIndex: number;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest, 401: ErrorCode.Unauthorized, 403: ErrorCode.Forbidden, 404: ErrorCode.NotFound, 503: ErrorCode.Unavailable,
};

/** Consul's legacy /v1/acl endpoints over HTTP, as `chorus acl` uses them. */
export class AclClient {
  constructor(private readonly target: HttpTarget) {}

  async create(token: { Name?: string; Type?: string; Rules?: string; ID?: string }): Promise<string> {
    return ((await (await this.#request('PUT', '/v1/acl/create', JSON.stringify(token))).json()) as { ID: string }).ID;
  }

  async update(token: { ID: string; Name?: string; Type?: string; Rules?: string }): Promise<string> {
    return ((await (await this.#request('PUT', '/v1/acl/update', JSON.stringify(token))).json()) as { ID: string }).ID;
  }

  /** The token, or undefined when there is none with that ID. */
  async info(id: string): Promise<AclTokenJson | undefined> {
    const body = (await (await this.#request('GET', `/v1/acl/info/${encodeURIComponent(id)}`)).json()) as AclTokenJson[] | null;
    return body?.[0];
  }

  async list(): Promise<AclTokenJson[]> {
    return (await (await this.#request('GET', '/v1/acl/list')).json()) as AclTokenJson[];
  }

  async clone(id: string): Promise<string> {
    return ((await (await this.#request('PUT', `/v1/acl/clone/${encodeURIComponent(id)}`)).json()) as { ID: string }).ID;
  }

  async destroy(id: string): Promise<void> {
    await this.#request('PUT', `/v1/acl/destroy/${encodeURIComponent(id)}`);
  }

  async #request(method: string, path: string, body?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.target.token !== undefined) {
      // The gateway's bearer check and Consul's own header, as `chorus kv` sends them.
      headers.Authorization = `Bearer ${this.target.token}`;
      headers['X-Consul-Token'] = this.target.token;
    }
    let res: Response;
    try {
      res = await fetch(`${this.target.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (err) {
      throw new ChorusError(ErrorCode.Unavailable, `cannot reach the HTTP API at ${this.target.baseUrl}: ${messageOf((err as Error).cause ?? err)}`, { cause: err });
    }
    if (res.ok) return res;
    const text = (await res.text()).trim();
    throw new ChorusError(CODE_BY_STATUS[res.status] ?? ErrorCode.OperationFailed, `${method} ${path} failed: ${res.status}${text === '' ? '' : ` ${text}`}`, {
      details: { status: res.status },
    });
  }
}
