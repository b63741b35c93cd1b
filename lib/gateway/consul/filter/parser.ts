import type { Expression, MatchExpression, MatchOperator, Selector } from './ast.js';
import { selectorText } from './ast.js';
import { FilterError } from './errors.js';
import { FAIL, Scanner, type Parsed } from './lexer.js';
import { StrconvError, unquote } from './strconv.js';

/**
 * go-bexpr's grammar (grammar.peg of the version Consul pins), rule for rule
 * and alternative for alternative in the same order, so that what parses,
 * what fails, and the text of each failure are the same as bexpr's:
 *
 *   Input    <- _? "(" _? Or _? ")" _? EOF / _? Or _? EOF
 *   Or       <- And _ "or" _ Or / And
 *   And      <- Not _ "and" _ And / Not
 *   Not      <- "not" _ Not / Grouping
 *   Grouping <- "(" _? Or _? ")" / Match / "(" _? Or _? !")" &{Unmatched parentheses}
 *   Match    <- Selector (== != contains "not contains" matches "not matches") Value
 *             / Selector ("is empty" / "is not empty")
 *             / Value ("in" / "not in") Selector / Value ("in" / "not in") !Selector &{Invalid selector}
 *   Selector <- [a-zA-Z][a-zA-Z0-9_]* ("." Identifier / "[" _? String _? "]")*
 *   Value    <- Selector / Number / String
 *
 * Keywords are not reserved: `not == 1` compares the field `not`.
 */
export function parseExpression(input: string): Expression {
  const scanner = new Scanner(input);
  let ast: Parsed<Expression>;
  try {
    ast = new Grammar(scanner).input();
  } catch (err) {
    // Go's growable stacks parse any depth; ours overflows first. Refuse rather than crash.
    if (err instanceof RangeError) throw new FilterError('expression is nested too deeply');
    throw err;
  }
  if (ast === FAIL || scanner.hasErrors) throw new FilterError(scanner.failure());
  return ast;
}

const WHITESPACE = '[ \\t\\r\\n]';
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string) => c >= '0' && c <= '9';

class Grammar {
  readonly #s: Scanner;

  constructor(scanner: Scanner) {
    this.#s = scanner;
  }

  input(): Parsed<Expression> {
    const s = this.#s;
    return s.rule('Input', undefined, () => {
      const grouped = s.seq(() => {
        this.#optWs();
        if (s.lit('(') === FAIL) return FAIL;
        this.#optWs();
        const expr = this.#or();
        if (expr === FAIL) return FAIL;
        this.#optWs();
        if (s.lit(')') === FAIL) return FAIL;
        this.#optWs();
        return this.#eof() ? expr : FAIL;
      });
      if (grouped !== FAIL) return grouped;
      return s.seq(() => {
        this.#optWs();
        const expr = this.#or();
        if (expr === FAIL) return FAIL;
        this.#optWs();
        return this.#eof() ? expr : FAIL;
      });
    });
  }

