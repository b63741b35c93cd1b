export { ConfigLayers, type ConfigLayersInit, type GossipedConfig } from './layers.js';
export { envConfigLayers, envVarName, ENV_CONFIG_PREFIXES } from './env.js';
export { deepMerge, lookupPath, isTable, MAX_MERGE_DEPTH } from './merge.js';
export { exportedConfig } from './exports.js';
export { readUserToml } from './user.js';
