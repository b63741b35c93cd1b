import type { Selector } from './ast.js';
import { selectorText } from './ast.js';
import { FAIL, type Parsed, type Scanner } from './lexer.js';
import { StrconvError, unquote } from './strconv.js';

/**
 * The terminal rules of go-bexpr's grammar: whitespace, EOF, selectors and
 * the three kinds of value (a selector's text, a number, a string literal),
 * in bexpr's order of alternatives.
 */

const WHITESPACE = '[ \\t\\r\\n]';
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string) => c >= '0' && c <= '9';

export class Terminals {
  readonly #s: Scanner;

  constructor(scanner: Scanner) {
    this.#s = scanner;
  }

  selector(): Parsed<Selector> {
    const s = this.#s;
    return s.rule('Selector', 'selector', () => s.seq(() => {
      const first = this.#identifier();
      if (first === FAIL) return FAIL;
      const path = [first];
      for (;;) {
        const next = this.#selectorOrIndex();
        if (next === FAIL) break;
        path.push(next);
      }
      return path;
    }));
  }

  #identifier(): Parsed<string> {
    const s = this.#s;
    return s.rule('Identifier', undefined, () => s.seq(() => {
      const start = s.pos;
      if (s.cls('[a-zA-Z]', isLetter) === FAIL) return FAIL;
      while (s.cls('[a-zA-Z0-9_]', (c) => isLetter(c) || isDigit(c) || c === '_') !== FAIL);
      return s.text(start, s.pos);
    }));
  }

  #selectorOrIndex(): Parsed<string> {
    const s = this.#s;
    return s.rule('SelectorOrIndex', undefined, () => {
      const field = s.seq(() => (s.lit('.') === FAIL ? FAIL : this.#identifier()));
      return field !== FAIL ? field : this.#index();
    });
  }

  #index(): Parsed<string> {
    const s = this.#s;
    return s.rule('IndexExpression', 'index', () => {
      const openKey = (): Parsed<string> => {
        if (s.lit('[') === FAIL) return FAIL;
        this.optWs();
        const key = this.#string();
        if (key === FAIL) return FAIL;
        this.optWs();
        return key;
      };
      const closed = s.seq(() => {
        const key = openKey();
        return key === FAIL || s.lit(']') === FAIL ? FAIL : key;
      });
      if (closed !== FAIL) return closed;
      const notAString = s.seq<string>(() => {
        if (s.lit('[') === FAIL) return FAIL;
        this.optWs();
        if (!s.not(() => this.#string())) return FAIL;
        s.error('Invalid index');
        return FAIL;
      });
      if (notAString !== FAIL) return notAString;
      return s.seq<string>(() => {
        if (openKey() === FAIL || !s.not(() => s.lit(']'))) return FAIL;
        s.error('Unclosed index expression');
        return FAIL;
      });
    });
  }

  value(): Parsed<string> {
    const s = this.#s;
    return s.rule('Value', 'value', () => {
      const selector = this.selector();
      if (selector !== FAIL) return selectorText(selector);
      const number = this.#number();
      return number !== FAIL ? number : this.#string();
    });
  }

  #number(): Parsed<string> {
    const s = this.#s;
    return s.rule('NumberLiteral', 'number', () => {
      const digits = () => {
        s.lit('-');
        return this.#integerOrFloat();
      };
      const start = s.pos;
      const valid = s.seq(() => (digits() === FAIL || !s.and(() => this.#afterNumbers()) ? FAIL : s.text(start, s.pos)));
      if (valid !== FAIL) return valid;
      return s.seq(() => {
        if (digits() === FAIL || !s.not(() => this.#afterNumbers())) return FAIL;
        s.error('Invalid number literal');
        return FAIL;
      });
    });
  }

  #afterNumbers(): Parsed<true> {
    const s = this.#s;
    return s.rule('AfterNumbers', undefined, () => (s.and(() => {
      if (this.ws() !== FAIL) return true;
      if (this.eof()) return true;
      return s.lit(')');
    }) ? true : FAIL));
  }

  #integerOrFloat(): Parsed<true> {
    const s = this.#s;
    return s.rule('IntegerOrFloat', undefined, () => s.seq(() => {
      const integer = s.lit('0') !== FAIL || s.seq(() => {
        if (s.cls('[1-9]', (c) => c >= '1' && c <= '9') === FAIL) return FAIL;
        while (s.cls('[0-9]', isDigit) !== FAIL);
        return true;
      }) !== FAIL;
      if (!integer) return FAIL;
      s.seq(() => {
        if (s.lit('.') === FAIL || s.cls('[0-9]', isDigit) === FAIL) return FAIL;
        while (s.cls('[0-9]', isDigit) !== FAIL);
        return true;
      });
      return true;
    }));
  }

  #string(): Parsed<string> {
    const s = this.#s;
    return s.rule('StringLiteral', 'string', () => {
      const opening = (quote: string, inner: () => Parsed<string>) => () => {
        if (s.lit(quote) === FAIL) return FAIL;
        while (inner() !== FAIL);
        return true;
      };
      const raw = opening('`', () => this.#stringChar('RawStringChar', '`'));
      const interpreted = opening('"', () => this.#stringChar('DoubleStringChar', '"'));
      const start = s.pos;
      const closed = s.seq(() => {
        if (s.seq(() => (raw() === FAIL || s.lit('`') === FAIL ? FAIL : true)) !== FAIL) return true;
        return s.seq(() => (interpreted() === FAIL || s.lit('"') === FAIL ? FAIL : true));
      });
      if (closed !== FAIL) {
        try {
          return unquote(s.text(start, s.pos));
        } catch (err) {
          // An action's error does not fail the match: pigeon records it and parsing goes on.
          if (!(err instanceof StrconvError)) throw err;
          s.error(err.message, start);
          return '';
        }
      }
      return s.seq(() => {
        if (s.seq(raw) === FAIL && s.seq(interpreted) === FAIL) return FAIL;
        if (!this.eof()) return FAIL;
        s.error('Unterminated string literal');
        return FAIL;
      });
    });
  }

  #stringChar(name: string, quote: string): Parsed<string> {
    const s = this.#s;
    return s.rule(name, undefined, () => s.seq(() => (s.not(() => s.lit(quote)) ? s.any() : FAIL)));
  }

  ws(): Parsed<true> {
    const s = this.#s;
    return s.rule('_', 'whitespace', () => {
      let count = 0;
      while (s.cls(WHITESPACE, isWhitespace) !== FAIL) count++;
      return count > 0 ? true : FAIL;
    });
  }

  optWs(): void {
    this.ws();
  }

  eof(): boolean {
    const s = this.#s;
    return s.rule('EOF', undefined, () => (s.not(() => s.any()) ? true : FAIL)) !== FAIL;
  }
}
