import { goQuote } from './errors.js';

/**
 * The Go strconv functions bexpr leans on, with their error texts: Unquote
 * for string literals, ParseInt and ParseBool for coercing values to the
 * type of the selected field.
 */

export class StrconvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrconvError';
  }
}

const INVALID_SYNTAX = 'invalid syntax';
const SIMPLE_ESCAPES: Record<string, string> = { a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

/** strconv.Unquote of a "…" or `…` literal; throws StrconvError("invalid syntax"). */
export function unquote(literal: string): string {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote) throw new StrconvError(INVALID_SYNTAX);
  const body = literal.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw new StrconvError(INVALID_SYNTAX);
    return body.replaceAll('\r', '');
  }
  if (quote !== '"' || body.includes('\n')) throw new StrconvError(INVALID_SYNTAX);
  let out = '';
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c === '"') throw new StrconvError(INVALID_SYNTAX);
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new StrconvError(INVALID_SYNTAX);
    if (SIMPLE_ESCAPES[e] !== undefined) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
    } else if (e === '"') {
      out += '"';
      i += 2;
    } else if (HEX_DIGITS[e] !== undefined) {
      const digits = body.slice(i + 2, i + 2 + HEX_DIGITS[e]);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== HEX_DIGITS[e]) throw new StrconvError(INVALID_SYNTAX);
      const code = parseInt(digits, 16);
      if (e !== 'x' && (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) throw new StrconvError(INVALID_SYNTAX);
      out += String.fromCodePoint(code);
      i += 2 + digits.length;
    } else if (e >= '0' && e <= '7') {
      const digits = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) throw new StrconvError(INVALID_SYNTAX);
      out += String.fromCodePoint(parseInt(digits, 8));
      i += 4;
    } else {
      throw new StrconvError(INVALID_SYNTAX);
    }
  }
  return out;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(text, 0, 64): sign, 0x/0o/0b or leading-0 octal prefixes, underscores between digits. */
export function parseInt64(text: string): bigint {
  const syntax = () => new StrconvError(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`);
  let s = text;
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') throw syntax();
  let base = 10;
  let digits = s;
  if (s[0] === '0' && s.length > 1) {
    const prefix = s[1]!.toLowerCase();
    if (s.length >= 3 && (prefix === 'x' || prefix === 'o' || prefix === 'b')) {
      base = prefix === 'x' ? 16 : prefix === 'o' ? 8 : 2;
      digits = s.slice(2);
    } else {
      base = 8;
      digits = s.slice(1);
    }
  }
  if (!underscoresOk(s)) throw syntax();
  digits = digits.replaceAll('_', '');
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!;
  if (!valid.test(digits)) throw syntax();
  let value = 0n;
  for (const d of digits) value = value * BigInt(base) + BigInt(parseInt(d, 16));
  if (negative) value = -value;
  if (value < INT64_MIN || value > INT64_MAX) throw new StrconvError(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`);
  return value;
}

/** Go's underscoreOK: underscores only between digits, or right after a base prefix. */
function underscoresOk(s: string): boolean {
  if (!s.includes('_')) return true;
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1]!)) {
    hex = s[1]!.toLowerCase() === 'x';
    i = 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/** strconv.ParseBool. */
export function parseBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new StrconvError(`strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`);
}
