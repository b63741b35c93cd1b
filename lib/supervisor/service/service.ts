import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Timer } from '../../core/clock.js';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ConfigLayers, exportedConfig, readUserToml } from '../config/index.js';
import { healthDisplay, healthFromProcessState, type HealthCheckLoop } from '../health/index.js';
import { SupervisedProcess } from '../process/supervised-process.js';
import { reapStaleProcess } from '../process/stale.js';
import type { ProcessStatus } from '../process/types.js';
import type { Package } from '../package/types.js';
import { RestartTracker } from '../restart/tracker.js';
import { formatServiceGroup } from '../service-group.js';
import { TemplateRenderer } from '../templating/renderer.js';
import type { RenderContext, SysInfo } from '../templating/types.js';
import type { HealthStatus, TerminationReason, TomlTable } from '../types.js';
import { POST_RUN_RETRY_MS, SERVICE_MARKER_ENV } from './constants.js';
import { serviceHealthLoop } from './health-checks.js';
import { pkgInfo, renderContext, resolveBinds, selfMember, svcInfo } from './context.js';
import { ServiceFiles } from './files.js';
import { ServiceHooks } from './hooks.js';
import { hookLogPaths, layoutDirs, serviceLayout, type ServiceLayout } from './layout.js';
import { buildQueryModel, type ServiceQueryModel } from './query-model.js';
import { ServiceTemplates } from './render.js';
import type { CensusView, HealthReport, ManagerFsCfg, ServiceSpec } from './types.js';

export interface ServiceDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  /** The node's environment: hooks get it, and HAB_<PKG> / CHORUS_<PKG> configure the package. */
  env: Readonly<Record<string, string | undefined>>;
  /** This node as templates and `/services` show it. */
  sys: SysInfo;
  /** Called whenever something `/services` or the census shows has changed. */
  onChange?: (service: Service) => void;
}

export interface ServiceInit {
  spec: ServiceSpec;
  pkg: Package;
  /** The node's data directory; the service lives in `<dataDir>/svc/<name>`. */
  dataDir: string;
  /** The census as known at load time. Default: empty (no other members known). */
  census?: CensusView;
  /** Default: derived from dataDir (`specs/`, `data/`, `MEMBER_ID`, `LOCK`). */
  managerFs?: ManagerFsCfg;
}

/**
 * One loaded service: renders its package into its directory, runs init and
 * then the run hook, restarts the run hook with backoff when it exits,
 * checks its health, and re-renders when its config or its binds change,
 * reconfiguring or restarting as the changed files require.
 *
 * All state changes go through one queue, so a census update, a config
 * apply, a process exit and a stop never interleave halfway.
 */
export class Service {
  readonly spec: ServiceSpec;
  readonly pkg: Package;
  readonly layout: ServiceLayout;
  readonly serviceGroup: string;
  readonly #deps: ServiceDeps;
  readonly #log: Logger;
  readonly #config: ConfigLayers;
  readonly #templates: ServiceTemplates;
  readonly #hooks: ServiceHooks;
  readonly #files: ServiceFiles;
  readonly #tracker: RestartTracker;
  readonly #managerFs: ManagerFsCfg;
  readonly #hookEnv: Record<string, string>;
  #census: CensusView;
  #queue: Promise<void> = Promise.resolve();
  #proc: SupervisedProcess | undefined;
  #procStartedAt = 0;
  #downSince: number;
  #lastPid: number | null = null;
  #restartTimer: Timer | undefined;
  #initialized = false;
  #health: HealthStatus = 'Unknown';
  #healthLoop: HealthCheckLoop | undefined;
  #hooksAbort = new AbortController();
  #bindWait: string | undefined;
  #lastRenderError: string | undefined;

