import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import type * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RulesConfig, RulesInput } from '../lambda/match/rules-schema';
import { parseRules } from '../lambda/match/rules-schema';
import type { OwnResources } from '../lambda/contract';
import { FUNCTION_ENV } from '../lambda/contract';
import type { AlertSubscription } from './alert-topic';
import { AlertTopic } from './alert-topic';
import { AuditFunction } from './audit-function';
import { AuditHistory } from './audit-history';
import { AuditTrail, LOG_FILES_WILDCARD_REASON } from './audit-trail';
import type { ManagementEventsMode, SlackConfig, TriggerKind } from './config';
import { InvalidPropsError } from './errors';
import { IdempotencyTable } from './idempotency-table';
import { LogFileTrigger } from './log-file-trigger';
import { acknowledgeWildcardResource } from './nag-findings';
import type { OperationsAlarmsOptions } from './operations-alarms';
import { OperationsAlarms } from './operations-alarms';
import { OperationsDashboard } from './operations-dashboard';
import { loadRulesFile } from './rules-file';

/** The rules file used when neither `rulesFile` nor `rules` is given. */
export const DEFAULT_RULES_FILE = path.join(__dirname, '..', 'config', 'rules.json');

/** Thrown when {@link MediaPackageAuditAlerts} gets props that contradict each other. */
export { InvalidPropsError };

/** Properties of {@link MediaPackageAuditAlerts}. */
export interface MediaPackageAuditAlertsProps {
  /**
   * Email addresses that receive every alert. Each recipient confirms the subscription once.
   *
   * @default - no email subscriptions
   */
  readonly alertEmails?: readonly string[];

  /**
   * Email addresses that receive only `high` alerts (SNS filter policy
   * `{"severity":["high"]}`), e.g. a paging service's email integration. An address may not be
   * in both lists.
   *
   * @default - none
   */
  readonly pagerEmails?: readonly string[];

  /**
   * Further subscribers (email, SQS, HTTPS, Lambda), each optionally limited to some
   * severities with an SNS filter policy.
   *
   * @default - none
   */
  readonly subscriptions?: readonly AlertSubscription[];

  /**
   * Rules file (JSON, schema `config/rules.schema.json`) to load, validate and bake into the
   * function's bundle at synth time. An invalid file stops synth with a `RulesValidationError`
   * naming the file and the path in it. Give this or {@link rules}, not both.
   *
   * @default DEFAULT_RULES_FILE (config/rules.json of this package)
   */
  readonly rulesFile?: string;

  /**
   * Rules as an object (e.g. from `loadRulesFile` or written inline), validated and baked into
   * the bundle like {@link rulesFile}. Give this or {@link rulesFile}, not both.
   *
   * @default - the rules in {@link rulesFile}
   */
  readonly rules?: RulesInput;

  /**
   * Slack channel that receives alerts through AWS Chatbot.
   *
   * @default - no Slack delivery
   */
  readonly slack?: SlackConfig;

  /**
   * The log bucket of an existing trail (yours or an organization trail's). When set, no trail,
   * trail key or bucket is created: the construct only adds the trigger, the function and the
   * alerting. Deploy in the account and Region of the bucket.
   *
   * @default - a new multi-Region trail with its own bucket and key
   */
  readonly existingLogBucket?: s3.IBucket;

  /**
   * S3 key prefix of the existing trail (the part before `AWSLogs/`), without a leading slash.
   *
   * @default - no prefix
   */
  readonly existingLogKeyPrefix?: string;

  /**
   * KMS key the existing trail encrypts its log files with. Its key policy must let the function's
   * role decrypt (see docs/infrastructure.md).
   *
   * @default - the log files use SSE-S3 and need no key
   */
  readonly existingLogKey?: kms.IKey;

  /**
   * How new log files reach the function: an S3 event notification on the bucket, or an
   * EventBridge rule on its `Object Created` events (EventBridge must be enabled on an existing
   * bucket by its owner).
   *
   * @default 's3'
   */
  readonly trigger?: TriggerKind;

  /**
   * Management events the new trail records. Ignored with `existingLogBucket`.
   *
   * @default 'write-only'
   */
  readonly managementEvents?: ManagementEventsMode;

  /**
   * How long the new trail's log files are kept. Ignored with `existingLogBucket`.
   *
   * @default Duration.days(365)
   */
  readonly logExpiration?: Duration;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly functionLogRetention?: logs.RetentionDays;

  /**
   * Memory of the function, in MB. A first guess: later measurements on real log files will
   * tune it.
   *
   * @default 512
   */
  readonly functionMemorySize?: number;

  /**
   * Timeout of the function. A first guess: later measurements on real log files will tune it.
   *
   * @default Duration.minutes(5)
   */
  readonly functionTimeout?: Duration;

