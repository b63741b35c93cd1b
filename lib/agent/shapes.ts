import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { AgentServiceJson, HealthCheckJson, LocalCheck, LocalService, ServiceAddress, ServiceDefinition } from './types.js';

/**
 * From a registration to the service the agent holds, and from what it holds
 * to Consul's JSON. Maps are written with sorted keys, as Go's encoder does,
 * so identical content always gives identical bytes and the same hash.
 */

/** ServiceDefinition.NodeService plus the defaults Agent.AddService fills in. */
export function serviceFromDefinition(def: ServiceDefinition): LocalService {
  const name = def.Name ?? '';
  const address = def.Address ?? '';
  const port = def.Port ?? 0;
  const tagged: Record<string, ServiceAddress> = { ...(def.TaggedAddresses ?? {}) };
  // An IP address is also the service's LAN and WAN address of its family, unless given.
  const family = isIP(address);
  if (family !== 0) {
    const suffix = family === 4 ? 'ipv4' : 'ipv6';
    tagged[`lan_${suffix}`] ??= { Address: address, Port: port };
    tagged[`wan_${suffix}`] ??= { Address: address, Port: port };
  }
  const service: LocalService = {
    Kind: def.Kind ?? '',
    ID: def.ID || name,
    Service: name,
    Tags: [...(def.Tags ?? [])],
    Meta: { ...(def.Meta ?? {}) },
    Port: port,
    Address: address,
    SocketPath: def.SocketPath ?? '',
    TaggedAddresses: tagged,
    Weights: def.Weights ? { Passing: def.Weights.Passing, Warning: def.Weights.Warning } : { Passing: 1, Warning: 1 },
    EnableTagOverride: def.EnableTagOverride ?? false,
  };
  if (def.Proxy !== undefined && def.Proxy !== null) service.Proxy = def.Proxy;
  if (def.Connect !== undefined && def.Connect !== null) service.Connect = def.Connect;
  return service;
}

/** A plain object with its keys sorted, recursively: Go's map encoding order. */
export function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return out as T;
}

/** api.AgentService for a held service, without ContentHash (buildAgentService). */
export function agentServiceJson(s: LocalService, datacenter?: string): AgentServiceJson {
  const json: AgentServiceJson = {
    ...(s.Kind !== '' ? { Kind: s.Kind } : {}),
    ID: s.ID,
    Service: s.Service,
    Tags: [...s.Tags],
    Meta: sortedKeys(s.Meta),
    Port: s.Port,
    Address: s.Address,
    ...(s.SocketPath !== '' ? { SocketPath: s.SocketPath } : {}),
    ...(Object.keys(s.TaggedAddresses).length > 0 ? { TaggedAddresses: sortedKeys(s.TaggedAddresses) } : {}),
    Weights: { Passing: s.Weights.Passing, Warning: s.Weights.Warning },
    EnableTagOverride: s.EnableTagOverride,
  };
  // Proxy only for proxies and gateways; Connect only when native (Consul's rules).
  if (s.Kind !== '' && s.Proxy !== undefined) json.Proxy = s.Proxy;
  if ((s.Connect as { Native?: unknown } | undefined)?.Native === true) json.Connect = { Native: true };
  if (datacenter !== undefined) json.Datacenter = datacenter;
  return json;
}

/** The hash-based blocking hash: 16 hex characters over the service's JSON, stable for identical content. */
export function contentHash(json: AgentServiceJson): string {
  const { ContentHash: _ignored, ...rest } = json;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** `/v1/agent/checks` values (structs.HealthCheck, ServiceTags never null). */
export function healthCheckJson(c: LocalCheck): HealthCheckJson {
  return {
    Node: c.Node,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    ServiceName: c.ServiceName,
    ServiceTags: [...c.ServiceTags],
    Type: c.Type,
    Interval: c.Interval,
    Timeout: c.Timeout,
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/** NodeService as a catalog registration carries it. */
export interface NodeServiceJson {
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Meta: Record<string, string>;
  Port: number;
  SocketPath: string;
  Weights: Weights;
  EnableTagOverride: boolean;
  Proxy?: unknown;
  Connect?: unknown;
}

type Weights = LocalService['Weights'];

export function nodeServiceJson(s: LocalService): NodeServiceJson {
  const json: NodeServiceJson = {
    Kind: s.Kind,
    ID: s.ID,
    Service: s.Service,
    Tags: [...s.Tags],
    Address: s.Address,
    ...(Object.keys(s.TaggedAddresses).length > 0 ? { TaggedAddresses: sortedKeys(s.TaggedAddresses) } : {}),
    Meta: sortedKeys(s.Meta),
    Port: s.Port,
    SocketPath: s.SocketPath,
    Weights: { ...s.Weights },
    EnableTagOverride: s.EnableTagOverride,
  };
  if (s.Proxy !== undefined) json.Proxy = s.Proxy;
  if (s.Connect !== undefined) json.Connect = s.Connect;
  return json;
}

/** A service the catalog returned, in the agent's own shape (missing collections as empty). */
export function serviceFromCatalog(remote: Partial<NodeServiceJson>): LocalService {
  const s: LocalService = {
    Kind: remote.Kind ?? '',
    ID: remote.ID ?? '',
    Service: remote.Service ?? '',
    Tags: [...(remote.Tags ?? [])],
    Meta: { ...(remote.Meta ?? {}) },
    Port: remote.Port ?? 0,
    Address: remote.Address ?? '',
    SocketPath: remote.SocketPath ?? '',
    TaggedAddresses: { ...(remote.TaggedAddresses ?? {}) },
    Weights: remote.Weights ? { ...remote.Weights } : { Passing: 1, Warning: 1 },
    EnableTagOverride: remote.EnableTagOverride ?? false,
  };
  if (remote.Proxy !== undefined && remote.Proxy !== null) s.Proxy = remote.Proxy;
  if (remote.Connect !== undefined && remote.Connect !== null) s.Connect = remote.Connect;
  return s;
}

/** NodeService.IsSame: the fields the catalog keeps, Raft indexes aside. Empty Proxy/Connect objects equal absent ones. */
export function sameService(a: LocalService, b: LocalService): boolean {
  const view = (s: LocalService) => {
    const v = nodeServiceJson(s);
    const blank = (x: unknown) => x === undefined || x === null || (typeof x === 'object' && Object.keys(x).length === 0 && !Array.isArray(x));
    return JSON.stringify(sortedKeys({ ...v, TaggedAddresses: v.TaggedAddresses ?? {}, Proxy: blank(v.Proxy) ? undefined : v.Proxy, Connect: blank(v.Connect) ? undefined : v.Connect }));
  };
  return view(a) === view(b);
}

/** HealthCheck.IsSame (Node compared case-insensitively), optionally ignoring Output. */
export function sameCheck(a: LocalCheck, b: Partial<HealthCheckJson>, ignoreOutput = false): boolean {
  return (
    a.Node.toLowerCase() === (b.Node ?? '').toLowerCase() &&
    a.CheckID === b.CheckID &&
    a.Name === (b.Name ?? '') &&
    a.Status === b.Status &&
    a.Notes === (b.Notes ?? '') &&
    (ignoreOutput || a.Output === (b.Output ?? '')) &&
    a.ServiceID === (b.ServiceID ?? '') &&
    a.ServiceName === (b.ServiceName ?? '') &&
    JSON.stringify(a.ServiceTags) === JSON.stringify(b.ServiceTags ?? [])
  );
}
