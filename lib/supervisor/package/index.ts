export { loadPackage } from './load.js';
export { parseManifest } from './manifest.js';
export * from './constants.js';
export type * from './types.js';