  /**
   * Reserved concurrency of the function, a whole number of 1 or more: caps how many log files
   * are read at once and keeps that many executions for it. Lambda keeps at least 100 of the
   * account's executions unreserved, so deployment fails if the reservation would leave fewer.
   *
   * @default - no reservation: the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * The most uncompressed text, in MB (MiB), the function reads from one log file, a whole number
   * from 1 to 102400 (`MP_AUDIT_MAX_INFLATED_BYTES` in bytes). The largest real CloudTrail files
   * are tens to hundreds of MB uncompressed; a gzip bomb stops here, and the file is counted in
   * `ObjectsIncomplete` (reason `byte-budget`) and logged with the command that replays it.
   *
   * @default 2048
   */
  readonly maxInflatedMb?: number;

  /**
   * IAM roles and users (exact ARNs, with their path) that may publish to the alert topic besides
   * the function, e.g. the roles operators run `mp-audit replay` as. The topic policy denies
   * `sns:Publish` to everyone else (CloudWatch alarms of this account excepted), whatever their
   * IAM policies allow.
   *
   * @default - none: only the function and CloudWatch alarms
   */
  readonly alertPublisherArns?: readonly string[];

  /**
   * Standard SQS queues subscribed to the alert topic (SNS envelope, not raw delivery).
   *
   * @default - none
   */
  readonly extraSubscriberQueueArns?: readonly string[];

  /**
   * Where the alarms on the pipeline's health send their notifications (and recoveries), e.g.
   * an operations team's topic. If it is encrypted, its KMS key must let
   * `cloudwatch.amazonaws.com` use it (`kms:GenerateDataKey*`, `kms:Decrypt`): the AWS-managed
   * `aws/sns` key cannot be used. {@link AlertTopic} creates a topic that can.
   *
   * @default - the alert topic
   */
  readonly operationsTopic?: sns.ITopic;

  /**
   * Thresholds and periods of the alarms (see docs/operations.md for what each default means).
   *
   * @default - the defaults of each option
   */
  readonly alarms?: OperationsAlarmsOptions;

  /**
   * Create a CloudWatch dashboard of the pipeline (metrics, alarm states, latest alerts).
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Create the Athena history: a Glue table over the trail bucket with partition projection, a
   * workgroup with an encrypted results bucket, and saved MediaPackage queries.
   *
   * @default true
   */
  readonly athena?: boolean;

  /**
   * The organization ID (`o-` + 10-32 lower-case letters or digits) when `existingLogBucket`
   * holds an organization trail's files (`AWSLogs/<org-id>/<account>/CloudTrail/...`). Only the
   * Athena table uses it; the function reads both layouts.
   *
   * @default - an account trail's layout (`AWSLogs/<account>/CloudTrail/...`)
   */
  readonly organizationId?: string;

  /**
   * Accounts the Athena table projects, so queries need not name one.
   *
   * @default - the stack's account; with {@link organizationId}, none: the account partition is
   * injected and each query names the accounts it searches
   */
  readonly athenaAccountIds?: readonly string[];

  /**
   * Regions the Athena table projects.
   *
   * @default - every Region of the stack's partition known to aws-cdk-lib
   */
  readonly athenaRegions?: readonly string[];
}

/**
 * Alerts within minutes when someone changes AWS Elemental MediaPackage:
 * CloudTrail -> S3 -> Lambda -> SNS (email, Slack through AWS Chatbot, SQS, HTTPS, Lambda),
 * each subscriber optionally limited to some severities.
 *
 * Creates a multi-Region trail with an encrypted, hardened log bucket, or reads the bucket of an
 * existing trail. The rules are validated at synth and baked into the function's bundle; a
 * DynamoDB table keeps each alert from being published twice.
 *
 * Operates itself: CloudWatch alarms on the pipeline's health (to an operations topic, by
 * default the alert topic), a dashboard, and an Athena table with saved queries for the years
 * of history the function never rereads.
 */
