/**
 * The supervisor's public face: packages, rendering, config layers, restart
 * backoff, health, processes and services. The node composes these; the
 * gateway and the control gateway reach them through what the node hands them.
 */
export * from './types.js';
export * from './service-group.js';
export { fileError, type FilePosition } from './file-error.js';
export * from './package/index.js';
export * from './templating/index.js';
export * from './config/index.js';
export * from './restart/index.js';
export * from './health/index.js';
export * from './process/index.js';
export * from './service/index.js';
export * from './manager/index.js';
export * from './census/index.js';
