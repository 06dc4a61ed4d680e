import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { throwIfInvalid } from './errors';
import {
  alertsPublishedTotal,
  badRecordRatePercent,
  incompleteObjectsTotal,
  PIPELINE_METRIC_NAMES,
  pipelineMetric,
  unreadableObjectsTotal,
} from './pipeline-metrics';
import type { NumberRule } from './prop-checks';
import { checkDuration, checkNumber } from './prop-checks';
import { INCOMPLETE_READ_MESSAGE } from '../lambda/contract';

/** Where docs/operations.md explains each alarm. */
const RUNBOOK = 'docs/operations.md';

/** Logs Insights query that lists the log files not read to the end, with how to replay them. */
export const INCOMPLETE_READS_QUERY = `fields @timestamp, bucket, s3Key, reason, replayCommand | filter message = "${INCOMPLETE_READ_MESSAGE}" | sort @timestamp desc`;

/** Thresholds and periods of the alarms; each has a default explained in docs/operations.md. */
export interface OperationsAlarmsOptions {
  /**
   * Function errors (failed invocations) in 5 minutes that raise the alarm, from 1 to 1000000.
   *
   * @default 1
   */
  readonly errorsThreshold?: number;

  /**
   * Throttled invocations in 5 minutes that raise the alarm, from 1 to 1000000.
   *
   * @default 1
   */
  readonly throttlesThreshold?: number;

  /**
   * The longest invocation in 5 minutes, as a percentage of the function's timeout, that raises
   * the alarm: a whole number from 1 to 100.
   *
   * @default 80
   */
  readonly durationThresholdPercent?: number;

  /**
   * How long without a processed log file before the alarm fires: the trail stopped, delivery
   * or the trigger broke, or the function fails on every file. A whole number of minutes, a
   * multiple of 5, from 10 minutes to 24 hours.
   *
   * @default Duration.hours(1)
   */
  readonly noLogFilesPeriod?: Duration;

  /**
   * Alerts published within {@link alertSpikePeriod} that raise the alert-spike alarm, from 1 to
   * 1000000.
   *
   * @default 25
   */
  readonly alertSpikeThreshold?: number;

  /**
   * Window over which alerts are counted for {@link alertSpikeThreshold}: whole minutes, from
   * 1 minute to 24 hours.
   *
   * @default Duration.minutes(5)
   */
  readonly alertSpikePeriod?: Duration;

  /**
   * Percentage of scanned records that are not valid JSON, over 15 minutes, that raises the
   * bad-record alarm (more than 0, at most 100).
   *
   * @default 1
   */
  readonly badRecordRateThresholdPercent?: number;
}

/** The defaults of {@link OperationsAlarmsOptions}. */
export const ALARM_DEFAULTS = {
  errorsThreshold: 1,
  throttlesThreshold: 1,
  durationThresholdPercent: 80,
  noLogFilesPeriod: Duration.hours(1),
  alertSpikeThreshold: 25,
  alertSpikePeriod: Duration.minutes(5),
  badRecordRateThresholdPercent: 1,
} as const satisfies Required<OperationsAlarmsOptions>;

/** The evaluation window of the no-log-file alarm: 5-minute periods, all of them empty. */
const NO_LOG_FILES_STEP = Duration.minutes(5);
/** CloudWatch limit for periods under an hour: period × evaluation periods ≤ 1 day. */
const MAX_EVALUATION_RANGE = Duration.days(1);
/** The bad-record rate is judged over 15 minutes: a few files, not one unlucky one. */
const BAD_RECORD_PERIOD = Duration.minutes(15);
const STANDARD_PERIOD = Duration.minutes(5);

/** A count of events that raises an alarm. */
const COUNT_THRESHOLD: NumberRule = {
  whole: true,
  min: 1,
  max: 1_000_000,
  expected: 'a whole number from 1 to 1000000',
};

