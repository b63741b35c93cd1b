import type { TomlTable } from '../types.js';

/**
 * What templates see. Shapes follow Habitat's RenderContext (reference §5.3,
 * §3.7) so hooks and config templates written for Habitat read the same here.
 */
export interface SysInfo {
  version: string;
  member_id: string;
  ip: string;
  hostname: string;
  gossip_ip: string;
  gossip_port: number;
  http_gateway_ip: string;
  http_gateway_port: number;
  ctl_gateway_ip: string;
  ctl_gateway_port: number;
  permanent: boolean;
}

export interface PkgDep {
  origin: string;
  name: string;
  version?: string | undefined;
  release?: string | undefined;
  path: string;
}

export interface PkgInfo {
  ident: string;
  origin: string;
  name: string;
  version: string;
  release: string | null;
  deps: PkgDep[];
  env: Record<string, string>;
  exposes: string[];
  exports: Record<string, string>;
  path: string;
  svc_path: string;
  svc_config_path: string;
  svc_config_install_path: string;
  svc_data_path: string;
  svc_files_path: string;
  svc_static_path: string;
  svc_var_path: string;
  svc_pid_file: string;
  svc_run: string;
  svc_user: string;
  svc_group: string;
  shutdown_signal: string;
  shutdown_timeout: number;
}

/** The election flags of a group (Habitat's): all false while the standalone topology is the only one. */
export interface ElectionFlags {
  election_is_running: boolean;
  election_is_no_quorum: boolean;
  election_is_finished: boolean;
  update_election_is_running: boolean;
  update_election_is_no_quorum: boolean;
  update_election_is_finished: boolean;
}

/** No election has run: what a standalone group shows. */
export function noElection(): ElectionFlags {
  return {
    election_is_running: false,
    election_is_no_quorum: false,
    election_is_finished: false,
    update_election_is_running: false,
    update_election_is_no_quorum: false,
    update_election_is_finished: false,
  };
}

/** One member of a service group as templates see it (the census member shape). */
export interface CensusMember extends ElectionFlags {
  member_id: string;
  pkg: { origin: string; name: string; version: string | null; release: string | null };
  package: string;
  service: string;
  group: string;
  org: string | null;
  persistent: boolean;
  leader: boolean;
  follower: boolean;
  update_leader: boolean;
  update_follower: boolean;
  sys: Partial<SysInfo> & { ip: string; hostname: string };
  alive: boolean;
  suspect: boolean;
  confirmed: boolean;
  departed: boolean;
  /** The member's exported configuration: export key → value. */
  cfg: TomlTable;
  [extra: string]: unknown;
}

/** `svc`: the service's own group. */
export interface SvcInfo extends ElectionFlags {
  service: string;
  group: string;
  org: string | null;
  me: CensusMember;
  members: CensusMember[];
  leader: CensusMember | null;
  first: CensusMember;
  update_leader: CensusMember | null;
}

/** `bind.<name>`: a bound group's active members. */
export interface BindGroupInfo {
  first: CensusMember | null;
  leader: CensusMember | null;
  members: CensusMember[];
}

export interface RenderContext {
  sys: SysInfo;
  pkg: PkgInfo;
  cfg: TomlTable;
  svc: SvcInfo;
  bind: Record<string, BindGroupInfo>;
}

/** A compiled template: renders against a context or throws a ChorusError naming its file and line. */
export interface CompiledTemplate {
  readonly file: string;
  render(context: RenderContext | Record<string, unknown>): string;
}
