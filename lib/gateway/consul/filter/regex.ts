/**
 * `matches` takes a Go (RE2) regular expression. JavaScript's syntax is close
 * enough for what filters use; this translates the Go-only spellings (leading
 * flag groups, `(?P<name>`, `\A`, `\z`, POSIX classes) and words compile
 * errors the way Go's regexp package does.
 */

export class RegexpError extends Error {
  constructor(message: string) {
    super(`error parsing regexp: ${message}`);
    this.name = 'RegexpError';
  }
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

export function compileGoRegexp(source: string): RegExp {
  let pattern = source;
  let flags = '';
  const leading = /^\(\?([imsU]+)\)/.exec(pattern);
  if (leading !== null) {
    if (leading[1]!.includes('U')) throw new RegexpError(`invalid or unsupported Perl syntax: \`${leading[0]}\``);
    flags = [...new Set(leading[1]!)].join('');
    pattern = pattern.slice(leading[0].length);
  }
  pattern = pattern
    .replaceAll('(?P<', '(?<')
    // `[[:alpha:]_]` becomes `[A-Za-z_]`; a negated `[:^alpha:]` has no inline spelling and is left to fail.
    .replace(/\[:([a-z]+):\]/g, (whole, name: string) => {
      const range = POSIX_CLASSES[name];
      if (range === undefined) throw new RegexpError(`invalid character class range: \`${whole}\``);
      return range;
    })
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\z/g, '(?![\\s\\S])');
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    throw new RegexpError(goReason((err as Error).message, source));
  }
}

/** Go's wording for the common mistakes; anything else keeps JavaScript's reason. */
function goReason(jsMessage: string, source: string): string {
  if (/Unterminated group/i.test(jsMessage)) return `missing closing ): \`${source}\``;
  if (/Unmatched '\)'/i.test(jsMessage)) return `unexpected ): \`${source}\``;
  if (/Unterminated character class/i.test(jsMessage)) return `missing closing ]: \`${source.slice(source.lastIndexOf('['))}\``;
  if (/Nothing to repeat/i.test(jsMessage)) return `missing argument to repetition operator: \`${/[*+?{]/.exec(source)?.[0] ?? source}\``;
  if (/\\ at end of pattern/i.test(jsMessage)) return 'trailing backslash at end of expression: ``';
  if (/numbers out of order/i.test(jsMessage)) return `invalid repeat count: \`${source}\``;
  return `${jsMessage.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}: \`${source}\``;
}
