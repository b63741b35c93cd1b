import type { ConsulMember, GossipView, HabitatView } from '../../lib/gateway/types.js';
import { ChorusError, ErrorCode } from '../../lib/core/errors.js';

/** A gossip view over a fixed member list, recording joins and force-leaves. */
export function fakeGossip(members: ConsulMember[] = []): GossipView & { joined: string[]; departed: string[] } {
  const joined: string[] = [];
  const departed: string[] = [];
  return {
    joined,
    departed,
    butterfly: () => ({ member: { members: {}, health: {}, update_counter: 0 }, membership: {}, departed_members: [] }),
    members: () => members,
    join: async (address) => {
      if (address.startsWith('unreachable')) throw new ChorusError(ErrorCode.OperationFailed, `failed to join ${address}: no answer`);
      joined.push(address);
    },
    forceLeave: (node) => {
      if (!members.some((m) => m.Name === node)) throw new ChorusError(ErrorCode.NotFound, `agent: No node found with name '${node}'`);
      departed.push(node);
    },
  };
}

/** A Habitat view with nothing loaded, for tests of other route families. */
export function emptyHabitat(): HabitatView {
  return {
    censusJson: () => '{"changed":false,"census_groups":{}}',
    services: () => [],
    service: () => { throw new ChorusError(ErrorCode.NotFound, 'not loaded'); },
  };
}
