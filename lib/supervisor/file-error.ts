import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';

/**
 * One shape for every "this file is wrong here" refusal, so `svc load` can say
 * `hello/default.toml:3:7: invalid value` whatever found the problem.
 */
export interface FilePosition {
  line?: number | undefined;
  column?: number | undefined;
}

export function fileError(file: string, message: string, position: FilePosition = {}, cause?: unknown): ChorusError {
  const where = position.line === undefined ? file : `${file}:${position.line}${position.column === undefined ? '' : `:${position.column}`}`;
  return new ChorusError(ErrorCode.InvalidConfig, `${where}: ${message}`, {
    cause,
    details: { file, line: position.line, column: position.column },
  });
}

/** smol-toml errors carry line and column; their message repeats a code excerpt we leave out. */
export function tomlFileError(file: string, err: unknown): ChorusError {
  const e = err as { line?: unknown; column?: unknown };
  const line = typeof e.line === 'number' ? e.line : undefined;
  const column = typeof e.column === 'number' ? e.column : undefined;
  const first = messageOf(err).split('\n')[0] ?? 'invalid TOML';
  return fileError(file, first.replace(/^Invalid TOML document: /, 'invalid TOML: '), { line, column }, err);
}

/**
 * Best-effort line of a key in a TOML text, for errors found after parsing
 * (schema checks): the key line inside its table if the table header is
 * found, else the first line assigning the last key.
 */
export function lineOfKey(text: string, path: readonly (string | number)[]): number | undefined {
  const lines = text.split(/\r?\n/);
  const keys = path.filter((p): p is string => typeof p === 'string');
  if (keys.length === 0) return undefined;
  const last = keys[keys.length - 1]!;
  const assigns = (line: string, key: string): boolean =>
    new RegExp(`^\\s*(?:"${escape(key)}"|'${escape(key)}'|${escape(key)})\\s*(?:=|\\.)`).test(line);
  const header = keys.length > 1 ? keys.slice(0, -1).join('.') : undefined;
  if (header !== undefined) {
    const start = lines.findIndex((l) => new RegExp(`^\\s*\\[\\s*${escape(header)}\\s*\\]`).test(l));
    if (start >= 0) {
      for (let i = start + 1; i < lines.length && !/^\s*\[/.test(lines[i]!); i++) {
        if (assigns(lines[i]!, last)) return i + 1;
      }
      return start + 1;
    }
    const table = lines.findIndex((l) => assigns(l, keys[0]!));
    if (table >= 0) return table + 1;
  }
  const index = lines.findIndex((l) => assigns(l, last));
  return index >= 0 ? index + 1 : undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
