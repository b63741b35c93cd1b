import type { Clock } from '../../core/clock.js';

/** What a check stopped mid-attempt reports (nobody sees it: a stopped runner drops late results). */
export const CHECK_STOPPED = { ok: false as const, error: 'check stopped' };

export interface SettleOptions<R> {
  timeoutMs: number;
  signal: AbortSignal;
  /** The result when the timeout passes first. */
  onTimeout: () => R;
  /** Closes whatever the attempt opened; runs once, whichever way it ended. */
  cleanup: () => void;
}

/**
 * One network attempt of a check ends once: with its first result, at its
 * timeout (on `clock`) or when the check stops. Returns the function that
 * delivers a result; later calls are ignored.
 */
export function settleOnce<R>(clock: Clock, resolve: (r: R) => void, o: SettleOptions<R>, stopped: R): (r: R) => void {
  let settled = false;
  const finish = (r: R) => {
    if (settled) return;
    settled = true;
    timer.cancel();
    o.signal.removeEventListener('abort', onAbort);
    o.cleanup();
    resolve(r);
  };
  const onAbort = () => finish(stopped);
  const timer = clock.setTimer(o.timeoutMs, () => finish(o.onTimeout()));
  o.signal.addEventListener('abort', onAbort, { once: true });
  return finish;
}
