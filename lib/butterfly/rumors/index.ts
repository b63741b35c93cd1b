/** The rumor layer: service, config, file, departure and user-event stores with gossip, sync, large-body streams and a lifecycle. */
export { Rumors, type RumorSizes } from './rumors.js';
export { RUMOR_DEFAULTS, RUMOR_LIMITS, resolveRumorOptions, type ResolvedRumorOptions } from './constants.js';
export { decodeRumor, encodeRumor, RumorCode } from './codec.js';
export { RumorStore } from './store.js';
export { UserEventBuffer, matchesFilters } from './user-events.js';
export type * from './types.js';
export { RUMOR_HEALTH } from './types.js';
