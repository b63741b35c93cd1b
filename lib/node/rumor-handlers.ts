import { parse as parseToml, TomlError } from 'smol-toml';
import type { Butterfly } from '../butterfly/index.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { CtlHandler } from '../ctl/index.js';
import { formatServiceGroup, parseServiceGroup } from '../supervisor/index.js';

function field<T>(body: unknown, name: string, check: (v: unknown) => v is T, what: string): T {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (!check(value)) throw new ChorusError(ErrorCode.BadRequest, `${name} must be ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/**
 * `config apply` and `file upload`: gossiped to the whole service group. A
 * version not higher than the one the ring already holds is refused with
 * Conflict, so the user hears about it (Habitat drops it silently, #3009).
 */
export function rumorHandlers(butterfly: Butterfly): Record<string, CtlHandler> {
  return {
    SvcSetCfg: async (body) => {
      const group = formatServiceGroup(parseServiceGroup(field(body, 'serviceGroup', isString, 'a service group')));
      const version = field(body, 'version', isVersion, 'a non-negative whole number');
      const toml = field(body, 'toml', isString, 'TOML text');
      try {
        parseToml(toml);
      } catch (err) {
        const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
        throw new ChorusError(ErrorCode.BadRequest, `the config is not valid TOML${where}: ${messageOf(err).split('\n')[0]}`);
      }
      butterfly.rumors.applyConfig(group, version, toml);
      return { serviceGroup: group, version };
    },
    SvcFilePut: async (body) => {
      const group = formatServiceGroup(parseServiceGroup(field(body, 'serviceGroup', isString, 'a service group')));
      const version = field(body, 'version', isVersion, 'a non-negative whole number');
      const filename = field(body, 'filename', isString, 'a file name');
      const bytes = field(body, 'body', isBytes, 'the file contents');
      butterfly.rumors.uploadFile(group, filename, version, bytes);
      return { serviceGroup: group, version, filename };
    },
  };
}
