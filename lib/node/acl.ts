import type { Clock, Timer } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import { AclResolver, bootstrapAclTokens, type TokenLookup } from '../agent/acl/index.js';
import type { AclToken } from '../catalog/index.js';
import type { AclConfig } from '../config/index.js';
import type { RaftServer } from './raft-server.js';

/** How soon a failed bootstrap (a leader that lost office mid-write, no quorum yet) is tried again. */
const BOOTSTRAP_RETRY_MS = 1_000;

/**
 * On a server with ACLs on: each time this server becomes leader (once per
 * term), it makes sure the master and anonymous tokens exist, through Raft,
 * as Consul's leader does when it establishes leadership.
 */
export class AclLeaderBootstrap {
  #off: (() => void) | undefined;
  #timer: Timer | undefined;
  #doneTerm = -1;
  #running = false;

  constructor(private readonly server: RaftServer, private readonly masterToken: string | undefined, private readonly clock: Clock, private readonly logger: Logger) {}

  start(): void {
    this.#off = this.server.raft.on('state', () => this.#maybeRun());
    this.#maybeRun();
  }

  stop(): void {
    this.#off?.();
    this.#timer?.cancel();
  }

  #maybeRun(): void {
    const s = this.server.status();
    if (s.role !== 'leader' || s.term === this.#doneTerm || this.#running) return;
    this.#running = true;
    const term = s.term;
    bootstrapAclTokens(this.server.backend, this.server.machine.state, this.masterToken)
      .then((written) => {
        this.#doneTerm = term;
        if (written > 0) this.logger.info(`ACL bootstrap: created ${written} token(s) (master and anonymous)`);
      })
      .catch((err: unknown) => {
        this.logger.warn(`ACL bootstrap failed, retrying: ${messageOf(err)}`);
        this.#timer?.cancel();
        this.#timer = this.clock.setTimer(BOOTSTRAP_RETRY_MS, () => this.#maybeRun());
      })
      .finally(() => {
        this.#running = false;
      });
  }
}

/** How long a client node trusts a token it asked a server about (Consul's acl_ttl default). */
export const ACL_TTL_MS = 30_000;

/**
 * A client node holds no catalog: it asks a server for a token
 * (`/v1/acl/info/<id>?stale`) and keeps the answer for ACL_TTL_MS. When no
 * server answers, a token it knew is used past its time (Consul's
 * extend-cache down policy); one it never saw fails the request.
 */
export function remoteTokenLookup(server: () => string | undefined, clock: Clock): TokenLookup {
  const cache = new Map<string, { token: AclToken | undefined; until: number }>();
  return async (id) => {
    const now = clock.now();
    const hit = cache.get(id);
    if (hit !== undefined && hit.until > now) return hit.token;
    const base = server();
    try {
      if (base === undefined) throw new Error('No known Consul servers');
      const res = await fetch(`${base}/v1/acl/info/${encodeURIComponent(id)}?stale`, { headers: { 'X-Consul-Token': id } });
      if (!res.ok) throw new Error(`${res.status} ${(await res.text()).trim()}`);
      const body = (await res.json()) as AclToken[] | null;
      const token = body?.[0];
      if (cache.size > 4096) cache.clear();
      cache.set(id, { token, until: now + ACL_TTL_MS });
      return token;
    } catch (err) {
      if (hit !== undefined) return hit.token;
      throw new ChorusError(ErrorCode.OperationFailed, `ACL lookup failed: ${messageOf(err)}`);
    }
  };
}

/** The node's resolver: tokens from the local catalog on a server, from a server on a client node. */
export function nodeAclResolver(config: AclConfig, lookup: TokenLookup): AclResolver {
  return new AclResolver({ enabled: config.enabled, defaultPolicy: config.defaultPolicy, masterToken: config.masterToken, lookup });
}