export class MediaPackageAuditAlerts extends Construct {
  /** The topic every alert is published to; add alarms with {@link addAlarm}. */
  public readonly topic: sns.Topic;
  /** The key that encrypts {@link topic}. */
  public readonly topicKey: kms.IKey;
  /** The function that reads log files and publishes alerts. */
  public readonly alertFunction: lambda.Function;
  /** The function's role (allow it in the key policy of an existing trail key). */
  public readonly alertFunctionRole: iam.IRole;
  /** Failed asynchronous invocations and undeliverable EventBridge events end up here. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The bucket CloudTrail writes to (created, or the existing one). */
  public readonly logBucket: s3.IBucket;
  /** The key prefix of log files in {@link logBucket}, empty or ending with `/`. */
  public readonly logKeyPrefix: string;
  /** The trail, when this construct created one. */
  public readonly trail?: cloudtrail.Trail;
  /** The key that encrypts log files, when known. */
  public readonly trailKey?: kms.IKey;
  /** Where the function records which alerts it already published (Powertools idempotency). */
  public readonly idempotencyTable: dynamodb.ITable;
  /** The alert topic as a CloudWatch alarm action. */
  public readonly alarmAction: cloudwatch.IAlarmAction;
  /** Where the health alarms notify: {@link MediaPackageAuditAlertsProps.operationsTopic} or the alert topic. */
  public readonly operationsTopic: sns.ITopic;
  /** {@link operationsTopic} as a CloudWatch alarm action. */
  public readonly operationsAction: cloudwatch.IAlarmAction;
  /** The alarms on the pipeline's health. */
  public readonly operationsAlarms: OperationsAlarms;
  /** The CloudWatch dashboard, unless turned off. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The Athena history (Glue table, workgroup, saved queries), unless turned off. */
  public readonly history?: AuditHistory;
  /** The validated rules baked into the function. */
  public readonly rules: RulesConfig;
  /** The resources the function treats as its own: changes to them alert as tampering. */
  public readonly ownResources: OwnResources;
  /**
   * ARNs of the pipeline's own resources (bucket, function, topic, keys, trail, idempotency
   * table).
   */
  public readonly pipelineResourceArns: readonly string[];

  public constructor(scope: Construct, id: string, props: MediaPackageAuditAlertsProps = {}) {
    super(scope, id);

    if (props.existingLogBucket === undefined) {
      for (const key of ['existingLogKeyPrefix', 'existingLogKey', 'organizationId'] as const) {
        if (props[key] !== undefined) {
          throw new InvalidPropsError(this, `${key} requires existingLogBucket`);
        }
      }
    }
    const existingKeyPrefix = normaliseKeyPrefix(props.existingLogKeyPrefix, this);
    this.rules = loadRules(this, props);

    const alerts = new AlertTopic(this, 'Alerts', {
      alertEmails: props.alertEmails,
      pagerEmails: props.pagerEmails,
      subscriptions: props.subscriptions,
      slack: props.slack,
      extraSubscriberQueueArns: props.extraSubscriberQueueArns,
      ...(props.alertPublisherArns === undefined
        ? {}
        : { publisherArns: props.alertPublisherArns }),
    });
    this.topic = alerts.topic;
    this.topicKey = alerts.encryptionKey;
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);
    this.operationsTopic = props.operationsTopic ?? this.topic;
    this.operationsAction =
      props.operationsTopic === undefined
        ? this.alarmAction
        : new cloudwatchActions.SnsAction(props.operationsTopic);

    const idempotency = new IdempotencyTable(this, 'Idempotency');
    this.idempotencyTable = idempotency.table;

    const auditFunction = new AuditFunction(this, 'AuditFunction', {
      memorySize: props.functionMemorySize,
      timeout: props.functionTimeout,
      logRetention: props.functionLogRetention,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      maxInflatedMb: props.maxInflatedMb,
      rules: this.rules,
      environment: {
        [FUNCTION_ENV.alertTopicArn]: this.topic.topicArn,
        [FUNCTION_ENV.idempotencyTableName]: idempotency.table.tableName,
      },
    });
    this.alertFunction = auditFunction.function;
    this.alertFunctionRole = auditFunction.role;
    this.deadLetterQueue = auditFunction.deadLetterQueue;
    alerts.grantPublish(auditFunction.role);
    idempotency.grantIdempotency(auditFunction.role);

    const trigger = props.trigger ?? 's3';
    let accessLogsBucket: s3.IBucket | undefined;
    if (props.existingLogBucket === undefined) {
      const auditTrail = new AuditTrail(this, 'AuditTrail', {
        managementEvents: props.managementEvents,
        logExpiration: props.logExpiration,
        eventBridgeEnabled: trigger === 'eventbridge',
      });
      auditTrail.grantReadLogs(auditFunction.role);
      this.logBucket = auditTrail.logBucket;
      this.logKeyPrefix = '';
      this.trail = auditTrail.trail;
      this.trailKey = auditTrail.encryptionKey;
      accessLogsBucket = auditTrail.accessLogsBucket;
    } else {
      this.logBucket = props.existingLogBucket;
      this.logKeyPrefix = existingKeyPrefix;
      this.trailKey = props.existingLogKey;
      grantReadExistingLogs(auditFunction.role, this.logBucket, this.logKeyPrefix, this.trailKey);
    }

    new LogFileTrigger(this, 'Trigger', {
      bucket: this.logBucket,
      keyPrefix: this.logKeyPrefix,
      kind: trigger,
      function: this.alertFunction,
      deadLetterQueue: this.deadLetterQueue,
    });

