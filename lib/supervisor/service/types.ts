import type { BindingMode, DesiredState, HealthDisplay, TomlTable, Topology, UpdateCondition, UpdateStrategy } from '../types.js';
import type { CensusMember } from '../templating/types.js';

/** `--bind NAME:SERVICE.GROUP`. */
export interface BindSpec {
  /** The bind name the package declares. */
  name: string;
  /** The service group it binds to, e.g. `hello.default`. */
  serviceGroup: string;
}

/** What `svc load` asked for: everything needed to bring the service back after a restart. */
export interface ServiceSpec {
  /** The package directory. */
  packagePath: string;
  group: string;
  org?: string | undefined;
  topology: Topology;
  updateStrategy: UpdateStrategy;
  updateCondition: UpdateCondition;
  binds: BindSpec[];
  bindingMode: BindingMode;
  healthCheckIntervalMs: number;
  /** Overrides the package's shutdown timeout when set. */
  shutdownTimeoutMs?: number | undefined;
  desiredState: DesiredState;
  minBackoffMs: number;
  maxBackoffMs: number;
  cooldownMs: number;
  configFrom?: string | undefined;
}

/**
 * One service group as the census sees it. Fed by the gossip layer; until
 * then the node passes an empty view and every group but the service's own
 * is unknown.
 */
export interface CensusGroupView {
  /** Every known member, whatever its health; the service filters active ones. */
  members: CensusMember[];
  leaderId?: string | null;
  updateLeaderId?: string | null;
  /** The group's gossiped config (`config apply`), when one is known. */
  serviceConfig?: { version: number; value: TomlTable } | null;
  /** The group's gossiped files (`file upload`). */
  serviceFiles?: Array<{ filename: string; version: number; body: Uint8Array }>;
  /** Files whose version went up in the census rebuild that produced this view. */
  changedServiceFiles?: string[];
}

/** Service group name (`hello.default`) → the census of that group. */
export interface CensusView {
  groups: Readonly<Record<string, CensusGroupView>>;
}

/** The `/services/{svc}/{group}/health` body. */
export interface HealthReport {
  status: HealthDisplay;
  stdout: string;
  stderr: string;
}

/** `manager_fs_cfg` in `/services`: where the supervisor keeps its own files. */
export interface ManagerFsCfg {
  sup_root: string;
  data_path: string;
  specs_path: string;
  member_id_file: string;
  proc_lock_file: string;
}
