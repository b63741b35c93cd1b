import { exportedConfig, lookupPath } from '../config/index.js';
import { formatIdent, type TomlTable } from '../types.js';
import type { Package } from '../package/types.js';
import { noElection, type BindGroupInfo, type CensusMember, type PkgInfo, type RenderContext, type SvcInfo, type SysInfo } from '../templating/types.js';
import type { ServiceLayout } from './layout.js';
import type { CensusGroupView, CensusView, ServiceSpec } from './types.js';

/** `pkg` in templates: the package and where its service lives. */
export function pkgInfo(pkg: Package, layout: ServiceLayout, cfg: TomlTable, env: Record<string, string>, shutdownTimeoutSec: number): PkgInfo {
  const { manifest } = pkg;
  return {
    ident: formatIdent(pkg.ident),
    origin: manifest.origin,
    name: manifest.name,
    version: manifest.version,
    release: manifest.release ?? null,
    deps: Object.entries(manifest.deps).map(([ident, path]) => {
      const [origin, name] = ident.split('/') as [string, string];
      return { origin, name, path };
    }),
    env,
    exposes: manifest.exposes.map((path) => String(lookupPath(cfg, path) ?? '')),
    exports: manifest.exports,
    path: pkg.dir,
    svc_path: layout.svcPath,
    svc_config_path: layout.configPath,
    svc_config_install_path: layout.configInstallPath,
    svc_data_path: layout.dataPath,
    svc_files_path: layout.filesPath,
    svc_static_path: layout.staticPath,
    svc_var_path: layout.varPath,
    svc_pid_file: layout.pidFile,
    svc_run: `${layout.hooksPath}/run`,
    // Hooks run as the supervisor's own user; there is no separate service account.
    svc_user: env.USER ?? 'root',
    svc_group: env.USER ?? 'root',
    shutdown_signal: manifest.shutdownSignal,
    shutdown_timeout: shutdownTimeoutSec,
  };
}

/** This service as a census member, from local state: always alive to itself. */
export function selfMember(pkg: Package, spec: ServiceSpec, sys: SysInfo, cfg: TomlTable): CensusMember {
  return {
    member_id: sys.member_id,
    pkg: { origin: pkg.ident.origin, name: pkg.ident.name, version: pkg.ident.version, release: pkg.ident.release ?? null },
    package: formatIdent(pkg.ident),
    service: pkg.manifest.name,
    group: spec.group,
    org: spec.org ?? null,
    persistent: false,
    leader: false,
    follower: false,
    update_leader: false,
    update_follower: false,
    ...noElection(),
    sys,
    alive: true,
    suspect: false,
    confirmed: false,
    departed: false,
    cfg: exportedConfig(cfg, pkg.manifest.exports),
  };
}

/** Alive or suspect: the members templates get to see (Habitat's active_members). */
export function activeMembers(group: CensusGroupView | undefined): CensusMember[] {
  return (group?.members ?? [])
    .filter((m) => m.alive || m.suspect)
    .sort((a, b) => (a.member_id < b.member_id ? -1 : a.member_id > b.member_id ? 1 : 0));
}

/** `svc`: our own group, with our own entry always present and current. */
export function svcInfo(me: CensusMember, group: CensusGroupView | undefined): SvcInfo {
  const others = activeMembers(group).filter((m) => m.member_id !== me.member_id);
  const members = [me, ...others].sort((a, b) => (a.member_id < b.member_id ? -1 : 1));
  const leaderId = group?.leaderId ?? null;
  const leader = members.find((m) => m.member_id === leaderId) ?? null;
  const updateLeader = members.find((m) => m.member_id === (group?.updateLeaderId ?? null)) ?? null;
  return {
    service: me.service,
    group: me.group,
    org: me.org,
    ...noElection(),
    me,
    members,
    leader,
    first: leader ?? members[0]!,
    update_leader: updateLeader,
  };
}

export interface BindResolution {
  /** `bind.<name>` for every satisfied bind. */
  bind: Record<string, BindGroupInfo>;
  /** Binds not satisfied now, with why, for the "waiting for binds" log. */
  unsatisfied: Array<{ name: string; serviceGroup: string; reason: string }>;
}

/**
 * A bind is satisfied when its group has an active member exporting every
 * key the package requires of it. Unsatisfied binds are left out of the
 * context entirely, so templates test `{{#if bind.name}}`.
 */
export function resolveBinds(spec: ServiceSpec, pkg: Package, census: CensusView): BindResolution {
  const required = { ...pkg.manifest.bindsOptional, ...pkg.manifest.binds };
  const out: BindResolution = { bind: {}, unsatisfied: [] };
  for (const { name, serviceGroup } of spec.binds) {
    const group = census.groups[serviceGroup];
    const members = activeMembers(group);
    const keys = required[name] ?? [];
    if (members.length === 0) {
      out.unsatisfied.push({ name, serviceGroup, reason: group === undefined ? 'group not found' : 'no active members' });
      continue;
    }
    const exporting = members.filter((m) => keys.every((key) => m.cfg[key] !== undefined));
    if (exporting.length === 0) {
      out.unsatisfied.push({ name, serviceGroup, reason: `no active member exports ${keys.join(', ')}` });
      continue;
    }
    const leader = members.find((m) => m.member_id === (group?.leaderId ?? null)) ?? null;
    out.bind[name] = { first: leader ?? members[0] ?? null, leader, members };
  }
  return out;
}

export function renderContext(parts: {
  sys: SysInfo;
  pkg: PkgInfo;
  cfg: TomlTable;
  svc: SvcInfo;
  bind: Record<string, BindGroupInfo>;
}): RenderContext {
  return { sys: parts.sys, pkg: parts.pkg, cfg: parts.cfg, svc: parts.svc, bind: parts.bind };
}
