import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RulesValidationError, SEVERITIES } from '../../lambda/match/rules-schema';
import { loadRulesFile } from '../../lib/rules-file';
import { DEFAULT_RULES_FILE, MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import { InvalidPropsError } from '../../lib/errors';
import type { Statement } from './support';
import { actionsOf, dependencyCycle, newStack, renderCfnString } from './support';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:111122223333:security-alerts';
const SEVERE_QUEUE_ARN = 'arn:aws:sqs:us-east-1:111122223333:severe-alerts';
const HOOK_URL = 'https://hooks.example.com/mp-audit';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:ticketing';
const EXISTING_KEY_ARN =
  'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Statements of the identity policies attached to the role with logical ID `roleId`. */
function roleStatements(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

/** The function's environment variable `name`, rendered and parsed as JSON. */
function jsonEnvironmentVariable(template: Template, name: string): unknown {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [name]: Match.anyValue() } } },
  });
  const [fn] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  if (fn === undefined) throw new Error(`no function has ${name}`);
  return JSON.parse(renderCfnString(fn.Properties.Environment.Variables[name])) as unknown;
}

/** Subscriptions of `template` with protocol `protocol` and endpoint `endpoint`. */
function subscriptionsTo(template: Template, protocol: string, endpoint: unknown): unknown[] {
  return Object.values(
    template.findResources('AWS::SNS::Subscription', {
      Properties: { Protocol: protocol, Endpoint: endpoint },
    }),
  );
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `content` to a fresh temporary file (removed after the tests) and returns its path. */
function writeTempFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-audit-rules-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Statements of the key policy of the key with logical ID `keyId`. */
function keyStatements(template: Template, keyId: string): Statement[] {
  const key = template.toJSON() as {
    Resources: Record<string, { Properties: { KeyPolicy: { Statement: Statement[] } } }>;
  };
  const resource = key.Resources[keyId];
  if (resource === undefined) throw new Error(`no key ${keyId}`);
  return resource.Properties.KeyPolicy.Statement;
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
    let trailName: string;
    let thisTrailArn: unknown;
    const s3Endpoint = {
      'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
    };

    beforeAll(() => {
      // Prepare
      stack = newStack();
      // Act
      alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        alertEmails: ['ops@example.com', 'sec@example.com'],
        pagerEmails: ['pager@example.com'],
        subscriptions: [
          { protocol: 'sqs', endpoint: SEVERE_QUEUE_ARN, severities: ['medium', 'high'] },
          { protocol: 'https', endpoint: HOOK_URL, severities: ['high'] },
          { protocol: 'lambda', endpoint: FUNCTION_ARN },
          { protocol: 'email', endpoint: 'all@example.com', severities: [...SEVERITIES] },
        ],
        slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
        extraSubscriberQueueArns: [QUEUE_ARN],
        reservedConcurrentExecutions: 5,
      });
      template = Template.fromStack(stack);
      roleId = logicalId(stack, alerts.alertFunctionRole);
      trailKeyId = logicalId(stack, alerts.trailKey as kms.Key);
      topicKeyId = logicalId(stack, alerts.topicKey);
      bucketId = logicalId(stack, alerts.logBucket);
      const trails = template.findResources('AWS::CloudTrail::Trail');
      trailName = (Object.values(trails)[0] as { Properties: { TrailName: string } }).Properties
        .TrailName;
      thisTrailArn = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudtrail:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:trail/${trailName}`,
          ],
        ],
      };
    });

    it('creates a multi-Region, KMS-encrypted trail of write-only management events', () => {
      // Assess
      template.resourceCountIs('AWS::CloudTrail::Trail', 1);
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        IsLogging: true,
        KMSKeyId: { 'Fn::GetAtt': [trailKeyId, 'Arn'] },
        S3BucketName: { Ref: bucketId },
        EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
      });
    });

    it('creates the trail after the bucket policy CloudTrail checks', () => {
      // Assess
      template.hasResource('AWS::CloudTrail::Trail', {
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('LogBucketPolicy')]),
      });
    });

    it('rotates the trail key and keeps it when the stack is deleted', () => {
      // Assess
      const key = (template.toJSON() as { Resources: Record<string, unknown> }).Resources[
        trailKeyId
      ];
      expect(key).toMatchObject({
        Properties: { EnableKeyRotation: true },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('lets only this trail encrypt with the trail key (aws:SourceArn and encryption context)', () => {
      // Prepare
      const statements = keyStatements(template, trailKeyId);
      const cloudTrailStatements = statements.filter(
        (s) =>
          JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudtrail.amazonaws.com' }),
      );
      // Assess
      expect(cloudTrailStatements.map((s) => s.Action).sort()).toEqual([
        'kms:DescribeKey',
        'kms:GenerateDataKey*',
      ]);
      for (const statement of cloudTrailStatements) {
        expect(statement.Condition?.StringEquals?.['aws:SourceArn']).toEqual(thisTrailArn);
      }
      const encrypt = cloudTrailStatements.find((s) => s.Action === 'kms:GenerateDataKey*');
      expect(encrypt?.Condition).toEqual({
        StringEquals: {
          'aws:SourceArn': thisTrailArn,
          'kms:EncryptionContext:aws:cloudtrail:arn': thisTrailArn,
        },
      });
    });

    it("lets the function decrypt only this trail's log files, through S3, in the key policy", () => {
      // Assess: the encryption context names this trail's ARN exactly, not trail/* of the account.
      expect(keyStatements(template, trailKeyId)).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
          Condition: {
            StringEquals: {
              'kms:ViaService': s3Endpoint,
              'kms:EncryptionContext:aws:cloudtrail:arn': thisTrailArn,
            },
          },
        }),
      );
      expect(renderCfnString(thisTrailArn)).toMatch(/:trail\/[^*]+$/);
    });

    it("lets the function decrypt only this trail's log files in its own policy too", () => {
      // Prepare
      const decrypt = roleStatements(template, roleId).find(
        (s) =>
          actionsOf(s).includes('kms:Decrypt') &&
          JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [trailKeyId, 'Arn'] }),
      );
      // Assess
      expect(decrypt?.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': s3Endpoint,
          'kms:EncryptionContext:aws:cloudtrail:arn': thisTrailArn,
        },
      });
    });

    it('blocks public access, versions, logs access and keeps the log bucket', () => {
      // Assess
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          VersioningConfiguration: { Status: 'Enabled' },
          LoggingConfiguration: {
            DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogsBucket') },
            LogFilePrefix: 'trail-bucket/',
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(template.toJSON()).toHaveProperty(['Resources', bucketId, 'DeletionPolicy'], 'Retain');
    });

    it('tiers log files to colder classes and expires them after 365 days, old versions too', () => {
      // Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              ExpirationInDays: 365,
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
                { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
              ],
            }),
          ],
          TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
        },
      });
    });

    it('keeps a separate, private, TLS-only access-log bucket that also expires', () => {
      // Assess: the log bucket, the access-log bucket and the Athena results bucket.
      template.resourceCountIs('AWS::S3::Bucket', 3);
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          LifecycleConfiguration: {
            Rules: [Match.objectLike({ Id: 'ExpireAccessLogs', ExpirationInDays: 365 })],
          },
          PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true }),
          LoggingConfiguration: Match.absent(),
        }),
        DeletionPolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp('AccessLogsBucket') },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' } }),
          ]),
        },
      });
    });

    it('denies non-TLS requests to the log bucket', () => {
      // Assess
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('lets only this trail write to the log bucket (every CloudTrail statement has aws:SourceArn)', () => {
      // Prepare
      const policies = template.findResources('AWS::S3::BucketPolicy', {
        Properties: { Bucket: { Ref: bucketId } },
      });
      const statements = Object.values(policies).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
            .PolicyDocument.Statement,
      );
      const cloudTrailStatements = statements.filter(
        (s) =>
          JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudtrail.amazonaws.com' }),
      );
      // Assess
      expect(cloudTrailStatements.flatMap(actionsOf).sort()).toEqual([
        's3:GetBucketAcl',
        's3:PutObject',
      ]);
      for (const statement of cloudTrailStatements) {
        expect(JSON.stringify(statement.Condition?.StringEquals?.['aws:SourceArn'])).toContain(
          `:trail/${trailName}`,
        );
      }
      const write = cloudTrailStatements.find((s) => s.Action === 's3:PutObject');
      expect(write?.Condition?.StringEquals?.['s3:x-amz-acl']).toBe('bucket-owner-full-control');
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
        topicArns: [`<Ref:${logicalId(stack, alerts.topic)}>`],
        kmsKeys: [`<${trailKeyId}.Arn>`, `<${topicKeyId}.Arn>`],
      });
      // The function knows itself from AWS_LAMBDA_FUNCTION_NAME: its ARN here would be circular.
      expect(JSON.stringify(own)).not.toContain(logicalId(stack, alerts.alertFunction));
    });

    it('records the write management events of S3, SNS and KMS that self-protection reads', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        EventSelectors: [
          Match.objectLike({
            IncludeManagementEvents: true,
            ReadWriteType: Match.anyValue(),
            ExcludeManagementEventSources: Match.absent(),
          }),
        ],
      });
    });

    it('loads the rules in config/rules.json by default', () => {
      // Assess
      expect(alerts.rules).toEqual(loadRulesFile(DEFAULT_RULES_FILE));
      expect(DEFAULT_RULES_FILE).toBe(path.resolve(__dirname, '..', '..', 'config', 'rules.json'));
    });

    it('keeps idempotency records in an on-demand, encrypted table with TTL and PITR', () => {
      // Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        },
        DeletionPolicy: 'Delete',
      });
    });

    it('lets the function get, put, update and delete items of the idempotency table only', () => {
      // Prepare
      const tableArn = { 'Fn::GetAtt': [logicalId(stack, alerts.idempotencyTable), 'Arn'] };
      const statements = roleStatements(template, roleId).filter((s) =>
        actionsOf(s).some((action) => action.startsWith('dynamodb:')),
      );
      // Assess
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
          ],
          Resource: tableArn,
        },
      ]);
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
          'dynamodb:UpdateItem',
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

    it('notifies the function of new .json.gz objects under AWSLogs/', () => {
      // Assess
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: bucketId },
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'suffix', Value: '.json.gz' },
                    { Name: 'prefix', Value: 'AWSLogs/' },
                  ],
                },
              },
              LambdaFunctionArn: {
                'Fn::GetAtt': [logicalId(stack, alerts.alertFunction), 'Arn'],
              },
            },
          ],
        },
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 's3.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::GetAtt': [bucketId, 'Arn'] },
      });
      template.resourceCountIs('AWS::Events::Rule', 0);
    });

    it('encrypts the topic with its own rotated key and requires TLS to publish', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [topicKeyId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        Description: Match.stringLikeRegexp('alert topic'),
        EnableKeyRotation: true,
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('lets CloudWatch alarms of this account publish to the topic and use its key', () => {
      // Assess
      const fromThisAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: fromThisAccount,
            }),
          ]),
        },
      });
      expect(keyStatements(template, topicKeyId)).toContainEqual(
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: fromThisAccount,
        }),
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

    it('sends every alert to alertEmails and the extra queue (no filter policy, SNS envelope)', () => {
      // Assess
      for (const email of ['ops@example.com', 'sec@example.com']) {
        template.hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: 'email',
          Endpoint: email,
          FilterPolicy: Match.absent(),
        });
      }
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        Endpoint: QUEUE_ARN,
        RawMessageDelivery: false,
        FilterPolicy: Match.absent(),
      });
    });

    it('keeps the construct IDs of alertEmails subscriptions (no new confirmation on upgrade)', () => {
      // Assess
      expect(alerts.topic.node.tryFindChild('ops@example.com')).toBeDefined();
    });

    it('sends only high alerts to pagerEmails', () => {
      // Assess
      expect(subscriptionsTo(template, 'email', 'pager@example.com')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            FilterPolicy: { severity: ['high'] },
          }) as unknown,
        }),
      ]);
    });

    it('filters each generic subscription on its severities', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        Endpoint: SEVERE_QUEUE_ARN,
        TopicArn: { Ref: logicalId(stack, alerts.topic) },
        RawMessageDelivery: false,
        // In severity order, whatever order the props listed them in.
        FilterPolicy: { severity: ['high', 'medium'] },
        FilterPolicyScope: Match.absent(),
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'https',
        Endpoint: HOOK_URL,
        FilterPolicy: { severity: ['high'] },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        FilterPolicy: Match.absent(),
      });
      // Every severity listed: no policy to maintain.
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'all@example.com',
        FilterPolicy: Match.absent(),
      });
      template.resourceCountIs('AWS::SNS::Subscription', 8);
    });

    it('lets the topic invoke a subscribed function of the same account', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: FUNCTION_ARN,
        Principal: 'sns.amazonaws.com',
        SourceArn: { Ref: logicalId(stack, alerts.topic) },
      });
    });

    it('delivers to Slack through Chatbot with a read-only guardrail and a powerless role', () => {
      // Assess
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
        SlackWorkspaceId: 'T0123ABCD',
        SlackChannelId: 'C0123ABCD',
        ConfigurationName: Match.stringLikeRegexp('.+'),
        LoggingLevel: 'ERROR',
        SnsTopicArns: [{ Ref: logicalId(stack, alerts.topic) }],
        GuardrailPolicies: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess'],
            ],
          },
        ],
      });
      const chatbotRoles = template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
          },
        },
      });
      const [chatbotRoleId, chatbotRole] = Object.entries(chatbotRoles)[0] ?? [];
      expect(chatbotRole).toBeDefined();
      expect(chatbotRole).not.toHaveProperty(['Properties', 'ManagedPolicyArns']);
      expect(chatbotRole).not.toHaveProperty(['Properties', 'Policies']);
      expect(roleStatements(template, chatbotRoleId ?? '')).toEqual([]);
    });

    it('does not give Chatbot access to the topic key (SNS decrypts before delivery)', () => {
      // Assess
      expect(JSON.stringify(keyStatements(template, topicKeyId))).not.toContain('chatbot');
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

  describe('with a new trail, the EventBridge trigger and all management events', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare
      const stack = newStack();
      // Act
      new MediaPackageAuditAlerts(stack, 'Audit', {
        trigger: 'eventbridge',
        managementEvents: 'all',
        logExpiration: Duration.days(30),
      });
      template = Template.fromStack(stack);
    });

    it('records read and write management events', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
      });
    });

    it('enables EventBridge on the bucket itself, without the notifications custom resource', () => {
      // Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      });
      template.resourceCountIs('Custom::S3BucketNotifications', 0);
      template.resourceCountIs('AWS::Lambda::Function', 1);
    });

    it('matches only CloudTrail log files of the bucket', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: [{ Ref: Match.stringLikeRegexp('LogBucket') }] },
            object: { key: [{ wildcard: 'AWSLogs/*/CloudTrail/*.json.gz' }] },
          },
        },
      });
    });

    it('expires log files after the configured days without colder classes', () => {
      // Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Id: 'TierAndExpireLogFiles',
              ExpirationInDays: 30,
              Transitions: Match.absent(),
            }),
          ],
          TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
        },
      });
    });
  });

  describe('with an existing bucket, key prefix and KMS key and the S3 trigger', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;

    beforeAll(() => {
      // Prepare
      stack = newStack();
      // Act
      alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        existingLogBucket: s3.Bucket.fromBucketName(stack, 'Existing', 'my-trail-logs'),
        existingLogKeyPrefix: 'org/',
        existingLogKey: kms.Key.fromKeyArn(stack, 'ExistingKey', EXISTING_KEY_ARN),
        alertEmails: ['ops@example.com'],
      });
      template = Template.fromStack(stack);
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

    it('adds an S3 notification behind the key prefix, merged with the bucket’s others', () => {
      // Assess
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: 'my-trail-logs',
        Managed: false,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            Match.objectLike({
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'suffix', Value: '.json.gz' },
                    { Name: 'prefix', Value: 'org/AWSLogs/' },
                  ],
                },
              },
            }),
          ],
        },
      });
    });

    it('reads only log files under the prefix and decrypts with the given key through S3', () => {
      // Prepare
      const roleId = logicalId(stack, alerts.alertFunctionRole);
      const statements = roleStatements(template, roleId);
      // Assess
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: 's3:GetObject',
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-trail-logs/org/AWSLogs/*'],
            ],
          },
        }),
      );
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
        topicArns: [`<Ref:${logicalId(stack, alerts.topic)}>`],
        kmsKeys: [EXISTING_KEY_ARN, `<${logicalId(stack, alerts.topicKey)}.Arn>`],
      });
    });
  });

  describe('with an existing bucket and the EventBridge trigger', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;

    beforeAll(() => {
      // Prepare
      stack = newStack();
      // Act
      alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        existingLogBucket: s3.Bucket.fromBucketName(stack, 'Existing', 'my-trail-logs'),
        existingLogKeyPrefix: 'org',
        trigger: 'eventbridge',
      });
      template = Template.fromStack(stack);
    });

    it('adds an Object Created rule for the bucket and prefix and no custom resource', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: ['my-trail-logs'] },
            object: { key: [{ wildcard: 'org/AWSLogs/*/CloudTrail/*.json.gz' }] },
          },
        },
      });
      template.resourceCountIs('Custom::S3BucketNotifications', 0);
      template.resourceCountIs('AWS::Lambda::Function', 1);
    });

    it('sends undeliverable events to the dead-letter queue within 6 hours', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [
          Match.objectLike({
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
            },
            RetryPolicy: { MaximumEventAgeInSeconds: 6 * 3600 },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogFileCreated'), 'Arn'] },
      });
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

  describe('read budget, concurrency and publishers', () => {
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

    it.each<[string, ConstructorParameters<typeof MediaPackageAuditAlerts>[2], RegExp]>([
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
        'a publisher given as a role session',
        { alertPublisherArns: ['arn:aws:sts::111122223333:assumed-role/MediaOperator/bob'] },
        /publisherArns: .* is a role session/,
      ],
    ])('refuses %s', (_name, props, message) => {
      // Act
      const build = (): unknown => new MediaPackageAuditAlerts(newStack(), 'Audit', props);
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
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
            existingLogBucket: s3.Bucket.fromBucketName(stack, 'Existing', 'my-trail-logs'),
            existingLogKeyPrefix: '/org',
          }),
      ).toThrow(/must not start with '\/'/);
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
      ).toThrow(/cannot read the file: ENOENT/);
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

  describe('subscriptions', () => {
    it.each<[string, ConstructorParameters<typeof MediaPackageAuditAlerts>[2], RegExp]>([
      [
        'an address in both alertEmails and pagerEmails',
        { alertEmails: ['ops@example.com'], pagerEmails: ['ops@example.com'] },
        /pagerEmails: 'ops@example.com' is also in alertEmails, which already receives every alert/,
      ],
      [
        'a queue both extra and generic',
        {
          extraSubscriberQueueArns: [QUEUE_ARN],
          subscriptions: [{ protocol: 'sqs', endpoint: QUEUE_ARN, severities: ['high'] }],
        },
        /sqs endpoint '.+' is subscribed twice/,
      ],
      [
        'a FIFO queue',
        { subscriptions: [{ protocol: 'sqs', endpoint: `${QUEUE_ARN}.fifo` }] },
        /is not a standard SQS queue ARN/,
      ],
      [
        'an http URL',
        { subscriptions: [{ protocol: 'https', endpoint: 'http://hooks.example.com/x' }] },
        /is not an https:\/\/ URL/,
      ],
      [
        'an unknown severity',
        {
          subscriptions: [
            { protocol: 'email', endpoint: 'a@example.com', severities: ['critical' as never] },
          ],
        },
        /severities must list some of high, medium, low, info; got \[critical\]/,
      ],
      [
        'no severities',
        { subscriptions: [{ protocol: 'email', endpoint: 'a@example.com', severities: [] }] },
        /severities must list some of/,
      ],
      [
        'an unknown protocol',
        { subscriptions: [{ protocol: 'sms' as never, endpoint: '+15550100' }] },
        /protocol 'sms' is not one of: email, sqs, https, lambda/,
      ],
    ])('refuses %s', (_name, props, message) => {
      // Act / Assess
      expect(() => new MediaPackageAuditAlerts(newStack(), 'Audit', props)).toThrow(message);
    });

    /** Logical IDs of the subscriptions `props` creates, by `protocol endpoint`. */
    function subscriptionIds(
      props: ConstructorParameters<typeof MediaPackageAuditAlerts>[2],
    ): Record<string, string> {
      const stack = newStack();
      new MediaPackageAuditAlerts(stack, 'Audit', props);
      const resources = Template.fromStack(stack).findResources('AWS::SNS::Subscription');
      return Object.fromEntries(
        Object.entries(resources).map(([id, resource]) => {
          const { Protocol, Endpoint } = (
            resource as { Properties: { Protocol: string; Endpoint: unknown } }
          ).Properties;
          return [`${Protocol} ${JSON.stringify(Endpoint)}`, id];
        }),
      );
    }

    it('updates, not replaces, an address moved between alertEmails and pagerEmails', () => {
      // Act
      const asAlert = subscriptionIds({ alertEmails: ['ops@example.com'] });
      const asPager = subscriptionIds({ pagerEmails: ['ops@example.com'] });
      // Assess
      expect(asPager).toEqual(asAlert);
    });

    it('keeps each subscription when the list is reordered', () => {
      // Prepare
      const list = [
        { protocol: 'sqs', endpoint: SEVERE_QUEUE_ARN, severities: ['high'] },
        { protocol: 'https', endpoint: HOOK_URL },
        { protocol: 'lambda', endpoint: FUNCTION_ARN },
        { protocol: 'email', endpoint: 'a@example.com' },
      ] as const;
      // Act
      const forward = subscriptionIds({ subscriptions: [...list] });
      const backward = subscriptionIds({ subscriptions: [...list].reverse() });
      // Assess
      expect(Object.keys(forward)).toHaveLength(4);
      expect(backward).toEqual(forward);
    });

    it('leaves the invoke permission of a function in another account to its owner', () => {
      // Prepare
      const stack = newStack({ env: { account: '444455556666', region: 'us-east-1' } });
      // Act
      new MediaPackageAuditAlerts(stack, 'Audit', {
        subscriptions: [{ protocol: 'lambda', endpoint: FUNCTION_ARN, severities: ['high'] }],
      });
      // Assess
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        FilterPolicy: { severity: ['high'] },
      });
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Permission',
        { Principal: 'sns.amazonaws.com' },
        0,
      );
    });
  });

  describe('addAlarm', () => {
    it('sends the alarm to the alert topic when no operations topic is given', () => {
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
        { Ref: logicalId(stack, alerts.topic) },
      ]);
    });
  });
});
