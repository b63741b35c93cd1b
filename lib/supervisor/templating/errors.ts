import { messageOf } from '../../core/errors.js';
import { fileError } from '../file-error.js';
import type { ChorusError } from '../../core/errors.js';

/**
 * Handlebars reports positions two ways: compile-time parse errors say
 * "Parse error on line N:" in the message, while other errors (strict-mode
 * lookups, mismatched blocks) carry `lineNumber`/`column` fields and append
 * " - L:C" to the message.
 */
export function templateFileError(file: string, err: unknown, action: 'parse' | 'render'): ChorusError {
  const e = err as { lineNumber?: unknown; column?: unknown };
  let line = typeof e.lineNumber === 'number' ? e.lineNumber : undefined;
  let column = typeof e.column === 'number' ? e.column + 1 : undefined;
  let message = messageOf(err);
  const parse = /^Parse error on line (\d+):\n[\s\S]*?\n[\s\S]*?\n(.*)$/.exec(message);
  if (parse !== null) {
    line = Number(parse[1]);
    message = parse[2]!;
  } else {
    message = message.replace(/ - \d+:\d+$/, '');
  }
  return fileError(file, `cannot ${action} template: ${message.split('\n')[0]}`, { line, column }, err);
}
