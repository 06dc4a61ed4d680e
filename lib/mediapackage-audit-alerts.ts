import * as path from 'node:path';
import { Annotations, Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
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
import { DESCRIBE_ACTIONS, FUNCTION_ENV, MEDIAPACKAGE_EVENT_SOURCES } from '../lambda/contract';
import type { CanaryOptions } from './canary';
import { AuditCanary } from './canary';
import { functionTarget } from './function-target';
import type { AlertSubscription, SlackConfig, TeamsConfig } from './alert-topic';
import { AlertTopic } from './alert-topic';
import { AuditFunction } from './audit-function';
import { AuditHistory, checkAccountId, checkRegion } from './audit-history';
import type { ManagementEventsMode } from './audit-trail';
import { AuditTrail, LOG_FILES_WILDCARD_REASON } from './audit-trail';
import { CrossAccountLogAccess, keyRegion, logFilesArn } from './cross-account-log-access';
import { throwIfInvalid } from './errors';
import { FastPathRule, fastPathRegionsValue } from './fast-path-rule';
import { IdempotencyTable } from './idempotency-table';
import type { TriggerKind } from './log-file-trigger';
import { LogFileTrigger } from './log-file-trigger';
import { acknowledgeWildcardResource } from './nag-findings';
import type { OperationsAlarmsOptions } from './operations-alarms';
import { OperationsAlarms } from './operations-alarms';
import { OperationsDashboard } from './operations-dashboard';
import type { TextCheck } from './prop-checks';
import { checkText } from './prop-checks';
import { loadRulesFile } from './rules-file';

/** The rules file used when neither `rulesFile` nor `rules` is given. */
export const DEFAULT_RULES_FILE = path.join(__dirname, '..', 'config', 'rules.json');

/** The defaults of {@link MediaPackageAuditAlertsProps} that no construct below it owns. */
export const MEDIAPACKAGE_AUDIT_DEFAULTS = {
  trigger: 's3',
  dashboard: true,
  athena: true,
  fastPath: true,
} as const satisfies Pick<
  Required<MediaPackageAuditAlertsProps>,
  'trigger' | 'dashboard' | 'athena' | 'fastPath'
>;

/**
 * The ID of the warning a {@link MediaPackageAuditAlerts} without a subscriber adds. Acknowledge it
 * with `Annotations.of(alerts).acknowledgeWarning(NO_SUBSCRIBER_WARNING, reason)` when you
 * subscribe `alerts.topic` yourself.
 */
export const NO_SUBSCRIBER_WARNING = 'mediapackage-audit-alerts:no-subscriber';

/** A prop of {@link MediaPackageAuditAlerts}. */
export type MediaPackageAuditAlertsProp = keyof MediaPackageAuditAlertsProps;

/** Props that apply only with another prop on (set, and not `false`), or only with it off. */
export interface PropCondition {
  readonly props: readonly MediaPackageAuditAlertsProp[];
  readonly only: 'with' | 'without';
  readonly other: MediaPackageAuditAlertsProp;
  /** Why, naming props with `name` (the context schema names its context keys instead). */
  readonly why: (name: (prop: MediaPackageAuditAlertsProp) => string) => string;
}

/** Every cross-prop rule, checked by the construct and, in context-key terms, by `parseConfig`. */
export const PROP_CONDITIONS: readonly PropCondition[] = [
  {
    props: ['existingLogKeyPrefix', 'existingLogKey', 'existingLogBucketAccount'],
    only: 'with',
    other: 'existingLogBucket',
    why: (name) =>
      `only applies with ${name('existingLogBucket')} (the bucket of your existing trail)`,
  },
  {
    props: ['organizationId', 'athenaAccountIds'],
    only: 'with',
    other: 'existingLogBucket',
    why: (name) =>
      `only applies with ${name('existingLogBucket')}: the stack's own trail holds this account's files only`,
  },
  {
    props: ['managementEvents', 'logExpiration'],
    only: 'without',
    other: 'existingLogBucket',
    why: (name) =>
      `only applies when the stack creates its own trail; remove it or remove ${name('existingLogBucket')}`,
  },
  {
    props: ['organizationId', 'athenaAccountIds', 'athenaRegions'],
    only: 'with',
    other: 'athena',
    why: (name) => `only applies to the Athena history; remove it or set ${name('athena')}=true`,
  },
  {
    props: ['fastPathRegions'],
    only: 'with',
    other: 'fastPath',
    why: (name) => `only applies to the fast path; remove it or set ${name('fastPath')}=true`,
  },
];

/**
 * Each prop of `given` that {@link PROP_CONDITIONS} rule out, with why. `given` holds the values
 * as they will apply (a default that turns a feature on counts as on).
 */
export function conditionProblems(
  given: Partial<Record<MediaPackageAuditAlertsProp, unknown>>,
  name: (prop: MediaPackageAuditAlertsProp) => string = (prop) => prop,
): { readonly prop: MediaPackageAuditAlertsProp; readonly message: string }[] {
  const on = (prop: MediaPackageAuditAlertsProp): boolean =>
    given[prop] !== undefined && given[prop] !== false;
  return PROP_CONDITIONS.flatMap((condition) =>
    on(condition.other) === (condition.only === 'with')
      ? []
      : condition.props.filter(on).map((prop) => ({ prop, message: condition.why(name) })),
  );
}

/**
 * What the trigger needs from the other props: `cloudtrail-sns` a topic (and only it one), and a
 * bucket of an existing trail; a bucket in another account a trigger other than `s3`. `given`
 * holds the values as they will apply (the default trigger filled in).
 */
export function triggerProblems(
  given: Partial<Record<MediaPackageAuditAlertsProp, unknown>>,
  name: (prop: MediaPackageAuditAlertsProp) => string = (prop) => prop,
): { readonly prop: MediaPackageAuditAlertsProp; readonly message: string }[] {
  const on = (prop: MediaPackageAuditAlertsProp): boolean =>
    given[prop] !== undefined && given[prop] !== false;
  const sns = given.trigger === 'cloudtrail-sns';
  const problems: { prop: MediaPackageAuditAlertsProp; message: string }[] = [];
  if (sns && !on('cloudTrailTopic')) {
    problems.push({
      prop: 'cloudTrailTopic',
      message: `is required with ${name('trigger')}=cloudtrail-sns: the SNS topic your trail announces each delivered log file on`,
    });
  }
  if (!sns && on('cloudTrailTopic')) {
    problems.push({
      prop: 'cloudTrailTopic',
      message: `only applies with ${name('trigger')}=cloudtrail-sns; remove it or set ${name('trigger')}=cloudtrail-sns`,
    });
  }
  if (sns && !on('existingLogBucket')) {
    problems.push({
      prop: 'trigger',
      message: `'cloudtrail-sns' only applies with ${name('existingLogBucket')} (an existing trail's bucket whose notifications are taken, e.g. a log archive); the stack's own trail uses s3 or eventbridge`,
    });
  }
  if (given.trigger === 's3' && on('existingLogBucketAccount')) {
    problems.push({
      prop: 'trigger',
      message: `'s3' cannot work with a bucket in another account (${name('existingLogBucketAccount')}): S3 notifies only destinations its owner configures. Use ${name('trigger')}=cloudtrail-sns with ${name('cloudTrailTopic')} (the trail's SNS topic), or ${name('trigger')}=eventbridge with a rule in the bucket's account that forwards its Object Created events to this account's default bus (see docs/infrastructure.md)`,
    });
  }
  return problems;
}

/** Why `prefix` cannot be an existing trail's key prefix, or `undefined` (empty: no prefix). */
export const checkKeyPrefix: TextCheck = (prefix) => {
  if (prefix.startsWith('/')) {
    return `'${prefix}' must not start with '/' (write e.g. org or logs/cloudtrail)`;
  }
  if (prefix.length > 200 || !/^[A-Za-z0-9!_.*'()/-]*$/.test(prefix) || prefix.includes('//')) {
    return `'${prefix}' is not a trail key prefix (letters, digits and !_.*'()-/ only, no '//', at most 200 characters)`;
  }
  return undefined;
};

/** `org` and `org/` both become `org/`; no prefix becomes the empty string. */
export function normaliseKeyPrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  return `${prefix.replace(/\/+$/, '')}/`;
}

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
   * Rules file (JSON, schema `config/rules.schema.json`) to load, validate and deploy with the
   * function's code (a `rules.json` beside it). An invalid file stops synth with a `RulesValidationError`
   * naming the file and the path in it. Give this or {@link rules}, not both.
   *
   * @default DEFAULT_RULES_FILE (config/rules.json of this package)
   */
  readonly rulesFile?: string;

  /**
   * Rules as an object (e.g. from `loadRulesFile` or written inline), validated and deployed with
   * the code like {@link rulesFile}. Give this or {@link rulesFile}, not both.
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
   * Microsoft Teams channel that receives alerts through AWS Chatbot, with the same role and
   * guardrail as Slack.
   *
   * @default - no Teams delivery
   */
  readonly teams?: TeamsConfig;

  /**
   * The log bucket of an existing trail (yours or an organization trail's). When set, no trail,
   * trail key or bucket is created: the construct only adds the trigger, the function and the
   * alerting. Deploy in the account and Region of the bucket.
   *
   * @default - a new multi-Region trail with its own bucket and key
   */
  readonly existingLogBucket?: s3.IBucket;

  /**
   * S3 key prefix of the existing trail (the part before `AWSLogs/`), without a leading slash:
   * letters, digits and `!_.*'()-/`, at most 200 characters. Only with {@link existingLogBucket}.
   *
   * @default - no prefix
   */
  readonly existingLogKeyPrefix?: string;

  /**
   * KMS key the existing trail encrypts its log files with. Its key policy must let the function's
   * role decrypt (see docs/infrastructure.md). Only with {@link existingLogBucket}.
   *
   * @default - the log files use SSE-S3 and need no key
   */
  readonly existingLogKey?: kms.IKey;

  /**
   * The account that owns {@link existingLogBucket}, when it is not the stack's (an
   * organization's log archive): 12 digits. The function's role reads it across accounts; the
   * bucket's and key's policies must allow the role too, and the construct says which statements
   * at synth ({@link crossAccountAccess}). S3 cannot notify a function in another account, so
   * {@link trigger} must be `cloudtrail-sns` or `eventbridge`. Only with {@link existingLogBucket}.
   *
   * @default - the bucket is in the stack's account
   */
  readonly existingLogBucketAccount?: string;

  /**
   * The SNS topic the existing trail announces each delivered log file on (CloudTrail's "SNS
   * notification for every log file delivery"), possibly in another account, whose policy must
   * let this account subscribe. Required with `trigger: 'cloudtrail-sns'`, and only with it.
   *
   * @default - none
   */
  readonly cloudTrailTopic?: sns.ITopic;

  /**
   * How new log files reach the function: an S3 event notification on the bucket, an
   * EventBridge rule on its `Object Created` events (EventBridge must be enabled on an existing
   * bucket by its owner), or `cloudtrail-sns`: an SQS queue subscribed to {@link cloudTrailTopic}
   * (only with {@link existingLogBucket}).
   *
   * @default 's3'
   */
  readonly trigger?: TriggerKind;

  /**
   * Management events the new trail records. Not with `existingLogBucket`.
   *
   * @default 'write-only'
   */
  readonly managementEvents?: ManagementEventsMode;

  /**
   * How long the new trail's log files are kept, whole days from 1 to 3650. Not with
   * `existingLogBucket`.
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
   * Memory of the function, in MB, from 128 to 10240. A first guess: later measurements on real
   * log files will tune it.
   *
   * @default 512
   */
  readonly functionMemorySize?: number;

  /**
   * Timeout of the function, whole seconds from 10 to 900. A first guess: later measurements on
   * real log files will tune it.
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
   * @default - the operations topic {@link AlertTopic} creates beside the alert topic, to which
   * {@link operationsEmails} (else {@link alertEmails}) and the chat channels are subscribed
   */
  readonly operationsTopic?: sns.ITopic;

  /**
   * Email addresses that receive the alarms on the pipeline's health, when no
   * {@link operationsTopic} is given.
   *
   * @default - the {@link alertEmails}
   */
  readonly operationsEmails?: readonly string[];

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
   * Athena table uses it; the function reads both layouts. Only with {@link existingLogBucket}
   * and {@link athena}.
   *
   * @default - an account trail's layout (`AWSLogs/<account>/CloudTrail/...`)
   */
  readonly organizationId?: string;

  /**
   * Accounts the Athena table projects, so queries need not name one. Only with
   * {@link existingLogBucket} (the stack's own trail holds this account's files only) and
   * {@link athena}.
   *
   * @default - the stack's account; with {@link organizationId}, none: the account partition is
   * injected and each query names the accounts it searches
   */
  readonly athenaAccountIds?: readonly string[];

  /**
   * Regions the Athena table projects. Only with {@link athena}.
   *
   * @default - every Region of the stack's partition known to aws-cdk-lib
   */
  readonly athenaRegions?: readonly string[];

  /**
   * The EventBridge fast path: a rule on the stack's default event bus invokes the function
   * with each MediaPackage (and CloudTrail) `AWS API Call via CloudTrail` event, seconds after
   * the call, beside the log files that arrive minutes later. The idempotency record per
   * `eventID` lets only the first path alert.
   *
   * @default true
   */
  readonly fastPath?: boolean;

  /**
   * The Regions whose events reach this stack's default event bus: the stack's Region, and those
   * a {@link FastPathForwarderStack} forwards from. The function reads them
   * (`MP_AUDIT_FAST_PATH_REGIONS`) to count the alerts the fast path should have sent first
   * (`FastPathMissed`). The construct creates no forwarder. Only with {@link fastPath}.
   *
   * @default - the stack's Region only
   */
  readonly fastPathRegions?: readonly string[];

  /**
   * The canary: on a schedule, a small function tags an empty MediaPackage v2 channel group the
   * construct creates, and alarms fire when the pipeline has not seen that call on each path in
   * time (docs/operations.md#canary). `true` for the defaults (hourly).
   *
   * @default false
   */
  readonly canary?: boolean | CanaryOptions;
}

