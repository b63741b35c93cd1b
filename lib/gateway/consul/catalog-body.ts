import { ChorusError, ErrorCode } from '../../core/errors.js';
import {
  checkRegistration, deregisterCommand, registerCommand, serviceRegistration,
  type CatalogDeregisterCommand, type CatalogRegisterCommand, type CheckRegistration, type ServiceRegistration,
} from '../../catalog/index.js';
import { t, type Schema } from './json-body.js';

/**
 * The bodies of /v1/catalog/register and /deregister as Consul decodes them
 * (structs.RegisterRequest, NodeService, HealthCheck, DeregisterRequest),
 * and their translation into catalog commands.
 */

/** Consul's HealthCheckDefinition decoder ignores fields it does not know and takes its own aliases. */
const DEFINITION: Schema = {
  name: 'HealthCheckDefinition',
  qualifiedName: 'structs.HealthCheckDefinition',
  lenient: true,
  fields: {
    HTTP: t.string,
    TLSServerName: { type: t.string, aliases: ['tls_server_name'] },
    TLSSkipVerify: { type: t.bool, aliases: ['tls_skip_verify'] },
    Header: t.map(t.list(t.string)),
    Method: t.string,
    Body: t.string,
    TCP: t.string,
    GRPC: t.string,
    GRPCUseTLS: { type: t.bool, aliases: ['grpc_use_tls'] },
    Interval: { type: t.duration, aliases: ['IntervalDuration'] },
    Timeout: { type: t.duration, aliases: ['TimeoutDuration'] },
    DeregisterCriticalServiceAfter: {
      type: t.duration, aliases: ['DeregisterCriticalServiceAfterDuration', 'deregister_critical_service_after'],
    },
    ScriptArgs: { type: t.list(t.string), aliases: ['script_args'] },
  },
};

const SERVICE_ADDRESS: Schema = { name: 'ServiceAddress', qualifiedName: 'structs.ServiceAddress', fields: { Address: t.string, Port: t.int } };
const WEIGHTS: Schema = { name: 'Weights', qualifiedName: 'structs.Weights', fields: { Passing: t.int, Warning: t.int } };

const NODE_SERVICE: Schema = {
  name: 'NodeService',
  qualifiedName: 'structs.NodeService',
  fields: {
    Kind: t.string,
    ID: t.string,
    Service: t.string,
    Tags: t.list(t.string),
    Address: t.string,
    TaggedAddresses: t.map(t.struct(SERVICE_ADDRESS)),
    Meta: t.map(t.string),
    Port: t.int,
    SocketPath: t.string,
    Weights: t.struct(WEIGHTS),
    EnableTagOverride: t.bool,
    // Accepted so clients that send them are not refused; the catalog keeps no Connect configuration.
    Proxy: t.any,
    Connect: t.any,
    LocallyRegisteredAsSidecar: t.bool,
    Locality: t.any,
    PeerName: t.string,
    CreateIndex: t.uint64,
    ModifyIndex: t.uint64,
  },
};

const HEALTH_CHECK: Schema = {
  name: 'HealthCheck',
  qualifiedName: 'structs.HealthCheck',
  fields: {
    Node: t.string,
    CheckID: t.string,
    Name: t.string,
    Status: t.string,
    Notes: t.string,
    Output: t.string,
    ServiceID: t.string,
    ServiceName: t.string,
    ServiceTags: t.list(t.string),
    Type: t.string,
    Interval: t.string,
    Timeout: t.string,
    ExposedPort: t.int,
    Definition: t.struct(DEFINITION),
    PeerName: t.string,
    CreateIndex: t.uint64,
    ModifyIndex: t.uint64,
  },
};

export const REGISTER_REQUEST: Schema = {
  name: 'RegisterRequest',
  qualifiedName: 'structs.RegisterRequest',
  fields: {
    Datacenter: t.string,
    ID: t.string,
    Node: t.string,
    Address: t.string,
    TaggedAddresses: t.map(t.string),
    NodeMeta: t.map(t.string),
    Service: t.struct(NODE_SERVICE),
    Check: t.struct(HEALTH_CHECK),
    Checks: t.list(t.struct(HEALTH_CHECK)),
    SkipNodeUpdate: t.bool,
    PeerName: t.string,
    Locality: t.any,
    Token: t.string,
    CreateIndex: t.uint64,
    ModifyIndex: t.uint64,
  },
};

export const DEREGISTER_REQUEST: Schema = {
  name: 'DeregisterRequest',
  qualifiedName: 'structs.DeregisterRequest',
  fields: {
    Datacenter: t.string,
    Node: t.string,
    ServiceID: t.string,
    CheckID: t.string,
    PeerName: t.string,
    Token: t.string,
  },
};

