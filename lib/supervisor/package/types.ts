import type { HookName, PackageIdent, TomlTable } from '../types.js';
import type { SHUTDOWN_SIGNALS } from './constants.js';

export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** `package.toml`, validated. Field names are the TOML keys in camelCase. */
export interface PackageManifest {
  name: string;
  origin: string;
  version: string;
  release?: string | undefined;
  /** Exported key (what binders see in `cfg`) → dotted path into this package's cfg. */
  exports: Record<string, string>;
  /** Bind name → exported keys the bound group must provide. */
  binds: Record<string, string[]>;
  bindsOptional: Record<string, string[]>;
  /** Dotted cfg paths whose values are the ports this service listens on. */
  exposes: string[];
  /** `origin/name` → directory, for `{{pkgPathFor}}`. */
  deps: Record<string, string>;
  shutdownSignal: ShutdownSignal;
  shutdownTimeoutSec: number;
}

/** One template file of a package: a hook or a file under `config/`. */
export interface PackageTemplate {
  /** Path relative to its directory (`hooks/` or `config/`), with forward slashes. */
  relPath: string;
  /** Absolute path of the source file, for error messages. */
  path: string;
  source: string;
  /** Unix permission bits of the source, so rendered config keeps e.g. an executable bit. */
  mode: number;
}

/** A package directory loaded and checked in full. */
export interface Package {
  /** Absolute path of the package directory: `pkg.path` in templates. */
  dir: string;
  ident: PackageIdent & { version: string };
  manifest: PackageManifest;
  /** Parsed `default.toml` (empty when the package has none). */
  defaults: TomlTable;
  hooks: Partial<Record<HookName, PackageTemplate>>;
  configTemplates: PackageTemplate[];
}
