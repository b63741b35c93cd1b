import { parse as parseToml } from 'smol-toml';
import { ChorusError, ErrorCode, messageOf } from '../../core/errors.js';
import type { TomlTable } from '../types.js';
import { isTable } from './merge.js';

/** Prefixes of the per-package config variables, lowest precedence first. */
export const ENV_CONFIG_PREFIXES = ['HAB_', 'CHORUS_'] as const;

/** `HAB_MY_PKG` for package `my-pkg`: uppercase, `-` → `_` (Habitat's rule). */
export function envVarName(prefix: string, pkgName: string): string {
  return `${prefix}${pkgName.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The config layers a package's environment variables carry, in precedence
 * order (HAB_ first, CHORUS_ over it when both are set). Each value is TOML,
 * or JSON when it is not TOML, as in Habitat. A value that is neither is
 * refused rather than ignored: a silently dropped override is the kind of
 * surprise the supervisor should not spring.
 */
export function envConfigLayers(pkgName: string, env: Readonly<Record<string, string | undefined>>): TomlTable[] {
  const layers: TomlTable[] = [];
  for (const prefix of ENV_CONFIG_PREFIXES) {
    const name = envVarName(prefix, pkgName);
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    layers.push(parseEnvConfig(name, value));
  }
  return layers;
}

function parseEnvConfig(name: string, value: string): TomlTable {
  let tomlError: unknown;
  try {
    return parseToml(value) as TomlTable;
  } catch (err) {
    tomlError = err;
  }
  try {
    const json: unknown = JSON.parse(value);
    if (isTable(json)) return json;
  } catch {
    // fall through to the refusal, which reports the TOML error
  }
  const line = (tomlError as { line?: number }).line;
  throw new ChorusError(
    ErrorCode.InvalidConfig,
    `environment variable ${name} is neither TOML (line ${line ?? '?'}: ${messageOf(tomlError).split('\n')[0]}) nor a JSON object`,
    { cause: tomlError, details: { variable: name, line } },
  );
}
