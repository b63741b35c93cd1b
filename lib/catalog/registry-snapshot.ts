import { record, str, stringMap, uint, type Fail } from './fields.js';
import { readCheck, readService } from './registry-commands.js';
import { nameKey, RegistryTable, type RegistryIndexes } from './registry-table.js';
import type { CatalogCheck, CatalogNode, CatalogService } from './registry-types.js';
import type { LogIndex } from './types.js';

/**
 * The registry's part of a snapshot (layout version 2):
 *
 *   { nodes: [Node...], services: [NodeService + Node...], checks: [HealthCheck...],
 *     indexes: { nodes, services, checks, node: [[key, index]...], service: [[key, index]...],
 *                nodeExtinction, serviceExtinction } }
 *
 * Rows are maps with Consul's field names: a registry is small next to the
 * KV table, and maps keep the nested fields (tags, meta, definitions) plain.
 */
export interface RegistrySnapshot {
  nodes: CatalogNode[];
  services: CatalogService[];
  checks: CatalogCheck[];
  indexes: {
    nodes: LogIndex; services: LogIndex; checks: LogIndex;
    node: [string, LogIndex][]; service: [string, LogIndex][];
    nodeExtinction: LogIndex; serviceExtinction: LogIndex;
  };
}

export function writeRegistry(r: RegistryTable): RegistrySnapshot {
  const nodes = r.nodes();
  const services = nodes.flatMap((n) => r.nodeServices(n.Node));
  const checks = nodes.flatMap((n) => r.nodeChecks(n.Node));
  const ix = r.indexes;
  const sorted = (m: Map<string, LogIndex>): [string, LogIndex][] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    nodes, services, checks,
    indexes: {
      nodes: ix.nodes, services: ix.services, checks: ix.checks, node: sorted(ix.node), service: sorted(ix.service),
      nodeExtinction: ix.nodeExtinction, serviceExtinction: ix.serviceExtinction,
    },
  };
}

/** Reads and checks the registry part; `max` bounds every index (the snapshot's lastIndex). */
export function readRegistry(raw: unknown, max: LogIndex, fail: Fail): RegistryTable {
  const o = record(raw, 'registry', fail);
  const ixRaw = record(o.indexes, 'registry indexes', fail);
  const index = (v: Record<string, unknown>, field: string): LogIndex => {
    const n = uint(v, field, fail);
    if (n > max) throw fail(`${field} ${n} is past ${max}`);
    return n;
  };
  const pairs = (field: string): Map<string, LogIndex> => {
    const v = ixRaw[field];
    if (!Array.isArray(v)) throw fail(`registry ${field} indexes are not a list`);
    const m = new Map<string, LogIndex>();
    for (const p of v) {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string') throw fail(`a registry ${field} index is malformed`);
      m.set(p[0], index({ i: p[1] }, 'i'));
    }
    return m;
  };
  const indexes: RegistryIndexes = {
    nodes: index(ixRaw, 'nodes'), services: index(ixRaw, 'services'), checks: index(ixRaw, 'checks'),
    node: pairs('node'), service: pairs('service'),
    nodeExtinction: index(ixRaw, 'nodeExtinction'), serviceExtinction: index(ixRaw, 'serviceExtinction'),
  };
  const table = new RegistryTable();
  const rows = (field: string): Record<string, unknown>[] => {
    if (!Array.isArray(o[field])) throw fail(`registry ${field} is not a list`);
    return (o[field] as unknown[]).map((r) => record(r, `a ${field} row`, fail));
  };
  const indexesOf = (r: Record<string, unknown>, tableIndex: LogIndex) => {
    const ModifyIndex = index(r, 'ModifyIndex');
    if (ModifyIndex > tableIndex) throw fail(`ModifyIndex ${ModifyIndex} is past its table's ${tableIndex}`);
    const CreateIndex = index(r, 'CreateIndex');
    if (CreateIndex > ModifyIndex) throw fail(`CreateIndex ${CreateIndex} is past ModifyIndex ${ModifyIndex}`);
    return { CreateIndex, ModifyIndex };
  };
  for (const r of rows('nodes')) {
    const node: CatalogNode = {
      ID: str(r, 'ID', fail), Node: str(r, 'Node', fail), Address: str(r, 'Address', fail), Datacenter: str(r, 'Datacenter', fail),
      TaggedAddresses: stringMap(r, 'TaggedAddresses', fail), Meta: stringMap(r, 'Meta', fail), ...indexesOf(r, indexes.nodes),
    };
    if (node.Node === '' || table.node(node.Node) !== undefined) throw fail(`node ${JSON.stringify(node.Node)} is empty or repeated`);
    table.loadNode(node);
  }
  for (const r of rows('services')) {
    const service: CatalogService = { ...readService(r, fail), Node: str(r, 'Node', fail), ...indexesOf(r, indexes.services) };
    if (table.node(service.Node) === undefined) throw fail(`service ${JSON.stringify(service.ID)} is on unknown node ${JSON.stringify(service.Node)}`);
    if (service.ID === '' || table.nodeServices(service.Node).some((s) => nameKey(s.ID) === nameKey(service.ID))) {
      throw fail(`service ID ${JSON.stringify(service.ID)} is empty or repeated`);
    }
    table.loadService(service);
  }
  for (const r of rows('checks')) {
    const tags = r.ServiceTags;
    if (tags !== null && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) throw fail('ServiceTags is not a list of strings');
    const check: CatalogCheck = {
      ...readCheck(r, fail), ServiceName: str(r, 'ServiceName', fail), ServiceTags: tags as string[] | null, ...indexesOf(r, indexes.checks),
    };
    if (table.node(check.Node) === undefined) throw fail(`check ${JSON.stringify(check.CheckID)} is on unknown node ${JSON.stringify(check.Node)}`);
    if (check.CheckID === '' || table.nodeChecks(check.Node).some((c) => nameKey(c.CheckID) === nameKey(check.CheckID))) {
      throw fail(`check ID ${JSON.stringify(check.CheckID)} is empty or repeated`);
    }
    table.loadCheck(check);
  }
  table.loadIndexes(indexes);
  return table;
}
