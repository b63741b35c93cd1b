import type { Butterfly } from '../../butterfly/index.js';
import type { CensusInput } from './types.js';

/** Reads everything the census needs from a node's Butterfly: `ring.update(censusInput(butterfly))`. */
export function censusInput(butterfly: Butterfly): CensusInput {
  const rumors = butterfly.rumors;
  const counters = rumors.counters();
  return {
    localMemberId: butterfly.self.id,
    members: butterfly.members(),
    isDeparted: (id) => butterfly.isDeparted(id),
    services: rumors.services(),
    configs: rumors.configs(),
    files: rumors.files(),
    counters: {
      service: counters.service,
      membership: butterfly.membershipCounter,
      serviceConfig: counters.serviceConfig,
      serviceFile: counters.serviceFile,
    },
  };
}
