import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { CatalogBackend, CatalogReader, QueryAnswer, QueryResult, WatchScope } from '../../catalog/index.js';
import type { QueryOptions } from './query-options.js';

/** Consul's default_query_time: a blocking query without ?wait waits this long. */
export const DEFAULT_WAIT_MS = 5 * 60_000;
/** Consul's max_query_time: longer waits are cut to this. */
export const MAX_WAIT_MS = 10 * 60_000;
/** Jitter is up to wait/16, so thousands of watchers started together do not return together. */
export const JITTER_FRACTION = 16;

export interface BlockingDeps {
  backend: CatalogBackend;
  clock: Clock;
  random: Random;
}

/** How long a blocking query may wait: ?wait clamped to (0, 10 min], default 5 min, plus jitter. */
export function blockingTimeout(waitMs: number | undefined, random: Random): number {
  let wait = waitMs === undefined || waitMs <= 0 ? DEFAULT_WAIT_MS : Math.min(waitMs, MAX_WAIT_MS);
  wait = Math.ceil(wait);
  return wait + Math.floor(random.next() * (wait / JITTER_FRACTION));
}

/**
 * Runs a read, blocking as Consul does when `?index` is given: answer at
 * once if the query's index is already past it; otherwise park on `scope`
 * until a change past the index or the timeout, then run the query again and
 * answer with whatever it says (on timeout possibly the same index, or a
 * lower one when the client's index is ahead of ours, e.g. after a restore).
 *
 * `scope`'s index must never exceed the query's index (the KV queries fall
 * back to the table index, which is higher), or a wake-up would not move the
 * answer and the loop would spin until the timeout.
 */
export async function blockingQuery<T>(
  deps: BlockingDeps,
  options: QueryOptions,
  scope: WatchScope,
  query: (state: CatalogReader) => QueryResult<T>,
  request: AbortSignal,
): Promise<QueryAnswer<T>> {
  let answer = await deps.backend.read(options.consistency, query);
  if (options.minIndex === 0 || answer.index > options.minIndex) return answer;
  const expiry = new AbortController();
  const timer = deps.clock.setTimer(blockingTimeout(options.waitMs, deps.random), () => expiry.abort());
  const onClientGone = (): void => expiry.abort();
  request.addEventListener('abort', onClientGone, { once: true });
  try {
    while (answer.index <= options.minIndex && !expiry.signal.aborted) {
      const changed = await deps.backend.waitForChange(scope, options.minIndex, expiry.signal);
      if (request.aborted) break;
      answer = await deps.backend.read(options.consistency, query);
      if (!changed) break;
    }
  } finally {
    timer.cancel();
    request.removeEventListener('abort', onClientGone);
  }
  return answer;
}
