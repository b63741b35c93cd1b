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
    ...rumorStores(butterfly),
    departed_members: departed,
    // Not in Habitat's document: the counters an operator needs to see drops and probe health.
    stats: { ...butterfly.stats(), rumors: butterfly.rumors.counters(), ...(ringStats === undefined ? {} : { ring: ringStats }) },
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

const bytes = (b: Uint8Array | string): number[] => [...(typeof b === 'string' ? Buffer.from(b) : b)];

/** The rumor stores in Habitat's shapes: `list` maps, update counters, and the latest-per-group views. */
function rumorStores(butterfly: Butterfly): Record<string, unknown> {
  const rumors = butterfly.rumors;
  const counters = rumors.counters();
  const services: Record<string, Record<string, unknown>> = {};
  for (const r of rumors.services()) {
    (services[r.group] ??= {})[r.memberId] = {
      member_id: r.memberId,
      service_group: r.group,
      package: r.pkg,
      package_incarnation: r.pkgIncarnation,
      incarnation: r.incarnation,
      cfg: parseCfg(r.cfg),
      sys: r.sys,
      initialized: r.initialized,
      health: r.health,
    };
  }
  const configs: Record<string, unknown> = {};
  for (const c of rumors.configs()) {
    configs[c.group] = { from_id: c.fromId, service_group: c.group, incarnation: c.version, encrypted: false, config: bytes(c.toml) };
  }
  const files: Record<string, Record<string, unknown>> = {};
  for (const f of rumors.files()) {
    (files[f.group] ??= {})[f.filename] = {
      from_id: f.fromId, service_group: f.group, incarnation: f.version, encrypted: false, filename: f.filename, body: bytes(f.body),
    };
  }
  const departures: Record<string, unknown> = {};
  for (const d of rumors.departures()) departures[d.memberId] = { member_id: d.memberId };
  return {
    service: { list: services, update_counter: counters.service },
    services,
    service_config: { list: Object.fromEntries(Object.entries(configs).map(([g, c]) => [g, { service_config: c }])), update_counter: counters.serviceConfig },
    latest_service_config: configs,
    service_file: { list: files, update_counter: counters.serviceFile },
    service_files: files,
    election: { list: {}, update_counter: 0 },
    latest_election: {},
    election_update: { list: {}, update_counter: 0 },
    latest_election_update: {},
    departure: { list: { departure: departures }, update_counter: counters.departure },
  };
}

function parseCfg(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
