import { ChorusError, ErrorCode } from '../core/errors.js';
import { isCheckStatus, type CheckDefinition, type ServiceDefinition, type Weights } from './types.js';

/**
 * Consul's checks of a registration, with its exact texts, in the order its
 * HTTP handler runs them (agent/agent_endpoint.go AgentRegisterService and
 * AgentRegisterCheck, structs.ValidateWeights, validateMetaPair, CheckType.Validate).
 */

const META_MAX_PAIRS = 64;
const META_KEY_MAX = 128;
const META_VALUE_MAX = 512;
const META_KEY = /^[a-zA-Z0-9_-]+$/;
const META_RESERVED_PREFIX = 'consul-';
const MAX_WEIGHT = 65535;

function badRequest(message: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, message);
}

/** ipaddr.IsAny: an address that means "every interface" cannot be where a service is. */
export function isAnyAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '[::]';
}

export function weightsError(weights: Weights): string | undefined {
  if (weights.Passing < 1) return 'Passing must be greater than 0';
  if (weights.Warning < 0) return 'Warning must be greater or equal than 0';
  if (weights.Passing > MAX_WEIGHT || weights.Warning > MAX_WEIGHT) return 'DNS Weight must be between 0 and 65535';
  return undefined;
}

export function metaError(meta: Record<string, string>): string | undefined {
  const entries = Object.entries(meta);
  if (entries.length > META_MAX_PAIRS) return `Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`;
  for (const [key, value] of entries) {
    const reason = metaPairError(key, value);
    if (reason !== undefined) return `Couldn't load metadata pair ('${key}', '${value}'): ${reason}`;
  }
  return undefined;
}

function metaPairError(key: string, value: string): string | undefined {
  if (key === '') return 'Key cannot be blank';
  if (!META_KEY.test(key)) return 'Key contains invalid characters';
  if (key.length > META_KEY_MAX) return `Key is too long (limit: ${META_KEY_MAX} characters)`;
  if (key.startsWith(META_RESERVED_PREFIX)) return `Key prefix '${META_RESERVED_PREFIX}' is reserved for internal use`;
  if (value.length > META_VALUE_MAX) return `Value is too long (limit: ${META_VALUE_MAX} characters)`;
  return undefined;
}

/** The kind of check a definition describes (CheckType.Type), "" when it describes none. */
export function checkType(def: CheckDefinition): string {
  const interval = (def.IntervalMs ?? 0) > 0;
  if (def.GRPC && interval) return 'grpc';
  if (def.HTTP && interval) return 'http';
  if ((def.TTLMs ?? 0) > 0) return 'ttl';
  if (def.TCP && interval) return 'tcp';
  if (def.UDP && interval) return 'udp';
  if (def.AliasNode || def.AliasService) return 'alias';
  if (isScript(def) && def.DockerContainerID && interval) return 'docker';
  if (isScript(def) && interval) return 'script';
  if (def.H2PING && interval) return 'h2ping';
  if (def.OSService && interval) return 'os_service';
  return '';
}

function isScript(def: CheckDefinition): boolean {
  return (def.ScriptArgs?.length ?? 0) > 0;
}

/** CheckType.Validate's complaint, or undefined for a usable check. */
export function checkDefinitionError(def: CheckDefinition): string | undefined {
  const intervalCheck = isScript(def) || !!def.HTTP || !!def.TCP || !!def.UDP || !!def.GRPC || !!def.H2PING || !!def.OSService;
  const alias = !!def.AliasNode || !!def.AliasService;
  const interval = def.IntervalMs ?? 0;
  const ttl = def.TTLMs ?? 0;
  if (interval > 0 && ttl > 0) return 'Interval and TTL cannot both be specified';
  if (intervalCheck && interval <= 0) return 'Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks';
  if (intervalCheck && alias) return 'Interval cannot be set for Alias checks';
  if (alias && ttl > 0) return 'TTL must be not be set for Alias checks';
  if (!intervalCheck && !alias && ttl <= 0) return 'TTL must be > 0 for TTL checks';
  if ((def.OutputMaxSize ?? 0) < 0) return 'MaxOutputMaxSize must be positive';
  if ((def.FailuresBeforeWarning ?? 0) > (def.FailuresBeforeCritical ?? 0)) {
    return "FailuresBeforeWarning can't be higher than FailuresBeforeCritical";
  }
  return undefined;
}

/** True when a check definition has nothing in it (Consul skips such an embedded Check). */
export function isEmptyCheck(def: CheckDefinition | null | undefined): boolean {
  if (def === null || def === undefined) return true;
  return Object.values(def).every((v) =>
    v === undefined || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0),
  );
}

/** The checks a service registration carries, non-empty ones only: `Check` first, then `Checks`. */
export function serviceCheckDefinitions(def: ServiceDefinition): CheckDefinition[] {
  const all = [def.Check, ...(def.Checks ?? [])];
  return all.filter((c): c is CheckDefinition => !isEmptyCheck(c));
}

/** Throws Consul's 400 for a service registration it would refuse. */
export function validateServiceDefinition(def: ServiceDefinition): void {
  if (!def.Name) throw badRequest('Missing service name');
  if (isAnyAddress(def.Address ?? '')) throw badRequest('Invalid service address');
  if (def.Weights !== undefined && def.Weights !== null) {
    const reason = weightsError(def.Weights);
    if (reason !== undefined) throw badRequest(`Invalid Weights: ${reason}`);
  }
  const meta = metaError(def.Meta ?? {});
  if (meta !== undefined) throw badRequest(`Invalid Service Meta: ${meta}`);
  const checks = serviceCheckDefinitions(def);
  for (const check of checks) {
    const reason = checkDefinitionError(check);
    if (reason !== undefined) throw badRequest(`Invalid check: ${reason}`);
  }
  for (const check of checks) {
    if (check.Status && !isCheckStatus(check.Status)) throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
  }
}

/** Throws Consul's 400 for a check registration it would refuse (the unknown-service 404 is the agent's). */
export function validateCheckDefinition(def: CheckDefinition): void {
  if (!def.Name) throw badRequest('Missing check name');
  if (def.Status && !isCheckStatus(def.Status)) throw badRequest('Bad check status');
  const reason = checkDefinitionError(def);
  if (reason !== undefined) throw badRequest(`Invalid check: ${reason}`);
}
