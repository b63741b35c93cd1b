/** Habitat's defaults: restart at once, and forget the backoff after 5 minutes of uptime. */
export const DEFAULT_MIN_BACKOFF_MS = 0;
export const DEFAULT_MAX_BACKOFF_MS = 0;
export const DEFAULT_COOLDOWN_MS = 300_000;
/** Habitat's decorrelated jitter grows the wait by up to this factor each time. */
export const BACKOFF_GROWTH = 3;
