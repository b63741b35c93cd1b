import { SystemClock, type Clock } from '../../lib/core/clock.js';
import { SeededRandom } from '../../lib/core/random.js';
import { silentLogger } from '../../lib/core/logger.js';
import { LocalCatalogBackend, type CatalogBackend } from '../../lib/catalog/index.js';
import type { CoordinateDeps } from '../../lib/gateway/types.js';
import { createGatewayApp } from '../../lib/gateway/app.js';
import { serve } from './http.js';
import { emptyHabitat, fakeGossip } from './gateway.js';

export interface ConsulServer {
  url: string;
  /** The local catalog (behind options.wrap when given). */
  backend: LocalCatalogBackend;
  close(): Promise<void>;
}

export interface ServeConsulOptions {
  /** Runs blocking-query timeouts, session TTLs and lock-delays; default the system clock. */
  clock?: Clock;
  maxValueSize?: number;
  authToken?: string;
  wrap?: (local: LocalCatalogBackend) => CatalogBackend;
  /** The agent's node name (sessions default to it); default 'agent-1'. */
  nodeName?: string;
  sessionTtlMinMs?: number;
  /** Network coordinates: default on, 8 dimensions, no servers known; null turns them off (disable_coordinates). */
  coordinates?: CoordinateDeps | null;
}

/** A gateway with the Consul routes over a fresh local catalog, served on a free port. */
export async function serveConsul(t: { teardown(fn: () => unknown): void }, options: ServeConsulOptions = {}): Promise<ConsulServer> {
  const backend = new LocalCatalogBackend({ datacenter: 'dc1', ...(options.clock === undefined ? {} : { clock: options.clock }) });
  t.teardown(() => backend.close());
  const app = createGatewayApp({
    logger: silentLogger(),
    isReady: () => true,
    authToken: options.authToken,
    gossip: fakeGossip(),
    habitat: emptyHabitat(),
    consul: {
      backend: options.wrap?.(backend) ?? backend,
      clock: options.clock ?? new SystemClock(),
      random: new SeededRandom(1),
      nodeName: options.nodeName ?? 'agent-1',
      sessions: { renew: (id) => backend.renewSession(id), ttlMinMs: options.sessionTtlMinMs },
      ...(options.maxValueSize === undefined ? {} : { maxValueSize: options.maxValueSize }),
      ...(options.coordinates === null ? {} : { coordinates: options.coordinates ?? { servers: () => [], dimensionality: 8 } }),
    },
  });
  const s = await serve(app);
  t.teardown(s.close);
  return { url: s.url, backend, close: s.close };
}
