import { parseAddress, type Address } from '../core/address.js';
import { DEFAULT_GOSSIP_PORT } from './defaults.js';
import { LOG_LEVELS } from '../core/logger.js';
import { numberRule, oneOfRule, stringRule, type Rule } from './rules.js';

/**
 * Every setting of `chorus sup run`, described once: its flag, the
 * environment variables and TOML key that may also set it, and how its text
 * is turned into a value. The loader walks this table; the CLI builds its
 * flags from it, so the three can never disagree.
 */
export interface OptionSpec<T> {
  /** Key in the merged config object. */
  key: string;
  /** Long flag without dashes, e.g. "listen-http". */
  flag: string;
  /** Environment variables, first found wins. */
  env: readonly string[];
  /** Key in the TOML config file. */
  toml: string;
  /** The TOML table the key sits in (`[acl]`), when not at the top level. */
  table?: string;
  description: string;
  /** Flag takes no value. */
  boolean?: boolean;
  /** Flag may be given more than once. */
  repeatable?: boolean;
  /** Turns raw input (string from flag/env, or a TOML value) into a value, or an error text. */
  parse(raw: unknown): T | ParseFailure;
}

export class ParseFailure {
  constructor(readonly reason: string) {}
}

function fail(reason: string): ParseFailure {
  return new ParseFailure(reason);
}

function addressParser(defaultPort?: number) {
  return (raw: unknown): Address | ParseFailure => {
    if (typeof raw !== 'string') return fail(`expected a string like HOST:PORT, got ${describe(raw)}`);
    const parsed = parseAddress(raw, defaultPort);
    return typeof parsed === 'string' ? fail(parsed) : parsed;
  };
}

function describe(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list';
  if (raw === null) return 'null';
  return typeof raw === 'object' ? 'a table' : `${typeof raw} ${JSON.stringify(raw)}`;
}

function fromRule<T>(rule: Rule, coerce?: (raw: string) => unknown) {
  return (raw: unknown): T | ParseFailure => {
    const input = typeof raw === 'string' && coerce ? coerce(raw) : raw;
    const message = rule(input);
    return message === undefined ? (input as T) : fail(message);
  };
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

function parseBoolean(raw: unknown): boolean | ParseFailure {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const value = BOOLEAN_WORDS[raw.trim().toLowerCase()];
    if (value !== undefined) return value;
  }
  return fail(`expected true or false, got ${describe(raw)}`);
}

function parsePeers(raw: unknown): Address[] | ParseFailure {
  // Env vars and Habitat's --peer take space- or comma-separated lists.
  const items = typeof raw === 'string' ? raw.split(/[\s,]+/).filter((s) => s !== '') : raw;
  if (!Array.isArray(items)) return fail(`expected a list of HOST[:PORT], got ${describe(raw)}`);
  const peers: Address[] = [];
  for (const item of items) {
    const parsed = addressParser(DEFAULT_GOSSIP_PORT)(item);
    if (parsed instanceof ParseFailure) return fail(`peer ${JSON.stringify(item)}: ${parsed.reason}`);
    peers.push(parsed);
  }
  return peers;
}

