import { parse as parseToml } from 'smol-toml';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { tomlFileError } from '../file-error.js';
import type { TomlTable } from '../types.js';
import { envConfigLayers } from './env.js';
import { deepMerge } from './merge.js';

/** A config version gossiped to a whole service group (`config apply`). */
export interface GossipedConfig {
  /** Strictly increasing per service group; Habitat calls it the incarnation. */
  version: number;
  value: TomlTable;
}

export interface ConfigLayersInit {
  /** The package name: selects the `HAB_<PKG>` / `CHORUS_<PKG>` variables. */
  pkgName: string;
  /** Parsed `default.toml`. */
  defaults: TomlTable;
  /** The environment the node was started with; never read from process.env here. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A service's `cfg`: default.toml < HAB_<PKG> < CHORUS_<PKG> < user.toml <
 * gossiped config, deep-merged (tables merge, everything else is replaced).
 */
export class ConfigLayers {
  readonly #defaults: TomlTable;
  readonly #env: TomlTable[];
  #user: TomlTable = {};
  #gossip: GossipedConfig | undefined;
  #merged: TomlTable | undefined;

  /** Throws InvalidConfig when an environment variable holds neither TOML nor JSON. */
  constructor(init: ConfigLayersInit) {
    this.#defaults = init.defaults;
    this.#env = envConfigLayers(init.pkgName, init.env ?? {});
  }

  /** Replaces the user layer with `text` (TOML read from `file`), or clears it when `text` is undefined. */
  setUserToml(text: string | undefined, file = 'user.toml'): void {
    if (text === undefined) {
      this.#user = {};
    } else {
      try {
        this.#user = parseToml(text) as TomlTable;
      } catch (err) {
        throw tomlFileError(file, err);
      }
    }
    this.#merged = undefined;
  }

  /**
   * Applies a gossiped config. A version not higher than the current one is
   * refused with Conflict (Habitat drops it silently, which left users
   * wondering why `config apply` did nothing).
   */
  setGossip(version: number, value: TomlTable): void {
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new ChorusError(ErrorCode.BadRequest, `config version must be a non-negative integer, got ${version}`);
    }
    if (this.#gossip !== undefined && version <= this.#gossip.version) {
      throw new ChorusError(
        ErrorCode.Conflict,
        `config version ${version} is not higher than the current version ${this.#gossip.version}`,
        { details: { version, current: this.#gossip.version } },
      );
    }
    this.#gossip = { version, value };
    this.#merged = undefined;
  }

  /** Parses a gossiped TOML document and applies it; see setGossip. */
  setGossipToml(version: number, text: string): void {
    let value: TomlTable;
    try {
      value = parseToml(text) as TomlTable;
    } catch (err) {
      throw tomlFileError(`config version ${version}`, err);
    }
    this.setGossip(version, value);
  }

  get gossip(): GossipedConfig | undefined {
    return this.#gossip;
  }

  /** The merged `cfg`. The same object is returned until a layer changes; do not mutate it. */
  merged(): TomlTable {
    this.#merged ??= [...this.#env, this.#user, this.#gossip?.value ?? {}].reduce(
      (acc, layer) => deepMerge(acc, layer),
      this.#defaults,
    );
    return this.#merged;
  }
}