/** What each of {@link OperationsAlarmsOptions} accepts; periods are counted in minutes. */
export const ALARM_LIMITS = {
  errorsThreshold: COUNT_THRESHOLD,
  throttlesThreshold: COUNT_THRESHOLD,
  durationThresholdPercent: {
    whole: true,
    min: 1,
    max: 100,
    expected: 'a whole percentage of the function timeout from 1 to 100',
  },
  noLogFilesPeriod: {
    whole: true,
    min: 10,
    max: MAX_EVALUATION_RANGE.toMinutes(),
    multipleOf: NO_LOG_FILES_STEP.toMinutes(),
    expected: 'a multiple of 5 minutes from 10 to 1440 (from 10 minutes to 24 hours)',
  },
  alertSpikeThreshold: COUNT_THRESHOLD,
  alertSpikePeriod: {
    whole: true,
    min: 1,
    max: MAX_EVALUATION_RANGE.toMinutes(),
    expected: 'a whole number of minutes from 1 to 1440 (24 hours)',
  },
  badRecordRateThresholdPercent: {
    whole: false,
    above: 0,
    max: 100,
    expected: 'a percentage above 0 and at most 100, e.g. 0.5',
  },
} as const satisfies Record<keyof OperationsAlarmsOptions, NumberRule>;

/** Properties of {@link OperationsAlarms}. */
export interface OperationsAlarmsProps extends OperationsAlarmsOptions {
  /** The alert function. */
  readonly function: lambda.IFunction;
  /** Its timeout, which the duration alarm compares with. */
  readonly functionTimeout: Duration;
  /** Its dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The function's inflated-bytes budget of one log file, in MB, named in the description of the
   * alarm on files not read to the end.
   *
   * @default - not named
   */
  readonly maxInflatedMb?: number;
  /** Where alarm (and recovery) notifications go: usually an SNS action. */
  readonly action: cloudwatch.IAlarmAction;
  /** Placeholders for the replay command in the dead-letter alarm's description. */
  readonly replay: {
    readonly deadLetterQueueUrl: string;
    readonly topicArn: string;
    readonly idempotencyTableName: string;
  };
}

/** The name of each alarm of {@link OperationsAlarms}. */
export type OperationsAlarmName =
  | 'deadLetterQueueNotEmpty'
  | 'noLogFilesProcessed'
  | 'functionErrors'
  | 'functionThrottles'
  | 'durationNearTimeout'
  | 'unreadableLogFiles'
  | 'incompleteLogFiles'
  | 'badRecordRate'
  | 'stormDigestFailures'
  | 'alertSpike';

/** One row of the alarm table: what an alarm watches, when it fires, what it tells the operator. */
interface AlarmDefinition {
  /** Construct ID of the alarm. */
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** How many consecutive periods must all breach. @default 1 */
  readonly breachingPeriods?: number;
  /** @default TreatMissingData.NOT_BREACHING */
  readonly missingData?: cloudwatch.TreatMissingData;
  /**
   * What it means and what to do, sentence by sentence; the helper puts `MediaPackage audit:`
   * before and the runbook link after.
   */
  readonly description: readonly string[];
  /** Anchor of its section in docs/operations.md. */
  readonly runbook: string;
  /** Send recoveries (OK) too. @default true */
  readonly notifyRecovery?: boolean;
}

/** What the rows of the alarm table are computed from. */
interface AlarmInput {
  readonly props: OperationsAlarmsProps;
  /** The options, defaults filled in and checked. */
  readonly options: Required<OperationsAlarmsOptions>;
}

const { GREATER_THAN_OR_EQUAL_TO_THRESHOLD, GREATER_THAN_THRESHOLD, LESS_THAN_THRESHOLD } =
  cloudwatch.ComparisonOperator;

/**
 * Every alarm, in the order dashboards list them (the worst first). Descriptions say what the
 * alarm means and what to do; they stay under CloudFormation's 1024 characters.
 */
