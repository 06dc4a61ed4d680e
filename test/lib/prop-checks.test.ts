import { Duration, Lazy, Token } from 'aws-cdk-lib';
import type { NumberRule } from '../../lib/prop-checks';
import {
  checkDuration,
  checkNumber,
  checkText,
  isWithin,
  patternCheck,
} from '../../lib/prop-checks';

const WHOLE: NumberRule = { whole: true, min: 10, max: 60, multipleOf: 5, expected: 'five-ish' };
const DECIMAL: NumberRule = { whole: false, above: 0, max: 100, expected: 'a share' };

describe('Function: isWithin', () => {
  it.each([
    [10, WHOLE, true],
    [60, WHOLE, true],
    [5, WHOLE, false],
    [65, WHOLE, false],
    [12, WHOLE, false],
    [10.5, WHOLE, false],
    [Number.NaN, WHOLE, false],
    [0.5, DECIMAL, true],
    [0, DECIMAL, false],
    [100, DECIMAL, true],
    [Number.POSITIVE_INFINITY, { whole: false, expected: 'any' }, false],
    [3, { whole: true, allowed: [1, 3], expected: 'one or three' }, true],
    [2, { whole: true, allowed: [1, 3], expected: 'one or three' }, false],
  ])('%p within %p: %p', (value, rule, expected) => {
    // Act / Assess
    expect(isWithin(value, rule)).toBe(expected);
  });
});

describe('Function: checkNumber', () => {
  it('names the prop, what it must be and what it got', () => {
    // Act / Assess
    expect(checkNumber('size', 12, WHOLE)).toBe('size must be five-ish; got 12');
  });

  it('passes a valid, unset or unresolved value', () => {
    // Act / Assess
    expect(checkNumber('size', 15, WHOLE)).toBeUndefined();
    expect(checkNumber('size', undefined, WHOLE)).toBeUndefined();
    expect(
      checkNumber('size', Token.asNumber(Lazy.number({ produce: () => 1 })), WHOLE),
    ).toBeUndefined();
  });
});

describe('Function: checkDuration', () => {
  it('counts the rule in the unit given and shows the duration as written', () => {
    // Act / Assess
    expect(checkDuration('period', Duration.hours(2), WHOLE, 'minutes')).toBe(
      'period must be five-ish; got 2 hours',
    );
    expect(checkDuration('period', Duration.minutes(15), WHOLE, 'minutes')).toBeUndefined();
    expect(checkDuration('period', Duration.seconds(30), WHOLE, 'seconds')).toBeUndefined();
    expect(checkDuration('period', Duration.days(0.5), DECIMAL, 'days')).toBeUndefined();
    expect(checkDuration('period', undefined, WHOLE, 'days')).toBeUndefined();
  });
});

describe('Function: checkText', () => {
  const check = patternCheck(/^T\d+$/, 'a T and digits');

  it('names the prop before the problem, quoting the value', () => {
    // Act / Assess
    expect(checkText('id', 'x1', check)).toBe("id: 'x1' is not a T and digits");
  });

  it('passes a valid, unset or unresolved value', () => {
    // Act / Assess
    expect(checkText('id', 'T1', check)).toBeUndefined();
    expect(checkText('id', undefined, check)).toBeUndefined();
    expect(checkText('id', Lazy.string({ produce: () => 'x' }), check)).toBeUndefined();
  });
});
