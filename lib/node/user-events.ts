import { RUMOR_LIMITS, type Butterfly } from '../butterfly/index.js';
import type { EventGossip } from '../agent/events/index.js';

/**
 * Butterfly's user-event rumors as the agent's events see them. The agent
 * does Consul's own filtering, so the rumors carry no serf-level filters and
 * Butterfly delivers every one; serf's size limit is Butterfly's payload limit.
 */
export function butterflyEventGossip(butterfly: Butterfly): EventGossip {
  const rumors = butterfly.rumors;
  return {
    sizeLimit: rumors.options.maxEventPayloadBytes,
    nameLimit: RUMOR_LIMITS.eventNameLength,
    fire: (name, payload) => rumors.fireEvent({ name, payload }).ltime,
    onEvent: (listener) => rumors.on('event', (e) => listener({ name: e.name, payload: e.payload, ltime: e.ltime })),
  };
}