const ALARM_TABLE: Record<OperationsAlarmName, (input: AlarmInput) => AlarmDefinition> = {
  deadLetterQueueNotEmpty: ({ props: { deadLetterQueue, replay } }) => ({
    id: 'DeadLetterQueueNotEmpty',
    description: [
      'log files failed three times (the invocation and two retries) and their events are in the dead-letter queue. Alerts in those files have NOT been sent.',
      'Do: fix the cause first (see the function-errors alarm), then replay, as a role listed in alertPublisherArns (the topic refuses other publishers):',
      `npx mp-audit replay --from-dlq ${replay.deadLetterQueueUrl} --topic-arn ${replay.topicArn} --idempotency-table ${replay.idempotencyTableName}`,
      '(alerts already sent are skipped). Messages expire after 14 days.',
    ],
    runbook: 'dead-letter-queue-not-empty',
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: STANDARD_PERIOD,
      statistic: 'Maximum',
    }),
    threshold: 0,
    comparison: GREATER_THAN_THRESHOLD,
  }),
  noLogFilesProcessed: ({ options }) => ({
    id: 'NoLogFilesProcessed',
    description: [
      `no CloudTrail log file was processed for ${options.noLogFilesPeriod.toMinutes()} minutes, so no MediaPackage change can alert.`,
      'The trail may be stopped or deleted, delivery to the bucket broken (bucket or KMS key policy), the S3 notification or EventBridge rule removed, or the function failing on every file.',
      'A quiet account whose trail records only write events can also go this long without a file.',
      'Do: check the trail (aws cloudtrail get-trail-status: IsLogging, LatestDeliveryError), the newest objects under AWSLogs/, the trigger, and the function-errors alarm.',
    ],
    runbook: 'no-log-file-processed',
    metric: pipelineMetric(PIPELINE_METRIC_NAMES.logFilesProcessed, { period: NO_LOG_FILES_STEP }),
    threshold: 1,
    comparison: LESS_THAN_THRESHOLD,
    breachingPeriods: options.noLogFilesPeriod.toMinutes() / NO_LOG_FILES_STEP.toMinutes(),
    // No file means no data point at all: that is the condition this alarm watches.
    missingData: cloudwatch.TreatMissingData.BREACHING,
  }),
  functionErrors: ({ props, options }) => ({
    id: 'FunctionErrors',
    description: [
      `the alert function failed ${options.errorsThreshold} or more times in 5 minutes.`,
      'Lambda retries a failed log file twice, then puts its event in the dead-letter queue: its alerts are late, or missing until replayed.',
      'Do: read the function\'s errors (dashboard "Recent errors", or Logs Insights level = "ERROR"); the usual causes are a KMS key or bucket policy, an SNS or DynamoDB permission, or throttling.',
    ],
    runbook: 'function-errors',
    metric: props.function.metricErrors({ period: STANDARD_PERIOD, statistic: 'Sum' }),
    threshold: options.errorsThreshold,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  }),
  functionThrottles: ({ props, options }) => ({
    id: 'FunctionThrottles',
    description: [
      `Lambda throttled the alert function ${options.throttlesThreshold} or more times in 5 minutes.`,
      'Throttled log files are retried for up to 6 hours: alerts are late, and lost if it lasts longer.',
      "Do: check the account's concurrency (other functions may use it all) and the function's reserved concurrency; ask for a higher concurrency quota if needed.",
    ],
    runbook: 'function-throttles',
    metric: props.function.metricThrottles({ period: STANDARD_PERIOD, statistic: 'Sum' }),
    threshold: options.throttlesThreshold,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  }),
  durationNearTimeout: ({ props, options }) => ({
    id: 'DurationNearTimeout',
    description: [
      `an invocation ran longer than ${options.durationThresholdPercent}% of the function's ${props.functionTimeout.toSeconds()} s timeout.`,
      'Large log files (busy or organization trails) are close to timing out; a timeout fails the file and sends it to the dead-letter queue after retries.',
      'Do: raise functionTimeoutSeconds, or functionMemoryMb (memory also buys CPU for gunzip and parsing); check the dashboard\'s "Bytes read" for how large files have become.',
    ],
    runbook: 'duration-near-the-timeout',
    metric: props.function.metricDuration({ period: STANDARD_PERIOD, statistic: 'Maximum' }),
    threshold: Math.round(
      (props.functionTimeout.toMilliseconds() * options.durationThresholdPercent) / 100,
    ),
    comparison: GREATER_THAN_THRESHOLD,
  }),
  unreadableLogFiles: () => ({
    id: 'UnreadableLogFiles',
    description: [
      'a log file could not be read to the end (corrupt or truncated gzip, not CloudTrail JSON). Alerts found before the error were sent; the rest of that file was not read.',
      'Do: find the key in the function\'s logs ("Log object could not be read to the end"), download the file and check it (npx mp-audit scan <file>); CloudTrail does not rewrite files, so a truncated one stays truncated.',
    ],
    runbook: 'unreadable-log-files',
    metric: unreadableObjectsTotal(STANDARD_PERIOD),
    threshold: 1,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  }),
  incompleteLogFiles: ({ props }) => ({
    id: 'IncompleteLogFiles',
    description: [
      "a log file was not read to the end: the read ran out of its time budget (the invocation's remaining time less a delivery margin) or its inflated-bytes budget (a gzip bomb or a giant file). Alerts found before were sent; the rest was not read.",
      `Do: find it with Logs Insights (${INCOMPLETE_READS_QUERY}) and run its logged replayCommand (mp-audit replay with the bucket, key, topic and idempotency table) from a machine with no time limit, as a role in alertPublisherArns.`,
      `If the file was legitimate, raise functionTimeoutSeconds (${props.functionTimeout.toSeconds()} s) or functionMemoryMb for time-budget, maxInflatedMb${props.maxInflatedMb === undefined ? '' : ` (now ${props.maxInflatedMb} MB)`} for byte-budget.`,
    ],
    runbook: 'log-files-not-read-to-the-end',
    metric: incompleteObjectsTotal(STANDARD_PERIOD),
    threshold: 1,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  }),
  badRecordRate: ({ options }) => ({
    id: 'BadRecordRate',
    description: [
      `more than ${options.badRecordRateThresholdPercent}% of the CloudTrail records scanned in 15 minutes were not valid JSON and were skipped; an alert may be missing.`,
      'Do: search the function\'s logs for "Bad record skipped" (ERROR lines name the files whose bad records mention MediaPackage); scan such a file with npx mp-audit scan; a sudden rise after a deployment points at the reader.',
    ],
    runbook: 'bad-records',
    metric: badRecordRatePercent(BAD_RECORD_PERIOD),
    threshold: options.badRecordRateThresholdPercent,
    comparison: GREATER_THAN_THRESHOLD,
  }),
  stormDigestFailures: () => ({
    id: 'StormDigestFailures',
    description: [
      'storm digests could not be read or sent 3 or more times in 15 minutes (DynamoDB or SNS errors), or the storm state was unreachable so people got every alert of a batch.',
      'People got the first alerts of each storm but not yet its summary; machines got every event. Digests are retried every minute until sent.',
      'Do: search the function\'s logs for "Storm digest" and "Storm state unavailable"; check its dynamodb:Query on the idempotency table\'s storm index, the table itself, and sns:Publish.',
    ],
    runbook: 'storm-digest-failures',
    metric: pipelineMetric(PIPELINE_METRIC_NAMES.digestFailures, { period: BAD_RECORD_PERIOD }),
    threshold: 3,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  }),
  alertSpike: ({ options }) => ({
    id: 'AlertSpike',
    description: [
      `${options.alertSpikeThreshold} or more MediaPackage alerts in ${options.alertSpikePeriod.toMinutes()} minutes: many changes at once.`,
      'It may be a planned deployment, a script, or someone deleting channels or rotating credentials in bulk.',
      'Do: check the dashboard\'s "Latest alerts" (who, which calls, which Regions) or the Athena query "Changes per principal"; confirm with the change owner.',
    ],
    runbook: 'alert-spike',
    metric: alertsPublishedTotal(options.alertSpikePeriod),
    threshold: options.alertSpikeThreshold,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // A one-off heads-up rather than a condition to resolve.
    notifyRecovery: false,
  }),
};

