export { parseAddress, formatAddress, type Address } from '../core/address.js';
export { DEFAULTS, DEFAULT_GOSSIP_PORT, DEFAULT_HTTP_PORT, DEFAULT_CTL_PORT, defaultDataDir } from './defaults.js';
export { OPTIONS, OPTION_LIST, type OptionSpec } from './options.js';
export { loadNodeConfig, type NodeConfig, type ConfigSources, type AclConfig } from './load.js';
export { resolveCtlTarget, type CtlTarget } from './ctl-target.js';
export { parseRingKeys, type GossipTimings } from './gossip.js';
export type { SessionSettings } from './session.js';
export { resolveHttpTarget, type HttpTarget } from './http-target.js';
