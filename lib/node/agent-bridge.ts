import { isChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AgentNodeInfo, CheckStatus, LocalAgent, ServiceDefinition } from '../agent/index.js';
import { formatIdent, healthDisplay, type HealthStatus, type Service } from '../supervisor/index.js';
import { nodeIdOf } from './agent-self.js';

/**
 * Supervised services as Consul sees them: every service loaded into the
 * supervisor is registered with the local agent, so it shows in
 * `/v1/agent/services` (and, through anti-entropy, `/v1/catalog` and
 * `/v1/health`), with its health-check hook as its check.
 *
 * Naming, as a Consul user would look for it: Name is the package name
 * (`hello`, so `/v1/health/service/hello` finds every node running it), ID is
 * the service group (`hello.default`, unique on the node), Tags hold the group
 * (`default`), Meta the service group and package ident, Port the first port
 * the package exposes. The check is `service:hello.default`, named like
 * Consul's embedded checks; Habitat's Ok/Warning/Critical map to
 * passing/warning/critical and Unknown (a hook that failed or timed out, or
 * no result yet) to critical.
 */
export class SupervisorAgentBridge {
  readonly #agent: LocalAgent;
  readonly #list: () => readonly Service[];
  readonly #log: Logger;
  /** Service group → the definition last registered (as JSON), to re-register only on a change. */
  readonly #registered = new Map<string, string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(agent: LocalAgent, list: () => readonly Service[], logger: Logger) {
    this.#agent = agent;
    this.#list = list;
    this.#log = logger;
  }

  /** Something about the loaded services changed: bring the agent up to date (in order, one pass at a time). */
  changed(): void {
    this.#chain = this.#chain.then(() => this.#reconcile()).catch((err: unknown) => this.#log.error(`cannot update agent services: ${messageOf(err)}`));
  }

  /** Resolves once every change so far has reached the agent. */
  settled(): Promise<void> {
    return this.#chain;
  }

  async #reconcile(): Promise<void> {
    const loaded = new Map(this.#list().map((s) => [s.serviceGroup, s]));
    for (const id of [...this.#registered.keys()]) {
      if (loaded.has(id)) continue;
      this.#registered.delete(id);
      await this.#agent.deregisterService(id).catch((err: unknown) => {
        // Someone deregistered it through the API already.
        if (!isChorusError(err, ErrorCode.NotFound)) throw err;
      });
    }
    for (const [id, service] of loaded) {
      const def = serviceDefinitionFor(service);
      const json = JSON.stringify(def);
      const checkId = checkIdFor(id);
      if (this.#registered.get(id) !== json) {
        await this.#agent.registerService(def, {
          source: 'supervisor',
          externalChecks: [{ CheckID: checkId, Name: `Service '${def.Name}' check`, Notes: `The health-check hook of ${id}` }],
        });
        this.#registered.set(id, json);
      }
      try {
        this.#agent.setCheckStatus(checkId, checkStatusFor(service.health), `Habitat health: ${healthDisplay(service.health)}`);
      } catch (err) {
        if (!isChorusError(err, ErrorCode.NotFound)) throw err;
      }
    }
  }
}

export function checkIdFor(serviceGroup: string): string {
  return `service:${serviceGroup}`;
}

/** Habitat's health as a Consul check status. */
export function checkStatusFor(health: HealthStatus): CheckStatus {
  switch (health) {
    case 'Ok': return 'passing';
    case 'Warning': return 'warning';
    default: return 'critical';
  }
}

/** The agent registration of one supervised service. */
export function serviceDefinitionFor(service: Service): ServiceDefinition {
  const port = firstExposedPort(service);
  return {
    ID: service.serviceGroup,
    Name: service.pkg.manifest.name,
    Tags: [service.spec.group],
    Meta: { habitat_service_group: service.serviceGroup, habitat_package: formatIdent(service.pkg.ident) },
    ...(port === undefined ? {} : { Port: port }),
  };
}

function firstExposedPort(service: Service): number | undefined {
  for (const path of service.pkg.manifest.exposes) {
    let value: unknown = service.cfg;
    for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    const port = typeof value === 'string' ? Number(value) : value;
    if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) return port;
  }
  return undefined;
}

/** This node as anti-entropy registers it in the catalog. */
export function agentNodeInfo(nodeName: string, memberId: string, address: string): AgentNodeInfo {
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  return {
    Node: nodeName,
    ID: nodeIdOf(memberId),
    Address: address,
    TaggedAddresses: { lan: address, [`lan_${family}`]: address, wan: address, [`wan_${family}`]: address },
    Meta: { 'consul-network-segment': '' },
  };
}
