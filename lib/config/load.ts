import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { LogFormat, LogLevel } from '../core/logger.js';
import { formatAddress, type Address } from '../core/address.js';
import { DEFAULTS, defaultDataDir, defaultNodeName } from './defaults.js';
import { OPTION_LIST, OPTIONS, ParseFailure, type OptionSpec } from './options.js';
import { parseGossipTable, parseRaftTable, parseRingKeys, readRingKeyFile, type GossipTimings, type RaftTimings } from './gossip.js';
import { parseSessionTable, type SessionSettings } from './session.js';

/** The validated configuration of one node. */
export interface NodeConfig {
  listenHttp: Address;
  listenGossip: Address;
  listenCtl: Address;
  dataDir: string;
  nodeName: string;
  datacenter: string;
  peers: Address[];
  server: boolean;
  bootstrapExpect: number | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Nice steps between the main thread and the helper threads; 0 leaves them alone. */
  backgroundNice: number;
  /** Bearer token every HTTP request must carry; unset means no authentication. */
  gatewayAuthToken: string | undefined;
  /** Overrides the control secret kept in the data directory. */
  ctlSecret: string | undefined;
  /** The TOML file the config was read from, if any. */
  configFile: string | undefined;
  /** This member is a permanent peer (probed even when it seems failed). */
  permanentPeer: boolean;
  gossipProfile: 'lan' | 'local';
  /** Overrides of the profile's timings, from the config file's [gossip] table. */
  gossip: GossipTimings;
  /** Raft timings from the config file's [raft] table. */
  raft: RaftTimings;
  /** Session TTL settings from the config file's [session] table. */
  session: SessionSettings;
  /** Ring keys, primary first; undefined means gossip is not encrypted. */
  ringKeys: Uint8Array[] | undefined;
  /** Consul legacy ACLs, from the `[acl]` table and the --acl-* flags. */
  acl: AclConfig;
}

export interface AclConfig {
  enabled: boolean;
  /** What a client token may do where none of its rules match. */
  defaultPolicy: 'allow' | 'deny';
  /** The bootstrap management token a server leader creates; undefined: none. */
  masterToken: string | undefined;
}

export interface ConfigSources {
  /** Values from command-line flags, keyed by option key; absent keys were not given. */
  flags: Partial<Record<string, unknown>>;
  /** The process environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  cwd: string;
}

type Origin = { label: string; value: unknown };

function invalid(spec: OptionSpec<unknown>, origin: string, reason: string): ChorusError {
  const from = origin === 'flag' ? '' : ` (from ${origin})`;
  return new ChorusError(ErrorCode.InvalidConfig, `invalid value for --${spec.flag}${from}: ${reason}`, {
    details: { option: spec.flag, origin },
  });
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : messageOf(err);
    throw new ChorusError(ErrorCode.InvalidConfig, `cannot read config file ${path}: ${why}`, { cause: err });
  }
  // Only a node started with --config pays for the TOML parser.
  const { parse: parseToml, TomlError } = await import('smol-toml');
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? `:${err.line}:${err.column}` : '';
    const reason = messageOf(err).split('\n')[0];
    throw new ChorusError(ErrorCode.InvalidConfig, `config file ${path}${where} is not valid TOML: ${reason}`, { cause: err });
  }
}

function pick(spec: OptionSpec<unknown>, sources: ConfigSources, file: Record<string, unknown>, fileLabel: string): Origin | undefined {
  if (spec.key in sources.flags && sources.flags[spec.key] !== undefined) {
    return { label: 'flag', value: sources.flags[spec.key] };
  }
  for (const name of spec.env) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') return { label: name, value };
  }
  const table = spec.table === undefined ? file : (file[spec.table] as Record<string, unknown> | undefined) ?? {};
  const name = spec.table === undefined ? spec.toml : `${spec.table}.${spec.toml}`;
  if (spec.toml in table) return { label: `${fileLabel} key ${name}`, value: table[spec.toml] };
  return undefined;
}

/** A table whose keys are options (`[acl]`): it must be a table and hold only those. */
function checkOptionTable(file: Record<string, unknown>, table: string, configFile: string | undefined): void {
  const raw = file[table];
  if (raw === undefined) return;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ChorusError(ErrorCode.InvalidConfig, `config file ${configFile}: ${table} must be a table ([${table}])`);
  }
  const keys = OPTION_LIST.filter((o) => o.table === table).map((o) => o.toml);
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) {
      throw new ChorusError(ErrorCode.InvalidConfig, `config file ${configFile}: ${table}: unknown key "${key}" (known keys: ${keys.join(', ')})`);
    }
  }
}

function portsClash(a: Address, b: Address): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  const wildcard = (h: string): boolean => h === '0.0.0.0' || h === '::';
  return a.host === b.host || wildcard(a.host) || wildcard(b.host);
}

/**
 * Merges flags > environment > config file > defaults and validates every
 * value. Throws one ChorusError(InvalidConfig) naming the flag, where the bad
 * value came from, and what is wrong with it.
 */
