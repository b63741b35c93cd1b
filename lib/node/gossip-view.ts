import type { Butterfly, Member, MemberState } from '../butterfly/index.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { ConsulMember, GossipView } from '../gateway/types.js';

/** serf's member status numbers, as Consul reports them. */
const SERF_STATUS: Record<MemberState, number> = { alive: 1, suspect: 1, failed: 4, left: 3, departed: 3 };

/** Habitat's health words; a graceful leave has none of its own, and is not a failure, so it is told apart by `left`. */
const HABITAT_HEALTH: Record<MemberState, string> = {
  alive: 'Alive',
  suspect: 'Suspect',
  failed: 'Confirmed',
  left: 'Confirmed',
  departed: 'Departed',
};

export function consulMember(m: Member): ConsulMember {
  return {
    Name: m.name,
    Addr: m.address,
    Port: m.gossipPort,
    Tags: { ...m.tags },
    Status: SERF_STATUS[m.state],
    // The protocol numbers serf reports for Consul 1.x members.
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** Counts membership changes, for `/butterfly`'s update counter. */
export function membershipCounter(butterfly: Butterfly): () => number {
  let counter = 0;
  for (const event of ['joined', 'alive', 'updated', 'suspect', 'failed', 'left', 'departed', 'reaped'] as const) {
    butterfly.on(event, () => {
      counter++;
    });
  }
  return () => counter;
}

export function butterflyDocument(butterfly: Butterfly, updateCounter: number, ringStats?: Record<string, number>): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  const health: Record<string, string> = {};
  const membership: Record<string, unknown> = {};
  for (const m of butterfly.members()) {
    members[m.id] = {
      id: m.id,
      incarnation: m.incarnation,
      address: m.address,
      swim_port: m.gossipPort,
      gossip_port: m.gossipPort,
      persistent: m.persistent,
      departed: m.state === 'departed',
      probe_ping: false,
    };
    health[m.id] = HABITAT_HEALTH[m.state];
    membership[m.id] = {
      address: m.address,
      gossip_port: m.gossipPort,
      incarnation: m.incarnation,
      persistent: m.persistent,
      swim_port: m.gossipPort,
      health: HABITAT_HEALTH[m.state],
      name: m.name,
      left: m.state === 'left',
      tags: m.tags,
    };
  }
  const departed = butterfly.members().filter((m) => m.state === 'departed').map((m) => m.id);
  return {
    member: { members, health, update_counter: updateCounter },
    membership,
    departed_members: departed,
    // Not in Habitat's document: the counters an operator needs to see drops and probe health.
    stats: { ...butterfly.stats(), ...(ringStats === undefined ? {} : { ring: ringStats }) },
  };
}

export function gossipView(butterfly: Butterfly, ringStats: () => Record<string, number> | undefined = () => undefined): GossipView {
  const counter = membershipCounter(butterfly);
  return {
    butterfly: () => butterflyDocument(butterfly, counter(), ringStats()),
    members: () => butterfly.members().map(consulMember),
    join: async (address) => {
      try {
        await butterfly.join([address.includes(':') ? address : `${address}:9638`]);
      } catch (err) {
        throw new ChorusError(ErrorCode.OperationFailed, `failed to join ${address}: ${messageOf(err)}`, { cause: err });
      }
    },
    forceLeave: (node) => {
      const member = butterfly.members().find((m) => m.name === node || m.id === node);
      if (member === undefined) throw new ChorusError(ErrorCode.NotFound, `agent: No node found with name '${node}'`);
      butterfly.depart(member.id);
    },
  };
}
