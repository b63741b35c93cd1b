import { SystemClock } from '../../lib/core/clock.js';
import { SeededRandom } from '../../lib/core/random.js';
import { silentLogger } from '../../lib/core/logger.js';
import { LocalCatalogBackend } from '../../lib/catalog/index.js';
import { createGatewayApp } from '../../lib/gateway/app.js';
import type { ConsulMember } from '../../lib/gateway/types.js';
import { AclResolver, bootstrapAclTokens } from '../../lib/agent/acl/index.js';
import { serve } from './http.js';
import { FakeEventRing } from './events.js';
import { emptyHabitat, fakeGossip } from './gateway.js';

export interface AclServer {
  url: string;
  backend: LocalCatalogBackend;
  gossip: ReturnType<typeof fakeGossip>;
}

export interface AclServerOptions {
  enabled?: boolean;
  defaultPolicy?: 'allow' | 'deny';
  masterToken?: string;
  /** The gateway's own bearer token (HAB_SUP_GATEWAY_AUTH_TOKEN). */
  authToken?: string;
  members?: ConsulMember[];
  /** Skip writing the master and anonymous tokens, as before a leader has done so. */
  noBootstrap?: boolean;
}

export function member(name: string): ConsulMember {
  return {
    Name: name, Addr: '127.0.0.1', Port: 9638, Tags: { role: 'node' }, Status: 1,
    ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
  };
}

/**
 * A gateway with the Consul routes and legacy ACLs over a local catalog,
 * as a single server with ACLs on would be once its leader bootstrapped the
 * master and anonymous tokens. The agent's node name is "node1".
 */
export async function serveWithAcl(t: { teardown(fn: () => unknown): void }, options: AclServerOptions = {}): Promise<AclServer> {
  const backend = new LocalCatalogBackend({ datacenter: 'dc1' });
  const enabled = options.enabled ?? true;
  const masterToken = options.masterToken ?? 'root';
  if (enabled && options.noBootstrap !== true) await bootstrapAclTokens(backend, backend.state, masterToken);
  const gossip = fakeGossip(options.members ?? [member('node1')]);
  const resolver = new AclResolver({
    enabled,
    defaultPolicy: options.defaultPolicy ?? 'deny',
    ...(options.noBootstrap === true ? {} : { masterToken }),
    lookup: (id) => backend.state.acl.get(id),
  });
  const events = new FakeEventRing().agent('node1');
  const app = createGatewayApp({
    logger: silentLogger(),
    isReady: () => true,
    authToken: options.authToken,
    gossip,
    events: {
      events: { fire: (p) => events.fire(p), list: (name) => events.list(name), onEvent: (l) => events.onEvent(l), sizeLimit: 512 },
      datacenter: 'dc1',
      clock: new SystemClock(),
    },
    habitat: emptyHabitat(),
    agent: { self: () => ({ Config: { NodeName: 'node1' } }) },
    cluster: { leader: () => '127.0.0.1:9638', peers: () => ['127.0.0.1:9638'] },
    consul: { backend, clock: new SystemClock(), random: new SeededRandom(7), coordinates: { servers: () => [], dimensionality: 8 } },
    acl: { resolver, nodeName: 'node1' },
  });
  const s = await serve(app);
  t.teardown(s.close);
  return { url: s.url, backend, gossip };
}
