import type { Member, ServiceConfigRumor, ServiceFileRumor, ServiceRumor } from '../../butterfly/index.js';
import type { TomlTable } from '../types.js';
import type { CensusMember } from '../templating/types.js';

/** Update counters of the stores the census is built from; a rebuild happens when any moves. */
export interface CensusCounters {
  service: number;
  membership: number;
  serviceConfig: number;
  serviceFile: number;
  election?: number;
  electionUpdate?: number;
}

/** What the census is built from: the membership and the rumor stores of one node. */
export interface CensusInput {
  localMemberId: string;
  /** Butterfly's `members()`, ourselves included. */
  members: readonly Member[];
  /** Members departed for good (Butterfly's `isDeparted`), even when no longer in `members`. */
  isDeparted?: (id: string) => boolean;
  /** Live (not withdrawn) service rumors: Butterfly's `rumors.services()`. */
  services: readonly ServiceRumor[];
  configs: readonly ServiceConfigRumor[];
  files: readonly ServiceFileRumor[];
  counters: CensusCounters;
}

/** `service_config` of a census group. */
export interface CensusServiceConfig {
  incarnation: number;
  value: TomlTable;
}

/** One entry of `service_files`. */
export interface CensusServiceFile {
  filename: string;
  incarnation: number;
  body: number[];
}

/** A census group in Habitat's `/census` shape (reference §1.8), keys in its order. */
export interface CensusGroupJson {
  service_group: string;
  election_status: 'None' | 'ElectionInProgress' | 'ElectionNoQuorum' | 'ElectionFinished';
  update_election_status: 'None' | 'ElectionInProgress' | 'ElectionNoQuorum' | 'ElectionFinished';
  pkg_incarnation: number;
  leader_id: string | null;
  service_config: CensusServiceConfig | null;
  local_member_id: string;
  population: Record<string, CensusMember>;
  update_leader_id: string | null;
  changed_service_files: string[];
  service_files: Record<string, CensusServiceFile>;
}

/** The whole `/census` body. */
export interface CensusJson {
  changed: boolean;
  census_groups: Record<string, CensusGroupJson>;
  local_member_id: string;
  last_service_counter: number;
  last_election_counter: number;
  last_election_update_counter: number;
  last_membership_counter: number;
  last_service_config_counter: number;
  last_service_file_counter: number;
}
