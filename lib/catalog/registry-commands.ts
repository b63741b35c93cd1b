import { ChorusError, ErrorCode } from '../core/errors.js';
import { badCommand, bool, int, record, str, stringList, stringMap, uint, type Fail, type Obj } from './fields.js';
import {
  HealthStatus,
  type CatalogDeregisterCommand, type CatalogRegisterCommand, type CheckDefinition, type CheckRegistration,
  type ServiceAddress, type ServiceRegistration, type Weights,
} from './registry-types.js';

/**
 * Checks of catalog.register and catalog.deregister commands, in two kinds:
 * the shape (a forged or corrupt entry: BadRequest) and Consul's rules that
 * need nothing but the request ("Must provide node": Rejected, which Consul
 * answers with 500). Both are pure, so they run before a command is
 * proposed and again on every replica when it is applied. Rules that need
 * the state (an unknown service ID) are the state machine's.
 */

const badShape: Fail = badCommand;

function rejected(message: string): ChorusError {
  return new ChorusError(ErrorCode.Rejected, message);
}

function serviceAddresses(o: Obj, field: string, fail: Fail): Readonly<Record<string, ServiceAddress>> | null {
  const v = o[field];
  if (v === null) return null;
  const out: Record<string, ServiceAddress> = {};
  for (const [k, x] of Object.entries(record(v, field, fail))) {
    const a = record(x, `${field}.${k}`, fail);
    out[k] = { Address: str(a, 'Address', fail), Port: int(a, 'Port', fail) };
  }
  return out;
}

function weights(o: Obj, fail: Fail): Weights | null {
  if (o.Weights === null) return null;
  const w = record(o.Weights, 'Weights', fail);
  return { Passing: int(w, 'Passing', fail), Warning: int(w, 'Warning', fail) };
}

export function readService(v: unknown, fail: Fail): ServiceRegistration {
  const o = record(v, 'Service', fail);
  return {
    Kind: str(o, 'Kind', fail),
    ID: str(o, 'ID', fail),
    Service: str(o, 'Service', fail),
    Tags: stringList(o, 'Tags', fail),
    Address: str(o, 'Address', fail),
    TaggedAddresses: serviceAddresses(o, 'TaggedAddresses', fail),
    Meta: stringMap(o, 'Meta', fail),
    Port: int(o, 'Port', fail),
    SocketPath: str(o, 'SocketPath', fail),
    Weights: weights(o, fail),
    EnableTagOverride: bool(o, 'EnableTagOverride', fail),
  };
}

function headers(o: Obj, fail: Fail): Readonly<Record<string, readonly string[]>> | null {
  if (o.Header === null) return null;
  const out: Record<string, readonly string[]> = {};
  for (const [k, x] of Object.entries(record(o.Header, 'Header', fail))) {
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) throw fail(`Header.${k} must be a list of strings`);
    out[k] = [...(x as string[])];
  }
  return out;
}

export function readDefinition(v: unknown, fail: Fail): CheckDefinition {
  const o = record(v, 'Definition', fail);
  return {
    HTTP: str(o, 'HTTP', fail),
    TLSServerName: str(o, 'TLSServerName', fail),
    TLSSkipVerify: bool(o, 'TLSSkipVerify', fail),
    Header: headers(o, fail),
    Method: str(o, 'Method', fail),
    Body: str(o, 'Body', fail),
    TCP: str(o, 'TCP', fail),
    GRPC: str(o, 'GRPC', fail),
    GRPCUseTLS: bool(o, 'GRPCUseTLS', fail),
    IntervalNs: uint(o, 'IntervalNs', fail),
    TimeoutNs: uint(o, 'TimeoutNs', fail),
    DeregisterCriticalServiceAfterNs: uint(o, 'DeregisterCriticalServiceAfterNs', fail),
    ScriptArgs: stringList(o, 'ScriptArgs', fail),
  };
}

export function readCheck(v: unknown, fail: Fail): CheckRegistration {
  const o = record(v, 'check', fail);
  return {
    Node: str(o, 'Node', fail),
    CheckID: str(o, 'CheckID', fail),
    Name: str(o, 'Name', fail),
    Status: str(o, 'Status', fail),
    Notes: str(o, 'Notes', fail),
    Output: str(o, 'Output', fail),
    ServiceID: str(o, 'ServiceID', fail),
    Type: str(o, 'Type', fail),
    Interval: str(o, 'Interval', fail),
    Timeout: str(o, 'Timeout', fail),
    ExposedPort: int(o, 'ExposedPort', fail),
    Definition: readDefinition(o.Definition, fail),
  };
}

