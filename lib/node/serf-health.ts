import type { Member } from '../butterfly/index.js';
import type { Logger } from '../core/logger.js';
import { messageOf } from '../core/errors.js';
import {
  checkRegistration, deregisterCommand, HealthStatus, nameKey, registerCommand, serviceRegistration,
  SERF_CHECK_ID, SERF_CHECK_NAME,
  type CatalogBackend, type CatalogDeregisterCommand, type CatalogNode, type CatalogReader, type CatalogRegisterCommand,
} from '../catalog/index.js';

type RegistryCommand = CatalogRegisterCommand | CatalogDeregisterCommand;

export const SERF_ALIVE_OUTPUT = 'Agent alive and reachable';
export const SERF_FAILED_OUTPUT = 'Agent not live or unreachable';

/** What the reconciler sees of a ring member. */
export type RingMember = Pick<Member, 'id' | 'name' | 'address' | 'gossipPort' | 'state' | 'tags'>;

export interface SerfHealthDeps {
  backend: Pick<CatalogBackend, 'read' | 'write'>;
  /** The ring as this server sees it. */
  members(): readonly RingMember[];
  logger: Logger;
}

export interface SerfHealthConfig {
  datacenter: string;
  /** This server's node name: the leader never deregisters itself. */
  nodeName: string;
}

/**
 * A member id (32 hex digits) as a node ID in UUID form, so a node keeps
 * one ID in the catalog whoever registers it (the leader here, the agent's
 * anti-entropy there). Undefined for ids of another form.
 */
export function nodeIdOf(memberId: string): string | undefined {
  const m = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(memberId.toLowerCase());
  return m === null ? undefined : m.slice(1).join('-');
}

/**
 * The leader's side of Consul's serfHealth (leader_registrator): every ring
 * member is a catalog node with a `serfHealth` check that follows the ring —
 * passing while alive, critical once failed — and goes away when the member
 * leaves, is departed or is forgotten. Servers also get the `consul`
 * service. Nodes registered through /v1/catalog/register without serfHealth
 * are never touched. Writes only what differs, so a quiet ring costs nothing.
 */
export class SerfHealthReconciler {
  #running: Promise<number> | undefined;
  #again = false;

  constructor(private readonly config: SerfHealthConfig, private readonly deps: SerfHealthDeps) {}

  /**
   * One pass (or, while one runs, one more after it). Resolves with the
   * number of catalog writes made; failures are logged and retried next pass.
   */
  reconcile(): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let writes = 0;
      try {
        do {
          this.#again = false;
          writes += await this.#pass();
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
      return writes;
    })();
    return this.#running;
  }

  async #pass(): Promise<number> {
    const members = this.deps.members().filter((m) => m.tags.dc === undefined || m.tags.dc === this.config.datacenter);
    // The leader's own state: only the leader runs this, and every write below is idempotent.
    const { value: commands } = await this.deps.backend.read('stale', (state) => ({ value: this.#plan(state, members), index: 0 }));
    let writes = 0;
    for (const command of commands) {
      try {
        await this.deps.backend.write(command);
        writes++;
      } catch (err) {
        this.deps.logger.warn(`serfHealth: could not update node ${command.Node}: ${messageOf(err)}`);
      }
    }
    return writes;
  }

  #plan(state: CatalogReader, members: readonly RingMember[]): RegistryCommand[] {
    const commands: RegistryCommand[] = [];
    const seen = new Set<string>();
    for (const m of members) {
      seen.add(nameKey(m.name));
      const node = state.registry.node(m.name);
      if (m.state === 'left' || m.state === 'departed') {
        if (node !== undefined && !this.#isSelf(m.name)) commands.push(deregisterCommand({ Node: node.Node }));
        continue;
      }
      const alive = m.state === 'alive' || m.state === 'suspect';
      if (!this.#upToDate(state, node, m, alive)) commands.push(this.#register(node, m, alive));
    }
    // Forgotten members (reaped from the ring) still in the catalog with a serfHealth check.
    for (const node of state.registry.nodes()) {
      if (seen.has(nameKey(node.Node)) || this.#isSelf(node.Node)) continue;
      if (state.registry.nodeChecks(node.Node).some((c) => c.CheckID === SERF_CHECK_ID)) commands.push(deregisterCommand({ Node: node.Node }));
    }
    return commands;
  }

  #isSelf(name: string): boolean {
    return nameKey(name) === nameKey(this.config.nodeName);
  }

  #upToDate(state: CatalogReader, node: CatalogNode | undefined, m: RingMember, alive: boolean): boolean {
    if (node === undefined || node.Address !== m.address) return false;
    const serf = state.registry.nodeChecks(node.Node).find((c) => c.CheckID === SERF_CHECK_ID);
    if (serf === undefined || serf.Status !== (alive ? HealthStatus.Passing : HealthStatus.Critical)) return false;
    if (serf.Output !== (alive ? SERF_ALIVE_OUTPUT : SERF_FAILED_OUTPUT) || serf.Name !== SERF_CHECK_NAME) return false;
    if (!isServer(m)) return true;
    const consul = state.registry.nodeServices(node.Node).find((s) => s.ID === 'consul');
    return consul !== undefined && consul.Port === m.gossipPort;
  }

  #register(node: CatalogNode | undefined, m: RingMember, alive: boolean): CatalogRegisterCommand {
    return registerCommand({
      Datacenter: this.config.datacenter,
      // An existing node keeps its ID, tagged addresses and meta (its agent may have set them).
      ID: node?.ID || nodeIdOf(m.id) || '',
      Node: node?.Node ?? m.name,
      Address: m.address,
      TaggedAddresses: node?.TaggedAddresses ?? null,
      NodeMeta: node?.Meta ?? null,
      Service: isServer(m) ? serviceRegistration({ ID: 'consul', Service: 'consul', Port: m.gossipPort }) : null,
      Checks: [checkRegistration({
        Node: node?.Node ?? m.name,
        CheckID: SERF_CHECK_ID,
        Name: SERF_CHECK_NAME,
        Status: alive ? HealthStatus.Passing : HealthStatus.Critical,
        Output: alive ? SERF_ALIVE_OUTPUT : SERF_FAILED_OUTPUT,
      })],
    });
  }
}

function isServer(m: RingMember): boolean {
  return m.tags.role === 'consul';
}
