import type { LogIndex } from './types.js';

/**
 * The node, service and check tables ("the registry"), with Consul's names
 * for every field so the HTTP layer maps them one to one. Entries are
 * immutable: a change replaces the object.
 */

/** A string map as Consul's map[string]string; null when never given (Go's nil map). */
export type StringMap = Readonly<Record<string, string>> | null;

/** A service's tagged address, `{"Address":"…","Port":n}`. */
export interface ServiceAddress {
  readonly Address: string;
  readonly Port: number;
}

export interface Weights {
  readonly Passing: number;
  readonly Warning: number;
}

/** Consul's structs.Node. */
export interface CatalogNode {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: StringMap;
  readonly Meta: StringMap;
  readonly CreateIndex: LogIndex;
  readonly ModifyIndex: LogIndex;
}

/** What a registration says about a service (Consul's NodeService without indexes). */
export interface ServiceRegistration {
  readonly Kind: string;
  readonly ID: string;
  readonly Service: string;
  /** As given: null when the request had none (the routes show []). */
  readonly Tags: readonly string[] | null;
  readonly Address: string;
  readonly TaggedAddresses: Readonly<Record<string, ServiceAddress>> | null;
  readonly Meta: StringMap;
  readonly Port: number;
  readonly SocketPath: string;
  /** Null when not given: Consul then reports {Passing: 1, Warning: 1}. */
  readonly Weights: Weights | null;
  readonly EnableTagOverride: boolean;
}

/** A service instance on a node (Consul's NodeService, stored per node). */
export interface CatalogService extends ServiceRegistration {
  /** The node's name as registered (services belong to one node). */
  readonly Node: string;
  readonly CreateIndex: LogIndex;
  readonly ModifyIndex: LogIndex;
}

/**
 * How a check is run, as far as the catalog records it (Consul's
 * HealthCheckDefinition). The catalog runs nothing; it only shows it back.
 * Durations are nanoseconds, 0 when unset.
 */
export interface CheckDefinition {
  readonly HTTP: string;
  readonly TLSServerName: string;
  readonly TLSSkipVerify: boolean;
  readonly Header: Readonly<Record<string, readonly string[]>> | null;
  readonly Method: string;
  readonly Body: string;
  readonly TCP: string;
  readonly GRPC: string;
  readonly GRPCUseTLS: boolean;
  readonly IntervalNs: number;
  readonly TimeoutNs: number;
  readonly DeregisterCriticalServiceAfterNs: number;
  readonly ScriptArgs: readonly string[] | null;
}

/** What a registration says about a check (Consul's HealthCheck without indexes and derived fields). */
export interface CheckRegistration {
  /** The node the check belongs to; must match the registration's node (case-insensitively). */
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  /** passing | warning | critical (or whatever a client sent; '' becomes critical). */
  readonly Status: string;
  readonly Notes: string;
  readonly Output: string;
  /** '' for a node-level check. */
  readonly ServiceID: string;
  readonly Type: string;
  readonly Interval: string;
  readonly Timeout: string;
  readonly ExposedPort: number;
  readonly Definition: CheckDefinition;
}

/** A check as stored: ServiceName and ServiceTags copied from its service when it was written. */
export interface CatalogCheck extends CheckRegistration {
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[] | null;
  readonly CreateIndex: LogIndex;
  readonly ModifyIndex: LogIndex;
}

/**
 * Consul's RegisterRequest: upsert a node, and optionally one service and
 * some checks on it, in one atomic step. The single `Check` of the HTTP body
 * is appended to `Checks` before it gets here.
 */
export interface CatalogRegisterCommand {
  type: 'catalog.register';
  Datacenter: string;
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: StringMap;
  NodeMeta: StringMap;
  /** Leave an existing node's fields alone (services and checks still register). */
  SkipNodeUpdate: boolean;
  Service: ServiceRegistration | null;
  Checks: CheckRegistration[];
}

/** Consul's DeregisterRequest: ServiceID wins over CheckID; neither removes the whole node. */
export interface CatalogDeregisterCommand {
  type: 'catalog.deregister';
  Node: string;
  ServiceID: string;
  CheckID: string;
}

/** The Consul health statuses. */
export const HealthStatus = { Passing: 'passing', Warning: 'warning', Critical: 'critical' } as const;

/** The check every live agent has, kept by the leader from the gossip ring. */
export const SERF_CHECK_ID = 'serfHealth';
export const SERF_CHECK_NAME = 'Serf Health Status';
