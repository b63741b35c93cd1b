import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { DEFAULT_CHECK_TIMEOUT_MS, DEFAULT_OUTPUT_MAX_SIZE, DEFAULT_SCRIPT_TIMEOUT_MS, MIN_CHECK_INTERVAL_MS } from '../constants.js';
import { checkType } from '../validate.js';
import type { CheckDefinition } from '../types.js';
import { IntervalRunner, type Probe } from './interval.js';
import { AliasRunner, type AliasSource } from './alias.js';
import { grpcProbe, httpProbe, scriptProbe, tcpProbe, udpProbe } from './probes.js';
import { withThresholds } from './status-handler.js';
import { TtlRunner } from './ttl.js';
import type { CheckExecutors, CheckNotify, CheckRunner } from './types.js';

export interface RunnerDeps {
  clock: Clock;
  random: Random;
  executors: CheckExecutors;
  /** What alias checks mirror; without it they report critical as unsupported. */
  alias?: AliasSource;
}

export interface RunnerOptions {
  /** Shorter intervals are raised to this (Consul: 1 s). */
  minIntervalMs?: number;
  /** The check's own ID, which an alias check leaves out of what it mirrors. */
  checkId?: string;
}

export interface CreatedRunner {
  runner: CheckRunner;
  /** Set for TTL checks: where pass/warn/fail/update go. */
  ttl?: TtlRunner;
}

/**
 * The runner for a validated check definition. Kinds Consul has but this
 * agent cannot run (H2PING, Docker, OS service) report critical once,
 * saying so, rather than passing silently.
 */
export function createRunner(deps: RunnerDeps, def: CheckDefinition, notify: CheckNotify, options: RunnerOptions = {}): CreatedRunner {
  const maxOutput = def.OutputMaxSize || DEFAULT_OUTPUT_MAX_SIZE;
  const type = checkType(def);
  if (type === 'ttl') {
    const ttl = new TtlRunner({ clock: deps.clock, notify }, def.TTLMs!, maxOutput);
    return { runner: ttl, ttl };
  }
  if (type === 'alias' && deps.alias !== undefined) {
    const target = { checkId: options.checkId ?? def.CheckID ?? '', node: def.AliasNode ?? '', serviceId: def.AliasService ?? '' };
    return { runner: new AliasRunner({ clock: deps.clock, source: deps.alias, notify }, target) };
  }
  const interval = Math.max(def.IntervalMs ?? 0, options.minIntervalMs ?? MIN_CHECK_INTERVAL_MS);
  const timeout = (def.TimeoutMs ?? 0) > 0 ? def.TimeoutMs! : undefined;
  let probe: Probe | undefined;
  if (type === 'http') {
    probe = httpProbe(deps.executors, {
      url: def.HTTP!,
      method: def.Method,
      header: def.Header,
      body: def.Body,
      timeoutMs: timeout ?? DEFAULT_CHECK_TIMEOUT_MS,
      tlsSkipVerify: def.TLSSkipVerify,
      tlsServerName: def.TLSServerName,
      disableRedirects: def.DisableRedirects,
      maxOutput,
    });
  } else if (type === 'tcp') {
    probe = tcpProbe(deps.executors, def.TCP!, timeout ?? DEFAULT_CHECK_TIMEOUT_MS);
  } else if (type === 'udp') {
    probe = udpProbe(deps.executors, def.UDP!, timeout ?? DEFAULT_CHECK_TIMEOUT_MS);
  } else if (type === 'grpc') {
    probe = grpcProbe(deps.executors, {
      target: def.GRPC!,
      useTls: def.GRPCUseTLS ?? false,
      tlsSkipVerify: def.TLSSkipVerify,
      tlsServerName: def.TLSServerName,
      timeoutMs: timeout ?? DEFAULT_CHECK_TIMEOUT_MS,
    });
  } else if (type === 'script') {
    probe = scriptProbe(deps.executors, def.ScriptArgs!, timeout ?? DEFAULT_SCRIPT_TIMEOUT_MS, maxOutput);
  }
  if (probe === undefined) {
    return {
      runner: {
        start: () => notify('critical', `${type || 'this'} check type is not supported by this agent`),
        stop: () => undefined,
      },
    };
  }
  const thresholds = withThresholds(notify, {
    successBeforePassing: def.SuccessBeforePassing,
    failuresBeforeWarning: def.FailuresBeforeWarning,
    failuresBeforeCritical: def.FailuresBeforeCritical,
  });
  return { runner: new IntervalRunner({ clock: deps.clock, random: deps.random, probe, notify: thresholds }, interval) };
}
