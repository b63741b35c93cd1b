/**
 * go-bexpr's AST. Operator names are bexpr's own (MatchOperator.String()),
 * because its validation messages quote them: `Invalid match operator "Equal"`.
 */
export type MatchOperator = 'Equal' | 'Not Equal' | 'In' | 'Not In' | 'Is Empty' | 'Is Not Empty' | 'Matches' | 'Not Matches';

/** `Service.Meta["rack-id"]` is ['Service', 'Meta', 'rack-id']. */
export type Selector = readonly string[];

export interface MatchExpression {
  readonly type: 'match';
  readonly selector: Selector;
  readonly operator: MatchOperator;
  /** The raw text of the value (a bare selector value is its dotted text); absent for the emptiness checks. */
  readonly value?: string;
}

export interface NotExpression {
  readonly type: 'not';
  readonly operand: Expression;
}

export interface BinaryExpression {
  readonly type: 'and' | 'or';
  readonly left: Expression;
  readonly right: Expression;
}

export type Expression = MatchExpression | NotExpression | BinaryExpression;

/** bexpr's Selector.String(): the path joined with dots. */
export function selectorText(selector: Selector): string {
  return selector.join('.');
}
