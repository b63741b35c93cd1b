import type { Expression, MatchExpression, MatchOperator } from './ast.js';
import { FilterError } from './errors.js';
import { FAIL, Scanner, type Parsed } from './lexer.js';
import { Terminals } from './terminals.js';

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

class Grammar {
  readonly #s: Scanner;
  readonly #t: Terminals;

  constructor(scanner: Scanner) {
    this.#s = scanner;
    this.#t = new Terminals(scanner);
  }

  input(): Parsed<Expression> {
    const s = this.#s;
    return s.rule('Input', undefined, () => {
      const grouped = s.seq(() => {
        this.#t.optWs();
        if (s.lit('(') === FAIL) return FAIL;
        this.#t.optWs();
        const expr = this.#or();
        if (expr === FAIL) return FAIL;
        this.#t.optWs();
        if (s.lit(')') === FAIL) return FAIL;
        this.#t.optWs();
        return this.#t.eof() ? expr : FAIL;
      });
      if (grouped !== FAIL) return grouped;
      return s.seq(() => {
        this.#t.optWs();
        const expr = this.#or();
        if (expr === FAIL) return FAIL;
        this.#t.optWs();
        return this.#t.eof() ? expr : FAIL;
      });
    });
  }

  #or(): Parsed<Expression> {
    return this.#s.rule('OrExpression', undefined, () => this.#binary('or', () => this.#and()));
  }

  #and(): Parsed<Expression> {
    return this.#s.rule('AndExpression', undefined, () => this.#binary('and', () => this.#not()));
  }

  /**
   * `operand _ "op" _ self / operand`, read as a loop so that a long chain of
   * `and`s does not nest a call per term; the result is right-associative, as
   * bexpr builds it. Backing off after a dangling `and` leaves the cursor
   * where the recursive rule would, and memoized operands record nothing twice.
   */
  #binary(op: 'and' | 'or', operand: () => Parsed<Expression>): Parsed<Expression> {
    const s = this.#s;
    const first = operand();
    if (first === FAIL) return FAIL;
    const operands = [first];
    for (;;) {
      const next = s.seq(() => (this.#t.ws() === FAIL || s.lit(op) === FAIL || this.#t.ws() === FAIL ? FAIL : operand()));
      if (next === FAIL) break;
      operands.push(next);
    }
    return operands.reduceRight((right, left) => ({ type: op, left, right }));
  }

  #not(): Parsed<Expression> {
    const s = this.#s;
    return s.rule('NotExpression', undefined, () => {
      const negated = s.seq<Expression>(() => {
        if (s.lit('not') === FAIL || this.#t.ws() === FAIL) return FAIL;
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
        this.#t.optWs();
        const expr = this.#or();
        if (expr === FAIL) return FAIL;
        this.#t.optWs();
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
        const selector = this.#t.selector();
        if (selector === FAIL) return FAIL;
        const operator = this.#operator(['MatchEqual', 'MatchNotEqual', 'MatchContains', 'MatchNotContains', 'MatchMatches', 'MatchNotMatches']);
        if (operator === FAIL) return FAIL;
        const value = this.#t.value();
        return value === FAIL ? FAIL : { type: 'match', selector, operator, value };
      }));
      if (selectorOpValue !== FAIL) return selectorOpValue;
      const selectorOp = s.rule('MatchSelectorOp', 'match', () => s.seq<MatchExpression>(() => {
        const selector = this.#t.selector();
        if (selector === FAIL) return FAIL;
        const operator = this.#operator(['MatchIsEmpty', 'MatchIsNotEmpty']);
        return operator === FAIL ? FAIL : { type: 'match', selector, operator };
      }));
      if (selectorOp !== FAIL) return selectorOp;
      return s.rule('MatchValueOpSelector', 'match', () => {
        const valueOp = () => {
          const value = this.#t.value();
          if (value === FAIL) return FAIL;
          const operator = this.#operator(['MatchIn', 'MatchNotIn']);
          return operator === FAIL ? FAIL : { value, operator };
        };
        const full = s.seq<MatchExpression>(() => {
          const head = valueOp();
          if (head === FAIL) return FAIL;
          const selector = this.#t.selector();
          return selector === FAIL ? FAIL : { type: 'match', selector, operator: head.operator, value: head.value };
        });
        if (full !== FAIL) return full;
        return s.seq(() => {
          if (valueOp() === FAIL || !s.not(() => this.#t.selector())) return FAIL;
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
          this.#t.optWs();
          if (this.#s.lit(words[0]!) === FAIL) return FAIL;
          this.#t.optWs();
          return operator;
        }
        for (const word of words) if (this.#t.ws() === FAIL || this.#s.lit(word) === FAIL) return FAIL;
        // `is empty` and `is not empty` end at their last word; the rest need whitespace after it.
        if (spacing === 'around' && this.#t.ws() === FAIL) return FAIL;
        return operator;
      }));
      if (found !== FAIL) return found;
    }
    return FAIL;
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
