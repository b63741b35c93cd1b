/** Habitat's default time between the shutdown signal and SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8_000;
/** Bytes of each stream a one-shot hook result keeps (the tail); larger output is cut at the front. */
export const MAX_CAPTURED_OUTPUT_BYTES = 256 * 1024;
/** After a process exits, how long to wait for its pipes to drain before closing them ourselves. */
export const PIPE_DRAIN_MS = 1_000;
/** A line longer than this is passed on in pieces, so one runaway line cannot exhaust memory. */
export const MAX_LINE_CHARS = 64 * 1024;
