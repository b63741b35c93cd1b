import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { resolveHttpTarget, type HttpTarget } from '../config/index.js';
import { apiRequest, withHttpOptions, type HttpTargetFlags } from './http-client.js';
import { PROCESS_IO, type KvIo } from './kv.js';
import { formatTable } from './table.js';

interface NodeJson {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
}

interface AgentServiceJson {
  ID: string;
  Service: string;
  Tags: string[];
  Port: number;
  Address: string;
}

/** The catalog and this agent's services over HTTP, as `chorus catalog` and `chorus services` use them. */
export class CatalogClient {
  constructor(readonly target: HttpTarget) {}

  async nodes(): Promise<NodeJson[]> {
    return (await (await apiRequest(this.target, 'GET', '/v1/catalog/nodes')).json()) as NodeJson[];
  }

  async services(): Promise<Record<string, string[]>> {
    return (await (await apiRequest(this.target, 'GET', '/v1/catalog/services')).json()) as Record<string, string[]>;
  }

  async agentServices(): Promise<Record<string, AgentServiceJson>> {
    return (await (await apiRequest(this.target, 'GET', '/v1/agent/services')).json()) as Record<string, AgentServiceJson>;
  }

  /** Registers a service definition (Consul's JSON; a `{"Service": {...}}` wrapper as in a config file is taken too). */
  async register(definition: unknown): Promise<void> {
    const body = typeof definition === 'object' && definition !== null && 'Service' in definition && typeof definition.Service === 'object'
      ? definition.Service
      : definition;
    await apiRequest(this.target, 'PUT', '/v1/agent/service/register', {}, [], Buffer.from(JSON.stringify(body)));
  }

  async deregister(id: string): Promise<void> {
    await apiRequest(this.target, 'PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }
}

export function formatNodes(nodes: readonly NodeJson[]): string {
  if (nodes.length === 0) return 'No nodes\n';
  return formatTable([['Node', 'ID', 'Address', 'DC'], ...nodes.map((n) => [n.Node, n.ID.slice(0, 8), n.Address, n.Datacenter])]);
}

export function formatServices(services: Record<string, string[]>, tags: boolean): string {
  const names = Object.keys(services).sort();
  if (names.length === 0) return 'No services\n';
  if (!tags) return names.map((n) => `${n}\n`).join('');
  return formatTable(names.map((n) => [n, [...services[n]!].sort().join(',')]));
}

async function readDefinition(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ChorusError(ErrorCode.BadRequest, `cannot read ${file}: ${err.code ?? err.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ChorusError(ErrorCode.BadRequest, `${file} is not JSON: ${(err as Error).message}`);
  }
}

/** `chorus catalog nodes|services` and `chorus services list|register|deregister`. */
export function registerCatalog(program: Command, io: KvIo = PROCESS_IO): void {
  const client = (opts: HttpTargetFlags): CatalogClient => new CatalogClient(resolveHttpTarget(opts, io.env));
  const print = (json: boolean | undefined, value: unknown, text: string): void => {
    io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  };

  const catalog = program.command('catalog').description("the cluster's catalog (Consul's /v1/catalog)");
  withHttpOptions(catalog.command('nodes')).description('the nodes in the catalog').option('--json', 'print the API answer')
    .action(async (opts: HttpTargetFlags & { json?: boolean }) => {
      const nodes = await client(opts).nodes();
      print(opts.json, nodes, formatNodes(nodes));
    });
  withHttpOptions(catalog.command('services')).description('the services in the catalog').option('--tags', 'with their tags').option('--json', 'print the API answer')
    .action(async (opts: HttpTargetFlags & { json?: boolean; tags?: boolean }) => {
      const services = await client(opts).services();
      print(opts.json, services, formatServices(services, opts.tags === true));
    });

  const services = program.command('services').description("this agent's services (Consul's /v1/agent/service*)");
  withHttpOptions(services.command('list')).description('the services registered with this agent').option('--json', 'print the API answer')
    .action(async (opts: HttpTargetFlags & { json?: boolean }) => {
      const list = Object.values(await client(opts).agentServices());
      print(opts.json, list, list.length === 0 ? 'No services\n' : formatTable([['ID', 'Service', 'Port', 'Tags'], ...list.map((s) => [s.ID, s.Service, String(s.Port), s.Tags.join(',')])]));
    });
  withHttpOptions(services.command('register').argument('<file>', 'a JSON service definition (as for PUT /v1/agent/service/register)'))
    .description('register a service with this agent')
    .action(async (file: string, opts: HttpTargetFlags) => {
      await client(opts).register(await readDefinition(file));
      io.stdout.write(`Registered service from ${file}\n`);
    });
  withHttpOptions(services.command('deregister').argument('<id>', 'the service ID'))
    .description('deregister a service from this agent')
    .action(async (id: string, opts: HttpTargetFlags) => {
      await client(opts).deregister(id);
      io.stdout.write(`Deregistered service: ${id}\n`);
    });
}
