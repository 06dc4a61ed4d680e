import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import type { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import {
  EVENTBRIDGE_PROPS,
  buildAlerts,
  buildFullAlerts,
  existingBucket,
  existingTrailProps,
  logicalId,
} from './support';

describe('Construct: LogFileTrigger', () => {
  describe('S3 notification on a new trail bucket', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;
    let bucketId: string;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template, bucketId } = buildFullAlerts());
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
      // The fast path's rule only: none on the bucket's Object Created events.
      expect(
        template.findResources('AWS::Events::Rule', {
          Properties: { EventPattern: { source: ['aws.s3'] } },
        }),
      ).toEqual({});
    });
  });

  describe('EventBridge rule on a new trail bucket', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ template } = buildAlerts(EVENTBRIDGE_PROPS));
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
  });

  describe('S3 notification on an existing bucket with a key prefix', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ template } = buildAlerts(existingTrailProps));
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
  });

  describe('EventBridge rule on an existing bucket', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ template } = buildAlerts((stack) => ({
        existingLogBucket: existingBucket(stack),
        existingLogKeyPrefix: 'org',
        trigger: 'eventbridge',
      })));
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
  });
});