// Consul's rule for node and datacenter names is looser than DNS; these
// reject only what would break a URL path or a log line.
const NAME = stringRule({
  max: [128, 'must be at most 128 characters'],
  pattern: [/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-", starting with a letter or digit'],
});

const DATACENTER = stringRule({ max: [64, 'must be at most 64 characters'], pattern: [/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "_" and "-"'] });

const SERVER_COUNT = numberRule({
  type: 'must be a whole number', int: 'must be a whole number', min: [1, 'must be at least 1'], max: [9, 'must be at most 9 (more voting servers only slow writes)'],
});

const PATH = stringRule({ type: 'must be a path' });

const NICE_STEPS = numberRule({
  type: 'must be a whole number', int: 'must be a whole number', min: [0, 'must be at least 0'], max: [19, 'must be at most 19'],
});

const toNumber = (raw: string): unknown => (/^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);

export const OPTIONS = {
  listenHttp: {
    key: 'listenHttp', flag: 'listen-http', env: ['CHORUS_LISTEN_HTTP', 'HAB_LISTEN_HTTP'], toml: 'listen_http',
    description: 'address of the HTTP gateway (default 0.0.0.0:9631)', parse: addressParser(),
  } as OptionSpec<Address>,
  listenGossip: {
    key: 'listenGossip', flag: 'listen-gossip', env: ['CHORUS_LISTEN_GOSSIP', 'HAB_LISTEN_GOSSIP'], toml: 'listen_gossip',
    description: 'address for gossip (UDP) and cluster streams (TCP) (default 0.0.0.0:9638)', parse: addressParser(),
  } as OptionSpec<Address>,
  listenCtl: {
    key: 'listenCtl', flag: 'listen-ctl', env: ['CHORUS_LISTEN_CTL', 'HAB_LISTEN_CTL'], toml: 'listen_ctl',
    description: 'address of the control gateway the CLI talks to (default 127.0.0.1:9632)', parse: addressParser(),
  } as OptionSpec<Address>,
  dataDir: {
    key: 'dataDir', flag: 'data-dir', env: ['CHORUS_DATA_DIR'], toml: 'data_dir',
    description: 'directory for this node\'s state (default ~/.chorus/sup/default)',
    parse: fromRule<string>(PATH),
  } as OptionSpec<string>,
  nodeName: {
    key: 'nodeName', flag: 'node-name', env: ['CHORUS_NODE_NAME'], toml: 'node_name',
    description: 'this node\'s name in the cluster (default: the host name)', parse: fromRule<string>(NAME),
  } as OptionSpec<string>,
  datacenter: {
    key: 'datacenter', flag: 'datacenter', env: ['CHORUS_DATACENTER'], toml: 'datacenter',
    description: 'datacenter name (default dc1)', parse: fromRule<string>(DATACENTER),
  } as OptionSpec<string>,
  peers: {
    key: 'peers', flag: 'peer', env: ['CHORUS_PEER', 'HAB_PEER'], toml: 'peer', repeatable: true,
    description: 'gossip address of a member to join, HOST[:PORT] (repeatable)', parse: parsePeers,
  } as OptionSpec<Address[]>,
  server: {
    key: 'server', flag: 'server', env: ['CHORUS_SERVER'], toml: 'server', boolean: true,
    description: 'take part in the Raft-replicated catalog', parse: parseBoolean,
  } as OptionSpec<boolean>,
  bootstrapExpect: {
    key: 'bootstrapExpect', flag: 'bootstrap-expect', env: ['CHORUS_BOOTSTRAP_EXPECT'], toml: 'bootstrap_expect',
    description: 'number of servers to wait for before forming the first cluster', parse: fromRule<number>(SERVER_COUNT, toNumber),
  } as OptionSpec<number>,
  permanentPeer: {
    key: 'permanentPeer', flag: 'permanent-peer', env: ['CHORUS_PERMANENT_PEER', 'HAB_PERMANENT_PEER'], toml: 'permanent_peer', boolean: true,
    description: 'this member is a permanent peer: others keep probing it even when it seems failed, so split rings heal',
    parse: parseBoolean,
  } as OptionSpec<boolean>,
  ringKey: {
    key: 'ringKey', flag: 'ring-key', env: [], toml: 'ring_key',
    description: 'file holding the ring key (base64; further lines are older keys still accepted) [env CHORUS_RING_KEY or HAB_RING_KEY: the key itself]',
    parse: fromRule<string>(PATH),
  } as OptionSpec<string>,
  gossipProfile: {
    key: 'gossipProfile', flag: 'gossip-profile', env: ['CHORUS_GOSSIP_PROFILE'], toml: 'gossip_profile',
    description: 'gossip timings: lan (memberlist\'s LAN defaults) or local (faster, for one machine) (default lan)',
    parse: fromRule<string>(oneOfRule(['lan', 'local'], 'must be lan or local'), (s) => s.trim().toLowerCase()),
  } as OptionSpec<string>,
  logLevel: {
    key: 'logLevel', flag: 'log-level', env: ['CHORUS_LOG_LEVEL'], toml: 'log_level',
    description: `log level: ${LOG_LEVELS.join('|')} (default info)`,
    parse: fromRule<string>(oneOfRule(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`), (s) => s.trim().toLowerCase()),
  } as OptionSpec<string>,
  backgroundNice: {
    key: 'backgroundNice', flag: 'background-nice', env: ['CHORUS_BACKGROUND_NICE'], toml: 'background_nice',
    description: 'run the helper threads (V8\'s garbage collector and compiler, the file I/O pool) this many nice steps below the main thread, so their bursts do not delay requests; 0 leaves them alone (default 10; Linux only)',
    parse: fromRule<number>(NICE_STEPS, toNumber),
  } as OptionSpec<number>,
  logFormat: {
    key: 'logFormat', flag: 'log-format', env: ['CHORUS_LOG_FORMAT'], toml: 'log_format',
    description: 'log format: json|pretty (default json)',
    parse: fromRule<string>(oneOfRule(['json', 'pretty'], 'must be json or pretty'), (s) => s.trim().toLowerCase()),
  } as OptionSpec<string>,
  aclEnabled: {
    key: 'aclEnabled', flag: 'acl-enabled', env: ['CHORUS_ACL_ENABLED'], toml: 'enabled', table: 'acl', boolean: true,
    description: 'enforce Consul legacy ACLs on the HTTP API (default false)', parse: parseBoolean,
  } as OptionSpec<boolean>,
  aclDefaultPolicy: {
    key: 'aclDefaultPolicy', flag: 'acl-default-policy', env: ['CHORUS_ACL_DEFAULT_POLICY'], toml: 'default_policy', table: 'acl',
    description: 'what a client token may do where no rule of it matches: allow|deny (default allow)',
    parse: fromRule<'allow' | 'deny'>(oneOfRule(['allow', 'deny'], 'must be allow or deny'), (s) => s.trim().toLowerCase()),
  } as OptionSpec<'allow' | 'deny'>,
  aclMasterToken: {
    key: 'aclMasterToken', flag: 'acl-master-token', env: ['CHORUS_ACL_MASTER_TOKEN'], toml: 'master_token', table: 'acl',
    description: 'the management token the server leader creates as "Master Token" (bootstrap)',
    parse: fromRule<string>(stringRule({ max: [256, 'must be at most 256 characters'], pattern: [/^[\x21-\x7e]+$/, 'may hold only printable characters without spaces'] })),
  } as OptionSpec<string>,
} as const;

export type OptionKey = keyof typeof OPTIONS;
export const OPTION_LIST: readonly OptionSpec<unknown>[] = Object.values(OPTIONS) as OptionSpec<unknown>[];
