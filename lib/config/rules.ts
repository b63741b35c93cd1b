import { ChorusError, ErrorCode } from '../core/errors.js';

/**
 * Checks of single config values: each answers undefined when the value
 * holds, else what is wrong with it. Hand-written rather than zod because the
 * config is read on the path from `sup run` to joining the ring, and loading
 * zod alone took ~60 ms of that; every CLI command pays the same.
 */
export type Rule = (value: unknown) => string | undefined;

export interface NumberRule {
  /** What to say of something that is not a finite number. */
  type: string;
  /** What to say of a fraction; fractions are fine without it. */
  int?: string;
  min: readonly [number, string];
  max: readonly [number, string];
}

export function numberRule(rule: NumberRule): Rule {
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return rule.type;
    if (rule.int !== undefined && !Number.isInteger(value)) return rule.int;
    if (value < rule.min[0]) return rule.min[1];
    if (value > rule.max[0]) return rule.max[1];
    return undefined;
  };
}

export interface StringRule {
  /** What to say of something that is not a string (default "must be a string"). */
  type?: string;
  max?: readonly [number, string];
  pattern?: readonly [RegExp, string];
}

/** A non-empty string, optionally bounded and shaped. */
export function stringRule(rule: StringRule = {}): Rule {
  return (value) => {
    if (typeof value !== 'string') return rule.type ?? 'must be a string';
    if (value === '') return 'must not be empty';
    if (rule.max !== undefined && value.length > rule.max[0]) return rule.max[1];
    if (rule.pattern !== undefined && !rule.pattern[0].test(value)) return rule.pattern[1];
    return undefined;
  };
}

export function oneOfRule(values: readonly string[], message: string): Rule {
  return (value) => (typeof value === 'string' && values.includes(value) ? undefined : message);
}

export function booleanRule(message: string): Rule {
  return (value) => (typeof value === 'boolean' ? undefined : message);
}

/**
 * A config file table (`[gossip]`) whose keys each have a rule: it must be a
 * table, hold no other keys, and every value must hold. The first fault is
 * reported as `config file F: table.key: what is wrong`. The values come back
 * under camelCase names (`probe_interval_ms` → `probeIntervalMs`), as the
 * node's settings name them.
 */
export function checkTable(table: string, raw: unknown, file: string, rules: Readonly<Record<string, Rule>>): Record<string, unknown> {
  const fault = (where: string, message: string): ChorusError =>
    new ChorusError(ErrorCode.InvalidConfig, `config file ${file}: ${where}: ${message}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fault(table, 'must be a table');
  const values = raw as Record<string, unknown>;
  const unknown = Object.keys(values).filter((key) => !Object.hasOwn(rules, key));
  if (unknown.length > 0) throw fault(table, `unknown key ${unknown.map((k) => `"${k}"`).join(', ')}`);
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const message = rules[key]!(value);
    if (message !== undefined) throw fault(`${table}.${key}`, message);
    settings[key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] = value;
  }
  return settings;
}
