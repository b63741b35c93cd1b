/** Directories under a service's directory, as Habitat names them. */
export const SVC_DIRS = {
  hooks: 'hooks',
  config: 'config',
  configInstall: 'config_install',
  logs: 'logs',
  data: 'data',
  files: 'files',
  static: 'static',
  var: 'var',
} as const;

/** `<data dir>/svc/<service>`: rendered hooks, config, logs and data of each service. */
export const SERVICES_DIR = 'svc';
/** `<data dir>/user/<service>/config/user.toml`: the operator's overrides. */
export const USER_DIR = 'user';
/** `<data dir>/specs/<service>.spec`: what `svc load` asked for, to reload after a restart. */
export const SPECS_DIR = 'specs';

export const DEFAULT_GROUP = 'default';

/**
 * Set in every hook's environment to the service directory, so that after a
 * supervisor crash a leftover process can be told apart from an unrelated
 * process that happens to have the same pid.
 */
export const SERVICE_MARKER_ENV = 'CHORUS_SERVICE_PATH';

/** Wait between attempts of a post-run hook that exited non-zero. */
export const POST_RUN_RETRY_MS = 1_000;
/** A health-check hook running longer than this counts as Unknown. */
export const MAX_HEALTH_CHECK_TIMEOUT_MS = 30_000;
/**
 * However short the interval, a health check gets this long before it counts
 * as Unknown: starting a hook's interpreter on a busy machine can take a
 * second, and that is not the service's ill health. Checks never overlap, so
 * a slow one only delays the next.
 */
export const MIN_HEALTH_CHECK_TIMEOUT_MS = 10_000;
