import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CANARY_WRITER_ENV } from '../../lambda/canary/canary-writer';
import type { DetectionPath } from '../../lambda/contract';
import {
  CANARY_TAG_KEY,
  FUNCTION_ENV,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../lambda/contract';
import type { AuditCanaryProps } from '../../lib/canary';
import { AuditCanary, CANARY_LIMITS, defaultMissingAfter } from '../../lib/canary';
import { InvalidPropsError } from '../../lib/errors';
import type { Statement } from './support';
import { actionsOf, logicalId, newApp, openNagFindings, roleStatements } from './support';

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly canary: AuditCanary;
  readonly auditFunction: lambda.Function;
  readonly template: Template;
}

/** A stack with a stand-in audit function and the canary, in a fresh App. */
function build(
  props: Partial<Omit<AuditCanaryProps, 'auditFunction' | 'alarmAction'>> = {},
  options: { readonly app?: App } = {},
): Built {
  const app = options.app ?? newApp();
  const stack = new Stack(app, 'TestStack', {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  const auditFunction = new lambda.Function(stack, 'AuditFunction', {
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
  });
  const topic = new sns.Topic(stack, 'Operations', { enforceSSL: true });
  const canary = new AuditCanary(stack, 'Canary', {
    auditFunction,
    paths: ['log-file'],
    alarmAction: new cloudwatchActions.SnsAction(topic),
    ...props,
  });
  return { app, stack, canary, auditFunction, template: Template.fromStack(stack) };
}

/** Properties of the alarm behind `alarm`. */
function alarmProperties(built: Built, alarm: cloudwatch.Alarm): Record<string, unknown> {
  const resources = built.template.toJSON() as {
    Resources: Record<string, { Properties: Record<string, unknown> }>;
  };
  const resource = resources.Resources[logicalId(built.stack, alarm)];
  if (resource === undefined) throw new Error(`no alarm ${alarm.node.path}`);
  return resource.Properties;
}

describe('Construct: AuditCanary', () => {
  describe('by default, on the log file path', () => {
    let built: Built;

    beforeAll(() => {
      built = build();
    });

    it('creates one MediaPackage v2 channel group with a valid name', () => {
      // Assess
      const groups = built.template.findResources('AWS::MediaPackageV2::ChannelGroup');
      const [group] = Object.values(groups) as { Properties: { ChannelGroupName: string } }[];
      expect(Object.keys(groups)).toHaveLength(1);
      expect(group?.Properties.ChannelGroupName).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
      expect(group?.Properties.ChannelGroupName).toContain('TestStack');
    });

    it('invokes the canary function every hour, with retries', () => {
      // Assess
      built.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 hour)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(built.stack, built.canary.function), 'Arn'] },
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
          }),
        ],
      });
    });

    it('runs Node.js 24 on arm64, one at a time, for at most 30 seconds, with the group ARN', () => {
      // Assess
      built.template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 30,
        ReservedConcurrentExecutions: 1,
        Environment: {
          Variables: Match.objectLike({
            [CANARY_WRITER_ENV.resourceArn]: {
              'Fn::GetAtt': [built.stack.getLogicalId(built.canary.channelGroup), 'Arn'],
            },
          }),
        },
      });
      built.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    });

    it('lets the canary role tag only its channel group, only with the canary tag key', () => {
      // Act
      const statements = roleStatements(
        built.template,
        logicalId(built.stack, built.canary.role),
      ).filter((s) => actionsOf(s).some((a) => !a.startsWith('logs:')));
      // Assess
      expect(statements).toEqual<Statement[]>([
        {
          Effect: 'Allow',
          Action: 'mediapackagev2:TagResource',
          Resource: { 'Fn::GetAtt': [built.stack.getLogicalId(built.canary.channelGroup), 'Arn'] },
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [CANARY_TAG_KEY] } },
        },
      ]);
      built.template.resourceCountIs('AWS::IAM::Role', 2);
      built.template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        }),
        ManagedPolicyArns: Match.absent(),
      });
    });

    it('tells the audit function the canary group and role, so it recognises the call', () => {
      // Assess
      built.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            [FUNCTION_ENV.canaryResourceArn]: {
              'Fn::GetAtt': [built.stack.getLogicalId(built.canary.channelGroup), 'Arn'],
            },
            [FUNCTION_ENV.canaryRoleArn]: {
              'Fn::GetAtt': [logicalId(built.stack, built.canary.role), 'Arn'],
            },
          },
        },
        Handler: 'index.handler',
        Code: { ZipFile: Match.anyValue() },
      });
    });

    it('alarms when CanarySeen has no sample on the path for 2 h 15 min, missing data breaching', () => {
      // Assess
      expect(Object.keys(built.canary.notSeenAlarms)).toEqual(['log-file']);
      const logFile = built.canary.notSeenAlarms['log-file'];
      if (logFile === undefined) throw new Error('no log-file alarm');
      expect(alarmProperties(built, logFile)).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: 'CanarySeen',
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: SERVICE_NAME },
          { Name: 'path', Value: 'log-file' },
        ]) as unknown,
        Statistic: 'SampleCount',
        Period: 300,
        EvaluationPeriods: 27,
        DatapointsToAlarm: 27,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [expect.any(Object)] as unknown,
        OKActions: [expect.any(Object)] as unknown,
      });
      const description = alarmProperties(built, logFile).AlarmDescription as string;
      expect(description).toMatch(/get-trail-status/);
      expect(description).toMatch(/rules/);
      expect(description).toMatch(/alert topic/);
      expect(description).toContain('docs/operations.md#canary-not-seen');
      expect(description.length).toBeLessThanOrEqual(1024);
    });

    it("alarms when every attempt of the canary function's call failed", () => {
      // Assess
      expect(alarmProperties(built, built.canary.functionErrorsAlarm)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 900,
        Threshold: 3,
        TreatMissingData: 'notBreaching',
      });
      expect(built.canary.alarms).toHaveLength(2);
    });
  });

  it('adds an alarm for the fast path when it is on', () => {
    // Act
    const built = build({ paths: ['log-file', 'eventbridge'] });
    // Assess
    const fast = built.canary.notSeenAlarms.eventbridge;
    if (fast === undefined) throw new Error('no eventbridge alarm');
    expect(alarmProperties(built, fast)).toMatchObject({
      Dimensions: expect.arrayContaining([{ Name: 'path', Value: 'eventbridge' }]) as unknown,
      TreatMissingData: 'breaching',
    });
    expect(alarmProperties(built, fast).AlarmDescription).toMatch(/fast path rule/);
    built.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  it('follows a shorter schedule and an explicit missingAfter', () => {
    // Act
    const built = build({ schedule: Duration.minutes(15), missingAfter: Duration.minutes(50) });
    // Assess
    built.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
    });
    const alarm = built.canary.notSeenAlarms['log-file'];
    if (alarm === undefined) throw new Error('no alarm');
    expect(alarmProperties(built, alarm)).toMatchObject({ Period: 300, EvaluationPeriods: 10 });
  });

  it('evaluates hours when the window is longer than a day', () => {
    // Act
    const built = build({ schedule: Duration.hours(24) });
    // Assess
    const alarm = built.canary.notSeenAlarms['log-file'];
    if (alarm === undefined) throw new Error('no alarm');
    expect(built.canary.missingAfter.toMinutes()).toBe(49 * 60);
    expect(alarmProperties(built, alarm)).toMatchObject({ Period: 3600, EvaluationPeriods: 49 });
  });

  describe.each<[string, Partial<AuditCanaryProps>, RegExp]>([
    ['a schedule under 5 minutes', { schedule: Duration.minutes(1) }, /schedule must be/],
    ['a schedule over a day', { schedule: Duration.hours(25) }, /schedule must be/],
    ['a schedule in seconds', { schedule: Duration.seconds(330) }, /schedule must be/],
    [
      'missingAfter not longer than the schedule',
      { schedule: Duration.hours(1), missingAfter: Duration.hours(1) },
      /must be longer than the schedule/,
    ],
    [
      'missingAfter off the 5-minute grid',
      { missingAfter: Duration.minutes(137) },
      /multiple of 5/,
    ],
    ['missingAfter off the hour grid', { missingAfter: Duration.minutes(1470) }, /multiple of 5/],
    ['missingAfter over 7 days', { missingAfter: Duration.days(8) }, /missingAfter must be/],
    ['no path', { paths: [] }, /at least one of eventbridge, log-file/],
    ['a path twice', { paths: ['log-file', 'log-file'] }, /names a path twice/],
    ['an unknown path', { paths: ['sqs' as DetectionPath] }, /'sqs' is not one of/],
  ])('refuses %s', (_name, props, message) => {
    it('with an InvalidPropsError naming the prop', () => {
      // Act / Assess
      expect(() => build(props)).toThrow(InvalidPropsError);
      expect(() => build(props)).toThrow(message);
    });
  });

  it('has no cdk-nag findings', () => {
    // Prepare
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-nag-'));
    const app = newApp({ outdir });
    const { auditFunction } = build({ paths: ['log-file', 'eventbridge'] }, { app });
    Validations.of(auditFunction).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The stand-in audit function of this test, not part of the canary.',
    });

    // Act: synth throws on any finding not acknowledged.
    const findings = openNagFindings(app, outdir);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('Function: defaultMissingAfter', () => {
  it.each([
    [5, 25],
    [60, 135],
    [61, 140],
    [600, 1215],
    [712, 1440],
    [713, 1500],
    [1440, 2940],
  ])('gives a %i-minute schedule %i minutes', (schedule, expected) => {
    // Act / Assess
    expect(defaultMissingAfter(Duration.minutes(schedule)).toMinutes()).toBe(expected);
  });

  it('stays within the limits for every schedule allowed', () => {
    for (
      let minutes = CANARY_LIMITS.schedule.min;
      minutes <= CANARY_LIMITS.schedule.max;
      minutes++
    ) {
      const missingAfter = defaultMissingAfter(Duration.minutes(minutes)).toMinutes();
      expect(missingAfter).toBeLessThanOrEqual(CANARY_LIMITS.missingAfter.max);
      expect(missingAfter).toBeGreaterThan(2 * minutes);
    }
  });
});
