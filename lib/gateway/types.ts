import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { CatalogBackend, CatalogSession, Coordinate } from '../catalog/index.js';
import type { AclResolver } from '../agent/acl/index.js';
import type { AgentServiceJson, CheckDefinition, CheckStatus, HealthCheckJson, ServiceDefinition, ServiceHealthJson } from '../agent/index.js';
import type { UserEvent, UserEventParams } from '../agent/events/index.js';

/**
 * What the gateway needs from the rest of the node, handed to it by
 * lib/node.ts. The gateway never reaches into deeper modules itself.
 */
export interface GatewayDeps {
  logger: Logger;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  authToken?: string | undefined;
  /** False until the node has fully started; routes answer 503 until then. */
  isReady(): boolean;
  /** Habitat's view of the services this supervisor runs. */
  habitat: HabitatView;
  /** The gossip ring as this node sees it. */
  gossip: GossipView;
  /** The replicated catalog behind Consul's /v1/kv (and later catalog, health, session) routes; absent: no such routes. */
  consul?: ConsulDeps | undefined;
  /** This agent as `/v1/agent/self` describes it. */
  agent?: AgentView | undefined;
  /** Agent-local services and checks (`/v1/agent/service*`, `/v1/agent/check*`, `/v1/agent/health/*`, `/v1/agent/maintenance`); absent: no such routes. */
  agentLocal?: AgentLocalDeps | undefined;
  /** The Raft cluster as this server sees it (`/v1/status/*`); absent on a client node. */
  cluster?: ClusterStatus | undefined;
  /** This agent's user events (`/v1/event/*`); absent: no such routes. */
  events?: EventsDeps | undefined;
  /**
   * On a client node: the base URL (`http://host:port`) of a server's gateway
   * to forward catalog requests to, or undefined when no server is known.
   */
  forwardTo?: (() => string | undefined) | undefined;
  /** Consul legacy ACLs: token resolution for every /v1 route; absent: ACLs off. */
  acl?: AclGatewayDeps | undefined;
  /** This agent's node name; a client node passes it along with what it forwards (sessions default to it). */
  nodeName?: string | undefined;
}

export interface AclGatewayDeps {
  /** Resolves a request's token (enabled or not, default policy, lookup). */
  resolver: AclResolver;
  /** This agent's node name, which `agent` rules name. */
  nodeName: string;
}

export interface AgentView {
  /** The `/v1/agent/self` document: Config, Member, Stats (raft and serf included), Meta. */
  self(): unknown;
}

/**
 * The local agent as its Consul endpoints need it (lib/agent's LocalAgent).
 * Methods throw ChorusErrors carrying Consul's texts: BadRequest 400,
 * NotFound 404, OperationFailed 500.
 */
export interface AgentLocal {
  servicesJson(): Record<string, AgentServiceJson>;
  /** One service with its ContentHash, undefined when unknown. */
  serviceJson(id: string): AgentServiceJson | undefined;
  /** Resolves at the next change of that service, or when `signal` aborts. */
  waitForServiceChange(id: string, signal: AbortSignal): Promise<void>;
  checksJson(): Record<string, HealthCheckJson>;
  serviceHealth(id: string): ServiceHealthJson | undefined;
  serviceHealthByName(name: string): ServiceHealthJson[];
  registerService(def: ServiceDefinition, options: { replaceExistingChecks: boolean }): Promise<void>;
  deregisterService(id: string): Promise<void>;
  setServiceMaintenance(id: string, enable: boolean, reason: string): Promise<void>;
  setNodeMaintenance(enable: boolean, reason: string): Promise<void>;
  registerCheck(def: CheckDefinition): Promise<void>;
  deregisterCheck(id: string): Promise<void>;
  updateTtlCheck(id: string, status: CheckStatus, output: string): Promise<void>;
  /** Pushes local changes to the catalog now (failures are the agent's to log and retry). */
  syncChanges(): Promise<void>;
}

export interface AgentLocalDeps {
  agent: AgentLocal;
  /** Times hash-based blocking queries out. */
  clock: Clock;
  /** Jitters their timeouts. */
  random: Random;
}

