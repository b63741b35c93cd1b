import type { Context } from 'koa';
import type { CheckDefinition, ServiceDefinition } from '../../agent/index.js';
import { readRawBody } from './body.js';
import { bodyTooLarge, decodeJsonBody, t, type Schema } from './json-body.js';

/**
 * The bodies of Consul's agent endpoints: ServiceDefinition, CheckDefinition
 * and checkUpdate, with the snake_case aliases their Go decoders accept,
 * decoded by the one Consul JSON decoder (json-body.ts).
 */

/** Agent bodies larger than this are refused with 413 (Consul sets no limit; a service definition is a few KB). */
export const AGENT_MAX_BODY = 512 * 1024;

/** The fields CheckType and CheckDefinition share (their copies of each other). */
const CHECK_COMMON: Schema['fields'] = {
  Name: t.string, Notes: t.string, Status: t.string,
  ScriptArgs: t.list(t.string), HTTP: t.string, H2PING: t.string, H2PingUseTLS: t.bool,
  Header: t.map(t.list(t.string)), Method: t.string, Body: t.string, DisableRedirects: t.bool,
  TCP: t.string, UDP: t.string, Interval: t.looseDuration, AliasNode: t.string, AliasService: t.string,
  DockerContainerID: t.string, Shell: t.string, GRPC: t.string, GRPCUseTLS: t.bool, OSService: t.string,
  TLSServerName: t.string, TLSSkipVerify: t.bool, Timeout: t.looseDuration, TTL: t.looseDuration,
  SuccessBeforePassing: t.int, FailuresBeforeWarning: t.int, FailuresBeforeCritical: t.int,
  DeregisterCriticalServiceAfter: t.looseDuration, OutputMaxSize: t.int,
  // The snake_case spellings of the config-file format are fields of their own in
  // Consul's aux structs (the CamelCase one wins when both are set), not aliases.
  args: t.list(t.string), script_args: t.list(t.string), deregister_critical_service_after: t.looseDuration,
  docker_container_id: t.string, tls_server_name: t.string, tls_skip_verify: t.bool, grpc_use_tls: t.bool,
  h2ping_use_tls: t.bool, service_id: t.string,
};

/** structs.CheckType: a check inside a service registration (CheckID, not ID). */
const CHECK_TYPE: Schema = {
  name: 'CheckType',
  qualifiedName: 'structs.CheckType',
  fields: { CheckID: t.string, ...CHECK_COMMON, ProxyHTTP: t.string, ProxyGRPC: t.string, ServiceID: t.string },
};

/** structs.CheckDefinition: `/v1/agent/check/register`. */
const CHECK_DEFINITION: Schema = {
  name: 'CheckDefinition',
  qualifiedName: 'structs.CheckDefinition',
  fields: { ID: t.string, ServiceID: t.string, Token: t.string, ...CHECK_COMMON, disable_redirects: t.bool },
};

const SERVICE_ADDRESS: Schema = { name: 'ServiceAddress', qualifiedName: 'structs.ServiceAddress', fields: { Address: t.string, Port: t.int } };
const WEIGHTS: Schema = { name: 'Weights', qualifiedName: 'structs.Weights', fields: { Passing: t.int, Warning: t.int } };

/** structs.ServiceDefinition: `/v1/agent/service/register`. */
const SERVICE_DEFINITION: Schema = {
  name: 'ServiceDefinition',
  qualifiedName: 'structs.ServiceDefinition',
  fields: {
    Kind: t.string, ID: t.string, Name: t.string, Tags: t.list(t.string), Address: t.string,
    TaggedAddresses: t.map(t.struct(SERVICE_ADDRESS)), Meta: t.map(t.string), Port: t.int, SocketPath: t.string,
    Check: t.struct(CHECK_TYPE), Checks: t.list(t.struct(CHECK_TYPE)), Weights: t.struct(WEIGHTS), Token: t.string,
    EnableTagOverride: t.bool, Locality: t.any, Proxy: t.any, Connect: t.any,
    enable_tag_override: t.bool, tagged_addresses: t.map(t.struct(SERVICE_ADDRESS)),
  },
};

/** checkUpdate: `/v1/agent/check/update/:id`. */
const CHECK_UPDATE: Schema = { name: 'checkUpdate', qualifiedName: 'agent.checkUpdate', fields: { Status: t.string, Output: t.string } };

/** Reads a request body up to `max` bytes (413 past it, declared or counted). */
export async function readBodyText(ctx: Context, max = AGENT_MAX_BODY): Promise<string> {
  return (await readRawBody(ctx, max, bodyTooLarge)).toString('utf8');
}

/** A JSON `null` body leaves Go's struct at its zero value. */
function decode(text: string, schema: Schema): Record<string, unknown> {
  return decodeJsonBody(text, schema) ?? {};
}

type Raw = Record<string, unknown>;

/** The decoder's nanoseconds as the agent's milliseconds. */
function ms(ns: unknown): number | undefined {
  return ns === undefined ? undefined : (ns as number) / 1e6;
}

