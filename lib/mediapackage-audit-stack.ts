import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { SlackConfig, TeamsConfig } from './alert-topic';
import type { ManagementEventsMode } from './audit-trail';
import type { AppConfig } from './config';
import type { TriggerKind } from './log-file-trigger';
import type { MediaPackageAuditAlertsProps } from './mediapackage-audit-alerts';
import { MediaPackageAuditAlerts } from './mediapackage-audit-alerts';
import type { OperationsAlarmsOptions } from './operations-alarms';

/** An existing trail's log bucket to read instead of creating a trail. */
export interface ExistingTrailBucketConfig {
  readonly bucketName: string;
  /** The trail's S3 key prefix, normalised to end with `/`; empty when the trail has none. */
  readonly keyPrefix: string;
  /** ARN of the KMS key the trail encrypts its log files with, if it uses SSE-KMS. */
  readonly kmsKeyArn?: string;
  /** The account that owns the bucket, when it is another account's (a log archive). */
  readonly account?: string;
}

/** Thresholds and periods of the alarms on the pipeline's health, in the context's units. */
export interface AlarmConfig {
  /** Function errors in 5 minutes that raise the alarm. */
  readonly errorsThreshold: number;
  /** Throttled invocations in 5 minutes that raise the alarm. */
  readonly throttlesThreshold: number;
  /** Longest invocation, in percent of the timeout, that raises the alarm. */
  readonly durationPercent: number;
  /** Minutes without a processed log file before the alarm fires. */
  readonly noLogFilesMinutes: number;
  /** Alerts within `alertSpikeMinutes` that raise the alert-spike alarm. */
  readonly alertSpikeThreshold: number;
  readonly alertSpikeMinutes: number;
  /** Percentage of bad records (over 15 minutes) that raises the alarm. */
  readonly badRecordRatePercent: number;
}

/**
 * The configuration of one deployment, as `parseConfig` builds it from CDK context: every value
 * checked against the rules of the construct that takes it, defaults filled in.
 */
export interface MediaPackageAuditConfig {
  /** Receive every alert. */
  readonly alertEmails: readonly string[];
  /** Receive only `high` alerts (an SNS filter policy on the `severity` attribute). */
  readonly pagerEmails: readonly string[];
  readonly slack?: SlackConfig;
  readonly teams?: TeamsConfig;
  readonly existingTrailBucket?: ExistingTrailBucketConfig;
  readonly trigger: TriggerKind;
  /** The SNS topic the existing trail announces its log files on (`cloudtrail-sns` trigger). */
  readonly cloudTrailTopicArn?: string;
  readonly managementEvents: ManagementEventsMode;
  /** One of the day counts `logs.RetentionDays` defines. */
  readonly logRetentionDays: number;
  readonly logExpirationDays: number;
  readonly functionMemoryMb: number;
  readonly functionTimeoutSeconds: number;
  /** Reserved concurrency of the function; unset: none (the account's unreserved pool). */
  readonly reservedConcurrency?: number;
  /** How many MB (MiB) of uncompressed text the function reads from one log file at most. */
  readonly maxInflatedMb: number;
  /**
   * IAM roles and users besides the function that may publish to the alert topic (e.g. the
   * operators who run `mp-audit replay`); everyone else is denied by the topic policy.
   */
  readonly alertPublisherArns: readonly string[];
  readonly extraSubscriberQueueArns: readonly string[];
  /** Absolute path of the rules file to bake into the function; the construct's default if unset. */
  readonly rulesFile?: string;
  /** Receive the alarms on the pipeline's health (a separate topic); empty: the alert topic does. */
  readonly operationsEmails: readonly string[];
  readonly alarms: AlarmConfig;
  /** Create the Athena history (Glue table, workgroup, saved queries). */
  readonly athena: boolean;
  /** Organization ID of the existing bucket's organization trail. */
  readonly organizationId?: string;
  /** Accounts the Athena table projects; empty: its default. */
  readonly athenaAccountIds: readonly string[];
  /** Regions the Athena table projects; empty: its default. */
  readonly athenaRegions: readonly string[];
  /** The EventBridge fast path (the home rule, and a forwarder stack per other watched Region). */
  readonly fastPath: boolean;
  /** The Regions the fast path watches: the home Region's rule and one forwarder per other one. */
  readonly regions: readonly string[];
}

/** Properties of {@link MediaPackageAuditStack}. */
export interface MediaPackageAuditStackProps extends StackProps {
  /** Validated configuration, from `parseConfig`. */
  readonly config: AppConfig;
}

/** The alarm options of the construct from their context form (minutes become durations). */
export function alarmOptions(alarms: AlarmConfig): OperationsAlarmsOptions {
  return {
    errorsThreshold: alarms.errorsThreshold,
    throttlesThreshold: alarms.throttlesThreshold,
    durationThresholdPercent: alarms.durationPercent,
    noLogFilesPeriod: Duration.minutes(alarms.noLogFilesMinutes),
    alertSpikeThreshold: alarms.alertSpikeThreshold,
    alertSpikePeriod: Duration.minutes(alarms.alertSpikeMinutes),
    badRecordRateThresholdPercent: alarms.badRecordRatePercent,
  };
}

/** The deployable app: one {@link MediaPackageAuditAlerts} built from context, plus outputs. */
export class MediaPackageAuditStack extends Stack {
  public readonly alerts: MediaPackageAuditAlerts;