/** Consul's `/v1/status` answers. */
export interface ClusterStatus {
  /** The leader's cluster address, "" when none is known. */
  leader(): string;
  /** The voting servers' cluster addresses. */
  peers(): string[];
}

/** What the Consul catalog routes need. */
export interface ConsulDeps {
  backend: CatalogBackend;
  /** Times blocking queries out. */
  clock: Clock;
  /** Jitters blocking-query timeouts. */
  random: Random;
  /** Consul's kv_max_value_size in bytes; default 512 KiB. */
  maxValueSize?: number;
  /** This agent's node name: the node a session is created on when the request names none. */
  nodeName?: string | undefined;
  /** Session renewal and settings; absent: renew only reads (no TTL timers anywhere). */
  sessions?: SessionDeps | undefined;
  /** Network coordinates; absent: coordinates are disabled and /v1/coordinate/* answers 401 "Coordinate support disabled". */
  coordinates?: CoordinateDeps | undefined;
}

/** What the /v1/coordinate routes need beyond the catalog. */
export interface CoordinateDeps {
  /** The servers' coordinates as this server's gossip has them (Consul's WAN pool, for /v1/coordinate/datacenters). */
  servers(): Array<{ Node: string; Coord: Coordinate }>;
  /** The dimensionality of this server's own coordinate: an update with another is refused ("incompatible coordinate"). */
  dimensionality: number;
}

/** What the session routes need beyond the catalog. */
export interface SessionDeps {
  /** Restarts the session's TTL timer on the leader; undefined when the leader knows no such session. */
  renew(id: string): Promise<CatalogSession | undefined>;
  /** Consul's session_ttl_min in milliseconds; default 10 s. */
  ttlMinMs?: number | undefined;
}

/** This agent's user events, as `/v1/event/fire` and `/v1/event/list` need them. */
export interface EventsView {
  /** Fires an event; throws BadRequest (invalid params) or TooLarge (does not fit in gossip) with Consul's texts. */
  fire(params: UserEventParams): UserEvent;
  /** The events this agent kept, oldest first; only those named `name` when given. */
  list(name?: string): UserEvent[];
  /** Called each time an event is added to the list; returns the unsubscribe function. */
  onEvent(listener: () => void): () => void;
  /** The most bytes of name and payload one event may carry; a larger request body is refused unread. */
  readonly sizeLimit: number;
}

export interface EventsDeps {
  events: EventsView;
  /** This agent's datacenter: a fire to another has no path. */
  datacenter: string;
  /** Times blocking lists out. */
  clock: Clock;
}

/** A member as Consul's `/v1/agent/members` shows it (serf's Member). */
export interface ConsulMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

export interface GossipView {
  /** Habitat's `/butterfly` document. */
  butterfly(): unknown;
  members(): ConsulMember[];
  /** Joins the ring through `address`; rejects with a clear error when it does not answer. */
  join(address: string): Promise<void>;
  /** Marks the member named `node` departed for good; NotFound when no member has that name. */
  forceLeave(node: string): void;
}

export interface HabitatView {
  /** The `/services` items (Habitat's ServiceQueryModel). */
  services(): readonly unknown[];
  /**
   * One loaded service by `svc.group[@org]`. Throws BadRequest for a name that
   * is not a valid service group, NotFound when none is loaded by that name.
   */
  service(serviceGroup: string): HabitatService;
  /** The cached `/census` JSON document. */
  censusJson(): string;
}

export interface HabitatService {
  /** The `/services/{svc}/{group}` item. */
  model(): unknown;
  /** The merged config, as JSON. */
  config(): unknown;
  /** The last health check: the body, and the status code Habitat answers with it. */
  health(): Promise<{ body: { status: string; stdout: string; stderr: string }; httpStatus: number }>;
}

/** How an error response's body is written: Habitat's routes answer with empty bodies. */
export type ErrorBodyStyle = 'empty' | 'text';

export interface GatewayState {
  errorBody?: ErrorBodyStyle;
}
