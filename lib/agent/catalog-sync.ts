import type { NodeServiceJson } from './shapes.js';
import type { HealthCheckJson } from './types.js';

/**
 * What anti-entropy needs from the catalog, in Consul's JSON shapes
 * (reference §1.3), so the node can implement it over the replicated catalog
 * (a local write on a server, a forwarded one on a client).
 */
export interface CatalogSync {
  /** Consul's Catalog.Register. Rejects with the catalog's error text on failure. */
  register(req: RegisterRequest): Promise<void>;
  /**
   * Consul's Catalog.Deregister. Rejecting with a message containing
   * "Unknown service" / "Unknown check" counts as done (already gone).
   */
  deregister(req: DeregisterRequest): Promise<void>;
  /** What the catalog holds for this node (a stale read is fine); undefined when it does not know the node. */
  nodeState(node: string): Promise<CatalogNodeState | undefined>;
}

/** PUT /v1/catalog/register's body. */
export interface RegisterRequest {
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: Record<string, string>;
  NodeMeta: Record<string, string>;
  Service?: NodeServiceJson;
  Check?: HealthCheckJson;
  Checks?: HealthCheckJson[];
  /** True when only the service/checks change, leaving the node's address and meta alone. */
  SkipNodeUpdate: boolean;
}

/** PUT /v1/catalog/deregister's body: the node, or one of its services, or one of its checks. */
export interface DeregisterRequest {
  Node: string;
  ServiceID?: string;
  CheckID?: string;
}

export interface CatalogNodeState {
  Node: { ID: string; Node: string; Address: string; TaggedAddresses: Record<string, string> | null; Meta: Record<string, string> | null };
  /** The node's services (catalog/node-services), by value. */
  Services: Array<Partial<NodeServiceJson>>;
  /** The node's checks (health/node), serfHealth included. */
  Checks: Array<Partial<HealthCheckJson>>;
}

/** This agent's node as it registers itself. */
export interface AgentNodeInfo {
  Node: string;
  /** The node ID as a UUID. */
  ID: string;
  Address: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
}
