import { checkDefinitionError } from './validate.js';
import { isCheckStatus, type CheckDefinition, type LocalCheck, type LocalService } from './types.js';
import type { PersistedCheck, PersistedState } from './persist.js';

/**
 * What the agent state file must hold to be restored, checked field by field:
 * the file is ours, but a disk, an editor or an older build can still leave
 * something else in it, and one bad entry must not cost the good ones.
 */

type Test = (v: unknown) => boolean;

const str: Test = (v) => typeof v === 'string';
const id: Test = (v) => typeof v === 'string' && v !== '';
const int: Test = (v) => Number.isSafeInteger(v);
const num: Test = (v) => typeof v === 'number' && Number.isFinite(v);
const bool: Test = (v) => typeof v === 'boolean';
const status: Test = (v) => typeof v === 'string' && isCheckStatus(v);
const list = (of: Test): Test => (v) => Array.isArray(v) && v.every(of);
const map = (of: Test): Test => (v) => isObject(v) && Object.values(v).every(of);
const struct = (fields: Record<string, Test>): Test => (v) => fieldsError(v, fields, false) === undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why `v` does not have `fields` (all required unless `optional`), or undefined. */
function fieldsError(v: unknown, fields: Record<string, Test>, optional: boolean): string | undefined {
  if (!isObject(v)) return 'is not an object';
  for (const [name, test] of Object.entries(fields)) {
    const value = v[name];
    if (value === undefined && optional) continue;
    if (value === undefined) return `${name} is missing`;
    if (!test(value)) return `${name} has the wrong type`;
  }
  return undefined;
}

const SERVICE: Record<Exclude<keyof LocalService, 'Proxy' | 'Connect'>, Test> = {
  Kind: str, ID: id, Service: str, Tags: list(str), Meta: map(str), Port: int, Address: str, SocketPath: str,
  TaggedAddresses: map(struct({ Address: str, Port: int })), Weights: struct({ Passing: int, Warning: int }), EnableTagOverride: bool,
};

const CHECK: Record<keyof LocalCheck, Test> = {
  Node: str, CheckID: id, Name: str, Status: status, Notes: str, Output: str, ServiceID: str, ServiceName: str,
  ServiceTags: list(str), Type: str, Interval: str, Timeout: str,
};

/** Every field of a definition is optional; the record type makes a new one impossible to forget here. */
const DEFINITION: Record<keyof CheckDefinition, Test> = {
  CheckID: str, Name: str, Notes: str, Status: str, ServiceID: str, ScriptArgs: list(str), HTTP: str, Header: map(list(str)),
  Method: str, Body: str, DisableRedirects: bool, TLSServerName: str, TLSSkipVerify: bool, TCP: str, UDP: str, GRPC: str,
  GRPCUseTLS: bool, H2PING: str, H2PingUseTLS: bool, DockerContainerID: str, Shell: str, OSService: str, AliasNode: str,
  AliasService: str, IntervalMs: num, TimeoutMs: num, TTLMs: num, DeregisterCriticalServiceAfterMs: num,
  SuccessBeforePassing: int, FailuresBeforeWarning: int, FailuresBeforeCritical: int, OutputMaxSize: int,
};

const TTL: Record<keyof NonNullable<PersistedCheck['ttl']>, Test> = { status, output: str, expiresAt: num };

export function serviceError(v: unknown): string | undefined {
  return fieldsError(v, SERVICE, false);
}

export function persistedCheckError(v: unknown): string | undefined {
  if (!isObject(v)) return 'is not an object';
  const check = fieldsError(v.check, CHECK, false);
  if (check !== undefined) return `check ${check}`;
  if (v.definition === undefined) return 'definition is missing';
  if (v.definition !== null) {
    const definition = fieldsError(v.definition, DEFINITION, true) ?? checkDefinitionError(v.definition as CheckDefinition);
    if (definition !== undefined) return `definition ${definition}`;
  }
  if (v.ttl !== undefined) {
    const ttl = fieldsError(v.ttl, TTL, false);
    if (ttl !== undefined) return `ttl ${ttl}`;
  }
  return undefined;
}

/** One entry left out of a restore, and why. */
export interface DroppedEntry {
  kind: 'service' | 'check';
  index: number;
  /** The service or check ID, when the entry has a readable one. */
  id?: string;
  reason: string;
}

export type StateRead =
  | { ok: true; state: PersistedState; dropped: DroppedEntry[] }
  | { ok: false; reason: string };

/** The restorable part of a parsed state file, or why none of it is. */
export function readPersistedState(parsed: unknown): StateRead {
  if (!isObject(parsed)) return { ok: false, reason: 'it does not hold a JSON object' };
  if (parsed.version !== 1) return { ok: false, reason: `version ${JSON.stringify(parsed.version)} is not one this build understands` };
  if (!Array.isArray(parsed.services) || !Array.isArray(parsed.checks)) return { ok: false, reason: 'services or checks is not a list' };
  const dropped: DroppedEntry[] = [];
  const keep = <T>(kind: DroppedEntry['kind'], entries: unknown[], error: (v: unknown) => string | undefined, idOf: (v: Record<string, unknown>) => unknown): T[] =>
    entries.filter((entry, index) => {
      const reason = error(entry);
      if (reason === undefined) return true;
      const entryId = isObject(entry) ? idOf(entry) : undefined;
      dropped.push({ kind, index, reason, ...(typeof entryId === 'string' ? { id: entryId } : {}) });
      return false;
    }) as T[];
  const services = keep<LocalService>('service', parsed.services, serviceError, (s) => s.ID);
  const checks = keep<PersistedCheck>('check', parsed.checks, persistedCheckError, (c) => (isObject(c.check) ? c.check.CheckID : undefined));
  return { ok: true, state: { version: 1, services, checks }, dropped };
}
