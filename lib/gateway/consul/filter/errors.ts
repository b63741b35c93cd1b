import { ConsulApiError, ConsulErrorCode } from '../errors.js';

/**
 * A `?filter` expression Consul would refuse: a syntax error in pigeon's words
 * or a selector, operator or value go-bexpr's validation rejects. Consul
 * answers 500 with this text (reference §0), prefixed as bexpr.CreateFilter
 * prefixes every error it returns.
 */
export class FilterError extends ConsulApiError {
  constructor(reason: string) {
    super(ConsulErrorCode.InvalidFilter, `Failed to create boolean expression evaluator: ${reason}`);
    this.name = 'FilterError';
  }
}

const NAMED_ESCAPES: Record<string, string> = {
  '\u0007': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};

/** Go's `%q` of a string (strconv.Quote), for messages that must read like bexpr's. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const named = NAMED_ESCAPES[ch];
    const code = ch.codePointAt(0)!;
    if (named !== undefined) out += named;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
