import type { Butterfly } from '../butterfly/index.js';
import type { NodeConfig } from '../config/index.js';
import type { RaftStatus } from '../raft/index.js';
import { consulMember } from './gossip-view.js';
import { CHORUS_VERSION } from '../version.js';

/** Consul shows node ids as UUIDs; a member id is the same 128 bits. */
export function nodeIdOf(memberId: string): string {
  const h = memberId.padEnd(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `/v1/agent/self`: Consul's shape, its stats as strings as Consul reports them. */
export function agentSelf(
  config: NodeConfig,
  memberId: string,
  butterfly: Butterfly,
  raft: RaftStatus | undefined,
  local?: { state: { services(): unknown[]; checks(): Array<{ Type: string }> } },
): Record<string, unknown> {
  const members = butterfly.members();
  const count = (state: string): string => String(members.filter((m) => m.state === state).length);
  const stats: Record<string, Record<string, string>> = {
    agent: {
      check_monitors: String(local?.state.checks().filter((c) => c.Type === 'script').length ?? 0),
      check_ttls: String(local?.state.checks().filter((c) => c.Type === 'ttl').length ?? 0),
      checks: String(local?.state.checks().length ?? 0),
      services: String(local?.state.services().length ?? 0),
    },
    build: { prerelease: '', revision: '', version: CHORUS_VERSION },
    serf_lan: {
      members: String(members.length),
      failed: count('failed'),
      left: count('left'),
      health_score: String(butterfly.stats().healthScore),
      member_time: String(butterfly.self.incarnation),
      encrypted: String(config.ringKeys !== undefined),
    },
  };
  if (raft !== undefined) {
    stats.raft = {
      state: raft.role === 'leader' ? 'Leader' : raft.role === 'follower' ? 'Follower' : 'Candidate',
      term: String(raft.term),
      commit_index: String(raft.commitIndex),
      applied_index: String(raft.appliedIndex),
      last_log_index: String(raft.lastLogIndex),
      last_contact: raft.role === 'leader' ? '0' : raft.lastContactMs === undefined ? 'never' : `${Math.round(raft.lastContactMs)}ms`,
      leader: raft.leaderId ?? '',
      leader_addr: raft.leaderAddress ?? '',
      num_peers: String(Math.max(0, raft.configuration.servers.filter((s) => s.suffrage === 'voter').length - 1)),
    };
  }
  return {
    Config: {
      Datacenter: config.datacenter,
      PrimaryDatacenter: config.datacenter,
      NodeName: config.nodeName,
      NodeID: nodeIdOf(memberId),
      Server: config.server,
      Revision: '',
      Version: CHORUS_VERSION,
      BuildDate: '',
    },
    Member: consulMember(butterfly.self),
    Stats: stats,
    Meta: {},
  };
}
