import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { fileError, lineOfKey, tomlFileError } from '../file-error.js';
import {
  DEFAULT_SHUTDOWN_SIGNAL,
  DEFAULT_SHUTDOWN_TIMEOUT_SEC,
  NAME_PATTERN,
  SHUTDOWN_SIGNALS,
  VERSION_PATTERN,
} from './constants.js';
import type { PackageManifest } from './types.js';

const name = z.string().regex(NAME_PATTERN, 'must be letters, digits, "_" or "-"');
const version = z.string().regex(VERSION_PATTERN, 'must be one ident part: letters, digits and "._+-"');
const cfgPath = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dotted path into cfg, e.g. "http.port"');
const bindMap = z.record(name, z.array(name).min(1, 'must list at least one exported key'));

const schema = z
  .object({
    name,
    origin: name,
    version,
    release: version.optional(),
    exports: z.record(name, cfgPath).default({}),
    binds: bindMap.default({}),
    binds_optional: bindMap.default({}),
    exposes: z.array(cfgPath).default([]),
    deps: z.record(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be "origin/name"'), z.string().min(1)).default({}),
    shutdown_signal: z.enum(SHUTDOWN_SIGNALS).default(DEFAULT_SHUTDOWN_SIGNAL),
    shutdown_timeout: z.number().int().min(0).max(3600).default(DEFAULT_SHUTDOWN_TIMEOUT_SEC),
  })
  .strict();

/**
 * Parses and validates `package.toml`. Every refusal names the file and,
 * where the key can be found in the text, its line.
 */
export function parseManifest(file: string, text: string): PackageManifest {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw tomlFileError(file, err);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
    const key = path.join('.') || '(top level)';
    const what = issue.code === 'unrecognized_keys' ? `unknown key '${issue.keys.join("', '")}'` : `${key}: ${issue.message}`;
    throw fileError(file, what, { line: lineOfKey(text, path.map((p) => (typeof p === 'symbol' ? String(p) : p))) });
  }
  const m = result.data;
  for (const bind of Object.keys(m.binds_optional)) {
    if (bind in m.binds) {
      throw fileError(file, `bind '${bind}' is declared in both binds and binds_optional`, {
        line: lineOfKey(text, ['binds_optional', bind]),
      });
    }
  }
  return {
    name: m.name,
    origin: m.origin,
    version: m.version,
    release: m.release,
    exports: m.exports,
    binds: m.binds,
    bindsOptional: m.binds_optional,
    exposes: m.exposes,
    deps: m.deps,
    shutdownSignal: m.shutdown_signal,
    shutdownTimeoutSec: m.shutdown_timeout,
  };
}
