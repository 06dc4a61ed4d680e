import { Stack } from 'aws-cdk-lib';
import { RulesValidationError } from '../../lambda/match/rules-schema';
import { ConfigError } from '../../lib/config';
import {
  InvalidPropsError,
  InvalidSubscriptionError,
  MediaPackageAuditError,
  throwIfInvalid,
} from '../../lib/errors';

describe('Errors of the CDK side', () => {
  const scope = new Stack(undefined, 'Scope');

  it.each<[string, () => MediaPackageAuditError]>([
    ['InvalidPropsError', () => new InvalidPropsError(scope, 'bad')],
    ['InvalidSubscriptionError', () => new InvalidSubscriptionError(scope, 'bad')],
    ['ConfigError', () => new ConfigError([{ key: 'trigger', message: 'bad' }])],
    ['RulesValidationError', () => new RulesValidationError('rules.json', [])],
  ])('%s is a MediaPackageAuditError with its own name, as the app catches it', (name, make) => {
    // Act
    const error = make();
    // Assess
    expect(error).toBeInstanceOf(MediaPackageAuditError);
    expect(error.name).toBe(name);
  });

  it('keeps the cause it wraps', () => {
    // Prepare
    const cause = new Error('underneath');
    // Act / Assess
    expect(new InvalidPropsError(scope, 'bad', { cause }).cause).toBe(cause);
    expect(new ConfigError([], { cause }).cause).toBe(cause);
  });

  it('names the construct in a props error, and counts a subscription problem as one', () => {
    // Act
    const error = new InvalidSubscriptionError(scope, 'sqs endpoint is bad');
    // Assess
    expect(error.message).toBe('Scope: sqs endpoint is bad');
    expect(error).toBeInstanceOf(InvalidPropsError);
  });

  describe('Function: throwIfInvalid', () => {
    it('throws one error listing every problem, in order', () => {
      // Act
      const check = (): void => throwIfInvalid(scope, ['first', undefined, 'second']);
      // Assess
      expect(check).toThrow(InvalidPropsError);
      expect(check).toThrow(/^Scope: first; second$/);
    });

    it('does nothing when every check passed', () => {
      // Act / Assess
      expect(() => throwIfInvalid(scope, [undefined, undefined])).not.toThrow();
    });
  });
});
