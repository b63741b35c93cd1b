import { RUMOR_LIMITS, type Butterfly } from '../butterfly/index.js';
import type { EventGossip, LocalService } from '../agent/events/index.js';
import type { ServiceManager } from '../supervisor/index.js';

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

/**
 * The services a service filter is matched against, until the supervisor's
 * services are registered with the local agent: a loaded service's ID is its
 * service group (`redis.default`) and its name the package's (`redis`).
 * Habitat services have no tags.
 */
export function supervisorLocalServices(services: ServiceManager): () => LocalService[] {
  return () => services.list().map((s) => ({ ID: s.serviceGroup, Service: s.pkg.manifest.name, Tags: [] }));
}
