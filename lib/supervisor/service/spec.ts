import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { z } from 'zod';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { tomlFileError, fileError } from '../file-error.js';
import { DEFAULT_HEALTH_CHECK_INTERVAL_MS } from '../health/constants.js';
import { DEFAULT_COOLDOWN_MS, DEFAULT_MAX_BACKOFF_MS, DEFAULT_MIN_BACKOFF_MS } from '../restart/constants.js';
import { NAME_PATTERN } from '../package/constants.js';
import { parseServiceGroup } from '../service-group.js';
import type { Package } from '../package/types.js';
import { DEFAULT_GROUP } from './constants.js';
import type { BindSpec, ServiceSpec } from './types.js';

const groupPart = z.string().regex(/^[^#@.\s/]+$/, 'must not contain "#", "@", "." or spaces');
const millis = z.number().int().min(0);

/**
 * What `svc load` may say; every field but the package path is optional and
 * defaults as Habitat's `hab svc load` does (group `default`, standalone,
 * strict binds, 30 s health checks, restart at once, 5 min cooldown).
 */
export const serviceSpecInput = z
  .object({
    packagePath: z.string().min(1),
    group: groupPart.default(DEFAULT_GROUP),
    org: groupPart.optional(),
    topology: z.enum(['standalone', 'leader']).default('standalone'),
    updateStrategy: z.enum(['none', 'at-once', 'rolling']).default('none'),
    updateCondition: z.enum(['latest', 'track-channel']).default('latest'),
    binds: z.array(z.union([z.string(), z.object({ name: z.string(), serviceGroup: z.string() })])).default([]),
    bindingMode: z.enum(['strict', 'relaxed']).default('strict'),
    healthCheckIntervalMs: z.number().int().min(1).default(DEFAULT_HEALTH_CHECK_INTERVAL_MS),
    shutdownTimeoutMs: millis.optional(),
    desiredState: z.enum(['Up', 'Down']).default('Up'),
    minBackoffMs: millis.default(DEFAULT_MIN_BACKOFF_MS),
    maxBackoffMs: millis.default(DEFAULT_MAX_BACKOFF_MS),
    cooldownMs: millis.default(DEFAULT_COOLDOWN_MS),
    configFrom: z.string().optional(),
  })
  .strict();

export type ServiceSpecInput = z.input<typeof serviceSpecInput>;

/** Validates a load request and fills in defaults; BadRequest names the offending field. */
export function parseServiceSpec(input: unknown): ServiceSpec {
  const result = serviceSpecInput.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ChorusError(ErrorCode.BadRequest, `invalid service spec: ${issue.path.join('.') || 'spec'}: ${issue.message}`);
  }
  const spec = result.data;
  if (spec.topology === 'leader') {
    throw new ChorusError(
      ErrorCode.BadRequest,
      "topology 'leader' is not available yet: its election is built on the catalog's sessions in a later release; use --topology standalone",
    );
  }
  return { ...spec, binds: spec.binds.map(parseBind) };
}

/** `NAME:SERVICE.GROUP` (or an object form) → BindSpec. */
export function parseBind(bind: string | BindSpec): BindSpec {
  const [name, serviceGroup] = typeof bind === 'string' ? splitOnce(bind, ':') : [bind.name, bind.serviceGroup];
  if (name === undefined || serviceGroup === undefined || !NAME_PATTERN.test(name)) {
    throw new ChorusError(ErrorCode.BadRequest, `invalid bind '${String(typeof bind === 'string' ? bind : bind.name)}': expected NAME:SERVICE.GROUP`);
  }
  parseServiceGroup(serviceGroup);
  return { name, serviceGroup };
}

function splitOnce(text: string, sep: string): [string | undefined, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [undefined, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/**
 * Checks a spec against the package it loads: every bind must be one the
 * package declares, no bind twice, and every required bind given (Habitat
 * refuses a load missing a required bind rather than waiting forever).
 */
export function checkSpecAgainstPackage(spec: ServiceSpec, pkg: Package): void {
  const declared = { ...pkg.manifest.binds, ...pkg.manifest.bindsOptional };
  const seen = new Set<string>();
  for (const bind of spec.binds) {
    if (!(bind.name in declared)) {
      const names = Object.keys(declared);
      throw new ChorusError(
        ErrorCode.BadRequest,
        `package ${pkg.manifest.origin}/${pkg.manifest.name} has no bind named '${bind.name}'` +
          (names.length > 0 ? ` (it declares: ${names.join(', ')})` : ' (it declares none)'),
      );
    }
    if (seen.has(bind.name)) throw new ChorusError(ErrorCode.BadRequest, `bind '${bind.name}' is given twice`);
    seen.add(bind.name);
  }
  const missing = Object.keys(pkg.manifest.binds).filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new ChorusError(
      ErrorCode.BadRequest,
      `missing required bind${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}: pass --bind ${missing[0]}:SERVICE.GROUP`,
    );
  }
}

/** The spec as the TOML text kept in `specs/<service>.spec`. */
export function specToToml(spec: ServiceSpec): string {
  const plain = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  return stringifyToml(plain);
}

/** Reads a spec file back; a damaged file is refused naming the file (and line). */
export function specFromToml(file: string, text: string): ServiceSpec {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw tomlFileError(file, err);
  }
  try {
    return parseServiceSpec(raw);
  } catch (err) {
    throw fileError(file, (err as Error).message, {}, err);
  }
}
