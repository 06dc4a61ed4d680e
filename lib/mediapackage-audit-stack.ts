import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AlertTopic } from './alert-topic';
import type { MediaPackageAuditConfig } from './config';
import { MediaPackageAuditAlerts } from './mediapackage-audit-alerts';

/** Properties of {@link MediaPackageAuditStack}. */
export interface MediaPackageAuditStackProps extends StackProps {
  /** Validated configuration, from `parseConfig`. */
  readonly config: MediaPackageAuditConfig;
}

/** The deployable app: one {@link MediaPackageAuditAlerts} built from context, plus outputs. */
export class MediaPackageAuditStack extends Stack {
  public readonly alerts: MediaPackageAuditAlerts;

  public constructor(scope: Construct, id: string, props: MediaPackageAuditStackProps) {
    super(scope, id, props);
    const { config } = props;
    const existing = config.existingTrailBucket;

    // A topic of its own for the operations team; otherwise alarms go to the alert topic.
    const operations =
      config.operationsEmails.length === 0
        ? undefined
        : new AlertTopic(this, 'Operations', {
            alertEmails: config.operationsEmails,
            displayName: 'MediaPackage audit operations',
          });
    const { alarms } = config;

    this.alerts = new MediaPackageAuditAlerts(this, 'MediaPackageAuditAlerts', {
      alertEmails: config.alertEmails,
      pagerEmails: config.pagerEmails,
      slack: config.slack,
      rulesFile: config.rulesFile,
      ...(existing === undefined
        ? {
            managementEvents: config.managementEvents,
            logExpiration: Duration.days(config.logExpirationDays),
          }
        : {
            existingLogBucket: s3.Bucket.fromBucketName(
              this,
              'ExistingLogBucket',
              existing.bucketName,
            ),
            existingLogKeyPrefix: existing.keyPrefix,
            existingLogKey:
              existing.kmsKeyArn === undefined
                ? undefined
                : kms.Key.fromKeyArn(this, 'ExistingLogKey', existing.kmsKeyArn),
          }),
      trigger: config.trigger,
      // parseConfig only accepts the day counts logs.RetentionDays defines.
      functionLogRetention: config.logRetentionDays as logs.RetentionDays,
      functionMemorySize: config.functionMemoryMb,
      functionTimeout: Duration.seconds(config.functionTimeoutSeconds),
      reservedConcurrentExecutions: config.reservedConcurrency,
      maxInflatedMb: config.maxInflatedMb,
      alertPublisherArns: config.alertPublisherArns,
      extraSubscriberQueueArns: config.extraSubscriberQueueArns,
      ...(operations === undefined ? {} : { operationsTopic: operations.topic }),
      alarms: {
        errorsThreshold: alarms.errorsThreshold,
        throttlesThreshold: alarms.throttlesThreshold,
        durationThresholdPercent: alarms.durationPercent,
        noLogFilesPeriod: Duration.minutes(alarms.noLogFilesMinutes),
        alertSpikeThreshold: alarms.alertSpikeThreshold,
        alertSpikePeriod: Duration.minutes(alarms.alertSpikeMinutes),
        badRecordRateThresholdPercent: alarms.badRecordRatePercent,
      },
      athena: config.athena,
      ...(config.organizationId === undefined ? {} : { organizationId: config.organizationId }),
      ...(config.athenaAccountIds.length === 0
        ? {}
        : { athenaAccountIds: config.athenaAccountIds }),
      ...(config.athenaRegions.length === 0 ? {} : { athenaRegions: config.athenaRegions }),
    });

    new CfnOutput(this, 'AlertTopicArn', {
      description: 'SNS topic that receives every MediaPackage alert',
      value: this.alerts.topic.topicArn,
    });
    new CfnOutput(this, 'LogBucketName', {
      description: 'Bucket the CloudTrail log files are read from',
      value: this.alerts.logBucket.bucketName,
    });
    new CfnOutput(this, 'AlertFunctionName', {
      description: 'Lambda function that turns log files into alerts',
      value: this.alerts.alertFunction.functionName,
    });
    new CfnOutput(this, 'AlertFunctionRoleArn', {
      description: 'Role to allow in the key policy of an existing trail key',
      value: this.alerts.alertFunctionRole.roleArn,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Failed invocations (inspect and redrive)',
      value: this.alerts.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'IdempotencyTableName', {
      description: 'Alerts already published (mp-audit replay --idempotency-table)',
      value: this.alerts.idempotencyTable.tableName,
    });
    new CfnOutput(this, 'OperationsTopicArn', {
      description:
        'SNS topic the health alarms notify (the alert topic unless operationsEmails is set)',
      value: this.alerts.operationsTopic.topicArn,
    });
    if (this.alerts.dashboard !== undefined) {
      new CfnOutput(this, 'DashboardName', {
        description: 'CloudWatch dashboard of the pipeline',
        value: this.alerts.dashboard.dashboardName,
      });
    }
    const history = this.alerts.history;
    if (history !== undefined) {
      new CfnOutput(this, 'AthenaWorkGroupName', {
        description:
          'Athena workgroup for the CloudTrail history (saved queries, encrypted results)',
        value: history.workGroup.ref,
      });
      new CfnOutput(this, 'AthenaDatabaseName', {
        description: 'Glue database of the CloudTrail table (cloudtrail_logs)',
        value: history.database.ref,
      });
      new CfnOutput(this, 'AthenaResultsBucketName', {
        description: 'Bucket of the Athena query results',
        value: history.resultsBucket.bucketName,
      });
    }
  }
}