  private constructor(deps: ServiceDeps, init: ServiceInit, config: ConfigLayers, layout: ServiceLayout) {
    this.#deps = deps;
    this.spec = { ...init.spec };
    this.pkg = init.pkg;
    this.layout = layout;
    this.serviceGroup = formatServiceGroup({ service: init.pkg.manifest.name, group: init.spec.group, org: init.spec.org });
    this.#log = deps.logger.child({ component: 'SV', service_group: this.serviceGroup });
    this.#config = config;
    this.#census = init.census ?? { groups: {} };
    this.#hookEnv = Object.fromEntries(Object.entries(deps.env).filter((e): e is [string, string] => e[1] !== undefined));
    this.#templates = new ServiceTemplates(init.pkg, layout, new TemplateRenderer());
    this.#files = new ServiceFiles(layout.filesPath);
    this.#hooks = new ServiceHooks({ clock: deps.clock, logger: deps.logger }, layout, this.serviceGroup, this.#hookEnv);
    this.#tracker = new RestartTracker(
      { clock: deps.clock, random: deps.random },
      { minMs: init.spec.minBackoffMs, maxMs: init.spec.maxBackoffMs, cooldownMs: init.spec.cooldownMs },
    );
    this.#managerFs = init.managerFs ?? {
      sup_root: init.dataDir,
      data_path: join(init.dataDir, 'data'),
      specs_path: join(init.dataDir, 'specs'),
      member_id_file: join(init.dataDir, 'MEMBER_ID'),
      proc_lock_file: join(init.dataDir, 'LOCK'),
    };
    this.#downSince = deps.clock.now();
  }

  /**
   * Prepares a service without starting it: creates its directories, reads
   * its user.toml and compiles its templates. Throws a ChorusError (naming
   * the file and line where there is one) for bad env or user config.
   */
  static async create(deps: ServiceDeps, init: ServiceInit): Promise<Service> {
    const layout = serviceLayout(init.dataDir, init.pkg.manifest.name);
    const config = new ConfigLayers({ pkgName: init.pkg.manifest.name, defaults: init.pkg.defaults, env: deps.env });
    config.setUserToml(await readUserToml(layout.userTomlPath), layout.userTomlPath);
    for (const dir of layoutDirs(layout)) await mkdir(dir, { recursive: true });
    return new Service(deps, init, config, layout);
  }

  // ---- what the rest of the node asks -------------------------------------------------------

  /** The merged configuration (`/services/.../config`). */
  get cfg(): TomlTable {
    return this.#config.merged();
  }

  /** What binders see of this service: export key → value. */
  get exportedCfg(): TomlTable {
    return exportedConfig(this.cfg, this.pkg.manifest.exports);
  }

  get health(): HealthStatus {
    return this.#health;
  }

  /** The gossiped config version applied, if any. */
  get configVersion(): number | undefined {
    return this.#config.gossip?.version;
  }

  processStatus(): ProcessStatus {
    if (this.#proc !== undefined) return this.#proc.status();
    return { pid: null, state: 'down', stateEnteredAt: this.#downSince };
  }

  /** One `/services` item. */
  queryModel(): ServiceQueryModel {
    return buildQueryModel({
      spec: this.spec,
      pkg: this.pkg,
      pkgInfo: this.#pkgInfo(this.cfg),
      layout: this.layout,
      sys: this.#deps.sys,
      cfg: this.cfg,
      serviceGroup: this.serviceGroup,
      health: this.#health,
      initialized: this.#initialized,
      process: this.processStatus(),
      lastProcessState: this.#tracker.lastProcessState,
      nextRestartAt: this.#tracker.nextRestartAt,
      restartCount: this.#tracker.restartCount,
      managerFs: this.#managerFs,
    });
  }

  /** The `/health` body: the status and the last health-check run's output. */
  async healthReport(): Promise<HealthReport> {
    const logs = hookLogPaths(this.layout, 'health-check');
    const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
    const hasHook = this.pkg.hooks['health-check'] !== undefined;
    return {
      status: healthDisplay(this.#health),
      stdout: hasHook ? await read(logs.stdout) : '',
      stderr: hasHook ? await read(logs.stderr) : '',
    };
  }

  // ---- commands -------------------------------------------------------------------------------

  /** Desired state Up: render, init, run, health-check. Resolves once the run hook started (or why not is logged). */
  start(): Promise<void> {
    this.spec.desiredState = 'Up';
    return this.#enqueue(() => this.#reconcile());
  }

  /** Desired state Down: stop the process (shutdown signal, timeout, SIGKILL) and run post-stop. */
  stop(): Promise<void> {
    this.spec.desiredState = 'Down';
    // Kill an init or reconfigure hook in flight now, rather than queueing behind it.
    this.#hooksAbort.abort();
    return this.#enqueue(() => this.#shutdown());
  }

  /** A new census view (members of our group and of bound groups); re-renders when it matters. */
  updateCensus(census: CensusView): Promise<void> {
    this.#census = census;
    return this.#enqueue(() => this.#refresh());
  }

  /**
   * Applies a gossiped config version. Throws Conflict at once for a version
   * not higher than the current one; otherwise resolves after re-rendering.
   */
  applyGossipConfig(version: number, toml: string): Promise<void> {
    this.#config.setGossipToml(version, toml);
    return this.#enqueue(() => this.#refresh());
  }

  /**
   * Places a gossiped file into `files/` and runs the file-updated hook.
   * Throws Conflict at once for a version not higher than the one held.
   */
  applyServiceFile(filename: string, version: number, body: Uint8Array): Promise<void> {
    this.#files.check(filename, version, body.length);
    return this.#enqueue(async () => {
      await this.#files.write(filename, version, body);
      this.#log.info(`${this.serviceGroup}: file ${filename} version ${version} written`);
      if (this.pkg.hooks['file-updated'] !== undefined && this.spec.desiredState === 'Up') {
        await this.#hooks.run('file-updated', { signal: this.#hooksAbort.signal });
      }
    });
  }

  /** Re-reads user.toml (after the operator edited it). */
  async reloadUserConfig(): Promise<void> {
    this.#config.setUserToml(await readUserToml(this.layout.userTomlPath), this.layout.userTomlPath);
    return this.#enqueue(() => this.#refresh());
  }

  // ---- the state machine ----------------------------------------------------------------------

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step);
    this.#queue = run.catch((err: unknown) => this.#log.error({ err }, `${this.serviceGroup}: ${messageOf(err)}`));
    return run;
  }

  #changed(): void {
    this.#deps.onChange?.(this);
  }

  #pkgInfo(cfg: TomlTable) {
    const timeoutMs = this.spec.shutdownTimeoutMs ?? this.pkg.manifest.shutdownTimeoutSec * 1000;
    return pkgInfo(this.pkg, this.layout, cfg, this.#hookEnv, Math.ceil(timeoutMs / 1000));
  }

  #context(): { context: RenderContext; unsatisfied: string[] } {
    const cfg = this.cfg;
    const me = selfMember(this.pkg, this.spec, this.#deps.sys, cfg);
    const binds = resolveBinds(this.spec, this.pkg, this.#census);
    const context = renderContext({
      sys: this.#deps.sys,
      pkg: this.#pkgInfo(cfg),
      cfg,
      svc: svcInfo(me, this.#census.groups[this.serviceGroup]),
      bind: binds.bind,
    });
    return { context, unsatisfied: binds.unsatisfied.map((u) => `${u.name} (${u.serviceGroup}: ${u.reason})`) };
  }

  /** Renders, logging (once per distinct error) instead of throwing; undefined when rendering failed. */
  async #render(context: RenderContext) {
    try {
      const outcome = await this.#templates.render(context);
      this.#lastRenderError = undefined;
      return outcome;
    } catch (err) {
      const message = messageOf(err);
      if (message !== this.#lastRenderError) this.#log.error(`${this.serviceGroup}: ${message}`);
      this.#lastRenderError = message;
      return undefined;
    }
  }

  /** Brings a service that should be up, and is not running or waiting to restart, up. */
  async #reconcile(): Promise<void> {
    if (this.spec.desiredState !== 'Up' || this.#proc !== undefined || this.#restartTimer !== undefined) return;
    const { context, unsatisfied } = this.#context();
    if (this.spec.bindingMode === 'strict' && unsatisfied.length > 0) {
      const message = `${this.serviceGroup}: Waiting for service binds... ${unsatisfied.join('; ')}`;
      if (message !== this.#bindWait) this.#log.warn(message);
      this.#bindWait = message;
      return;
    }
    this.#bindWait = undefined;
    if ((await this.#render(context)) === undefined) return;
    if (this.#hooksAbort.signal.aborted) this.#hooksAbort = new AbortController();
    const startedAt = this.#deps.clock.now();

    if (!this.#initialized && this.pkg.hooks.init !== undefined) {
      const init = await this.#hooks.run('init', { signal: this.#hooksAbort.signal });
      if (this.spec.desiredState !== 'Up') return;
      if (init.code !== 0) {
        this.#log.error(`${this.serviceGroup}: init hook failed (exit ${init.code ?? init.signal ?? 'not run'})`);
        this.#scheduleRestart(null, 'init_hook_failed', startedAt);
        return;
      }
    }
    this.#initialized = true;

    await reapStaleProcess(this.layout.pidFile, { name: SERVICE_MARKER_ENV, value: this.layout.svcPath }, this.#deps);
    let proc: SupervisedProcess;
    try {
      proc = await SupervisedProcess.start(
        this.#hooks.command('run'),
        { clock: this.#deps.clock, onLine: this.#hooks.lineSink('run') },
        {
          ...hookLogPathsFor(this.layout),
          shutdownSignal: `SIG${this.pkg.manifest.shutdownSignal}` as NodeJS.Signals,
          shutdownTimeoutMs: this.spec.shutdownTimeoutMs ?? this.pkg.manifest.shutdownTimeoutSec * 1000,
        },
      );
    } catch (err) {
      this.#log.error(`${this.serviceGroup}: ${messageOf(err)}`);
      this.#scheduleRestart(null, 'run_hook_failed', startedAt);
      return;
    }
    this.#proc = proc;
    this.#procStartedAt = startedAt;
    this.#lastPid = proc.pid;
    if (this.pkg.hooks['health-check'] === undefined) this.#health = healthFromProcessState('up');
    void proc.exited.then((exit) => this.#enqueue(() => this.#onExit(proc, exit)));
    this.#log.info(`Starting service ${this.serviceGroup} (pid ${proc.pid})`);
    await writeFileAtomic(this.layout.pidFile, `${proc.pid}\n`);
    this.#startHealthChecks();
    if (this.pkg.hooks['post-run'] !== undefined) void this.#postRun(proc);
    this.#changed();
  }

  /** The run hook ended by itself: count it and restart after the backoff. */
  async #onExit(proc: SupervisedProcess, exit: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    if (this.#proc !== proc) return; // stopped on purpose; already accounted for
    this.#proc = undefined;
    this.#downSince = this.#deps.clock.now();
    await unlink(this.layout.pidFile).catch(() => undefined);
    if (this.pkg.hooks['health-check'] === undefined) this.#health = healthFromProcessState('down');
    this.#log.warn(`${this.serviceGroup}: run hook exited (${exit.signal ?? `code ${exit.code}`})`);
    this.#scheduleRestart(proc.pid, 'run_hook_failed', this.#procStartedAt);
    this.#changed();
  }

  #scheduleRestart(pid: number | null, reason: TerminationReason, startedAt: number): void {
    const wait = this.#tracker.failed(pid, reason, startedAt);
    this.#log.info(`${this.serviceGroup}: restarting in ${wait} ms (restart ${this.#tracker.restartCount})`);
    this.#restartTimer = this.#deps.clock.setTimer(wait, () => {
      this.#restartTimer = undefined;
      this.#tracker.restarted();
      void this.#enqueue(() => this.#reconcile());
    });
    this.#changed();
  }

  /** Re-renders after a config or census change and reconfigures or restarts as needed. */
  async #refresh(): Promise<void> {
    if (this.spec.desiredState !== 'Up') return;
    const proc = this.#proc;
    if (proc === undefined) {
      // Not running: render now so the files are current, start if that was all we waited for.
      if (this.#restartTimer === undefined) await this.#reconcile();
      return;
    }
    const { context } = this.#context();
    const outcome = await this.#render(context);
    if (outcome === undefined) return;
    const { changedHooks } = outcome;
    let reason: TerminationReason | undefined;
    if (changedHooks.has('init')) {
      reason = 'init_hook_updated';
      this.#initialized = false;
    } else if (changedHooks.has('run')) {
      reason = 'run_hook_updated';
    } else if (changedHooks.has('post-run')) {
      reason = 'post_run_hook_updated';
    } else if (outcome.configChanged || changedHooks.has('reconfigure')) {
      if (this.pkg.hooks.reconfigure !== undefined) {
        const result = await this.#hooks.run('reconfigure', { signal: this.#hooksAbort.signal });
        this.#log.info(`${this.serviceGroup}: reconfigure hook exited ${result.code ?? result.signal}`);
      } else {
        reason = 'app_config_updated';
      }
    }
    if (reason !== undefined) {
      this.#log.info(`${this.serviceGroup}: restarting (${reason})`);
      await this.#stopProcess(proc, reason);
      await this.#reconcile();
    }
    this.#changed();
  }

  /** Stops the running process on purpose: no backoff, not counted as a failure. */
  async #stopProcess(proc: SupervisedProcess, reason: TerminationReason): Promise<void> {
    this.#proc = undefined;
    this.#tracker.stoppedOnPurpose(proc.pid, reason);
    await proc.stop();
    this.#downSince = this.#deps.clock.now();
    await unlink(this.layout.pidFile).catch(() => undefined);
    if (this.pkg.hooks['post-stop'] !== undefined) await this.#hooks.run('post-stop');
  }

  async #shutdown(): Promise<void> {
    this.#restartTimer?.cancel();
    this.#restartTimer = undefined;
    this.#tracker.restarted();
    this.#healthLoop?.stop();
    this.#healthLoop = undefined;
    this.#hooksAbort.abort();
    const proc = this.#proc;
    if (proc !== undefined) {
      this.#log.info(`Stopping service ${this.serviceGroup} (pid ${proc.pid})`);
      this.#proc = undefined;
      await proc.stop();
      this.#downSince = this.#deps.clock.now();
      await unlink(this.layout.pidFile).catch(() => undefined);
      if (this.pkg.hooks['post-stop'] !== undefined) await this.#hooks.run('post-stop');
    }
    // A stopped service is not healthy, whatever its last check said.
    this.#health = healthFromProcessState('down');
    this.#changed();
  }

  #startHealthChecks(): void {
    if (this.#healthLoop !== undefined) return;
    this.#healthLoop = serviceHealthLoop(
      {
        clock: this.#deps.clock,
        random: this.#deps.random,
        logger: this.#log,
        hooks: this.#hooks,
        serviceGroup: this.serviceGroup,
        hasHook: this.pkg.hooks['health-check'] !== undefined,
        isUp: () => this.#proc !== undefined,
        current: () => this.#health,
        onChange: (status) => {
          this.#health = status;
          this.#changed();
        },
      },
      this.spec.healthCheckIntervalMs,
    );
    this.#healthLoop.start();
  }

  /** Habitat retries post-run until it exits 0, for as long as the same process runs. */
  async #postRun(proc: SupervisedProcess): Promise<void> {
    const signal = this.#hooksAbort.signal;
    while (this.#proc === proc && !signal.aborted) {
      const result = await this.#hooks.run('post-run', { signal });
      if (result.code === 0) return;
      await new Promise<void>((resolve) => this.#deps.clock.setTimer(POST_RUN_RETRY_MS, resolve));
    }
  }

  /** The pid of the last process started, for logs and tests. */
  get lastPid(): number | null {
    return this.#lastPid;
  }
}

function hookLogPathsFor(layout: ServiceLayout): { stdoutLog: string; stderrLog: string } {
  const logs = hookLogPaths(layout, 'run');
  return { stdoutLog: logs.stdout, stderrLog: logs.stderr };
}
