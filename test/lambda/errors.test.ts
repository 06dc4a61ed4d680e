import { MediaPackageAuditError } from '../../lambda/contract';
import { BadRecordError, LogReadError, PublishError } from '../../lambda/errors';
import { FunctionEnvironmentError } from '../../lambda/function-environment';
import { RulesValidationError } from '../../lambda/match/rules-schema';
import { TriggerProcessingError } from '../../lambda/pipeline/process-trigger';

const cause = new Error('the underlying failure');

describe('The package errors', () => {
  it.each([
    ['LogReadError', new LogReadError('s3://b/k', 'truncated', 'ends mid-record', cause)],
    ['BadRecordError', new BadRecordError('s3://b/k', 3, 'not JSON', true, cause)],
    ['PublishError', new PublishError(['e-1'], 'throttled', cause)],
    ['RulesValidationError', new RulesValidationError('rules.json', [], cause)],
    ['FunctionEnvironmentError', new FunctionEnvironmentError('X', 'X is wrong', cause)],
    [
      'TriggerProcessingError',
      new TriggerProcessingError([{ object: { bucket: 'b', key: 'k' }, error: cause }]),
    ],
  ])(
    '%s shares the base the app and the CLI catch, keeps its name and its cause',
    (name, error) => {
      // Assess
      expect(error).toBeInstanceOf(MediaPackageAuditError);
      expect(error.name).toBe(name);
      expect(error.cause).toBe(cause);
    },
  );

  it('has no cause property when none was given', () => {
    // Act
    const error = new LogReadError('s3://b/k', 'empty', 'no bytes');

    // Assess
    expect('cause' in error).toBe(false);
  });
});