  public constructor(scope: Construct, id: string, props: MediaPackageAuditStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.alerts = new MediaPackageAuditAlerts(this, 'MediaPackageAuditAlerts', {
      alertEmails: config.alertEmails,
      pagerEmails: config.pagerEmails,
      slack: config.slack,
      teams: config.teams,
      rulesFile: config.rulesFile,
      ...this.trailProps(config),
      trigger: config.trigger,
      // parseConfig only accepts the day counts logs.RetentionDays defines.
      functionLogRetention: config.logRetentionDays as logs.RetentionDays,
      functionMemorySize: config.functionMemoryMb,
      functionTimeout: Duration.seconds(config.functionTimeoutSeconds),
      reservedConcurrentExecutions: config.reservedConcurrency,
      maxInflatedMb: config.maxInflatedMb,
      alertPublisherArns: config.alertPublisherArns,
      extraSubscriberQueueArns: config.extraSubscriberQueueArns,
      // Alarms go to the operations topic: to these addresses, else to the alert emails.
      operationsEmails: config.operationsEmails,
      alarms: alarmOptions(config.alarms),
      athena: config.athena,
      ...(config.organizationId === undefined ? {} : { organizationId: config.organizationId }),
      ...(config.athenaAccountIds.length === 0
        ? {}
        : { athenaAccountIds: config.athenaAccountIds }),
      ...(config.athenaRegions.length === 0 ? {} : { athenaRegions: config.athenaRegions }),
      fastPath: config.fastPath,
      ...(config.canary === undefined
        ? {}
        : { canary: { schedule: Duration.minutes(config.canary.scheduleMinutes) } }),
      // bin/app.ts deploys a forwarder to each of them but the home Region.
      ...(config.fastPath ? { fastPathRegions: config.regions } : {}),
    });
    this.addOutputs();
  }

  /** A new trail's settings, or the existing trail's bucket, prefix and key. */
  private trailProps(config: MediaPackageAuditConfig): MediaPackageAuditAlertsProps {
    const existing = config.existingTrailBucket;
    if (existing === undefined) {
      return {
        managementEvents: config.managementEvents,
        logExpiration: Duration.days(config.logExpirationDays),
      };
    }
    return {
      existingLogBucket: s3.Bucket.fromBucketAttributes(this, 'ExistingLogBucket', {
        bucketName: existing.bucketName,
        ...(existing.account === undefined ? {} : { account: existing.account }),
      }),
      existingLogKeyPrefix: existing.keyPrefix,
      ...(existing.account === undefined ? {} : { existingLogBucketAccount: existing.account }),
      ...(config.cloudTrailTopicArn === undefined
        ? {}
        : {
            cloudTrailTopic: sns.Topic.fromTopicArn(
              this,
              'CloudTrailTopic',
              config.cloudTrailTopicArn,
            ),
          }),
      existingLogKey:
        existing.kmsKeyArn === undefined
          ? undefined
          : kms.Key.fromKeyArn(this, 'ExistingLogKey', existing.kmsKeyArn),
    };
  }

  /** `value` as JSON with its deploy-time values (the role's ARN) filled in, or `undefined`. */
  private jsonOf(value: object | undefined): string | undefined {
    return value === undefined ? undefined : this.toJsonString(value);
  }

  private addOutputs(): void {
    const { alerts } = this;
    const outputs: [string, string, string | undefined][] = [
      ['AlertTopicArn', 'SNS topic that receives every MediaPackage alert', alerts.topic.topicArn],
      [
        'LogBucketName',
        'Bucket the CloudTrail log files are read from',
        alerts.logBucket.bucketName,
      ],
      [
        'AlertFunctionName',
        'Lambda function that turns log files into alerts',
        alerts.alertFunction.functionName,
      ],
      [
        'AlertFunctionRoleArn',
        'Role to allow in the key policy of an existing trail key',
        alerts.alertFunctionRole.roleArn,
      ],
      [
        'DeadLetterQueueUrl',
        'Failed invocations (inspect and redrive)',
        alerts.deadLetterQueue.queueUrl,
      ],
      [
        'IdempotencyTableName',
        'Alerts already published (mp-audit replay --idempotency-table)',
        alerts.idempotencyTable.tableName,
      ],
      [
        'OperationsTopicArn',
        'SNS topic the health alarms notify (the operations topic: operationsEmails, else alertEmails, and the chat channels)',
        alerts.operationsTopic.topicArn,
      ],
      ['DashboardName', 'CloudWatch dashboard of the pipeline', alerts.dashboard?.dashboardName],
      [
        'AthenaWorkGroupName',
        'Athena workgroup for the CloudTrail history (saved queries, encrypted results)',
        alerts.history?.workGroup.ref,
      ],
      [
        'AthenaDatabaseName',
        'Glue database of the CloudTrail table (cloudtrail_logs)',
        alerts.history?.database.ref,
      ],
      [
        'AthenaResultsBucketName',
        'Bucket of the Athena query results',
        alerts.history?.resultsBucket.bucketName,
      ],
      [
        'LogFileQueueUrl',
        "Queue subscribed to the trail's SNS topic (cloudtrail-sns trigger)",
        alerts.logFileQueue?.queueUrl,
      ],
      [
        'LogFileDeadLetterQueueUrl',
        'Log-file notifications the function failed on 5 times (move them back to replay)',
        alerts.logFileDeadLetterQueue?.queueUrl,
      ],
      [
        'CrossAccountBucketPolicyStatement',
        "Statement the log archive account adds to its bucket's policy",
        this.jsonOf(alerts.crossAccountAccess?.bucketPolicyStatement),
      ],
      [
        'CrossAccountKeyPolicyStatement',
        "Statement the log archive account adds to its trail key's policy",
        this.jsonOf(alerts.crossAccountAccess?.keyPolicyStatement),
      ],
    ];
    for (const [id, description, value] of outputs) {
      // A missing value is a part turned off (the dashboard, the Athena history).
      if (value !== undefined) new CfnOutput(this, id, { description, value });
    }
  }
}
