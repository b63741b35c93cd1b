export { UserEvents, type UserEventsDeps, type UserEventsOptions } from './user-events.js';
export { eventListIndex, formatUuid, uuidToUint64 } from './event-index.js';
export { compileFilter, shouldProcess, type FilterTarget } from './filters.js';
export { validateUserEventParams } from './validate.js';
export { decodeUserEvent, encodeUserEvent } from './codec.js';
export { GOSSIP_EVENT_PREFIX, USER_EVENT_BUFFER_SIZE, USER_EVENT_VERSION } from './constants.js';
export type { EventGossip, GossipUserEvent, LocalService, UserEvent, UserEventParams } from './types.js';
