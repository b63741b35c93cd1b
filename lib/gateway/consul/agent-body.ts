import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { CheckDefinition, ServiceDefinition } from '../../agent/index.js';
import { decodeGoJson, GoJsonError, goAny, goBool, goDuration, goInt, goString, type GoStruct, type GoType } from './go-json.js';

/**
 * The bodies of Consul's agent endpoints: ServiceDefinition, CheckDefinition
 * and checkUpdate, with the snake_case aliases their Go decoders accept.
 */

/** Agent bodies larger than this are refused with 413 (Consul sets no limit; a service definition is a few KB). */
export const AGENT_MAX_BODY = 512 * 1024;

const slice = (of: GoType): GoType => ({ k: 'slice', of });
const map = (of: GoType): GoType => ({ k: 'map', of });
const struct = (s: GoStruct): GoType => ({ k: 'struct', s });

/** The fields CheckType and CheckDefinition share (their copies of each other). */
const CHECK_COMMON: Record<string, GoType> = {
  Name: goString, Notes: goString, Status: goString,
  ScriptArgs: slice(goString), HTTP: goString, H2PING: goString, H2PingUseTLS: goBool,
  Header: map(slice(goString)), Method: goString, Body: goString, DisableRedirects: goBool,
  TCP: goString, UDP: goString, Interval: goDuration, AliasNode: goString, AliasService: goString,
  DockerContainerID: goString, Shell: goString, GRPC: goString, GRPCUseTLS: goBool, OSService: goString,
  TLSServerName: goString, TLSSkipVerify: goBool, Timeout: goDuration, TTL: goDuration,
  SuccessBeforePassing: goInt, FailuresBeforeWarning: goInt, FailuresBeforeCritical: goInt,
  DeregisterCriticalServiceAfter: goDuration, OutputMaxSize: goInt,
  // snake_case spellings of the config-file format
  args: slice(goString), script_args: slice(goString), deregister_critical_service_after: goDuration,
  docker_container_id: goString, tls_server_name: goString, tls_skip_verify: goBool, grpc_use_tls: goBool,
  h2ping_use_tls: goBool, service_id: goString,
};

/** structs.CheckType: a check inside a service registration (CheckID, not ID). */
const CHECK_TYPE: GoStruct = {
  name: 'structs.CheckType',
  fields: { CheckID: goString, ...CHECK_COMMON, ProxyHTTP: goString, ProxyGRPC: goString, ServiceID: goString },
};

/** structs.CheckDefinition: `/v1/agent/check/register`. */
const CHECK_DEFINITION: GoStruct = {
  name: 'structs.CheckDefinition',
  fields: { ID: goString, ServiceID: goString, Token: goString, ...CHECK_COMMON, disable_redirects: goBool },
};

const SERVICE_ADDRESS: GoStruct = { name: 'structs.ServiceAddress', fields: { Address: goString, Port: goInt } };
const WEIGHTS: GoStruct = { name: 'structs.Weights', fields: { Passing: goInt, Warning: goInt } };

/** structs.ServiceDefinition: `/v1/agent/service/register`. */
const SERVICE_DEFINITION: GoStruct = {
  name: 'structs.ServiceDefinition',
  fields: {
    Kind: goString, ID: goString, Name: goString, Tags: slice(goString), Address: goString,
    TaggedAddresses: map(struct(SERVICE_ADDRESS)), Meta: map(goString), Port: goInt, SocketPath: goString,
    Check: struct(CHECK_TYPE), Checks: slice(struct(CHECK_TYPE)), Weights: struct(WEIGHTS), Token: goString,
    EnableTagOverride: goBool, Locality: goAny, Proxy: goAny, Connect: goAny,
    enable_tag_override: goBool, tagged_addresses: map(struct(SERVICE_ADDRESS)),
  },
};

/** checkUpdate: `/v1/agent/check/update/:id`. */
const CHECK_UPDATE: GoStruct = { name: 'agent.checkUpdate', fields: { Status: goString, Output: goString } };

/**
 * Reads a request body up to `max` bytes: a declared Content-Length over it is
 * refused before reading, a chunked body once it passes it (413).
 */
export async function readBodyText(ctx: Context, max = AGENT_MAX_BODY): Promise<string> {
  const tooLarge = (n: number) => {
    ctx.set('Connection', 'close');
    return new ChorusError(ErrorCode.TooLarge, `Request body(${n} bytes) too large, max size: ${max} bytes`);
  };
  const declared = Number(ctx.get('Content-Length') || NaN);
  if (declared > max) throw tooLarge(declared);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw tooLarge(total);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function decode(text: string, schema: GoStruct): Record<string, unknown> {
  try {
    return decodeGoJson(text, schema);
  } catch (err) {
    if (err instanceof GoJsonError) throw new ChorusError(ErrorCode.BadRequest, `Request decode failed: ${err.message}`);
    throw err;
  }
}

type Raw = Record<string, unknown>;

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
  set('IntervalMs', raw.Interval as number | undefined);
  set('TimeoutMs', raw.Timeout as number | undefined);
  set('TTLMs', raw.TTL as number | undefined);
  set('DeregisterCriticalServiceAfterMs', (raw.DeregisterCriticalServiceAfter ?? raw.deregister_critical_service_after) as number | undefined);
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