/**
 * CloudWatch alarms on the pipeline's health, each with a description that says what it means
 * and what to do, and each sending its notifications to one action (the operations topic):
 *
 * - function errors, throttles, and duration near the timeout (AWS/Lambda);
 * - messages in the dead-letter queue (AWS/SQS);
 * - no log file processed for a while (missing data counts as breaching);
 * - a spike of alerts, too many bad records, unreadable log files, log files not read to the end
 *   because a read budget ran out, storm digests that fail (the function's own metrics).
 *
 * Recovery (OK) notifications are sent too, except for the alert spike, which is a one-off
 * heads-up rather than a condition to resolve.
 */
export class OperationsAlarms extends Construct {
  public readonly functionErrors: cloudwatch.Alarm;
  public readonly functionThrottles: cloudwatch.Alarm;
  public readonly durationNearTimeout: cloudwatch.Alarm;
  public readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
  public readonly noLogFilesProcessed: cloudwatch.Alarm;
  public readonly alertSpike: cloudwatch.Alarm;
  public readonly badRecordRate: cloudwatch.Alarm;
  public readonly unreadableLogFiles: cloudwatch.Alarm;
  public readonly incompleteLogFiles: cloudwatch.Alarm;
  public readonly stormDigestFailures: cloudwatch.Alarm;
  /** Every alarm above, the worst first, for dashboards and composite alarms. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  public constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const input: AlarmInput = { props, options: this.options(props) };
    const built = Object.fromEntries(
      Object.entries(ALARM_TABLE).map(([name, define]) => [
        name,
        this.alarm(define(input), props.action),
      ]),
    ) as Record<OperationsAlarmName, cloudwatch.Alarm>;
    this.deadLetterQueueNotEmpty = built.deadLetterQueueNotEmpty;
    this.noLogFilesProcessed = built.noLogFilesProcessed;
    this.functionErrors = built.functionErrors;
    this.functionThrottles = built.functionThrottles;
    this.durationNearTimeout = built.durationNearTimeout;
    this.unreadableLogFiles = built.unreadableLogFiles;
    this.incompleteLogFiles = built.incompleteLogFiles;
    this.badRecordRate = built.badRecordRate;
    this.alertSpike = built.alertSpike;
    this.stormDigestFailures = built.stormDigestFailures;
    this.alarms = Object.values(built);
  }

  /** The options with their defaults, each checked against {@link ALARM_LIMITS}. */
  private options(given: OperationsAlarmsOptions): Required<OperationsAlarmsOptions> {
    const options: Required<OperationsAlarmsOptions> = {
      errorsThreshold: given.errorsThreshold ?? ALARM_DEFAULTS.errorsThreshold,
      throttlesThreshold: given.throttlesThreshold ?? ALARM_DEFAULTS.throttlesThreshold,
      durationThresholdPercent:
        given.durationThresholdPercent ?? ALARM_DEFAULTS.durationThresholdPercent,
      noLogFilesPeriod: given.noLogFilesPeriod ?? ALARM_DEFAULTS.noLogFilesPeriod,
      alertSpikeThreshold: given.alertSpikeThreshold ?? ALARM_DEFAULTS.alertSpikeThreshold,
      alertSpikePeriod: given.alertSpikePeriod ?? ALARM_DEFAULTS.alertSpikePeriod,
      badRecordRateThresholdPercent:
        given.badRecordRateThresholdPercent ?? ALARM_DEFAULTS.badRecordRateThresholdPercent,
    };
    throwIfInvalid(
      this,
      (Object.keys(ALARM_LIMITS) as (keyof OperationsAlarmsOptions)[]).map((name) => {
        const value = options[name];
        return value instanceof Duration
          ? checkDuration(name, value, ALARM_LIMITS[name], 'minutes')
          : checkNumber(name, value, ALARM_LIMITS[name]);
      }),
    );
    return options;
  }

  /** The one helper every alarm is built with: the row's alarm, notifying `action`. */
  private alarm(definition: AlarmDefinition, action: cloudwatch.IAlarmAction): cloudwatch.Alarm {
    const periods = definition.breachingPeriods;
    const alarm = new cloudwatch.Alarm(this, definition.id, {
      alarmDescription: [
        'MediaPackage audit:',
        ...definition.description,
        `Runbook: ${RUNBOOK}#${definition.runbook}`,
      ].join(' '),
      metric: definition.metric,
      threshold: definition.threshold,
      comparisonOperator: definition.comparison,
      evaluationPeriods: periods ?? 1,
      ...(periods === undefined ? {} : { datapointsToAlarm: periods }),
      treatMissingData: definition.missingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(action);
    if (definition.notifyRecovery ?? true) alarm.addOkAction(action);
    return alarm;
  }
}
