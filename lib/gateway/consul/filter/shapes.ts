import { bool, int, list, map, str, struct, type FieldType } from './schema.js';

/**
 * The shapes Consul filters, field for field as go-bexpr reflects over
 * Consul's Go structs (agent/structs, api): the same names as the JSON the
 * endpoints answer with. Fields Consul tags `bexpr:"-"` are left out
 * (CreateIndex/ModifyIndex, a check's Definition, Datacenter and ContentHash
 * of an agent service), so selecting them fails as it does in Consul. Fields
 * a struct has but our JSON omits (most of a Proxy) read as Go's zero value.
 */

const serviceAddress = struct({ Address: str, Port: int });
const weights = struct({ Passing: int, Warning: int });
const meshGateway = struct({ Mode: str });
const upstream = struct({
  DestinationType: str, DestinationNamespace: str, DestinationName: str, Datacenter: str,
  LocalBindAddress: str, LocalBindPort: int, MeshGateway: meshGateway,
});
const connectProxyConfig = struct({
  DestinationServiceName: str, DestinationServiceID: str, LocalServiceAddress: str, LocalServicePort: int, Mode: str,
  TransparentProxy: struct({ OutboundListenerPort: int }), MeshGateway: meshGateway, Upstreams: list(upstream),
});
const serviceConnect = struct({ Native: bool });

/** structs.Node: `/v1/catalog/nodes` elements and `/v1/health/service`'s `Node`. */
export const NODE = struct({ ID: str, Node: str, Address: str, Datacenter: str, TaggedAddresses: map(str), Meta: map(str) });

/** structs.ServiceNode: `/v1/catalog/service/:name` elements (and, per instance, `/v1/catalog/services`). */
export const SERVICE_NODE = struct({
  ID: str, Node: str, Address: str, Datacenter: str, TaggedAddresses: map(str), NodeMeta: map(str),
  ServiceKind: str, ServiceID: str, ServiceName: str, ServiceTags: list(str), ServiceAddress: str,
  ServiceTaggedAddresses: map(serviceAddress), ServiceWeights: weights, ServiceMeta: map(str), ServicePort: int,
  ServiceSocketPath: str, ServiceEnableTagOverride: bool, ServiceProxy: connectProxyConfig, ServiceConnect: serviceConnect,
});

const serviceFields = {
  Kind: str, ID: str, Service: str, Tags: list(str), Address: str, TaggedAddresses: map(serviceAddress), Meta: map(str),
  Port: int, SocketPath: str, Weights: weights, EnableTagOverride: bool, Proxy: connectProxyConfig, Connect: serviceConnect,
};

/** structs.NodeService: `/v1/catalog/node/:node` Services values, `/v1/catalog/node-services/:node` Services, `/v1/health/service`'s `Service`. */
export const NODE_SERVICE = struct(serviceFields);

/** api.AgentService: `/v1/agent/services` values (the same selectors as a NodeService). */
export const AGENT_SERVICE = struct(serviceFields);

/** structs.HealthCheck: `/v1/health/node|checks|state` elements and `/v1/agent/checks` values. */
export const HEALTH_CHECK = struct({
  Node: str, CheckID: str, Name: str, Status: str, Notes: str, Output: str, ServiceID: str, ServiceName: str,
  ServiceTags: list(str), Type: str, Interval: str, Timeout: str, ExposedPort: int,
});

/** structs.CheckServiceNode: `/v1/health/service/:name` elements. */
export const CHECK_SERVICE_NODE = struct({ Node: NODE, Service: NODE_SERVICE, Checks: list(HEALTH_CHECK) });

export type FilterShape = FieldType;
