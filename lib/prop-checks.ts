/**
 * The shape of a valid prop value, written once beside the construct that owns the prop. The
 * construct checks its props with it, and the context schema (`config.ts`) checks the context
 * keys that become those props with the very same rule, so the two cannot drift apart.
 */
import type { Duration } from 'aws-cdk-lib';
import { Token } from 'aws-cdk-lib';

/** The numbers a numeric prop accepts. */
export interface NumberRule {
  /** Only whole numbers. */
  readonly whole: boolean;
  /** Lowest value allowed. @default - no lower bound */
  readonly min?: number;
  /** A value must be above this one. @default - no lower bound */
  readonly above?: number;
  /** Highest value allowed. @default - no upper bound */
  readonly max?: number;
  /** A value must be a multiple of this one. @default - any */
  readonly multipleOf?: number;
  /** The only values allowed. @default - any within the bounds */
  readonly allowed?: readonly number[];
  /** What is expected, worded to follow "is not" or "must be", e.g. `a whole number of MB from 1 to 102400`. */
  readonly expected: string;
}

/** Checks a text value: the problem, quoting the value, or `undefined` when it is valid. */
export type TextCheck = (value: string) => string | undefined;

/** Whether `value` satisfies `rule`. */
export function isWithin(value: number, rule: NumberRule): boolean {
  return (
    Number.isFinite(value) &&
    (!rule.whole || Number.isSafeInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.multipleOf === undefined || value % rule.multipleOf === 0) &&
    (rule.allowed === undefined || rule.allowed.includes(value))
  );
}

/**
 * `<name> must be <expected>; got <value>`, or `undefined` when the prop is unset, a token, or
 * within `rule`.
 */
export function checkNumber(
  name: string,
  value: number | undefined,
  rule: NumberRule,
): string | undefined {
  if (value === undefined || Token.isUnresolved(value) || isWithin(value, rule)) return undefined;
  return `${name} must be ${rule.expected}; got ${value}`;
}

/** Like {@link checkNumber} for a duration, whose rule counts `unit`s. */
export function checkDuration(
  name: string,
  value: Duration | undefined,
  rule: NumberRule,
  unit: 'days' | 'minutes' | 'seconds',
): string | undefined {
  if (value === undefined || value.isUnresolved()) return undefined;
  const amount = {
    days: () => value.toDays({ integral: false }),
    minutes: () => value.toMinutes({ integral: false }),
    seconds: () => value.toSeconds({ integral: false }),
  }[unit]();
  return isWithin(amount, rule)
    ? undefined
    : `${name} must be ${rule.expected}; got ${value.toHumanString()}`;
}

/** `<name>: <problem>` for a text prop, or `undefined` when it is unset, a token, or valid. */
export function checkText(
  name: string,
  value: string | undefined,
  check: TextCheck,
): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) return undefined;
  const problem = check(value);
  return problem === undefined ? undefined : `${name}: ${problem}`;
}

/** A {@link TextCheck} that wants `pattern`: `'<value>' is not <expected>`. */
export function patternCheck(pattern: RegExp, expected: string): TextCheck {
  return (value) => (pattern.test(value) ? undefined : `'${value}' is not ${expected}`);
}
