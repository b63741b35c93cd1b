import { ChorusError, ErrorCode } from '../core/errors.js';
import { same } from './fields.js';
import {
  HealthStatus, SERF_CHECK_ID,
  type CatalogCheck, type CatalogDeregisterCommand, type CatalogNode, type CatalogRegisterCommand, type CatalogService,
  type CheckRegistration, type ServiceRegistration,
} from './registry-types.js';
import type { LogIndex } from './types.js';

/** What one command moved, by watch topic (see WatchTopic): keys are lower-case names. */
export interface RegistryChanges {
  nodes: Set<string>;
  services: Set<string>;
  checks: Set<string>;
  node: Set<string>;
  service: Set<string>;
}

/** The finer indexes a snapshot must keep (they cannot be recomputed: deletes move them too). */
export interface RegistryIndexes {
  nodes: LogIndex;
  services: LogIndex;
  checks: LogIndex;
  node: Map<string, LogIndex>;
  service: Map<string, LogIndex>;
  nodeExtinction: LogIndex;
  serviceExtinction: LogIndex;
}

/** A service instance with its node, as health and catalog service queries show it. */
export interface ServiceInstance {
  node: CatalogNode;
  service: CatalogService;
}

/** Consul looks nodes, services and checks up case-insensitively (its indexes lower-case them). */
export const nameKey = (name: string): string => name.toLowerCase();

function rejected(message: string): ChorusError {
  return new ChorusError(ErrorCode.Rejected, message);
}

function byKey<T>(map: Map<string, T> | undefined): T[] {
  if (map === undefined) return [];
  return [...map.keys()].sort().map((k) => map.get(k)!);
}

function serviceRegistrationOf(s: CatalogService): ServiceRegistration {
  const { Node: _node, CreateIndex: _c, ModifyIndex: _m, ...registration } = s;
  return registration;
}

function checkRegistrationOf(c: CatalogCheck): Omit<CatalogCheck, 'CreateIndex' | 'ModifyIndex'> {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = c;
  return rest;
}

/**
 * The node, service and check tables with Consul's indexes: one per table,
 * one per node (the node, its services and checks) and one per service name
 * (its instances, their checks and nodes). A register command is checked in
 * full before anything changes, so it applies all or nothing; identical
 * re-registrations change nothing and move no index.
 */
