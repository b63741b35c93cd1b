export * from './clock.js';
export * from './random.js';
export * from './errors.js';
export * from './lifecycle.js';
export * from './logger.js';
export * from './atomic-file.js';
