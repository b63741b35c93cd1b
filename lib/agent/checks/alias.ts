import type { Clock, Timer } from '../../core/clock.js';
import { messageOf } from '../../core/errors.js';
import { ALIAS_NODE_POLL_MS, ALIAS_REFRESH_MS } from '../constants.js';
import type { CheckStatus } from '../types.js';
import type { CheckNotify, CheckRunner } from './types.js';

/**
 * Consul's alias check (agent/checks/alias.go): the health of another
 * service, or node, mirrored. Critical if any of its checks is critical,
 * else warning if any warns, else passing; the node's own checks count too.
 * A local service is watched in the agent's state; a node (AliasNode) is
 * read from the catalog.
 */

/** The fields of a check an alias looks at (a local check or a catalog one). */
export interface AliasedCheck {
  Node?: string | undefined;
  CheckID?: string | undefined;
  Name?: string | undefined;
  Status?: string | undefined;
  Output?: string | undefined;
  ServiceID?: string | undefined;
}

/** Where alias checks look: the agent's own state and the catalog. */
export interface AliasSource {
  /** This agent's node name. */
  nodeName: string;
  localChecks(): AliasedCheck[];
  serviceExists(serviceId: string): boolean;
  /** Calls `fn` after any change of the local state; returns the unsubscribe. */
  onLocalChange(fn: () => void): () => void;
  /** A node's services and checks in the catalog, undefined for a node it does not know; rejects when it cannot be reached. */
  catalogNode(node: string): Promise<{ Services: Array<{ ID?: string | undefined }>; Checks: AliasedCheck[] } | undefined>;
}

export interface AliasTarget {
  /** The alias check's own ID: it never mirrors itself. */
  checkId: string;
  /** AliasNode; empty for a service of this agent. */
  node: string;
  /** AliasService; empty to mirror only the node's own checks. */
  serviceId: string;
}

/** CheckAlias.processChecks: the mirrored status and its output text. */
export function aliasStatus(
  checks: AliasedCheck[], target: AliasTarget, serviceExists: (id: string) => boolean, self?: { node: string },
): { status: CheckStatus; output: string } {
  let status: CheckStatus = 'passing';
  let output = 'No checks found.';
  let serviceFound = false;
  for (const chk of checks) {
    if (chk.CheckID === target.checkId && (self === undefined || (chk.Node ?? '').toLowerCase() === self.node.toLowerCase())) continue;
    if (target.node !== '' && (chk.Node ?? '').toLowerCase() !== target.node.toLowerCase()) continue;
    const serviceMatch = (chk.ServiceID ?? '') === target.serviceId;
    if ((chk.ServiceID ?? '') !== '' && !serviceMatch) continue;
    if (serviceMatch) serviceFound = true;
    if (chk.Status === 'critical' || chk.Status === 'warning') {
      status = chk.Status;
      output = `Aliased check ${JSON.stringify(chk.Name ?? '')} failing: ${chk.Output ?? ''}`;
      // Nothing is worse than critical; a warning may still be outdone.
      if (chk.Status === 'critical') break;
    } else if (status === 'passing') {
      output = 'All checks passing.';
    }
  }
  if (!serviceFound && !serviceExists(target.serviceId)) {
    return { status: 'critical', output: `Service ${target.serviceId} could not be found on node ${target.node}` };
  }
  return { status, output };
}

export interface AliasRunnerDeps {
  clock: Clock;
  source: AliasSource;
  notify: CheckNotify;
}

export class AliasRunner implements CheckRunner {
  readonly #deps: AliasRunnerDeps;
  readonly #target: AliasTarget;
  #running = false;
  #timer: Timer | undefined;
  #unsubscribe: (() => void) | undefined;
  #queued = false;
  #failures = 0;

  constructor(deps: AliasRunnerDeps, target: AliasTarget) {
    this.#deps = deps;
    this.#target = target;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#target.node === '') {
      // Changes come in bursts (a registration adds a service and its checks): one look per burst.
      this.#unsubscribe = this.#deps.source.onLocalChange(() => this.#queueLocal());
      this.#updateLocal();
    } else {
      void this.#pollNode();
    }
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #queueLocal(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      if (this.#running) this.#updateLocal();
    });
  }

  #updateLocal(): void {
    const { source } = this.#deps;
    const r = aliasStatus(source.localChecks(), this.#target, (id) => source.serviceExists(id));
    this.#deps.notify(r.status, r.output);
    this.#timer?.cancel();
    this.#timer = this.#deps.clock.setTimer(ALIAS_REFRESH_MS, () => this.#updateLocal());
  }

  async #pollNode(): Promise<void> {
    const { source } = this.#deps;
    try {
      const node = await source.catalogNode(this.#target.node);
      if (!this.#running) return;
      this.#failures = 0;
      const services = node?.Services ?? [];
      const r = aliasStatus(node?.Checks ?? [], this.#target, (id) => services.some((s) => s.ID === id), { node: source.nodeName });
      this.#deps.notify(r.status, r.output);
    } catch (err) {
      if (!this.#running) return;
      // One failed read may be a leader change; Consul reports from the second in a row.
      if (++this.#failures > 1) this.#deps.notify('critical', `Failure checking aliased node or service: ${messageOf(err)}`);
    }
    this.#timer = this.#deps.clock.setTimer(ALIAS_NODE_POLL_MS, () => void this.#pollNode());
  }
}
