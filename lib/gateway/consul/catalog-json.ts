import type { CatalogCheck, CatalogNode, CatalogService, CheckDefinition, Weights } from '../../catalog/index.js';
import { formatGoDuration } from './duration.js';

/**
 * Consul's JSON for catalog and health answers, field by field in Go's
 * order (reference §1.1). Tags are [] rather than null, as Consul's
 * handlers force; Connect fields are those of a service with no Connect.
 */

export function nodeJson(n: CatalogNode): Record<string, unknown> {
  return {
    ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses, Meta: n.Meta, CreateIndex: n.CreateIndex, ModifyIndex: n.ModifyIndex,
  };
}

const noProxy = (): Record<string, unknown> => ({ Mode: '', MeshGateway: {}, Expose: {} });

/** Consul reports {1, 1} for weights never given or invalid (ToServiceNode). */
function weightsOf(w: Weights | null): Weights {
  return w === null || w.Passing < 1 || w.Warning < 0 ? { Passing: 1, Warning: 1 } : { Passing: w.Passing, Warning: w.Warning };
}

function hasEntries(m: object | null): boolean {
  return m !== null && Object.keys(m).length > 0;
}

/** structs.NodeService: /catalog/node's Services values and /health/service's Service. */
export function nodeServiceJson(s: CatalogService): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (s.Kind !== '') json.Kind = s.Kind;
  json.ID = s.ID;
  json.Service = s.Service;
  json.Tags = s.Tags ?? [];
  json.Address = s.Address;
  if (hasEntries(s.TaggedAddresses)) json.TaggedAddresses = s.TaggedAddresses;
  json.Meta = s.Meta;
  if (s.Port !== 0) json.Port = s.Port;
  if (s.SocketPath !== '') json.SocketPath = s.SocketPath;
  json.Weights = weightsOf(s.Weights);
  json.EnableTagOverride = s.EnableTagOverride;
  json.Proxy = noProxy();
  json.Connect = {};
  json.PeerName = '';
  json.CreateIndex = s.CreateIndex;
  json.ModifyIndex = s.ModifyIndex;
  return json;
}

/** structs.ServiceNode: one element of /catalog/service/:name. */
export function serviceNodeJson(n: CatalogNode, s: CatalogService): Record<string, unknown> {
  const json: Record<string, unknown> = {
    ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter, TaggedAddresses: n.TaggedAddresses, NodeMeta: n.Meta,
    ServiceKind: s.Kind, ServiceID: s.ID, ServiceName: s.Service, ServiceTags: s.Tags ?? [], ServiceAddress: s.Address,
  };
  if (hasEntries(s.TaggedAddresses)) json.ServiceTaggedAddresses = s.TaggedAddresses;
  Object.assign(json, {
    ServiceWeights: weightsOf(s.Weights), ServiceMeta: s.Meta, ServicePort: s.Port, ServiceSocketPath: s.SocketPath,
    ServiceEnableTagOverride: s.EnableTagOverride, ServiceProxy: noProxy(), ServiceConnect: {}, ServiceLocality: null,
    CreateIndex: s.CreateIndex, ModifyIndex: s.ModifyIndex,
  });
  return json;
}

/** HealthCheckDefinition: every field omitempty, durations as Go strings; usually {}. */
function definitionJson(d: CheckDefinition): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (d.HTTP !== '') json.HTTP = d.HTTP;
  if (d.TLSServerName !== '') json.TLSServerName = d.TLSServerName;
  if (d.TLSSkipVerify) json.TLSSkipVerify = true;
  if (hasEntries(d.Header)) json.Header = d.Header;
  if (d.Method !== '') json.Method = d.Method;
  if (d.Body !== '') json.Body = d.Body;
  if (d.TCP !== '') json.TCP = d.TCP;
  if (d.GRPC !== '') json.GRPC = d.GRPC;
  if (d.GRPCUseTLS) json.GRPCUseTLS = true;
  if (d.IntervalNs > 0) json.Interval = formatGoDuration(d.IntervalNs);
  if (d.TimeoutNs > 0) json.Timeout = formatGoDuration(d.TimeoutNs);
  if (d.DeregisterCriticalServiceAfterNs > 0) json.DeregisterCriticalServiceAfter = formatGoDuration(d.DeregisterCriticalServiceAfterNs);
  if (d.ScriptArgs !== null && d.ScriptArgs.length > 0) json.ScriptArgs = d.ScriptArgs;
  return json;
}

/** structs.HealthCheck. */
export function healthCheckJson(c: CatalogCheck): Record<string, unknown> {
  return {
    Node: c.Node, CheckID: c.CheckID, Name: c.Name, Status: c.Status, Notes: c.Notes, Output: c.Output,
    ServiceID: c.ServiceID, ServiceName: c.ServiceName, ServiceTags: c.ServiceTags ?? [], Type: c.Type,
    Interval: c.Interval, Timeout: c.Timeout, ExposedPort: c.ExposedPort, Definition: definitionJson(c.Definition),
    CreateIndex: c.CreateIndex, ModifyIndex: c.ModifyIndex,
  };
}