    // Write management events of S3, SNS and KMS reach the function through the trail it
    // reads (the own trail records them: write-only management events).
    this.ownResources = {
      bucketNames: [this.logBucket.bucketName],
      topicArns: [this.topic.topicArn],
      kmsKeys: [
        ...(this.trailKey === undefined ? [] : [this.trailKey.keyArn]),
        this.topicKey.keyArn,
      ],
    };
    this.alertFunction.addEnvironment(
      // The function's own name is not in it: Lambda gives the function AWS_LAMBDA_FUNCTION_NAME,
      // and its ARN here would be a circular reference.
      FUNCTION_ENV.ownResources,
      Stack.of(this).toJsonString(this.ownResources),
    );

    this.operationsAlarms = new OperationsAlarms(this, 'Alarms', {
      ...props.alarms,
      function: this.alertFunction,
      functionTimeout: auditFunction.timeout,
      maxInflatedMb: auditFunction.maxInflatedMb,
      deadLetterQueue: this.deadLetterQueue,
      action: this.operationsAction,
      replay: {
        deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
        topicArn: this.topic.topicArn,
        idempotencyTableName: this.idempotencyTable.tableName,
      },
    });

    if (props.dashboard ?? true) {
      this.dashboard = new OperationsDashboard(this, 'Dashboard', {
        function: this.alertFunction,
        functionTimeout: auditFunction.timeout,
        logGroup: auditFunction.logGroup,
        deadLetterQueue: this.deadLetterQueue,
        alarms: this.operationsAlarms.alarms,
      }).dashboard;
    }

    if (props.athena ?? true) {
      this.history = new AuditHistory(this, 'History', {
        logBucket: this.logBucket,
        keyPrefix: this.logKeyPrefix,
        ...(props.organizationId === undefined ? {} : { organizationId: props.organizationId }),
        ...(props.athenaAccountIds === undefined ? {} : { accountIds: props.athenaAccountIds }),
        ...(props.athenaRegions === undefined ? {} : { regions: props.athenaRegions }),
        ...(accessLogsBucket === undefined ? {} : { accessLogsBucket }),
      });
    } else {
      for (const key of ['organizationId', 'athenaAccountIds', 'athenaRegions'] as const) {
        if (props[key] !== undefined) {
          throw new InvalidPropsError(this, `${key} only applies with athena (the Athena history)`);
        }
      }
    }

    this.pipelineResourceArns = [
      this.logBucket.bucketArn,
      this.alertFunction.functionArn,
      this.topic.topicArn,
      this.topicKey.keyArn,
      ...(this.trailKey === undefined ? [] : [this.trailKey.keyArn]),
      ...(this.trail === undefined ? [] : [this.trail.trailArn]),
      this.idempotencyTable.tableArn,
    ];
  }

  /**
   * Sends `alarm`'s state changes to ALARM to the operations topic (the alert topic unless
   * `operationsTopic` is given); returns the alarm.
   */
  public addAlarm<T extends cloudwatch.Alarm>(alarm: T): T {
    alarm.addAlarmAction(this.operationsAction);
    return alarm;
  }
}

/**
 * The rules from `props.rules` or `props.rulesFile` (else the default file), validated.
 * @throws RulesValidationError naming the file (or the construct) and each bad path
 */
function loadRules(scope: Construct, props: MediaPackageAuditAlertsProps): RulesConfig {
  if (props.rules !== undefined) {
    if (props.rulesFile !== undefined) {
      throw new InvalidPropsError(scope, 'give rules or rulesFile, not both');
    }
    return parseRules(props.rules, `${scope.node.path} (rules prop)`);
  }
  return loadRulesFile(props.rulesFile ?? DEFAULT_RULES_FILE);
}

/** `org` and `org/` become `org/`; no prefix stays empty; a leading `/` is refused. */
function normaliseKeyPrefix(prefix: string | undefined, scope: Construct): string {
  if (prefix === undefined || prefix === '') return '';
  if (prefix.startsWith('/')) {
    throw new InvalidPropsError(scope, `existingLogKeyPrefix '${prefix}' must not start with '/'`);
  }
  return `${prefix.replace(/\/+$/, '')}/`;
}

/** `s3:GetObject` under `<prefix>AWSLogs/` and, if the trail uses SSE-KMS, decrypt through S3. */
function grantReadExistingLogs(
  role: iam.IRole,
  bucket: s3.IBucket,
  keyPrefix: string,
  key: kms.IKey | undefined,
): void {
  const logFiles = bucket.arnForObjects(`${keyPrefix}AWSLogs/*`);
  iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject'], resourceArns: [logFiles] });
  acknowledgeWildcardResource(role, logFiles, LOG_FILES_WILDCARD_REASON);
  if (key !== undefined) {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['kms:Decrypt'],
      resourceArns: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${Stack.of(role).region}.amazonaws.com` },
      },
    });
  }
}