export class RegistryTable {
  readonly #nodes = new Map<string, CatalogNode>();
  /** Node ID (lower-case) → node key. */
  readonly #ids = new Map<string, string>();
  /** Node key → service ID key → instance. */
  readonly #services = new Map<string, Map<string, CatalogService>>();
  /** Node key → check ID key → check. */
  readonly #checks = new Map<string, Map<string, CatalogCheck>>();
  /** Service name key → node key → service ID keys. */
  readonly #byName = new Map<string, Map<string, Set<string>>>();
  #indexes: RegistryIndexes = {
    nodes: 0, services: 0, checks: 0, node: new Map(), service: new Map(), nodeExtinction: 0, serviceExtinction: 0,
  };

  // ---- reads -------------------------------------------------------------

  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** Every node, ordered by name. */
  nodes(): CatalogNode[] {
    return byKey(this.#nodes);
  }

  node(name: string): CatalogNode | undefined {
    return this.#nodes.get(nameKey(name));
  }

  /** A node's services, ordered by ID. */
  nodeServices(name: string): CatalogService[] {
    return byKey(this.#services.get(nameKey(name)));
  }

  /** A node's checks, ordered by check ID. */
  nodeChecks(name: string): CatalogCheck[] {
    return byKey(this.#checks.get(nameKey(name)));
  }

  /** The instances of a service, ordered by node then service ID. */
  serviceInstances(name: string): ServiceInstance[] {
    const byNode = this.#byName.get(nameKey(name));
    if (byNode === undefined) return [];
    const out: ServiceInstance[] = [];
    for (const nodeKey of [...byNode.keys()].sort()) {
      const node = this.#nodes.get(nodeKey)!;
      const services = this.#services.get(nodeKey)!;
      for (const id of [...byNode.get(nodeKey)!].sort()) out.push({ node, service: services.get(id)! });
    }
    return out;
  }

  /** The checks of one service instance plus its node's own checks, ordered by check ID. */
  instanceChecks(instance: ServiceInstance): CatalogCheck[] {
    const id = nameKey(instance.service.ID);
    return this.nodeChecks(instance.node.Node).filter((c) => c.ServiceID === '' || nameKey(c.ServiceID) === id);
  }

  /** The checks of every instance of a service (not node checks), ordered by node then check ID. */
  serviceChecks(name: string): CatalogCheck[] {
    const out: CatalogCheck[] = [];
    for (const instance of this.serviceInstances(name)) {
      const id = nameKey(instance.service.ID);
      for (const c of this.nodeChecks(instance.node.Node)) if (c.ServiceID !== '' && nameKey(c.ServiceID) === id) out.push(c);
    }
    // Two instances on one node interleave by check ID, as one node's checks are one sorted run.
    return out.sort((a, b) => cmp(nameKey(a.Node), nameKey(b.Node)) || cmp(nameKey(a.CheckID), nameKey(b.CheckID)));
  }

  /** Every check, ordered by node then check ID. */
  checks(): CatalogCheck[] {
    return [...this.#checks.keys()].sort().flatMap((k) => byKey(this.#checks.get(k)));
  }

  /** Service name → the union of its instances' tags (in the order first seen), names as registered. */
  services(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const nodeKey of [...this.#services.keys()].sort()) {
      for (const s of byKey(this.#services.get(nodeKey))) {
        let tags = out.get(s.Service);
        if (tags === undefined) out.set(s.Service, (tags = []));
        for (const tag of s.Tags ?? []) if (!tags.includes(tag)) tags.push(tag);
      }
    }
    return out;
  }

  tableIndex(table: 'nodes' | 'services' | 'checks'): LogIndex {
    return this.#indexes[table];
  }

  /** The last change to a node, its services or checks; once it is gone, the last node removal. */
  nodeIndex(name: string): LogIndex {
    return this.#indexes.node.get(nameKey(name)) ?? this.#indexes.nodeExtinction;
  }

  /** The last change to a service's instances, their checks or nodes; once none is left, the last such extinction. */
  serviceIndex(name: string): LogIndex {
    return this.#indexes.service.get(nameKey(name)) ?? this.#indexes.serviceExtinction;
  }

  get indexes(): Readonly<RegistryIndexes> {
    return this.#indexes;
  }

  // ---- writes ------------------------------------------------------------

  register(index: LogIndex, cmd: CatalogRegisterCommand): RegistryChanges {
    const changes = emptyChanges();
    const key = nameKey(cmd.Node);
    const existing = this.#nodes.get(key);
    const writeNode = existing === undefined || (!cmd.SkipNodeUpdate && changesNode(cmd, existing));
    // Everything that can refuse the command runs before anything changes.
    const renameFrom = writeNode ? this.#checkNodeId(cmd) : undefined;
    for (const check of cmd.Checks) {
      if (check.ServiceID === '' || cmd.Service?.ID === check.ServiceID) continue;
      if (this.#services.get(key)?.get(nameKey(check.ServiceID)) === undefined) {
        throw rejected(`Unknown service ID '${check.ServiceID}' for check ID '${check.CheckID}'`);
      }
    }

    if (writeNode) {
      let previous = existing;
      if (renameFrom !== undefined) {
        previous = this.#nodes.get(renameFrom);
        this.#deleteNode(renameFrom, changes);
      }
      this.#putNode(index, cmd, previous, changes);
    }
    if (cmd.Service !== null) this.#putService(index, key, cmd.Node, cmd.Service, changes);
    for (const check of cmd.Checks) this.#putCheck(index, key, check, changes);
    this.#stamp(index, changes);
    return changes;
  }

  deregister(index: LogIndex, cmd: CatalogDeregisterCommand): RegistryChanges {
    const changes = emptyChanges();
    const key = nameKey(cmd.Node);
    // Consul's precedence: a service, else a check, else the node. Missing things are not an error.
    if (cmd.ServiceID !== '') this.#deleteService(key, nameKey(cmd.ServiceID), changes);
    else if (cmd.CheckID !== '') this.#deleteCheck(key, nameKey(cmd.CheckID), changes);
    else this.#deleteNode(key, changes);
    this.#stamp(index, changes);
    return changes;
  }

  // ---- snapshot loading (rows are checked by the caller) ------------------

  loadNode(node: CatalogNode): void {
    this.#nodes.set(nameKey(node.Node), node);
    if (node.ID !== '') this.#ids.set(node.ID.toLowerCase(), nameKey(node.Node));
  }

  loadService(service: CatalogService): void {
    this.#index(nameKey(service.Node), service);
  }

  loadCheck(check: CatalogCheck): void {
    const key = nameKey(check.Node);
    let checks = this.#checks.get(key);
    if (checks === undefined) this.#checks.set(key, (checks = new Map()));
    checks.set(nameKey(check.CheckID), check);
  }

  loadIndexes(indexes: RegistryIndexes): void {
    this.#indexes = indexes;
  }

  // ---- internals ---------------------------------------------------------

  /**
   * Consul's node ID rules (ensureNodeTxn): an ID already held by a node of
   * another name renames that node, unless the new name belongs to a healthy
   * node with another ID; a new ID may not take the name of a healthy node
   * that has an ID. Returns the key of the node a rename removes.
   */
  #checkNodeId(cmd: CatalogRegisterCommand): string | undefined {
    if (cmd.ID === '') return undefined;
    const holder = this.#ids.get(cmd.ID.toLowerCase());
    if (holder !== undefined) {
      if (holder === nameKey(cmd.Node)) return undefined;
      const clash = this.#nameClash(cmd, false);
      if (clash !== undefined) throw rejected(`Error while renaming Node ID: "${cmd.ID}" (${cmd.Address}): ${clash}`);
      return holder;
    }
    const clash = this.#nameClash(cmd, true);
    if (clash !== undefined) throw rejected(`Error while renaming Node ID: "${cmd.ID}": ${clash}`);
    return undefined;
  }

  #nameClash(cmd: CatalogRegisterCommand, allowClashWithoutId: boolean): string | undefined {
    const other = this.#nodes.get(nameKey(cmd.Node));
    if (other === undefined || other.ID === cmd.ID) return undefined;
    // A node whose serfHealth is critical, or that has none (an external node), may be taken over.
    const serf = this.#checks.get(nameKey(other.Node))?.get(nameKey(SERF_CHECK_ID));
    const healthy = serf !== undefined && serf.Status !== HealthStatus.Critical;
    if ((other.ID === '' && allowClashWithoutId) || !healthy) return undefined;
    return `Node name ${cmd.Node} is reserved by node ${other.ID} with name ${other.Node} (${other.Address})`;
  }

  #putNode(index: LogIndex, cmd: CatalogRegisterCommand, previous: CatalogNode | undefined, changes: RegistryChanges): void {
    const fields = {
      ID: cmd.ID, Node: cmd.Node, Address: cmd.Address, Datacenter: cmd.Datacenter,
      TaggedAddresses: cmd.TaggedAddresses, Meta: cmd.NodeMeta,
    };
    if (previous !== undefined && nameKey(previous.Node) === nameKey(cmd.Node) && same(fields, withoutIndexes(previous))) return;
    const key = nameKey(cmd.Node);
    const old = this.#nodes.get(key);
    if (old !== undefined && old.ID !== '') this.#ids.delete(old.ID.toLowerCase());
    this.#nodes.set(key, { ...fields, CreateIndex: previous?.CreateIndex ?? index, ModifyIndex: index });
    if (cmd.ID !== '') this.#ids.set(cmd.ID.toLowerCase(), key);
    changes.nodes.add(key);
    this.#nodeMoved(key, changes);
  }

  #putService(index: LogIndex, nodeKey: string, nodeName: string, service: ServiceRegistration, changes: RegistryChanges): void {
    const idKey = nameKey(service.ID);
    const existing = this.#services.get(nodeKey)?.get(idKey);
    if (existing !== undefined && same(serviceRegistrationOf(existing), service)) return;
    if (existing !== undefined) this.#unindex(nodeKey, existing, changes);
    const stored: CatalogService = { ...service, Node: nodeName, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index };
    this.#index(nodeKey, stored);
    changes.services.add(nameKey(service.Service));
    changes.service.add(nameKey(service.Service));
    changes.node.add(nodeKey);
  }

  #putCheck(index: LogIndex, nodeKey: string, check: CheckRegistration, changes: RegistryChanges): void {
    const service = check.ServiceID === '' ? undefined : this.#services.get(nodeKey)?.get(nameKey(check.ServiceID));
    const fields: Omit<CatalogCheck, 'CreateIndex' | 'ModifyIndex'> = {
      ...check,
      ServiceName: service?.Service ?? '',
      ServiceTags: service === undefined ? null : service.Tags,
    };
    let checks = this.#checks.get(nodeKey);
    const idKey = nameKey(check.CheckID);
    const existing = checks?.get(idKey);
    if (existing !== undefined && same(checkRegistrationOf(existing), fields)) return;
    if (checks === undefined) this.#checks.set(nodeKey, (checks = new Map()));
    checks.set(idKey, { ...fields, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index });
    if (existing !== undefined) this.#checkMoved(nodeKey, existing, changes);
    this.#checkMoved(nodeKey, fields, changes);
  }

  #deleteNode(nodeKey: string, changes: RegistryChanges): void {
    const node = this.#nodes.get(nodeKey);
    if (node === undefined) return;
    for (const id of [...(this.#services.get(nodeKey)?.keys() ?? [])]) this.#deleteService(nodeKey, id, changes);
    for (const id of [...(this.#checks.get(nodeKey)?.keys() ?? [])]) this.#deleteCheck(nodeKey, id, changes);
    this.#nodes.delete(nodeKey);
    if (node.ID !== '' && this.#ids.get(node.ID.toLowerCase()) === nodeKey) this.#ids.delete(node.ID.toLowerCase());
    changes.nodes.add(nodeKey);
    changes.node.add(nodeKey);
  }

  #deleteService(nodeKey: string, idKey: string, changes: RegistryChanges): void {
    const service = this.#services.get(nodeKey)?.get(idKey);
    if (service === undefined) return;
    // A service's checks go with it.
    for (const c of [...(this.#checks.get(nodeKey)?.values() ?? [])]) {
      if (c.ServiceID !== '' && nameKey(c.ServiceID) === idKey) this.#deleteCheck(nodeKey, nameKey(c.CheckID), changes);
    }
    this.#unindex(nodeKey, service, changes);
    changes.node.add(nodeKey);
  }

  #deleteCheck(nodeKey: string, idKey: string, changes: RegistryChanges): void {
    const checks = this.#checks.get(nodeKey);
    const check = checks?.get(idKey);
    if (check === undefined) return;
    checks!.delete(idKey);
    if (checks!.size === 0) this.#checks.delete(nodeKey);
    this.#checkMoved(nodeKey, check, changes);
  }

  /** A check changed: its node, and its service (or, for a node check, every service on the node). */
  #checkMoved(nodeKey: string, check: Pick<CatalogCheck, 'ServiceID' | 'ServiceName'>, changes: RegistryChanges): void {
    changes.checks.add(nodeKey);
    changes.node.add(nodeKey);
    if (check.ServiceID !== '') changes.service.add(nameKey(check.ServiceName));
    else for (const s of this.#services.get(nodeKey)?.values() ?? []) changes.service.add(nameKey(s.Service));
  }

  /** A node's own fields changed: every service on it shows the node, so all their indexes move. */
  #nodeMoved(nodeKey: string, changes: RegistryChanges): void {
    changes.node.add(nodeKey);
    for (const s of this.#services.get(nodeKey)?.values() ?? []) changes.service.add(nameKey(s.Service));
  }

  #index(nodeKey: string, service: CatalogService): void {
    const idKey = nameKey(service.ID);
    let services = this.#services.get(nodeKey);
    if (services === undefined) this.#services.set(nodeKey, (services = new Map()));
    services.set(idKey, service);
    const name = nameKey(service.Service);
    let byNode = this.#byName.get(name);
    if (byNode === undefined) this.#byName.set(name, (byNode = new Map()));
    let ids = byNode.get(nodeKey);
    if (ids === undefined) byNode.set(nodeKey, (ids = new Set()));
    ids.add(idKey);
  }

  #unindex(nodeKey: string, service: CatalogService, changes: RegistryChanges): void {
    const idKey = nameKey(service.ID);
    const services = this.#services.get(nodeKey)!;
    services.delete(idKey);
    if (services.size === 0) this.#services.delete(nodeKey);
    const name = nameKey(service.Service);
    const byNode = this.#byName.get(name)!;
    const ids = byNode.get(nodeKey)!;
    ids.delete(idKey);
    if (ids.size === 0) byNode.delete(nodeKey);
    if (byNode.size === 0) this.#byName.delete(name);
    changes.services.add(name);
    changes.service.add(name);
  }

  /** Moves every index the changes touched to `index`; names with nothing left move the extinction index instead. */
  #stamp(index: LogIndex, changes: RegistryChanges): void {
    const ix = this.#indexes;
    if (changes.nodes.size > 0) ix.nodes = index;
    if (changes.services.size > 0) ix.services = index;
    if (changes.checks.size > 0) ix.checks = index;
    for (const key of changes.node) {
      if (this.#nodes.has(key)) ix.node.set(key, index);
      else if (ix.node.delete(key) || changes.nodes.has(key)) ix.nodeExtinction = index;
    }
    for (const name of changes.service) {
      if (this.#byName.has(name)) ix.service.set(name, index);
      else if (ix.service.delete(name)) ix.serviceExtinction = index;
    }
  }
}

function emptyChanges(): RegistryChanges {
  return { nodes: new Set(), services: new Set(), checks: new Set(), node: new Set(), service: new Set() };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withoutIndexes(n: CatalogNode): Omit<CatalogNode, 'CreateIndex' | 'ModifyIndex'> {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = n;
  return rest;
}

/** Consul's RegisterRequest.ChangesNode: any node field differs (the name only in more than case). */
function changesNode(cmd: CatalogRegisterCommand, node: CatalogNode): boolean {
  return cmd.ID !== node.ID || nameKey(cmd.Node) !== nameKey(node.Node) || cmd.Address !== node.Address
    || cmd.Datacenter !== node.Datacenter || !same(cmd.TaggedAddresses, node.TaggedAddresses) || !same(cmd.NodeMeta, node.Meta);
}