export async function loadNodeConfig(sources: ConfigSources): Promise<NodeConfig> {
  const configFlag = sources.flags.config;
  const configPath =
    typeof configFlag === 'string' && configFlag !== '' ? configFlag : sources.env.CHORUS_CONFIG || undefined;
  const configFile = configPath === undefined ? undefined : resolve(sources.cwd, configPath);
  const file = configFile === undefined ? {} : await readConfigFile(configFile);

  const known = new Set([...OPTION_LIST.filter((o) => o.table === undefined).map((o) => o.toml), 'gossip', 'raft', 'acl', 'session']);
  for (const key of Object.keys(file)) {
    if (!known.has(key)) {
      throw new ChorusError(ErrorCode.InvalidConfig, `config file ${configFile}: unknown key "${key}" (known keys: ${[...known].join(', ')})`);
    }
  }
  checkOptionTable(file, 'acl', configFile);

  const values: Record<string, unknown> = {};
  for (const spec of OPTION_LIST) {
    const origin = pick(spec, sources, file, `config file ${configFile}`);
    if (origin === undefined) continue;
    const parsed = spec.parse(origin.value);
    if (parsed instanceof ParseFailure) throw invalid(spec, origin.label, parsed.reason);
    values[spec.key] = parsed;
  }

  const defaults = OPTIONS;
  const config: NodeConfig = {
    listenHttp: (values.listenHttp as Address) ?? (defaults.listenHttp.parse(DEFAULTS.listenHttp) as Address),
    listenGossip: (values.listenGossip as Address) ?? (defaults.listenGossip.parse(DEFAULTS.listenGossip) as Address),
    listenCtl: (values.listenCtl as Address) ?? (defaults.listenCtl.parse(DEFAULTS.listenCtl) as Address),
    dataDir: resolve(sources.cwd, (values.dataDir as string | undefined) ?? defaultDataDir()),
    nodeName: (values.nodeName as string | undefined) ?? defaultNodeName(),
    datacenter: (values.datacenter as string | undefined) ?? DEFAULTS.datacenter,
    peers: (values.peers as Address[] | undefined) ?? [],
    server: (values.server as boolean | undefined) ?? false,
    bootstrapExpect: values.bootstrapExpect as number | undefined,
    logLevel: ((values.logLevel as string | undefined) ?? DEFAULTS.logLevel) as LogLevel,
    logFormat: ((values.logFormat as string | undefined) ?? DEFAULTS.logFormat) as LogFormat,
    backgroundNice: (values.backgroundNice as number | undefined) ?? DEFAULTS.backgroundNice,
    gatewayAuthToken: sources.env.HAB_SUP_GATEWAY_AUTH_TOKEN || sources.env.CHORUS_SUP_GATEWAY_AUTH_TOKEN || undefined,
    ctlSecret: sources.env.CHORUS_CTL_SECRET || sources.env.HAB_CTL_SECRET || undefined,
    configFile,
    permanentPeer: (values.permanentPeer as boolean | undefined) ?? false,
    gossipProfile: ((values.gossipProfile as string | undefined) ?? 'lan') as 'lan' | 'local',
    gossip: file.gossip === undefined ? {} : parseGossipTable(file.gossip, configFile!),
    raft: file.raft === undefined ? {} : parseRaftTable(file.raft, configFile!),
    session: file.session === undefined ? {} : parseSessionTable(file.session, configFile!),
    ringKeys: undefined,
    acl: {
      enabled: (values.aclEnabled as boolean | undefined) ?? false,
      defaultPolicy: (values.aclDefaultPolicy as 'allow' | 'deny' | undefined) ?? 'allow',
      masterToken: values.aclMasterToken as string | undefined,
    },
  };
  const envKey = sources.env.CHORUS_RING_KEY || sources.env.HAB_RING_KEY;
  if (values.ringKey !== undefined) {
    config.ringKeys = await readRingKeyFile(resolve(sources.cwd, values.ringKey as string));
  } else if (envKey) {
    config.ringKeys = parseRingKeys(envKey, sources.env.CHORUS_RING_KEY ? 'CHORUS_RING_KEY' : 'HAB_RING_KEY');
  }

  if (values.nodeName === undefined && OPTIONS.nodeName.parse(config.nodeName) instanceof ParseFailure) {
    // A host name like "my_host.local!" is not a valid node name; say what to do about it.
    throw invalid(OPTIONS.nodeName, 'the host name', `"${config.nodeName}" is not a valid node name; pass --node-name`);
  }
  if (config.bootstrapExpect !== undefined && !config.server) {
    throw invalid(OPTIONS.bootstrapExpect, 'flag', 'only a server (--server) can bootstrap a cluster');
  }
  const listeners: Array<[string, Address]> = [
    ['listen-http', config.listenHttp],
    ['listen-gossip', config.listenGossip],
    ['listen-ctl', config.listenCtl],
  ];
  for (let i = 0; i < listeners.length; i++) {
    for (let j = i + 1; j < listeners.length; j++) {
      const [nameA, a] = listeners[i]!;
      const [nameB, b] = listeners[j]!;
      if (portsClash(a, b)) {
        throw new ChorusError(
          ErrorCode.InvalidConfig,
          `invalid value for --${nameB}: ${formatAddress(b)} uses the same TCP port as --${nameA} ${formatAddress(a)}`,
          { details: { option: nameB } },
        );
      }
    }
  }
  return config;
}
