import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CLOUDTRAIL_SNS_QUEUE, checkCloudTrailTopicArn } from '../../lib/cloudtrail-sns-trigger';
import { InvalidPropsError } from '../../lib/errors';
import type {
  MediaPackageAuditAlerts,
  MediaPackageAuditAlertsProps,
} from '../../lib/mediapackage-audit-alerts';
import type { IConstruct } from 'constructs';
import { buildAlerts, existingBucket, logicalId, roleStatements } from './support';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:444455556666:org-trail-log-files';

/** The construct reading an existing bucket through the trail's topic. */
function snsTriggerProps(
  stack: Stack,
  extra: MediaPackageAuditAlertsProps = {},
): MediaPackageAuditAlertsProps {
  return {
    existingLogBucket: existingBucket(stack),
    trigger: 'cloudtrail-sns' as const,
    cloudTrailTopic: sns.Topic.fromTopicArn(stack, 'TrailTopic', TOPIC_ARN),
    alertEmails: ['ops@example.com'],
    ...extra,
  };
}

describe('Construct: CloudTrailSnsTrigger (trigger cloudtrail-sns)', () => {
  let stack: Stack;
  let alerts: MediaPackageAuditAlerts;
  let template: Template;
  let queueId: string;
  let deadLetterId: string;

  beforeAll(() => {
    // Prepare / Act
    ({ stack, alerts, template } = buildAlerts((s) =>
      snsTriggerProps(s, {
        functionTimeout: Duration.minutes(10),
        reservedConcurrentExecutions: 8,
      }),
    ));
    queueId = logicalId(stack, alerts.logFileQueue as IConstruct);
    deadLetterId = logicalId(stack, alerts.logFileDeadLetterQueue as IConstruct);
  });

  it('creates an SSE-SQS queue whose visibility timeout is 6 times the function timeout plus the batching window', () => {
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 600 + 5,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
        maxReceiveCount: CLOUDTRAIL_SNS_QUEUE.maxReceiveCount,
      },
    });
  });

  it('gives the queue its own encrypted dead-letter queue that keeps messages 14 days', () => {
    // Assess
    const resources = template.toJSON().Resources as Record<string, { Properties: unknown }>;
    expect(resources[deadLetterId]?.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    expect(deadLetterId).not.toBe(logicalId(stack, alerts.deadLetterQueue));
  });

  it.each([
    ['queue', () => queueId],
    ['dead-letter queue', () => deadLetterId],
  ])('denies every request to the %s without TLS', (_name, id) => {
    // Assess
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: { 'Fn::GetAtt': [id(), 'Arn'] },
          },
        ]),
      },
    });
  });

  it("lets only the trail's topic send to the queue", () => {
    // Prepare
    const policies = template.findResources('AWS::SQS::QueuePolicy', {
      Properties: { Queues: [{ Ref: queueId }] },
    });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: { Effect: string }[] } } })
          .Properties.PolicyDocument.Statement,
    );
    // Assess
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      {
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': TOPIC_ARN } },
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
  });

  it("subscribes the queue to the trail's topic in the topic's Region, with the SNS envelope", () => {
    // Assess
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'sqs' }, 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: TOPIC_ARN,
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      RawMessageDelivery: false,
      Region: 'us-east-1',
    });
  });

  it('polls the queue in small batches, reporting failed messages one by one, within the reserved concurrency', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: logicalId(stack, alerts.alertFunction) },
      BatchSize: CLOUDTRAIL_SNS_QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 8 },
    });
  });

  it('lets the role consume only this queue, and adds no S3 right beyond the log files', () => {
    // Prepare
    const statements = roleStatements(template, logicalId(stack, alerts.alertFunctionRole));
    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']) as unknown,
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      }),
    );
    const s3Statements = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    expect(s3Statements).toHaveLength(1);
    expect(s3Statements[0]?.Action).toBe('s3:GetObject');
  });

  it('neither notifies from the bucket nor adds an Object Created rule', () => {
    // Assess
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    expect(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.s3'] } },
      }),
    ).toEqual({});
  });

  it("alarms when the queue's dead-letter queue holds a message, saying how to move it back", () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterId, 'QueueName'] } }],
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlertsOperationsTopic') }],
      AlarmDescription: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('start-message-move-task')])],
      }),
    });
  });

  it("treats the trail's topic as the pipeline's own (changes to it alert)", () => {
    // Assess
    expect(alerts.ownResources.topicArns).toContain(TOPIC_ARN);
  });

  it('leaves the poller unbounded without a reserved concurrency of 2 or more', () => {
    // Act
    const { template: one } = buildAlerts((s) =>
      snsTriggerProps(s, { reservedConcurrentExecutions: 1 }),
    );
    // Assess
    one.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    one.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 300 + 5 });
  });
});

describe('Construct: MediaPackageAuditAlerts trigger rules', () => {
  it.each<[string, (stack: Stack) => MediaPackageAuditAlertsProps, RegExp]>([
    [
      'cloudtrail-sns without a topic',
      (stack) => ({ existingLogBucket: existingBucket(stack), trigger: 'cloudtrail-sns' }),
      /cloudTrailTopic is required with trigger=cloudtrail-sns/,
    ],
    [
      'a topic with another trigger',
      (stack) => snsTriggerProps(stack, { trigger: 'eventbridge' }),
      /cloudTrailTopic only applies with trigger=cloudtrail-sns/,
    ],
    [
      'cloudtrail-sns on the own trail',
      (stack) => snsTriggerProps(stack, { existingLogBucket: undefined }),
      /trigger 'cloudtrail-sns' only applies with existingLogBucket/,
    ],
    [
      'the S3 trigger on a bucket in another account',
      (stack) => ({
        existingLogBucket: existingBucket(stack),
        existingLogBucketAccount: '444455556666',
      }),
      /trigger 's3' cannot work with a bucket in another account \(existingLogBucketAccount\)/,
    ],
    [
      'an account that is not 12 digits',
      (stack) => snsTriggerProps(stack, { existingLogBucketAccount: '4444' }),
      /existingLogBucketAccount: '4444' is not an AWS account ID/,
    ],
  ])('refuses %s', (_name, props, message) => {
    // Act / Assess
    expect(() => buildAlerts(props)).toThrow(InvalidPropsError);
    expect(() => buildAlerts(props)).toThrow(message);
  });

  it("refuses the stack's own account as the bucket's account", () => {
    // Act / Assess
    expect(() =>
      buildAlerts((stack) => snsTriggerProps(stack, { existingLogBucketAccount: '111122223333' }), {
        env: { account: '111122223333', region: 'eu-west-1' },
      }),
    ).toThrow(/existingLogBucketAccount is the stack's own account \(111122223333\)/);
  });
});

describe('Function: checkCloudTrailTopicArn', () => {
  it.each([TOPIC_ARN, 'arn:aws-us-gov:sns:us-gov-west-1:444455556666:trail_topic-1'])(
    'accepts %s',
    (arn) => {
      // Act / Assess
      expect(checkCloudTrailTopicArn(arn)).toBeUndefined();
    },
  );

  it.each([
    'arn:aws:sns:us-east-1:444455556666:trail.fifo',
    'arn:aws:sns:us-east-1:4444:trail',
    'arn:aws:sqs:us-east-1:444455556666:trail',
    'org-trail-log-files',
  ])('refuses %s', (arn) => {
    // Act / Assess
    expect(checkCloudTrailTopicArn(arn)).toMatch(/is not an SNS topic ARN/);
  });
});
