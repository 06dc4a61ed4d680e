import { DESCRIBE_ACTIONS } from '../../lambda/aws/resource-describer';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Duration } from 'aws-cdk-lib';
import { Annotations as AssertAnnotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { RulesValidationError } from '../../lambda/match/rules-schema';
import { InvalidPropsError } from '../../lib/errors';
import type { MediaPackageAuditAlertsProps } from '../../lib/mediapackage-audit-alerts';
import {
  DEFAULT_RULES_FILE,
  MediaPackageAuditAlerts,
  NO_SUBSCRIBER_WARNING,
} from '../../lib/mediapackage-audit-alerts';
import { loadRulesFile } from '../../lib/rules-file';
import type { Statement } from './support';
import {
  EXISTING_KEY_ARN,
  actionsOf,
  buildAlerts,
  buildFullAlerts,
  dependencyCycle,
  existingBucket,
  existingTrailProps,
  jsonEnvironmentVariable,
  keyStatements,
  logicalId,
  newStack,
  resourceProperties,
  logFilesReadStatement,
  roleStatements,
  TEAMS,
  writeTempFile,
} from './support';

const OPS_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:media-ops';

function kmsKey(stack: Stack): kms.IKey {
  return kms.Key.fromKeyArn(stack, 'ExistingKey', EXISTING_KEY_ARN);
}

describe('Construct: MediaPackageAuditAlerts', () => {
  describe('with a new trail and the S3 trigger', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;
    let roleId: string;
    let trailKeyId: string;
    let topicKeyId: string;
    let bucketId: string;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template, roleId, trailKeyId, topicKeyId, bucketId } = buildFullAlerts());
    });

    it('configures the function environment: topic, table, own resources, Powertools, source maps', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Environment: {
          Variables: {
            ALERT_TOPIC_ARN: { Ref: logicalId(stack, alerts.topic) },
            IDEMPOTENCY_TABLE_NAME: { Ref: logicalId(stack, alerts.idempotencyTable) },
            MP_AUDIT_OWN_RESOURCES: Match.anyValue(),
            // 2048 MiB, the default inflated-bytes budget, in bytes.
            MP_AUDIT_MAX_INFLATED_BYTES: '2147483648',
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'mediapackage-audit-alerts',
            POWERTOOLS_METRICS_NAMESPACE: 'MediaPackageAudit',
          },
        },
      });
    });

    it('names the log bucket, topic, trail key and topic key as its own resources', () => {
      // Act
      const own = jsonEnvironmentVariable(template, 'MP_AUDIT_OWN_RESOURCES');
      // Assess
      expect(own).toEqual({
        bucketNames: [`<Ref:${bucketId}>`],
        topicArns: [
          `<Ref:${logicalId(stack, alerts.topic)}>`,
          `<Ref:${logicalId(stack, alerts.operationsTopic)}>`,
        ],
        kmsKeys: [`<${trailKeyId}.Arn>`, `<${topicKeyId}.Arn>`],
      });
      // The function knows itself from AWS_LAMBDA_FUNCTION_NAME: its ARN here would be circular.
      expect(JSON.stringify(own)).not.toContain(logicalId(stack, alerts.alertFunction));
    });

    it('loads the rules in config/rules.json by default', () => {
      // Assess
      expect(alerts.rules).toEqual(loadRulesFile(DEFAULT_RULES_FILE));
      expect(DEFAULT_RULES_FILE).toBe(path.resolve(__dirname, '..', '..', 'config', 'rules.json'));
    });

    it('grants the function only what it needs, on named resources', () => {
      // Prepare
      const statements = roleStatements(template, roleId);
      const byAction = (action: string): Statement[] =>
        statements.filter((s) => actionsOf(s).includes(action));
      // Assess
      expect(statements.every((s) => s.Resource !== '*')).toBe(true);
      expect(byAction('logs:PutLogEvents')[0]?.Resource).toEqual({
        'Fn::GetAtt': [logicalId(stack, alerts.alertFunction.logGroup), 'Arn'],
      });
      expect(byAction('s3:GetObject')[0]?.Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/AWSLogs/*']],
      });
      expect(byAction('kms:Decrypt').map((s) => s.Resource)).toEqual(
        expect.arrayContaining([
          { 'Fn::GetAtt': [trailKeyId, 'Arn'] },
          { 'Fn::GetAtt': [topicKeyId, 'Arn'] },
        ]),
      );
      expect(byAction('kms:GenerateDataKey')[0]?.Resource).toEqual({
        'Fn::GetAtt': [topicKeyId, 'Arn'],
      });
      expect(byAction('sns:Publish')[0]?.Resource).toEqual({ Ref: logicalId(stack, alerts.topic) });
      expect(statements.flatMap(actionsOf).sort()).toEqual(
        [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          // The storm index only.
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          // What changed: read-only describes of the watched services.
          ...DESCRIBE_ACTIONS,
          'kms:Decrypt',
          'kms:Decrypt',
          'kms:GenerateDataKey',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          's3:GetObject',
          'sns:Publish',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:SendMessage',
        ].sort(),
      );
    });

    it("denies publishing to everyone but the function's role and CloudWatch", () => {
      // Prepare
      const policies = template.findResources('AWS::SNS::TopicPolicy', {
        Properties: { Topics: [{ Ref: logicalId(stack, alerts.topic) }] },
      });
      const [policy] = Object.values(policies) as {
        Properties: { PolicyDocument: { Statement: Statement[] } };
      }[];
      // Assess
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual({
        Sid: 'DenyPublishExceptPipelineAndAlarms',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: logicalId(stack, alerts.topic) },
        Condition: {
          StringNotEquals: { 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' },
          ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [roleId, 'Arn'] }] },
        },
      });
    });

    it('names the role in the topic and key policies without a circular dependency', () => {
      // Assess
      expect(
        dependencyCycle(template.toJSON() as Parameters<typeof dependencyCycle>[0]),
      ).toBeUndefined();
    });

    it('lets the function use the topic key through SNS in the key policy', () => {
      // Assess
      expect(keyStatements(template, topicKeyId)).toContainEqual(
        expect.objectContaining({
          Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() as unknown } },
        }),
      );
    });

    it('lists the pipeline resources it creates', () => {
      // Assess
      expect(stack.resolve(alerts.pipelineResourceArns)).toEqual([
        { 'Fn::GetAtt': [bucketId, 'Arn'] },
        { 'Fn::GetAtt': [logicalId(stack, alerts.alertFunction), 'Arn'] },
        { Ref: logicalId(stack, alerts.topic) },
        { 'Fn::GetAtt': [topicKeyId, 'Arn'] },
        { 'Fn::GetAtt': [trailKeyId, 'Arn'] },
        { 'Fn::GetAtt': [logicalId(stack, alerts.trail as IConstruct), 'Arn'] },
        { 'Fn::GetAtt': [logicalId(stack, alerts.idempotencyTable), 'Arn'] },
      ]);
    });
  });

  describe('with an existing bucket, key prefix and KMS key and the S3 trigger', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template } = buildAlerts(existingTrailProps));
    });

    it('creates no trail, trail key or log bucket (only the Athena results bucket)', () => {
      // Assess
      template.resourceCountIs('AWS::CloudTrail::Trail', 0);
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.resourceCountIs('AWS::S3::BucketPolicy', 1);
      template.resourceCountIs('AWS::KMS::Key', 1);
      expect(alerts.trail).toBeUndefined();
      expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toEqual([
        logicalId(stack, alerts.history?.resultsBucket as IConstruct),
      ]);
    });

    it('reads only log files under the prefix and decrypts with the given key through S3', () => {
      // Prepare
      const roleId = logicalId(stack, alerts.alertFunctionRole);
      const statements = roleStatements(template, roleId);
      // Assess
      expect(statements).toContainEqual(logFilesReadStatement('my-trail-logs', 'org/'));
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Resource: EXISTING_KEY_ARN,
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() as unknown } },
        }),
      );
    });

    it('lists the existing bucket and key among the pipeline resources', () => {
      // Assess
      const arns = JSON.stringify(stack.resolve(alerts.pipelineResourceArns));
      expect(arns).toContain(':s3:::my-trail-logs');
      expect(arns).toContain(EXISTING_KEY_ARN);
    });

    it('names the existing bucket, the topic, the existing key and the topic key as its own', () => {
      // Act
      const own = jsonEnvironmentVariable(template, 'MP_AUDIT_OWN_RESOURCES');
      // Assess
      expect(own).toEqual({
        bucketNames: ['my-trail-logs'],
        topicArns: [
          `<Ref:${logicalId(stack, alerts.topic)}>`,
          `<Ref:${logicalId(stack, alerts.operationsTopic)}>`,
        ],
        kmsKeys: [EXISTING_KEY_ARN, `<${logicalId(stack, alerts.topicKey)}.Arn>`],
      });
    });
  });

  describe('with an existing bucket and the EventBridge trigger', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template } = buildAlerts((scope) => ({
        existingLogBucket: existingBucket(scope),
        existingLogKeyPrefix: 'org',
        trigger: 'eventbridge',
      })));
    });

    it('names only the topic key among its own keys when the trail uses SSE-S3', () => {
      // Act
      const own = jsonEnvironmentVariable(template, 'MP_AUDIT_OWN_RESOURCES') as {
        bucketNames: string[];
        kmsKeys: string[];
      };
      // Assess
      expect(own.bucketNames).toEqual(['my-trail-logs']);
      expect(own.kmsKeys).toEqual([`<${logicalId(stack, alerts.topicKey)}.Arn>`]);
    });

    it('decrypts with the topic key only when no trail key is given', () => {
      // Prepare
      const roleId = logicalId(stack, alerts.alertFunctionRole);
      const decrypts = roleStatements(template, roleId).filter((s) =>
        actionsOf(s).includes('kms:Decrypt'),
      );
      // Assess
      expect(decrypts.map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [logicalId(stack, alerts.topicKey), 'Arn'] },
      ]);
    });
  });

  describe('publishers', () => {
    it('lets the alertPublisherArns publish besides the function', () => {
      // Prepare
      const stack = newStack();
      const operator = 'arn:aws:iam::111122223333:role/MediaOperator';
      // Act
      const alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        alertPublisherArns: [operator],
      });
      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'DenyPublishExceptPipelineAndAlarms',
              Condition: Match.objectLike({
                ArnNotEquals: {
                  'aws:PrincipalArn': [
                    operator,
                    { 'Fn::GetAtt': [logicalId(stack, alerts.alertFunctionRole), 'Arn'] },
                  ],
                },
              }),
            }),
            Match.objectLike({
              Sid: 'AllowListedPublishers',
              Condition: { ArnEquals: { 'aws:PrincipalArn': [operator] } },
            }),
          ]),
        },
      });
    });

    it('refuses a publisher given as a role session', () => {
      // Act
      const build = (): unknown =>
        buildAlerts({
          alertPublisherArns: ['arn:aws:sts::111122223333:assumed-role/MediaOperator/bob'],
        });
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(/publisherArns: .* is a role session/);
    });
  });

  describe('props validation', () => {
    it('refuses a key prefix without an existing bucket', () => {
      // Prepare
      const stack = newStack();
      // Act / Assess
      expect(
        () => new MediaPackageAuditAlerts(stack, 'Audit', { existingLogKeyPrefix: 'org' }),
      ).toThrow(/existingLogKeyPrefix only applies with existingLogBucket/);
    });

    it('refuses a key prefix with a leading slash', () => {
      // Prepare
      const stack = newStack();
      // Act / Assess
      expect(
        () =>
          new MediaPackageAuditAlerts(stack, 'Audit', {
            existingLogBucket: existingBucket(stack),
            existingLogKeyPrefix: '/org',
          }),
      ).toThrow(/must not start with '\/'/);
    });

    it.each<[string, (stack: Stack) => MediaPackageAuditAlertsProps, RegExp]>([
      [
        'a KMS key without an existing bucket',
        (stack) => ({ existingLogKey: kmsKey(stack) }),
        /existingLogKey only applies with existingLogBucket \(the bucket of your existing trail\)/,
      ],
      [
        'management events with an existing bucket',
        (stack) => ({ existingLogBucket: existingBucket(stack), managementEvents: 'all' }),
        /managementEvents only applies when the stack creates its own trail; remove it or remove existingLogBucket/,
      ],
      [
        'a log expiration with an existing bucket',
        (stack) => ({ existingLogBucket: existingBucket(stack), logExpiration: Duration.days(30) }),
        /logExpiration only applies when the stack creates its own trail/,
      ],
      [
        'Athena accounts with its own trail',
        () => ({ athenaAccountIds: ['111122223333'] }),
        /athenaAccountIds only applies with existingLogBucket: the stack's own trail holds this account's files only/,
      ],
    ])('refuses %s', (_name, props, message) => {
      // Act
      const build = (): unknown => buildAlerts(props);
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });

    it('lists every contradiction in one error', () => {
      // Act
      const build = (): unknown =>
        buildAlerts({
          existingLogKeyPrefix: '/org',
          athena: false,
          athenaRegions: ['eu-west-1'],
          rules: { version: 1 },
          rulesFile: DEFAULT_RULES_FILE,
        });
      // Assess
      expect(build).toThrow(
        /^TestStack\/Audit: existingLogKeyPrefix only applies with existingLogBucket .+; athenaRegions only applies to the Athena history.+; existingLogKeyPrefix: '\/org' must not start with '\/'.+; give rules or rulesFile, not both$/,
      );
    });
  });

  describe('rules', () => {
    it('validates and keeps a custom rules file', () => {
      // Prepare
      const file = writeTempFile(
        'rules.json',
        JSON.stringify({
          version: 1,
          eventNames: { include: ['Delete*'] },
          defaultSeverity: 'low',
        }),
      );
      // Act
      const alerts = new MediaPackageAuditAlerts(newStack(), 'Audit', { rulesFile: file });
      // Assess
      expect(alerts.rules.eventNames).toEqual({ include: ['Delete*'], exclude: [] });
      expect(alerts.rules.defaultSeverity).toBe('low');
    });

    it('validates rules given as an object, filling defaults', () => {
      // Act
      const alerts = new MediaPackageAuditAlerts(newStack(), 'Audit', {
        rules: { version: 1, alertOnReadOnly: true },
      });
      // Assess
      expect(alerts.rules.alertOnReadOnly).toBe(true);
      expect(alerts.rules.selfProtection).toEqual({ enabled: true, severity: 'high' });
    });

    it('refuses a broken rules file, naming the file and the path in it', () => {
      // Prepare
      const file = writeTempFile(
        'broken.json',
        JSON.stringify({
          version: 1,
          severityRules: [{ eventName: 'Delete*', severity: 'urgent' }],
        }),
      );
      // Act
      const create = (): unknown =>
        new MediaPackageAuditAlerts(newStack(), 'Audit', { rulesFile: file });
      // Assess
      expect(create).toThrow(RulesValidationError);
      expect(create).toThrow(file);
      expect(create).toThrow(
        /severityRules\[0\]\.severity: expected one of high, medium, low, info/,
      );
    });

    it('refuses a rules file that is not JSON or does not exist', () => {
      // Prepare
      const file = writeTempFile('rules.json', '{ "version": 1,');
      // Act / Assess
      expect(() => new MediaPackageAuditAlerts(newStack(), 'A', { rulesFile: file })).toThrow(
        /not valid JSON/,
      );
      expect(
        () => new MediaPackageAuditAlerts(newStack(), 'A', { rulesFile: `${file}.missing` }),
      ).toThrow(/rules file .+\.missing not found/);
    });

    it('refuses invalid rules given as an object, naming the construct', () => {
      // Act / Assess
      expect(
        () =>
          new MediaPackageAuditAlerts(newStack(), 'Audit', {
            rules: { version: 1, suppressions: [{ reason: 'too broad', eventName: '*' }] },
          }),
      ).toThrow(
        /Audit \(rules prop\): invalid rules:\n {2}suppressions\[0\]: this suppression matches every event/,
      );
    });

    it('refuses rules and rulesFile together', () => {
      // Act / Assess
      expect(
        () =>
          new MediaPackageAuditAlerts(newStack(), 'Audit', {
            rules: { version: 1 },
            rulesFile: DEFAULT_RULES_FILE,
          }),
      ).toThrow(/give rules or rulesFile, not both/);
    });
  });

  describe('without a subscriber', () => {
    const noSubscriber = Match.stringLikeRegexp(
      `^No one receives the alerts: .*-c alertEmails=ops@example\\.com.*slackWorkspaceId \\+ slackChannelId.*\\[ack: ${NO_SUBSCRIBER_WARNING}\\]$`,
    );

    it('warns on the construct how to add one, and still synthesizes', () => {
      // Act
      const { stack } = buildAlerts();
      // Assess
      AssertAnnotations.fromStack(stack).hasWarning('/TestStack/Audit', noSubscriber);
      expect(AssertAnnotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });

    it.each<[string, MediaPackageAuditAlertsProps]>([
      ['alertEmails', { alertEmails: ['ops@example.com'] }],
      ['pagerEmails', { pagerEmails: ['pager@example.com'] }],
      ['slack', { slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' } }],
      ['teams', { teams: TEAMS }],
      [
        'extraSubscriberQueueArns',
        { extraSubscriberQueueArns: ['arn:aws:sqs:us-east-1:111122223333:siem'] },
      ],
      [
        'an HTTPS subscription',
        { subscriptions: [{ protocol: 'https', endpoint: 'https://hooks.example.com/mp' }] },
      ],
    ])('does not warn with %s', (_, props) => {
      // Act
      const { stack } = buildAlerts(props);
      // Assess
      AssertAnnotations.fromStack(stack).hasNoWarning('*', noSubscriber);
    });

    it('lets a stack that subscribes the topic itself acknowledge the warning', () => {
      // Prepare
      const stack = newStack();
      const alerts = new MediaPackageAuditAlerts(stack, 'Audit');
      // Act
      Annotations.of(alerts).acknowledgeWarning(NO_SUBSCRIBER_WARNING, 'subscribed below');
      // Assess
      AssertAnnotations.fromStack(stack).hasNoWarning('*', noSubscriber);
    });
  });

  describe('addAlarm', () => {
    it('sends the alarm to the operations topic the construct creates when none is given', () => {
      // Prepare
      const stack = newStack();
      const alerts = new MediaPackageAuditAlerts(stack, 'Audit');
      // Act
      const alarm = alerts.addAlarm(
        new cloudwatch.Alarm(stack, 'Errors', {
          metric: alerts.alertFunction.metricErrors(),
          threshold: 1,
          evaluationPeriods: 1,
        }),
      );
      // Assess
      const resources = Template.fromStack(stack).toJSON() as {
        Resources: Record<string, { Properties: Record<string, unknown> }>;
      };
      expect(resources.Resources[logicalId(stack, alarm)]?.Properties.AlarmActions).toEqual([
        { Ref: logicalId(stack, alerts.operationsTopic) },
      ]);
    });
    it('sends alarms added with addAlarm to the operations topic', () => {
      // Prepare
      const stack = newStack();
      const alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        operationsTopic: sns.Topic.fromTopicArn(stack, 'Ops', OPS_TOPIC_ARN),
      });
      // Act
      const custom = alerts.addAlarm(
        new cloudwatch.Alarm(stack, 'Custom', {
          metric: alerts.alertFunction.metricInvocations(),
          threshold: 1000,
          evaluationPeriods: 1,
        }),
      );
      // Assess
      expect(resourceProperties(stack, custom).AlarmActions).toEqual([OPS_TOPIC_ARN]);
    });
  });
});
