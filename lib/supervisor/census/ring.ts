import type { Member, ServiceFileRumor } from '../../butterfly/index.js';
import type { CensusGroupView, CensusView } from '../service/types.js';
import type { CensusMember } from '../templating/types.js';
import { censusMember, parseConfigToml } from './build.js';
import type { CensusCounters, CensusGroupJson, CensusInput, CensusJson, CensusServiceFile } from './types.js';

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function countersMoved(last: CensusCounters | undefined, now: CensusCounters): boolean {
  if (last === undefined) return true;
  return (
    now.service > last.service ||
    now.membership > last.membership ||
    now.serviceConfig > last.serviceConfig ||
    now.serviceFile > last.serviceFile ||
    (now.election ?? 0) > (last.election ?? 0) ||
    (now.electionUpdate ?? 0) > (last.electionUpdate ?? 0)
  );
}

/**
 * The census of one node (Habitat's CensusRing): service groups and their
 * members, built from the membership and the service, config and file
 * rumors, rebuilt only when one of their update counters moved.
 *
 * Unlike Habitat, a group lives only while it has members: a withdrawn
 * service rumor (unloaded service) and a departed member's rumors are not
 * in the input, so they leave the census (habitat#5325). A member that left
 * gracefully stays, flagged departed, until its rumors are purged.
 */
export class CensusRing {
  #counters: CensusCounters | undefined;
  #changed = false;
  #localMemberId = '';
  #groups: Record<string, CensusGroupJson> = {};
  /** File versions already reported, per group, for `changed_service_files`. */
  #fileVersions = new Map<string, Map<string, number>>();

  /** Rebuilds from `input` if any counter moved since the last call; returns whether it did. */
  update(input: CensusInput): boolean {
    this.#changed = countersMoved(this.#counters, input.counters);
    this.#counters = { ...input.counters };
    if (!this.#changed && input.localMemberId === this.#localMemberId) return false;
    this.#localMemberId = input.localMemberId;
    this.#groups = this.#build(input);
    this.#changed = true;
    return true;
  }

  /** Whether the last update rebuilt the census. */
  get changed(): boolean {
    return this.#changed;
  }

  get localMemberId(): string {
    return this.#localMemberId;
  }

  groupNames(): string[] {
    return Object.keys(this.#groups);
  }

  group(name: string): CensusGroupJson | undefined {
    return this.#groups[name];
  }

  /** The `/census` body, exactly in Habitat's shape (reference §1.8). */
  toJSON(): CensusJson {
    const c = this.#counters;
    return {
      changed: this.#changed,
      census_groups: this.#groups,
      local_member_id: this.#localMemberId,
      last_service_counter: c?.service ?? 0,
      last_election_counter: c?.election ?? 0,
      last_election_update_counter: c?.electionUpdate ?? 0,
      last_membership_counter: c?.membership ?? 0,
      last_service_config_counter: c?.serviceConfig ?? 0,
      last_service_file_counter: c?.serviceFile ?? 0,
    };
  }

  /** What the supervisor's services consume: every group's members, leader, config and files. */
  view(): CensusView {
    const groups: Record<string, CensusGroupView> = {};
    for (const [name, g] of Object.entries(this.#groups)) {
      groups[name] = {
        members: Object.values(g.population),
        leaderId: g.leader_id,
        updateLeaderId: g.update_leader_id,
        serviceConfig: g.service_config === null ? null : { version: g.service_config.incarnation, value: g.service_config.value },
        serviceFiles: Object.values(g.service_files).map((f) => ({ filename: f.filename, version: f.incarnation, body: Uint8Array.from(f.body) })),
        changedServiceFiles: [...g.changed_service_files],
      };
    }
    return { groups };
  }

  #build(input: CensusInput): Record<string, CensusGroupJson> {
    const members = new Map<string, Member>(input.members.map((m) => [m.id, m]));
    const departed = (id: string): boolean => members.get(id)?.state === 'departed' || (input.isDeparted?.(id) ?? false);
    const populations = new Map<string, CensusMember[]>();
    for (const r of input.services) {
      if (r.withdrawn || (r.memberId !== input.localMemberId && departed(r.memberId))) continue;
      const cm = censusMember(r, members.get(r.memberId), input.localMemberId);
      if (cm === undefined) continue;
      let list = populations.get(r.group);
      if (list === undefined) populations.set(r.group, (list = []));
      list.push(cm);
    }
    const configs = new Map(input.configs.map((c) => [c.group, c]));
    const files = new Map<string, ServiceFileRumor[]>();
    for (const f of input.files) files.set(f.group, [...(files.get(f.group) ?? []), f]);
    const out: Record<string, CensusGroupJson> = {};
    for (const name of [...populations.keys()].sort(byId)) {
      const list = populations.get(name)!.sort((a, b) => byId(a.member_id, b.member_id));
      const population: Record<string, CensusMember> = {};
      for (const m of list) population[m.member_id] = m;
      const config = configs.get(name);
      const value = config === undefined ? undefined : parseConfigToml(config.toml);
      const { serviceFiles, changed } = this.#files(name, files.get(name) ?? []);
      out[name] = {
        service_group: name,
        election_status: 'None',
        update_election_status: 'None',
        pkg_incarnation: Math.max(0, ...list.map((m) => Number(m.pkg_incarnation ?? 0))),
        leader_id: null,
        service_config: config === undefined || value === undefined ? null : { incarnation: config.version, value },
        local_member_id: input.localMemberId,
        population,
        update_leader_id: null,
        changed_service_files: changed,
        service_files: serviceFiles,
      };
    }
    return out;
  }

  /** The group's files; those with a version higher than last reported are `changed`. */
  #files(group: string, files: ServiceFileRumor[]): { serviceFiles: Record<string, CensusServiceFile>; changed: string[] } {
    let seen = this.#fileVersions.get(group);
    if (seen === undefined) this.#fileVersions.set(group, (seen = new Map()));
    const serviceFiles: Record<string, CensusServiceFile> = {};
    const changed: string[] = [];
    for (const f of [...files].sort((a, b) => byId(a.filename, b.filename))) {
      serviceFiles[f.filename] = { filename: f.filename, incarnation: f.version, body: Array.from(f.body) };
      if (f.version > (seen.get(f.filename) ?? -1)) {
        seen.set(f.filename, f.version);
        changed.push(f.filename);
      }
    }
    for (const name of seen.keys()) if (!files.some((f) => f.filename === name)) seen.delete(name);
    return { serviceFiles, changed };
  }
}