/**
 * Alerts within seconds when someone changes AWS Elemental MediaPackage: CloudTrail's
 * EventBridge events (the fast path, best effort) and its log files minutes later (complete) ->
 * Lambda -> SNS (email, Slack and Teams through AWS Chatbot, SQS, HTTPS, Lambda), each event alerted
 * once, each subscriber optionally limited to some severities.
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
  /**
   * The operations topic the construct created, as a CloudWatch alarm action: for alarms of your
   * own. Not the alert topic: alarm notifications carry no message attributes, and people's
   * subscriptions there filter on them.
   */
  public readonly alarmAction: cloudwatch.IAlarmAction;
  /** Where the health alarms notify: {@link MediaPackageAuditAlertsProps.operationsTopic} or the construct's operations topic. */
  public readonly operationsTopic: sns.ITopic;
  /** {@link operationsTopic} as a CloudWatch alarm action. */
  public readonly operationsAction: cloudwatch.IAlarmAction;
  /** The alarms on the pipeline's health. */
  public readonly operationsAlarms: OperationsAlarms;
  /** The CloudWatch dashboard, unless turned off. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The Athena history (Glue table, workgroup, saved queries), unless turned off. */
  public readonly history?: AuditHistory;
  /** The queue subscribed to the trail's topic, with the `cloudtrail-sns` trigger. */
  public readonly logFileQueue?: sqs.Queue;
  /** Where {@link logFileQueue} moves messages the function failed on repeatedly. */
  public readonly logFileDeadLetterQueue?: sqs.Queue;
  /**
   * The statements the archive account must add to its bucket and key policies, when
   * `existingLogBucketAccount` names another account.
   */
  public readonly crossAccountAccess?: CrossAccountLogAccess;
  /** The fast path's rule on the default event bus, unless turned off. */
  public readonly fastPathRule?: events.Rule;
  /** Invokes the function every minute to send the storm digests that are due (storms on). */
  public readonly digestSchedule?: events.Rule;
  /** The canary, when turned on. */
  public readonly canary?: AuditCanary;
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
    this.validate(props);
    this.rules = loadRules(this, props);

    if (!hasSubscriber(props)) {
      // Deployable (alarms, history and replay work), but every alert would go nowhere.
      Annotations.of(this).addWarningV2(
        NO_SUBSCRIBER_WARNING,
        'No one receives the alerts: no email, Slack, Teams, SQS, HTTPS or Lambda subscriber is configured. ' +
          'Deploy with -c alertEmails=ops@example.com (or pagerEmails, slackWorkspaceId + slackChannelId, teamsTeamId + teamsChannelId + teamsTenantId, extraSubscriberQueueArns), ' +
          'or give the construct alertEmails, pagerEmails, slack, teams, subscriptions or extraSubscriberQueueArns.',
      );
    }

    const alerts = new AlertTopic(this, 'Alerts', {
      alertEmails: props.alertEmails,
      ...(props.operationsEmails === undefined ? {} : { operationsEmails: props.operationsEmails }),
      pagerEmails: props.pagerEmails,
      subscriptions: props.subscriptions,
      slack: props.slack,
      teams: props.teams,
      extraSubscriberQueueArns: props.extraSubscriberQueueArns,
      ...(props.alertPublisherArns === undefined
        ? {}
        : { publisherArns: props.alertPublisherArns }),
    });
    this.topic = alerts.topic;
    this.topicKey = alerts.encryptionKey;
    this.alarmAction = new cloudwatchActions.SnsAction(alerts.operationsTopic);
    this.operationsTopic = props.operationsTopic ?? alerts.operationsTopic;
    this.operationsAction =
      props.operationsTopic === undefined
        ? this.alarmAction
        : new cloudwatchActions.SnsAction(props.operationsTopic);

    const idempotency = new IdempotencyTable(this, 'Idempotency');
    this.idempotencyTable = idempotency.table;
    const auditFunction = this.createFunction(props, alerts, idempotency);
    this.alertFunction = auditFunction.function;
    this.alertFunctionRole = auditFunction.role;
    this.deadLetterQueue = auditFunction.deadLetterQueue;

    const logs = this.readLogs(props, auditFunction.role);
    this.logBucket = logs.bucket;
    this.logKeyPrefix = logs.keyPrefix;
    this.trail = logs.trail;
    this.trailKey = logs.key;
    const trigger = new LogFileTrigger(this, 'Trigger', {
      bucket: this.logBucket,
      keyPrefix: this.logKeyPrefix,
      kind: props.trigger ?? MEDIAPACKAGE_AUDIT_DEFAULTS.trigger,
      function: this.alertFunction,
      deadLetterQueue: this.deadLetterQueue,
      functionTimeout: auditFunction.timeout,
      ...(props.cloudTrailTopic === undefined ? {} : { cloudTrailTopic: props.cloudTrailTopic }),
      ...maxConcurrency(props.reservedConcurrentExecutions),
    });
    this.logFileQueue = trigger.cloudTrailSns?.queue;
    this.logFileDeadLetterQueue = trigger.cloudTrailSns?.deadLetterQueue;
    if (props.existingLogBucket !== undefined && props.existingLogBucketAccount !== undefined) {
      this.crossAccountAccess = new CrossAccountLogAccess(this, 'CrossAccountAccess', {
        role: auditFunction.role,
        bucket: props.existingLogBucket,
        keyPrefix: this.logKeyPrefix,
        bucketAccount: props.existingLogBucketAccount,
        ...(props.existingLogKey === undefined ? {} : { key: props.existingLogKey }),
      });
    }
    this.ownResources = this.addOwnResources(props.cloudTrailTopic);
    if (props.fastPath ?? MEDIAPACKAGE_AUDIT_DEFAULTS.fastPath) {
      this.fastPathRule = this.addFastPath(props.fastPathRegions ?? []);
    }
    if (this.rules.storms.enabled) this.digestSchedule = this.addDigestSchedule();
    if (props.canary !== undefined && props.canary !== false) {
      this.canary = new AuditCanary(this, 'Canary', {
        ...(props.canary === true ? {} : props.canary),
        auditFunction: this.alertFunction,
        paths:
          (props.fastPath ?? MEDIAPACKAGE_AUDIT_DEFAULTS.fastPath)
            ? ['log-file', 'eventbridge']
            : ['log-file'],
        alarmAction: this.operationsAction,
        ...(props.functionLogRetention === undefined
          ? {}
          : { logRetention: props.functionLogRetention }),
      });
    }

    this.operationsAlarms = this.createAlarms(props, auditFunction);
    if (this.logFileDeadLetterQueue !== undefined) {
      this.addAlarm(logFileDeadLettersAlarm(this, this.logFileDeadLetterQueue));
    }
    if (props.dashboard ?? MEDIAPACKAGE_AUDIT_DEFAULTS.dashboard) {
      this.dashboard = new OperationsDashboard(this, 'Dashboard', {
        function: this.alertFunction,
        functionTimeout: auditFunction.timeout,
        logGroup: auditFunction.logGroup,
        deadLetterQueue: this.deadLetterQueue,
        alarms: this.operationsAlarms.alarms,
      }).dashboard;
    }
    if (props.athena ?? MEDIAPACKAGE_AUDIT_DEFAULTS.athena) {
      this.history = this.createHistory(props, logs.accessLogsBucket);
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

  /** Every contradiction between the props, in one error. */
  private validate(props: MediaPackageAuditAlertsProps): void {
    const athena = props.athena ?? MEDIAPACKAGE_AUDIT_DEFAULTS.athena;
    const fastPath = props.fastPath ?? MEDIAPACKAGE_AUDIT_DEFAULTS.fastPath;
    const trigger = props.trigger ?? MEDIAPACKAGE_AUDIT_DEFAULTS.trigger;
    const stackAccount = Stack.of(this).account;
    throwIfInvalid(this, [
      ...[
        ...conditionProblems({ ...props, athena, fastPath }),
        ...triggerProblems({ ...props, trigger }),
      ].map(({ prop, message }) => `${prop} ${message}`),
      checkText('existingLogKeyPrefix', props.existingLogKeyPrefix, checkKeyPrefix),
      checkText('existingLogBucketAccount', props.existingLogBucketAccount, checkAccountId),
      !Token.isUnresolved(stackAccount) && props.existingLogBucketAccount === stackAccount
        ? `existingLogBucketAccount is the stack's own account (${stackAccount}): leave it out; it names the account of a bucket in another account`
        : undefined,
      ...(props.fastPathRegions ?? []).map((region) =>
        checkText('fastPathRegions', region, checkRegion),
      ),
      props.rules !== undefined && props.rulesFile !== undefined
        ? 'give rules or rulesFile, not both'
        : undefined,
    ]);
  }

  /** The function, allowed to publish to `alerts` and to keep its records in `idempotency`. */
  private createFunction(
    props: MediaPackageAuditAlertsProps,
    alerts: AlertTopic,
    idempotency: IdempotencyTable,
  ): AuditFunction {
    const auditFunction = new AuditFunction(this, 'AuditFunction', {
      memorySize: props.functionMemorySize,
      timeout: props.functionTimeout,
      logRetention: props.functionLogRetention,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      maxInflatedMb: props.maxInflatedMb,
      rules: this.rules,
      environment: {
        [FUNCTION_ENV.alertTopicArn]: alerts.topic.topicArn,
        [FUNCTION_ENV.idempotencyTableName]: idempotency.table.tableName,
      },
    });
    alerts.grantPublish(auditFunction.role);
    idempotency.grantIdempotency(auditFunction.role);
    grantDescribe(auditFunction.role);
    return auditFunction;
  }

  /**
   * A storm's digest is due a minute after its window ends; every invocation sends the due ones,
   * and this schedule makes sure one runs when nothing else happens (about 43,000 short
   * invocations a month).
   */
  private addDigestSchedule(): events.Rule {
    const rule = new events.Rule(this, 'StormDigests', {
      description: 'Sends the MediaPackage audit storm digests that are due',
      schedule: events.Schedule.rate(Duration.minutes(1)),
    });
    rule.addTarget(functionTarget(this.alertFunction, this.deadLetterQueue));
    return rule;
  }

  /** The log files the function reads: a new trail's, or the existing bucket's under its prefix. */
  private readLogs(props: MediaPackageAuditAlertsProps, role: iam.IRole): LogSource {
    if (props.existingLogBucket === undefined) {
      const auditTrail = new AuditTrail(this, 'AuditTrail', {
        managementEvents: props.managementEvents,
        logExpiration: props.logExpiration,
        eventBridgeEnabled: props.trigger === 'eventbridge',
      });
      auditTrail.grantReadLogs(role);
      return {
        bucket: auditTrail.logBucket,
        keyPrefix: '',
        trail: auditTrail.trail,
        key: auditTrail.encryptionKey,
        accessLogsBucket: auditTrail.accessLogsBucket,
      };
    }
    const keyPrefix = normaliseKeyPrefix(props.existingLogKeyPrefix);
    grantReadExistingLogs(role, props.existingLogBucket, keyPrefix, props.existingLogKey);
    return { bucket: props.existingLogBucket, keyPrefix, key: props.existingLogKey };
  }

  /**
   * The resources the function treats as its own, in its environment. Write management events of
   * S3, SNS and KMS reach the function through the trail it reads (the own trail records them:
   * write-only management events).
   */
  private addOwnResources(cloudTrailTopic: sns.ITopic | undefined): OwnResources {
    const ownResources = {
      bucketNames: [this.logBucket.bucketName],
      // The trail's topic feeds the cloudtrail-sns trigger: deleting it silences the pipeline.
      topicArns: [
        this.topic.topicArn,
        this.operationsTopic.topicArn,
        ...(cloudTrailTopic === undefined ? [] : [cloudTrailTopic.topicArn]),
      ],
      kmsKeys: [
        ...(this.trailKey === undefined ? [] : [this.trailKey.keyArn]),
        this.topicKey.keyArn,
      ],
    };
    this.alertFunction.addEnvironment(
      // The function's own name is not in it: Lambda gives the function AWS_LAMBDA_FUNCTION_NAME,
      // and its ARN here would be a circular reference.
      FUNCTION_ENV.ownResources,
      Stack.of(this).toJsonString(ownResources),
    );
    return ownResources;
  }

  /**
   * The fast path's rule, and the Regions it receives in the function's environment: an alert
   * the log file path sends for one of them counts as `FastPathMissed`.
   */
  private addFastPath(forwarded: readonly string[]): events.Rule {
    const { rule } = new FastPathRule(this, 'FastPath', {
      function: this.alertFunction,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.alertFunction.addEnvironment(
      FUNCTION_ENV.fastPathRegions,
      fastPathRegionsValue(Stack.of(this), forwarded),
    );
    return rule;
  }

  private createAlarms(
    props: MediaPackageAuditAlertsProps,
    auditFunction: AuditFunction,
  ): OperationsAlarms {
    return new OperationsAlarms(this, 'Alarms', {
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
  }

  private createHistory(
    props: MediaPackageAuditAlertsProps,
    accessLogsBucket: s3.IBucket | undefined,
  ): AuditHistory {
    return new AuditHistory(this, 'History', {
      logBucket: this.logBucket,
      keyPrefix: this.logKeyPrefix,
      ...(props.organizationId === undefined ? {} : { organizationId: props.organizationId }),
      ...(props.athenaAccountIds === undefined ? {} : { accountIds: props.athenaAccountIds }),
      ...(props.athenaRegions === undefined ? {} : { regions: props.athenaRegions }),
      ...(accessLogsBucket === undefined ? {} : { accessLogsBucket }),
    });
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
 * The SQS poller's concurrency within the function's reserved concurrency, so that it is not
 * throttled into moving messages to the dead-letter queue (Lambda's minimum is 2).
 */
function maxConcurrency(reserved: number | undefined): { readonly maxConcurrency?: number } {
  return reserved === undefined || reserved < 2 ? {} : { maxConcurrency: Math.min(reserved, 1000) };
}

/** Log-file notifications the function failed on five times wait in the queue's dead-letter queue. */
function logFileDeadLettersAlarm(scope: Construct, queue: sqs.IQueue): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, 'LogFileDeadLettersAlarm', {
    alarmDescription:
      "Log-file notifications from the trail's SNS topic that the function failed on repeatedly are in the dead-letter queue: their log files were not read. " +
      "Find why in the function's logs, then move them back (alerts already sent are not sent again): " +
      `aws sqs start-message-move-task --source-arn ${queue.queueArn}. See docs/infrastructure.md (cloudtrail-sns trigger).`,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** Whether `props` subscribe anyone to the alert topic (email, Slack, Teams, SQS, HTTPS or Lambda). */
function hasSubscriber(props: MediaPackageAuditAlertsProps): boolean {
  return (
    (props.alertEmails ?? []).length > 0 ||
    (props.pagerEmails ?? []).length > 0 ||
    (props.subscriptions ?? []).length > 0 ||
    (props.extraSubscriberQueueArns ?? []).length > 0 ||
    props.slack !== undefined ||
    props.teams !== undefined
  );
}

/**
 * What changed: the read-only Describe/Get/ListTagsForResource calls of the watched services
 * (DESCRIBE_ACTIONS), on any of their resources in this account, to learn a resource's state the
 * first time it changes. Resource-level: the resources are whatever the account's operators
 * create, so their names cannot be known at synth.
 */
function grantDescribe(role: iam.IRole): void {
  const services = MEDIAPACKAGE_EVENT_SOURCES.map((source) =>
    source.replace(/\.amazonaws\.com$/, ''),
  );
  const resources = services.map(
    (service) => `arn:${Aws.PARTITION}:${service}:*:${Aws.ACCOUNT_ID}:*`,
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...DESCRIBE_ACTIONS], resources }));
  for (const arn of resources) {
    acknowledgeWildcardResource(
      role,
      arn,
      'Read-only Describe/Get/ListTagsForResource of MediaPackage resources in this account, whose names are not known at synth: the first change to a resource reads its state once so the next alert can say what changed',
    );
  }
}

/**
 * The rules from `props.rules` or `props.rulesFile` (else the default file), validated.
 * @throws RulesValidationError naming the file (or the construct) and each bad path
 */
function loadRules(scope: Construct, props: MediaPackageAuditAlertsProps): RulesConfig {
  if (props.rules !== undefined) {
    return parseRules(props.rules, `${scope.node.path} (rules prop)`);
  }
  return loadRulesFile(props.rulesFile ?? DEFAULT_RULES_FILE);
}

/** Where the function reads log files from. */
interface LogSource {
  readonly bucket: s3.IBucket;
  /** Empty or ending with `/`. */
  readonly keyPrefix: string;
  /** The trail, when this construct created one. */
  readonly trail?: cloudtrail.Trail;
  /** The key of the log files, when known. */
  readonly key?: kms.IKey;
  /** The access-log bucket of a created trail's bucket. */
  readonly accessLogsBucket?: s3.IBucket;
}

/** `s3:GetObject` under `<prefix>AWSLogs/` and, if the trail uses SSE-KMS, decrypt through S3. */
function grantReadExistingLogs(
  role: iam.IRole,
  bucket: s3.IBucket,
  keyPrefix: string,
  key: kms.IKey | undefined,
): void {
  const logFiles = logFilesArn(bucket, keyPrefix);
  iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject'], resourceArns: [logFiles] });
  acknowledgeWildcardResource(role, logFiles, LOG_FILES_WILDCARD_REASON);
  if (key !== undefined) {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['kms:Decrypt'],
      resourceArns: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${keyRegion(key)}.amazonaws.com` },
      },
    });
  }
}
