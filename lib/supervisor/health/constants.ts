/** Habitat's `--health-check-interval` default. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 30_000;
/** After a non-ok result the next check comes after at most this long. */
export const NON_OK_RETRY_MAX_MS = 30_000;
