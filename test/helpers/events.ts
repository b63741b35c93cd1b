import type { Clock } from '../../lib/core/clock.js';
import { SystemClock } from '../../lib/core/clock.js';
import { SeededRandom } from '../../lib/core/random.js';
import { silentLogger } from '../../lib/core/logger.js';
import { UserEvents, type EventGossip, type GossipUserEvent, type LocalService } from '../../lib/agent/events/index.js';
import { createGatewayApp } from '../../lib/gateway/app.js';
import type { EventsView } from '../../lib/gateway/types.js';
import { serve } from './http.js';
import { emptyHabitat, fakeGossip } from './gateway.js';

/** A gossip ring in one process: a fire reaches every member at once, in order, stamped from one Lamport clock. */
export class FakeEventRing {
  clock = 0;
  members: Array<(e: GossipUserEvent) => void> = [];

  gossip(sizeLimit = 512): EventGossip {
    const ring = this;
    return {
      sizeLimit,
      nameLimit: 128,
      fire(name, payload) {
        const ltime = ring.clock++;
        for (const deliver of [...ring.members]) deliver({ name, payload: Uint8Array.from(payload), ltime });
        return ltime;
      },
      onEvent(listener) {
        ring.members.push(listener);
        return () => {
          ring.members = ring.members.filter((l) => l !== listener);
        };
      },
    };
  }

  /** A started agent on this ring. */
  agent(nodeName: string, services: LocalService[] = [], seed = 1): UserEvents {
    const events = new UserEvents({ gossip: this.gossip(), random: new SeededRandom(seed), nodeName, localServices: () => services, logger: silentLogger() });
    events.start();
    return events;
  }
}

export interface EventServer {
  url: string;
  events: UserEvents;
  /** Blocking lists waiting for an event right now. */
  parked(): number;
}

/** A gateway with only the event routes, over one agent of `ring`, on a free port. */
export async function serveEvents(
  t: { teardown(fn: () => unknown): void },
  options: { ring?: FakeEventRing; nodeName?: string; services?: LocalService[]; clock?: Clock; authToken?: string } = {},
): Promise<EventServer> {
  const ring = options.ring ?? new FakeEventRing();
  const events = ring.agent(options.nodeName ?? 'node1', options.services ?? []);
  let parked = 0;
  const view: EventsView = {
    fire: (p) => events.fire(p),
    list: (name) => events.list(name),
    onEvent: (listener) => {
      parked++;
      const off = events.onEvent(listener);
      return () => {
        parked--;
        off();
      };
    },
    sizeLimit: events.sizeLimit,
  };
  const app = createGatewayApp({
    logger: silentLogger(),
    isReady: () => true,
    authToken: options.authToken,
    gossip: fakeGossip(),
    habitat: emptyHabitat(),
    events: { events: view, datacenter: 'dc1', clock: options.clock ?? new SystemClock() },
  });
  const s = await serve(app);
  t.teardown(s.close);
  return { url: s.url, events, parked: () => parked };
}
