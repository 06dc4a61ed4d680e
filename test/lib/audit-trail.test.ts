import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AuditTrail } from '../../lib/audit-trail';
import { InvalidPropsError } from '../../lib/errors';
import type { Statement } from './support';
import {
  EVENTBRIDGE_PROPS,
  actionsOf,
  buildAlerts,
  buildFullAlerts,
  keyStatements,
  newStack,
  renderCfnString,
  roleStatements,
} from './support';

const s3Endpoint = {
  'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
};

describe('Construct: AuditTrail', () => {
  describe('in MediaPackageAuditAlerts, with the S3 trigger', () => {
    let template: Template;
    let roleId: string;
    let trailKeyId: string;
    let bucketId: string;
    let trailName: string;
    let thisTrailArn: unknown;

    beforeAll(() => {
      // Prepare / Act
      ({ template, roleId, trailKeyId, bucketId, trailName, thisTrailArn } = buildFullAlerts());
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
  });

  describe('in MediaPackageAuditAlerts, with the EventBridge trigger and all management events', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ template } = buildAlerts(EVENTBRIDGE_PROPS));
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

  describe('props validation', () => {
    it.each([
      [
        'no whole number of days',
        Duration.hours(36),
        /logExpiration must be a whole number of days from 1 to 3650; got 1 day 12 hours/,
      ],
      [
        'less than a day',
        Duration.hours(12),
        /logExpiration must be a whole number of days from 1 to 3650/,
      ],
      [
        'over ten years',
        Duration.days(3651),
        /logExpiration must be a whole number of days from 1 to 3650; got 3651 days/,
      ],
    ])('refuses a log expiration of %s', (_name, logExpiration, message) => {
      // Act
      const build = (): unknown => new AuditTrail(newStack(), 'Trail', { logExpiration });
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });

    it('accepts ten years', () => {
      // Prepare
      const stack: Stack = newStack();
      // Act
      new AuditTrail(stack, 'Trail', { logExpiration: Duration.days(3650) });
      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ Id: 'TierAndExpireLogFiles', ExpirationInDays: 3650 })],
          TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
        },
      });
    });
  });
});
