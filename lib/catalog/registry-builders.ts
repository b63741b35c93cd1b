import { EMPTY_DEFINITION } from './registry-commands.js';
import type {
  CatalogDeregisterCommand, CatalogRegisterCommand, CheckDefinition, CheckRegistration, ServiceRegistration,
} from './registry-types.js';

/**
 * Complete commands from the fields a caller cares about, every other field
 * at Go's zero value, as Consul's decoder leaves what a body does not name.
 * For the routes, the leader's serfHealth and the agent's anti-entropy alike.
 */

export function serviceRegistration(s: Partial<ServiceRegistration> & { Service: string }): ServiceRegistration {
  return {
    Kind: '', ID: '', Tags: null, Address: '', TaggedAddresses: null, Meta: null, Port: 0, SocketPath: '',
    Weights: null, EnableTagOverride: false, ...s,
  };
}

export function checkRegistration(c: Partial<Omit<CheckRegistration, 'Definition'>> & { Definition?: Partial<CheckDefinition> }): CheckRegistration {
  return {
    Node: '', CheckID: '', Name: '', Status: '', Notes: '', Output: '', ServiceID: '', Type: '', Interval: '', Timeout: '',
    ExposedPort: 0, ...c, Definition: { ...EMPTY_DEFINITION, ...c.Definition },
  };
}

export function registerCommand(
  r: Partial<Omit<CatalogRegisterCommand, 'type'>> & { Node: string },
): CatalogRegisterCommand {
  return {
    type: 'catalog.register', Datacenter: '', ID: '', Address: '', TaggedAddresses: null, NodeMeta: null,
    SkipNodeUpdate: false, Service: null, Checks: [], ...r,
  };
}

export function deregisterCommand(d: Partial<Omit<CatalogDeregisterCommand, 'type'>> & { Node: string }): CatalogDeregisterCommand {
  return { type: 'catalog.deregister', ServiceID: '', CheckID: '', ...d };
}