/** CheckType/CheckDefinition's translation of aliases (their UnmarshalJSON). */
function checkFromRaw(raw: Raw, id: unknown): CheckDefinition {
  const str = (k: string) => raw[k] as string | undefined;
  const def: CheckDefinition = {};
  const set = <K extends keyof CheckDefinition>(key: K, value: CheckDefinition[K] | undefined) => {
    if (value !== undefined) def[key] = value;
  };
  set('CheckID', id as string | undefined);
  set('Name', str('Name'));
  set('Notes', str('Notes'));
  set('Status', str('Status'));
  set('ServiceID', str('ServiceID') || str('service_id'));
  const args = [raw.ScriptArgs, raw.args, raw.script_args].find((a) => Array.isArray(a) && a.length > 0) as string[] | undefined;
  set('ScriptArgs', args);
  set('HTTP', str('HTTP'));
  set('Header', raw.Header as Record<string, string[]> | undefined);
  set('Method', str('Method'));
  set('Body', str('Body'));
  set('DisableRedirects', (raw.DisableRedirects as boolean | undefined) || (raw.disable_redirects as boolean | undefined));
  set('TLSServerName', str('TLSServerName') || str('tls_server_name'));
  set('TLSSkipVerify', (raw.TLSSkipVerify as boolean | undefined) || (raw.tls_skip_verify as boolean | undefined));
  set('TCP', str('TCP'));
  set('UDP', str('UDP'));
  set('GRPC', str('GRPC'));
  set('GRPCUseTLS', (raw.GRPCUseTLS as boolean | undefined) || (raw.grpc_use_tls as boolean | undefined));
  set('H2PING', str('H2PING'));
  set('H2PingUseTLS', (raw.H2PingUseTLS as boolean | undefined) ?? (raw.h2ping_use_tls as boolean | undefined));
  set('DockerContainerID', str('DockerContainerID') || str('docker_container_id'));
  set('Shell', str('Shell'));
  set('OSService', str('OSService'));
  set('AliasNode', str('AliasNode'));
  set('AliasService', str('AliasService'));
  set('IntervalMs', ms(raw.Interval));
  set('TimeoutMs', ms(raw.Timeout));
  set('TTLMs', ms(raw.TTL));
  set('DeregisterCriticalServiceAfterMs', ms(raw.DeregisterCriticalServiceAfter ?? raw.deregister_critical_service_after));
  set('SuccessBeforePassing', raw.SuccessBeforePassing as number | undefined);
  set('FailuresBeforeWarning', raw.FailuresBeforeWarning as number | undefined);
  set('FailuresBeforeCritical', raw.FailuresBeforeCritical as number | undefined);
  set('OutputMaxSize', raw.OutputMaxSize as number | undefined);
  return def;
}

/** `PUT /v1/agent/service/register`'s body. Throws 400 `Request decode failed: …`. */
export function decodeServiceDefinition(text: string): ServiceDefinition {
  const raw = decode(text, SERVICE_DEFINITION);
  const def: ServiceDefinition = {};
  for (const k of ['Kind', 'ID', 'Name', 'Address', 'SocketPath', 'Port', 'Tags', 'Meta', 'Weights', 'Proxy', 'Connect'] as const) {
    if (raw[k] !== undefined) (def as Record<string, unknown>)[k] = raw[k];
  }
  const tagged = (raw.TaggedAddresses as ServiceDefinition['TaggedAddresses']) ?? raw.tagged_addresses;
  if (tagged !== undefined) def.TaggedAddresses = normalizeAddresses(tagged as Record<string, Raw>);
  if (def.Weights !== undefined) def.Weights = { Passing: (raw.Weights as Raw).Passing as number ?? 0, Warning: (raw.Weights as Raw).Warning as number ?? 0 };
  const eto = (raw.EnableTagOverride as boolean | undefined) || (raw.enable_tag_override as boolean | undefined);
  if (eto !== undefined) def.EnableTagOverride = eto;
  if (raw.Check !== undefined) def.Check = checkFromRaw(raw.Check as Raw, (raw.Check as Raw).CheckID);
  if (raw.Checks !== undefined) def.Checks = (raw.Checks as Raw[]).map((c) => checkFromRaw(c, c.CheckID));
  return def;
}

function normalizeAddresses(tagged: Record<string, Raw>): Record<string, { Address: string; Port: number }> {
  return Object.fromEntries(Object.entries(tagged).map(([k, v]) => [k, { Address: (v.Address as string) ?? '', Port: (v.Port as number) ?? 0 }]));
}

/** `PUT /v1/agent/check/register`'s body. */
export function decodeCheckDefinition(text: string): CheckDefinition {
  const raw = decode(text, CHECK_DEFINITION);
  return checkFromRaw(raw, raw.ID);
}

/** `PUT /v1/agent/check/update/:id`'s body. */
export function decodeCheckUpdate(text: string): { Status: string; Output: string } {
  const raw = decode(text, CHECK_UPDATE);
  return { Status: (raw.Status as string) ?? '', Output: (raw.Output as string) ?? '' };
}