type Decoded = Record<string, unknown>;

const s = (o: Decoded, k: string): string => (o[k] as string | undefined) ?? '';

function service(o: Decoded): ServiceRegistration {
  return serviceRegistration({
    Kind: s(o, 'Kind'),
    ID: s(o, 'ID'),
    Service: s(o, 'Service'),
    Tags: (o.Tags as string[] | undefined) ?? null,
    Address: s(o, 'Address'),
    TaggedAddresses: (o.TaggedAddresses as Record<string, { Address?: string; Port?: number }> | undefined) === undefined
      ? null
      : Object.fromEntries(Object.entries(o.TaggedAddresses as Record<string, Decoded>).map(([k, a]) => [k, { Address: s(a, 'Address'), Port: (a.Port as number | undefined) ?? 0 }])),
    Meta: (o.Meta as Record<string, string> | undefined) ?? null,
    Port: (o.Port as number | undefined) ?? 0,
    SocketPath: s(o, 'SocketPath'),
    Weights: o.Weights === undefined ? null : { Passing: ((o.Weights as Decoded).Passing as number | undefined) ?? 0, Warning: ((o.Weights as Decoded).Warning as number | undefined) ?? 0 },
    EnableTagOverride: (o.EnableTagOverride as boolean | undefined) ?? false,
  });
}

function check(o: Decoded): CheckRegistration {
  const d = (o.Definition as Decoded | undefined) ?? {};
  return checkRegistration({
    Node: s(o, 'Node'), CheckID: s(o, 'CheckID'), Name: s(o, 'Name'), Status: s(o, 'Status'), Notes: s(o, 'Notes'),
    Output: s(o, 'Output'), ServiceID: s(o, 'ServiceID'), Type: s(o, 'Type'), Interval: s(o, 'Interval'),
    Timeout: s(o, 'Timeout'), ExposedPort: (o.ExposedPort as number | undefined) ?? 0,
    Definition: {
      HTTP: s(d, 'HTTP'), TLSServerName: s(d, 'TLSServerName'), TLSSkipVerify: (d.TLSSkipVerify as boolean | undefined) ?? false,
      Header: (d.Header as Record<string, string[]> | undefined) ?? null, Method: s(d, 'Method'), Body: s(d, 'Body'),
      TCP: s(d, 'TCP'), GRPC: s(d, 'GRPC'), GRPCUseTLS: (d.GRPCUseTLS as boolean | undefined) ?? false,
      IntervalNs: nonNegative(d.Interval), TimeoutNs: nonNegative(d.Timeout),
      DeregisterCriticalServiceAfterNs: nonNegative(d.DeregisterCriticalServiceAfter),
      ScriptArgs: (d.ScriptArgs as string[] | undefined) ?? null,
    },
  });
}

/** Negative durations mean nothing to a check; past 2^53 ns (104 days) they cannot be held exactly. */
function nonNegative(ns: unknown): number {
  const n = (ns as number | undefined) ?? 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** A decoded register body (null for a JSON `null` body) as a command, in our datacenter unless it names one. */
export function registerFromBody(body: Decoded | null, datacenter: string): CatalogRegisterCommand {
  const o = body ?? {};
  if (s(o, 'PeerName') !== '') throw new ChorusError(ErrorCode.Rejected, 'cannot register requests with PeerName in them');
  const checks = ((o.Checks as Decoded[] | undefined) ?? []).map(check);
  // Consul appends the single Check after the list.
  if (o.Check !== undefined) checks.push(check(o.Check as Decoded));
  return registerCommand({
    Datacenter: s(o, 'Datacenter') || datacenter,
    ID: s(o, 'ID'),
    Node: s(o, 'Node'),
    Address: s(o, 'Address'),
    TaggedAddresses: (o.TaggedAddresses as Record<string, string> | undefined) ?? null,
    NodeMeta: (o.NodeMeta as Record<string, string> | undefined) ?? null,
    SkipNodeUpdate: (o.SkipNodeUpdate as boolean | undefined) ?? false,
    Service: o.Service === undefined ? null : service(o.Service as Decoded),
    Checks: checks,
  });
}

export function deregisterFromBody(body: Decoded | null): { command: CatalogDeregisterCommand; datacenter: string } {
  const o = body ?? {};
  return {
    command: deregisterCommand({ Node: s(o, 'Node'), ServiceID: s(o, 'ServiceID'), CheckID: s(o, 'CheckID') }),
    datacenter: s(o, 'Datacenter'),
  };
}
