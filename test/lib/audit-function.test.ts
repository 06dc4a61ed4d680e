import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { MediaPackageAuditAlertsProps } from '../../lib/mediapackage-audit-alerts';
import { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import { InvalidPropsError } from '../../lib/errors';
import { buildFullAlerts, logicalId, newStack } from './support';

describe('Construct: AuditFunction', () => {
  describe('in MediaPackageAuditAlerts', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;
    let roleId: string;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template, roleId } = buildFullAlerts());
    });

    it('runs the function on Node.js 24, arm64, 512 MB, 5 minutes, reserved concurrency', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 300,
        ReservedConcurrentExecutions: 5,
      });
    });

    it('gives the function its own log group with a 90-day retention', () => {
      // Assess
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('AuditFunctionLogGroup') } },
      });
    });

    it('gives the function role no managed policies', () => {
      // Assess
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        },
        ManagedPolicyArns: Match.absent(),
      });
      expect(template.toJSON()).not.toHaveProperty([
        'Resources',
        roleId,
        'Properties',
        'ManagedPolicyArns',
      ]);
    });

    it('retries failed asynchronous invocations twice for up to 6 hours, then uses the DLQ', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        Qualifier: '$LATEST',
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [logicalId(stack, alerts.deadLetterQueue), 'Arn'] },
          },
        },
      });
    });

    it('encrypts the dead-letter queue, keeps messages 14 days and requires TLS', () => {
      // Assess
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(stack, alerts.deadLetterQueue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('read budget and concurrency', () => {
    it('passes maxInflatedMb to the function in bytes and reserves the concurrency given', () => {
      // Prepare
      const stack = newStack();
      // Act
      new MediaPackageAuditAlerts(stack, 'Audit', {
        maxInflatedMb: 1,
        reservedConcurrentExecutions: 1,
      });
      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        ReservedConcurrentExecutions: 1,
        Environment: { Variables: Match.objectLike({ MP_AUDIT_MAX_INFLATED_BYTES: '1048576' }) },
      });
    });

    it('reserves no concurrency by default', () => {
      // Prepare
      const stack = newStack();
      // Act
      new MediaPackageAuditAlerts(stack, 'Audit');
      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        ReservedConcurrentExecutions: Match.absent(),
      });
    });

    it.each<[string, MediaPackageAuditAlertsProps, RegExp]>([
      [
        'a budget of 0 MB',
        { maxInflatedMb: 0 },
        /maxInflatedMb must be a whole number of MB from 1 to 102400; got 0/,
      ],
      [
        'a budget over 100 GiB',
        { maxInflatedMb: 102_401 },
        /maxInflatedMb must be a whole number of MB from 1 to 102400/,
      ],
      ['a fractional budget', { maxInflatedMb: 1.5 }, /maxInflatedMb must be a whole number/],
      [
        'a reservation of 0',
        { reservedConcurrentExecutions: 0 },
        /reservedConcurrentExecutions must be a whole number of concurrent executions, 1 or more; got 0/,
      ],
      [
        'a fractional reservation',
        { reservedConcurrentExecutions: 2.5 },
        /reservedConcurrentExecutions must be a whole number of concurrent executions, 1 or more/,
      ],
      [
        'less memory than Lambda allows',
        { functionMemorySize: 64 },
        /memorySize must be a whole number of MB from 128 to 10240; got 64/,
      ],
      [
        'a timeout over 15 minutes',
        { functionTimeout: Duration.minutes(16) },
        /timeout must be a whole number of seconds from 10 to 900; got 16 minutes/,
      ],
      [
        'a timeout under 10 seconds',
        { functionTimeout: Duration.seconds(5) },
        /timeout must be a whole number of seconds from 10 to 900/,
      ],
    ])('refuses %s', (_name, props, message) => {
      // Act
      const build = (): unknown => new MediaPackageAuditAlerts(newStack(), 'Audit', props);
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });

    it('lists every out-of-range prop in one error', () => {
      // Act
      const build = (): unknown =>
        new MediaPackageAuditAlerts(newStack(), 'Audit', {
          maxInflatedMb: 0,
          reservedConcurrentExecutions: 0,
        });
      // Assess
      expect(build).toThrow(
        /AuditFunction: reservedConcurrentExecutions must be .+; got 0; maxInflatedMb must be .+; got 0$/,
      );
    });
  });

  describe('code', () => {
    /** The content hash CDK gives the function's code asset. */
    function codeKey(props: MediaPackageAuditAlertsProps): string {
      const stack = newStack();
      new MediaPackageAuditAlerts(stack, 'Audit', props);
      const [fn] = Object.values(
        Template.fromStack(stack).findResources('AWS::Lambda::Function', {
          Properties: { Runtime: 'nodejs24.x' },
        }),
      ) as { Properties: { Code: { S3Key: string } } }[];
      return fn?.Properties.Code.S3Key ?? 'missing';
    }

    it('changes the code asset when the rules change, and only then', () => {
      // Prepare
      const quiet = { rules: { version: 1 as const, alertOnFailed: false } };
      const loud = { rules: { version: 1 as const, alertOnReadOnly: true } };
      // Act
      const keys = [codeKey(quiet), codeKey(quiet), codeKey(loud)];
      // Assess: a rules change deploys like a code change; the same rules keep the same asset.
      expect(keys[0]).toMatch(/^[0-9a-f]{64}\.zip$/);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
    });
  });
});
