import { ChorusError, ErrorCode } from '../core/errors.js';
import type { CatalogNodeState, CatalogSync, DeregisterRequest, RegisterRequest } from '../agent/index.js';

/** How long one catalog request of anti-entropy may take. */
export const CATALOG_SYNC_TIMEOUT_MS = 10_000;

export interface HttpCatalogSyncDeps {
  /** A server's gateway base URL, or undefined when none is known. */
  server(): string | undefined;
  /** The gateway's own bearer token (HAB_SUP_GATEWAY_AUTH_TOKEN), which every node of a cluster shares. */
  gatewayAuthToken?: string | undefined;
  /** The ACL token anti-entropy writes with (Consul's agent token); the master token when ACLs are on. */
  aclToken?: string | undefined;
}

/**
 * Anti-entropy's way to the catalog: Consul's own HTTP API on a server, the
 * same for server and client nodes. A Consul agent uses RPC for this; going
 * through /v1/catalog keeps one code path that validates registrations,
 * forwards to the leader and enforces ACLs, wherever the agent runs.
 */
export function httpCatalogSync(deps: HttpCatalogSyncDeps): CatalogSync {
  const headers: Record<string, string> = {};
  if (deps.gatewayAuthToken !== undefined) headers.Authorization = `Bearer ${deps.gatewayAuthToken}`;
  if (deps.aclToken !== undefined) headers['X-Consul-Token'] = deps.aclToken;

  const call = async (method: 'GET' | 'PUT', path: string, body?: unknown): Promise<Response> => {
    const base = deps.server();
    if (base === undefined) throw new ChorusError(ErrorCode.Unavailable, 'No known Consul servers');
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CATALOG_SYNC_TIMEOUT_MS),
    });
    if (!res.ok) throw new ChorusError(ErrorCode.OperationFailed, `${method} ${path}: ${res.status} ${(await res.text()).trim()}`);
    return res;
  };

  return {
    async register(req: RegisterRequest): Promise<void> {
      await (await call('PUT', '/v1/catalog/register', req)).arrayBuffer();
    },
    async deregister(req: DeregisterRequest): Promise<void> {
      await (await call('PUT', '/v1/catalog/deregister', req)).arrayBuffer();
    },
    async nodeState(node: string): Promise<CatalogNodeState | undefined> {
      const name = encodeURIComponent(node);
      const [services, checks] = await Promise.all([
        call('GET', `/v1/catalog/node-services/${name}?stale`).then((r) => r.json() as Promise<{ Node: CatalogNodeState['Node'] | null; Services: CatalogNodeState['Services'] }>),
        call('GET', `/v1/health/node/${name}?stale`).then((r) => r.json() as Promise<CatalogNodeState['Checks']>),
      ]);
      if (services.Node === null) return undefined;
      return { Node: services.Node, Services: services.Services, Checks: checks };
    },
  };
}
