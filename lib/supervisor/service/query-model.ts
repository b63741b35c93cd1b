import type { LastProcessState } from '../restart/tracker.js';
import type { Package } from '../package/types.js';
import type { PkgInfo, SysInfo } from '../templating/types.js';
import { HOOK_NAMES, type HealthStatus, type HookName, type TomlTable } from '../types.js';
import type { ProcessStatus } from '../process/types.js';
import { hookLogPaths, type ServiceLayout } from './layout.js';
import type { ManagerFsCfg, ServiceSpec } from './types.js';

/** Habitat's Duration serialization. */
export interface DurationModel {
  secs: number;
  nanos: number;
}

export interface HookModel {
  render_pair: string;
  stdout_log_path: string;
  stderr_log_path: string;
}

/**
 * One item of `GET /services`: Habitat's ServiceQueryModel, field for field
 * and in its order (reference §1.7). Times are unix seconds.
 */
export interface ServiceQueryModel {
  all_pkg_binds: Array<{ service: string; exports: string[] }>;
  binding_mode: ServiceSpec['bindingMode'];
  binds: string[];
  bldr_url: string | null;
  cfg: TomlTable;
  channel: string;
  config_from: string | null;
  desired_state: ServiceSpec['desiredState'];
  health_check: HealthStatus;
  hooks: Record<'health_check' | 'init' | 'file_updated' | 'reconfigure' | 'suitability' | 'run' | 'post_run' | 'post_stop', HookModel | null>;
  initialized: boolean;
  last_election_status: 'None';
  manager_fs_cfg: ManagerFsCfg;
  pkg: PkgInfo & { dependencies: string[] };
  process: { pid: number | null; state: ProcessStatus['state']; state_entered: number };
  last_process_state: { pid: number | null; termination_reason: string; terminated_at: number } | null;
  next_restart_at: number | null;
  restart_count: number;
  restart_config: { min_backoff_period: DurationModel; max_backoff_period: DurationModel; cooldown_period: DurationModel };
  service_group: string;
  spec_file: string;
  spec_ident: { origin: string; name: string; version: string | null; release: string | null };
  spec_identifier: string;
  svc_encrypted_password: null;
  health_check_interval: DurationModel;
  sys: SysInfo;
  topology: ServiceSpec['topology'];
  update_strategy: ServiceSpec['updateStrategy'];
  update_condition: ServiceSpec['updateCondition'];
  user_config_updated: boolean;
}

/** Everything the model is made of, as the service knows it now. */
export interface ServiceSnapshot {
  spec: ServiceSpec;
  pkg: Package;
  pkgInfo: PkgInfo;
  layout: ServiceLayout;
  sys: SysInfo;
  cfg: TomlTable;
  serviceGroup: string;
  health: HealthStatus;
  initialized: boolean;
  process: ProcessStatus;
  lastProcessState: LastProcessState | undefined;
  nextRestartAt: number | undefined;
  restartCount: number;
  managerFs: ManagerFsCfg;
}

export function duration(ms: number): DurationModel {
  return { secs: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function hookModel(s: ServiceSnapshot, hook: HookName): HookModel | null {
  if (s.pkg.hooks[hook] === undefined) return null;
  const logs = hookLogPaths(s.layout, hook);
  return { render_pair: `${s.layout.hooksPath}/${hook}`, stdout_log_path: logs.stdout, stderr_log_path: logs.stderr };
}

export function buildQueryModel(s: ServiceSnapshot): ServiceQueryModel {
  const { spec, pkg } = s;
  const hooks = Object.fromEntries(HOOK_NAMES.map((h) => [h.replace('-', '_'), hookModel(s, h)])) as ServiceQueryModel['hooks'];
  const last = s.lastProcessState;
  return {
    all_pkg_binds: Object.entries({ ...pkg.manifest.binds, ...pkg.manifest.bindsOptional }).map(([service, exports]) => ({ service, exports })),
    binding_mode: spec.bindingMode,
    binds: spec.binds.map((b) => `${b.name}:${b.serviceGroup}`),
    // There is no package depot: packages are directories on the node.
    bldr_url: null,
    cfg: s.cfg,
    channel: 'stable',
    config_from: spec.configFrom ?? null,
    desired_state: spec.desiredState,
    health_check: s.health,
    hooks: {
      health_check: hooks.health_check,
      init: hooks.init,
      file_updated: hooks.file_updated,
      reconfigure: hooks.reconfigure,
      suitability: hooks.suitability,
      run: hooks.run,
      post_run: hooks.post_run,
      post_stop: hooks.post_stop,
    },
    initialized: s.initialized,
    last_election_status: 'None',
    manager_fs_cfg: s.managerFs,
    pkg: { ...s.pkgInfo, dependencies: s.pkgInfo.deps.map((d) => `${d.origin}/${d.name}`) },
    process: { pid: s.process.pid, state: s.process.state, state_entered: seconds(s.process.stateEnteredAt) },
    last_process_state:
      last === undefined ? null : { pid: last.pid, termination_reason: last.terminationReason, terminated_at: seconds(last.terminatedAt) },
    next_restart_at: s.nextRestartAt === undefined ? null : seconds(s.nextRestartAt),
    restart_count: s.restartCount,
    restart_config: {
      min_backoff_period: duration(spec.minBackoffMs),
      max_backoff_period: duration(spec.maxBackoffMs),
      cooldown_period: duration(spec.cooldownMs),
    },
    service_group: s.serviceGroup,
    spec_file: s.layout.specFile,
    spec_ident: { origin: pkg.ident.origin, name: pkg.ident.name, version: null, release: null },
    spec_identifier: `${pkg.ident.origin}/${pkg.ident.name}`,
    svc_encrypted_password: null,
    health_check_interval: duration(spec.healthCheckIntervalMs),
    sys: s.sys,
    topology: spec.topology,
    update_strategy: spec.updateStrategy,
    update_condition: spec.updateCondition,
    user_config_updated: false,
  };
}