  #or(): Parsed<Expression> {
    return this.#s.rule('OrExpression', undefined, () => this.#binary('or', () => this.#and(), () => this.#or()));
  }

  #and(): Parsed<Expression> {
    return this.#s.rule('AndExpression', undefined, () => this.#binary('and', () => this.#not(), () => this.#and()));
  }

  /** `left _ "op" _ right / left`: right-associative, as bexpr builds it. */
  #binary(op: 'and' | 'or', operand: () => Parsed<Expression>, rest: () => Parsed<Expression>): Parsed<Expression> {
    const s = this.#s;
    const both = s.seq<Expression>(() => {
      const left = operand();
      if (left === FAIL || this.#ws() === FAIL || s.lit(op) === FAIL || this.#ws() === FAIL) return FAIL;
      const right = rest();
      return right === FAIL ? FAIL : { type: op, left, right };
    });
    return both !== FAIL ? both : operand();
  }

  #not(): Parsed<Expression> {
    const s = this.#s;
    return s.rule('NotExpression', undefined, () => {
      const negated = s.seq<Expression>(() => {
        if (s.lit('not') === FAIL || this.#ws() === FAIL) return FAIL;
        const operand = this.#not();
        if (operand === FAIL) return FAIL;
        // `not not x` is x.
        return operand.type === 'not' ? operand.operand : { type: 'not', operand };
      });
      return negated !== FAIL ? negated : this.#grouping();
    });
  }

  #grouping(): Parsed<Expression> {
    const s = this.#s;
    return s.rule('ParenthesizedExpression', 'grouping', () => {
      const open = () => {
        if (s.lit('(') === FAIL) return FAIL;
        this.#optWs();
        const expr = this.#or();
        if (expr === FAIL) return FAIL;
        this.#optWs();
        return expr;
      };
      const closed = s.seq(() => {
        const expr = open();
        return expr === FAIL || s.lit(')') === FAIL ? FAIL : expr;
      });
      if (closed !== FAIL) return closed;
      const match = this.#match();
      if (match !== FAIL) return match;
      return s.seq(() => {
        if (open() === FAIL || !s.not(() => s.lit(')'))) return FAIL;
        s.error('Unmatched parentheses');
        return FAIL;
      });
    });
  }

  #match(): Parsed<Expression> {
    const s = this.#s;
    return s.rule('MatchExpression', 'match', () => {
      const selectorOpValue = s.rule('MatchSelectorOpValue', 'match', () => s.seq<MatchExpression>(() => {
        const selector = this.#selector();
        if (selector === FAIL) return FAIL;
        const operator = this.#operator(['MatchEqual', 'MatchNotEqual', 'MatchContains', 'MatchNotContains', 'MatchMatches', 'MatchNotMatches']);
        if (operator === FAIL) return FAIL;
        const value = this.#value();
        return value === FAIL ? FAIL : { type: 'match', selector, operator, value };
      }));
      if (selectorOpValue !== FAIL) return selectorOpValue;
      const selectorOp = s.rule('MatchSelectorOp', 'match', () => s.seq<MatchExpression>(() => {
        const selector = this.#selector();
        if (selector === FAIL) return FAIL;
        const operator = this.#operator(['MatchIsEmpty', 'MatchIsNotEmpty']);
        return operator === FAIL ? FAIL : { type: 'match', selector, operator };
      }));
      if (selectorOp !== FAIL) return selectorOp;
      return s.rule('MatchValueOpSelector', 'match', () => {
        const valueOp = () => {
          const value = this.#value();
          if (value === FAIL) return FAIL;
          const operator = this.#operator(['MatchIn', 'MatchNotIn']);
          return operator === FAIL ? FAIL : { value, operator };
        };
        const full = s.seq<MatchExpression>(() => {
          const head = valueOp();
          if (head === FAIL) return FAIL;
          const selector = this.#selector();
          return selector === FAIL ? FAIL : { type: 'match', selector, operator: head.operator, value: head.value };
        });
        if (full !== FAIL) return full;
        return s.seq(() => {
          if (valueOp() === FAIL || !s.not(() => this.#selector())) return FAIL;
          s.error('Invalid selector');
          return FAIL;
        });
      });
    });
  }

  /** The first of the named operator rules that matches. */
  #operator(names: readonly (keyof typeof OPERATORS)[]): Parsed<MatchOperator> {
    for (const name of names) {
      const [operator, words, spacing] = OPERATORS[name];
      const found = this.#s.rule(name, undefined, () => this.#s.seq(() => {
        if (spacing === 'optional') {
          this.#optWs();
          if (this.#s.lit(words[0]!) === FAIL) return FAIL;
          this.#optWs();
          return operator;
        }
        for (const word of words) if (this.#ws() === FAIL || this.#s.lit(word) === FAIL) return FAIL;
        // `is empty` and `is not empty` end at their last word; the rest need whitespace after it.
        if (spacing === 'around' && this.#ws() === FAIL) return FAIL;
        return operator;
      }));
      if (found !== FAIL) return found;
    }
    return FAIL;
  }

  #selector(): Parsed<Selector> {
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
        this.#optWs();
        const key = this.#string();
        if (key === FAIL) return FAIL;
        this.#optWs();
        return key;
      };
      const closed = s.seq(() => {
        const key = openKey();
        return key === FAIL || s.lit(']') === FAIL ? FAIL : key;
      });
      if (closed !== FAIL) return closed;
      const notAString = s.seq<string>(() => {
        if (s.lit('[') === FAIL) return FAIL;
        this.#optWs();
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

  #value(): Parsed<string> {
    const s = this.#s;
    return s.rule('Value', 'value', () => {
      const selector = this.#selector();
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
      if (this.#ws() !== FAIL) return true;
      if (this.#eof()) return true;
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
        if (!this.#eof()) return FAIL;
        s.error('Unterminated string literal');
        return FAIL;
      });
    });
  }

  #stringChar(name: string, quote: string): Parsed<string> {
    const s = this.#s;
    return s.rule(name, undefined, () => s.seq(() => (s.not(() => s.lit(quote)) ? s.any() : FAIL)));
  }

  #ws(): Parsed<true> {
    const s = this.#s;
    return s.rule('_', 'whitespace', () => {
      let count = 0;
      while (s.cls(WHITESPACE, isWhitespace) !== FAIL) count++;
      return count > 0 ? true : FAIL;
    });
  }

  #optWs(): void {
    this.#ws();
  }

  #eof(): boolean {
    const s = this.#s;
    return s.rule('EOF', undefined, () => (s.not(() => s.any()) ? true : FAIL)) !== FAIL;
  }
}

/** Each operator rule: what it yields, its words, and where its whitespace goes. */
const OPERATORS = {
  MatchEqual: ['Equal', ['=='], 'optional'],
  MatchNotEqual: ['Not Equal', ['!='], 'optional'],
  MatchIsEmpty: ['Is Empty', ['is', 'empty'], 'before'],
  MatchIsNotEmpty: ['Is Not Empty', ['is', 'not', 'empty'], 'before'],
  MatchIn: ['In', ['in'], 'around'],
  MatchNotIn: ['Not In', ['not', 'in'], 'around'],
  MatchContains: ['In', ['contains'], 'around'],
  MatchNotContains: ['Not In', ['not', 'contains'], 'around'],
  MatchMatches: ['Matches', ['matches'], 'around'],
  MatchNotMatches: ['Not Matches', ['not', 'matches'], 'around'],
} as const satisfies Record<string, readonly [MatchOperator, readonly string[], 'optional' | 'before' | 'around']>;
