/**
 * Domain words shared by every part of the supervisor. The string spellings
 * are Habitat's, because they appear verbatim in `/services` and `/census`.
 */

/** A parsed TOML document or table: what `cfg` and `default.toml` are. */
export type TomlTable = Record<string, unknown>;

/** The lifecycle hooks a package may ship, in Habitat's file names. */
export const HOOK_NAMES = [
  'init',
  'run',
  'health-check',
  'reconfigure',
  'post-run',
  'post-stop',
  'suitability',
  'file-updated',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export function isHookName(name: string): name is HookName {
  return (HOOK_NAMES as readonly string[]).includes(name);
}

/** Health as `/services` serializes it (serde derive spelling). */
export type HealthStatus = 'Ok' | 'Warning' | 'Critical' | 'Unknown';

/** Health as the `/health` route and the census show it (Display spelling). */
export type HealthDisplay = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** Whether the supervised process is running. */
export type ProcessStateName = 'up' | 'down';

/** What the operator asked for (`svc start` / `svc stop`). */
export type DesiredState = 'Up' | 'Down';

export type Topology = 'standalone' | 'leader';
export type UpdateStrategy = 'none' | 'at-once' | 'rolling';
export type UpdateCondition = 'latest' | 'track-channel';
export type BindingMode = 'strict' | 'relaxed';

/** Why the previous process ended, in Habitat's words. */
export type TerminationReason =
  | 'package_updated'
  | 'init_hook_failed'
  | 'run_hook_failed'
  | 'app_config_updated'
  | 'init_hook_updated'
  | 'run_hook_updated'
  | 'post_run_hook_updated';

/** `origin/name/version/release`; version and release may be absent in a spec. */
export interface PackageIdent {
  origin: string;
  name: string;
  version?: string | undefined;
  release?: string | undefined;
}

export function formatIdent(ident: PackageIdent): string {
  return [ident.origin, ident.name, ident.version, ident.release].filter((p) => p !== undefined).join('/');
}
