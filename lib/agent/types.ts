/**
 * Agent-local services and checks in Consul's own words and shapes
 * (reference/consul-api.md §1.1, §1.2). Durations are milliseconds here;
 * the HTTP layer turns Go duration strings and nanosecond numbers into them.
 */

export type CheckStatus = 'passing' | 'warning' | 'critical';

export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

export function isCheckStatus(value: string): value is CheckStatus {
  return (CHECK_STATUSES as readonly string[]).includes(value);
}

/** A service's address under a tag (`lan_ipv4`, `wan`, ...). */
export interface ServiceAddress {
  Address: string;
  Port: number;
}

export interface Weights {
  Passing: number;
  Warning: number;
}

/**
 * One check as a registration describes it: Consul's CheckType (embedded in
 * a service) and CheckDefinition (`/v1/agent/check/register`) in one. Every
 * field is optional; absent means Go's zero value.
 */
export interface CheckDefinition {
  /** `ID` in a check registration, `CheckID` in a service's embedded check. */
  CheckID?: string;
  Name?: string;
  Notes?: string;
  /** Initial status; critical when empty. */
  Status?: string;
  ServiceID?: string;
  ScriptArgs?: string[];
  HTTP?: string;
  Header?: Record<string, string[]>;
  Method?: string;
  Body?: string;
  DisableRedirects?: boolean;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  TCP?: string;
  UDP?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  H2PING?: string;
  H2PingUseTLS?: boolean;
  DockerContainerID?: string;
  Shell?: string;
  OSService?: string;
  AliasNode?: string;
  AliasService?: string;
  IntervalMs?: number;
  TimeoutMs?: number;
  TTLMs?: number;
  DeregisterCriticalServiceAfterMs?: number;
  SuccessBeforePassing?: number;
  FailuresBeforeWarning?: number;
  FailuresBeforeCritical?: number;
  OutputMaxSize?: number;
}

/** `PUT /v1/agent/service/register`'s body (Consul's ServiceDefinition). */
export interface ServiceDefinition {
  Kind?: string;
  ID?: string;
  Name?: string;
  Tags?: string[] | null;
  Address?: string;
  TaggedAddresses?: Record<string, ServiceAddress> | null;
  Meta?: Record<string, string> | null;
  Port?: number;
  SocketPath?: string;
  Weights?: Weights | null;
  EnableTagOverride?: boolean;
  Check?: CheckDefinition | null;
  Checks?: CheckDefinition[] | null;
  /** Connect proxy settings, kept as given (Connect is not implemented). */
  Proxy?: unknown;
  Connect?: unknown;
}

/** A service as the agent holds it (Consul's NodeService), defaults applied. */
export interface LocalService {
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  Address: string;
  SocketPath: string;
  TaggedAddresses: Record<string, ServiceAddress>;
  Weights: Weights;
  EnableTagOverride: boolean;
  Proxy?: unknown;
  Connect?: unknown;
}

/** A check as the agent holds it (Consul's HealthCheck without the Raft indexes). */
export interface LocalCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
}

/** `/v1/agent/services` values and `/v1/agent/service/:id` (api.AgentService), in Go's field order. */
export interface AgentServiceJson {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  Address: string;
  SocketPath?: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Weights: Weights;
  EnableTagOverride: boolean;
  ContentHash?: string;
  Proxy?: unknown;
  Connect?: unknown;
  Datacenter?: string;
}

/** structs.HealthCheck as `/v1/agent/checks` shows it. */
export interface HealthCheckJson {
  Node: string;
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** api.AgentServiceChecksInfo: one entry of the agent health endpoints. */
export interface ServiceHealthJson {
  AggregatedStatus: string;
  Service: AgentServiceJson | null;
  Checks: HealthCheckJson[] | null;
}

/** Who registered a service: the HTTP API (persisted) or the supervisor (re-registered by it after a restart). */
export type RegistrationSource = 'api' | 'supervisor';
