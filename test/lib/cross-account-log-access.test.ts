import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CROSS_ACCOUNT_POLICIES_INFO } from '../../lib/cross-account-log-access';
import type { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import { MediaPackageAuditStack } from '../../lib/mediapackage-audit-stack';
import { parseConfig } from '../../lib/config';
import { Template as TemplateOf } from 'aws-cdk-lib/assertions';
import {
  buildAlerts,
  logicalId,
  newApp,
  renderCfnString,
  roleStatements,
  logFilesReadStatement,
} from './support';

const ARCHIVE_ACCOUNT = '444455556666';
const ARCHIVE_KEY_ARN =
  'arn:aws:kms:eu-central-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('Construct: CrossAccountLogAccess (a log archive in another account)', () => {
  let stack: Stack;
  let alerts: MediaPackageAuditAlerts;
  let template: Template;
  let roleId: string;

  beforeAll(() => {
    // Prepare / Act
    ({ stack, alerts, template } = buildAlerts((s) => ({
      existingLogBucket: s3.Bucket.fromBucketAttributes(s, 'Archive', {
        bucketName: 'org-archive-logs',
        account: ARCHIVE_ACCOUNT,
      }),
      existingLogKeyPrefix: 'org',
      existingLogKey: kms.Key.fromKeyArn(s, 'ArchiveKey', ARCHIVE_KEY_ARN),
      existingLogBucketAccount: ARCHIVE_ACCOUNT,
      trigger: 'eventbridge',
    })));
    roleId = logicalId(stack, alerts.alertFunctionRole);
  });

  it("lets the role read the archive's log files and decrypt them through S3 in the key's Region", () => {
    // Prepare
    const statements = roleStatements(template, roleId);
    // Assess
    expect(statements).toContainEqual(logFilesReadStatement('org-archive-logs', 'org/'));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: ARCHIVE_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
      }),
    );
  });

  it('writes the bucket-policy statement the archive account adds', () => {
    // Assess
    expect(stack.resolve(alerts.crossAccountAccess?.bucketPolicyStatement)).toEqual({
      Sid: 'AllowMediaPackageAuditToReadLogFiles',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
      Action: 's3:GetObject',
      Resource: {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-archive-logs/org/AWSLogs/*'],
        ],
      },
    });
  });

  it('writes the key-policy statement the archive account adds', () => {
    // Assess
    expect(stack.resolve(alerts.crossAccountAccess?.keyPolicyStatement)).toEqual({
      Sid: 'AllowMediaPackageAuditToDecryptLogFiles',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
  });

  it('says at synth, in an info message, which statements the archive account must add', () => {
    // Assess
    Annotations.fromStack(stack).hasInfo(
      '*',
      Match.stringLikeRegexp(
        `\\[${CROSS_ACCOUNT_POLICIES_INFO}\\] The log archive is in account ${ARCHIVE_ACCOUNT}.*CrossAccountBucketPolicyStatement and CrossAccountKeyPolicyStatement.*bucket policy of org-archive-logs: \\{"Sid":"AllowMediaPackageAuditToReadLogFiles","Effect":"Allow","Principal":\\{"AWS":"<AlertFunctionRoleArn output>"\\},"Action":"s3:GetObject","Resource":"arn:aws:s3:::org-archive-logs/org/AWSLogs/\\*"\\}`,
      ),
    );
  });

  it('writes no statement for a bucket in the stack’s own account', () => {
    // Act
    const { alerts: own, stack: ownStack } = buildAlerts((s) => ({
      existingLogBucket: s3.Bucket.fromBucketName(s, 'Own', 'my-trail-logs'),
    }));
    // Assess
    expect(own.crossAccountAccess).toBeUndefined();
    expect(Annotations.fromStack(ownStack).findInfo('*', Match.anyValue())).toEqual([]);
  });
});

describe('Stack: MediaPackageAuditStack with a log archive in another account', () => {
  it('outputs the exact bucket-policy and key-policy statements, the role ARN filled in at deploy', () => {
    // Prepare
    const app = newApp({
      context: {
        existingBucketName: 'org-archive-logs',
        existingBucketAccount: ARCHIVE_ACCOUNT,
        existingTrailKmsKeyArn: ARCHIVE_KEY_ARN,
        trigger: 'cloudtrail-sns',
        cloudTrailTopicArn: 'arn:aws:sns:eu-central-1:444455556666:org-trail-log-files',
      },
    });
    const config = parseConfig(app.node.getAllContext() as Record<string, unknown>);
    // Act
    const stack = new MediaPackageAuditStack(app, 'Audit', {
      config,
      env: { account: '111122223333', region: 'eu-west-1' },
    });
    const outputs = TemplateOf.fromStack(stack).toJSON().Outputs as Record<
      string,
      { Value: unknown }
    >;
    const roleId = logicalId(stack, stack.alerts.alertFunctionRole);
    // Assess
    expect(JSON.parse(renderCfnString(outputs.CrossAccountBucketPolicyStatement?.Value))).toEqual({
      Sid: 'AllowMediaPackageAuditToReadLogFiles',
      Effect: 'Allow',
      Principal: { AWS: `<${roleId}.Arn>` },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::org-archive-logs/AWSLogs/*',
    });
    expect(JSON.parse(renderCfnString(outputs.CrossAccountKeyPolicyStatement?.Value))).toEqual({
      Sid: 'AllowMediaPackageAuditToDecryptLogFiles',
      Effect: 'Allow',
      Principal: { AWS: `<${roleId}.Arn>` },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['LogFileQueueUrl', 'LogFileDeadLetterQueueUrl']),
    );
  });
});
