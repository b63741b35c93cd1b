import { invalidOption } from '../errors.js';
import type { RumorOptions } from './types.js';

export type ResolvedRumorOptions = Required<RumorOptions>;

/** Defaults of the rumor layer. */
export const RUMOR_DEFAULTS: Readonly<ResolvedRumorOptions> = Object.freeze({
  /** One hour: by then every member has had several push-pull syncs to learn of the withdrawal. */
  serviceTombstoneTtlMs: 3_600_000,
  /** One hour after a member departed or left (or was reaped), its service rumors go. */
  departedRumorTtlMs: 3_600_000,
  rumorSweepIntervalMs: 5_000,
  /** Leaves room for a probe and a few membership updates in the same packet. */
  maxInlineRumorBytes: 1_024,
  /** Habitat's MAX_SVC_CFG_SIZE. */
  maxConfigBytes: 64 * 1024,
  /** The supervisor's MAX_SERVICE_FILE_BYTES. */
  maxFileBytes: 4 * 1024 * 1024,
  maxServiceCfgBytes: 16 * 1024,
  /** serf's UserEventSizeLimit default. */
  maxEventPayloadBytes: 512,
  eventBufferSize: 256,
  maxServiceRumors: 200_000,
  maxFileRumors: 4_096,
  maxConfigRumors: 4_096,
  maxDepartureRumors: 100_000,
});

/** Field limits applied to every decoded rumor. */
export const RUMOR_LIMITS = Object.freeze({
  groupLength: 256,
  pkgLength: 512,
  hostLength: 256,
  fileNameLength: 255,
  eventNameLength: 128,
  regexLength: 256,
  tagFilters: 16,
  idLength: 128,
  addressLength: 300,
});

/** The id Habitat gives config rumors injected by a client. */
export const INJECTED_FROM_ID = 'butterflyclient';

export function resolveRumorOptions(o: RumorOptions = {}): ResolvedRumorOptions {
  const r = { ...RUMOR_DEFAULTS };
  for (const key of Object.keys(RUMOR_DEFAULTS) as (keyof ResolvedRumorOptions)[]) {
    const value = o[key];
    if (value !== undefined) r[key] = value;
  }
  for (const [key, value] of Object.entries(r)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidOption(key, value, 'must be a positive number');
  }
  if (r.maxInlineRumorBytes < 256) throw invalidOption('maxInlineRumorBytes', r.maxInlineRumorBytes, 'must be at least 256');
  return r;
}