/** A definition with nothing set, for checks registered without one. */
export const EMPTY_DEFINITION: CheckDefinition = {
  HTTP: '', TLSServerName: '', TLSSkipVerify: false, Header: null, Method: '', Body: '', TCP: '', GRPC: '',
  GRPCUseTLS: false, IntervalNs: 0, TimeoutNs: 0, DeregisterCriticalServiceAfterNs: 0, ScriptArgs: null,
};

/** hashicorp/go-uuid's ParseUUID, with its error texts (Consul prefixes them with "Bad node ID: "). */
export function uuidError(id: string): string | undefined {
  if (Buffer.byteLength(id) !== 36) return 'uuid string is wrong length';
  if (id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-') return 'uuid is improperly formatted';
  const hex = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  const bad = [...hex].find((c) => !/[0-9a-fA-F]/.test(c));
  if (bad === undefined) return undefined;
  const cp = bad.codePointAt(0)!;
  return `encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${bad}'`;
}

/** Go's ipaddr.IsAny: the unspecified addresses a service cannot be reached at. */
function isAnyAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '[::]';
}

/** The shape and request-only rules of catalog.register; returns it normalised (IDs and defaults filled in). */
export function validateRegister(o: Obj): CatalogRegisterCommand {
  const Node = str(o, 'Node', badShape);
  const ID = str(o, 'ID', badShape);
  const Address = str(o, 'Address', badShape);
  const SkipNodeUpdate = bool(o, 'SkipNodeUpdate', badShape);
  const rawService = o.Service === null || o.Service === undefined ? null : readService(o.Service, badShape);
  if (!Array.isArray(o.Checks)) throw badShape('Checks must be a list');
  const rawChecks = o.Checks.map((c) => readCheck(c, badShape));
  const command: CatalogRegisterCommand = {
    type: 'catalog.register',
    Datacenter: str(o, 'Datacenter', badShape),
    ID, Node, Address,
    TaggedAddresses: stringMap(o, 'TaggedAddresses', badShape),
    NodeMeta: stringMap(o, 'NodeMeta', badShape),
    SkipNodeUpdate,
    Service: null,
    Checks: [],
  };

  // Consul's order (Catalog.Register): node, node ID, address, service, then checks.
  if (Node === '') throw rejected('Must provide node');
  if (ID !== '') {
    const err = uuidError(ID);
    if (err !== undefined) throw rejected(`Bad node ID: ${err}`);
  }
  if (Address === '' && !SkipNodeUpdate) throw rejected('Must provide address if SkipNodeUpdate is not set');
  if (rawService !== null) {
    const id = rawService.ID === '' ? rawService.Service : rawService.ID;
    if (id !== '' && rawService.Service === '') throw rejected('Must provide service name (Service.Service) when service ID is provided');
    if (id === '') throw rejected('Must provide service name');
    if (isAnyAddress(rawService.Address)) throw rejected('Invalid service address');
    command.Service = { ...rawService, ID: id };
  }
  for (const raw of rawChecks) {
    const check: CheckRegistration = {
      ...raw,
      Node: raw.Node === '' ? Node : raw.Node,
      CheckID: raw.CheckID === '' ? raw.Name : raw.CheckID,
      Status: raw.Status === '' ? HealthStatus.Critical : raw.Status,
    };
    if (check.Node.toLowerCase() !== Node.toLowerCase()) {
      throw rejected(`Node '${check.Node}' for check '${check.CheckID}' doesn't match register request node '${Node}'`);
    }
    if (check.CheckID === '') throw rejected('Must provide check ID or name');
    command.Checks.push(check);
  }
  return command;
}

export function validateDeregister(o: Obj): CatalogDeregisterCommand {
  const command: CatalogDeregisterCommand = {
    type: 'catalog.deregister',
    Node: str(o, 'Node', badShape),
    ServiceID: str(o, 'ServiceID', badShape),
    CheckID: str(o, 'CheckID', badShape),
  };
  if (command.Node === '') throw rejected('Must provide node');
  return command;
}
