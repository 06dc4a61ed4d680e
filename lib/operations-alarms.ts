import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { InvalidPropsError } from './errors';
import {
  alertsPublishedTotal,
  badRecordRatePercent,
  incompleteObjectsTotal,
  PIPELINE_METRIC_NAMES,
  pipelineMetric,
  unreadableObjectsTotal,
} from './pipeline-metrics';
import { INCOMPLETE_READ_MESSAGE } from '../lambda/contract';

/** Where docs/operations.md explains each alarm. */
const RUNBOOK = 'docs/operations.md';

/** Logs Insights query that lists the log files not read to the end, with how to replay them. */
export const INCOMPLETE_READS_QUERY = `fields @timestamp, bucket, s3Key, reason, replayCommand | filter message = "${INCOMPLETE_READ_MESSAGE}" | sort @timestamp desc`;

/** Thresholds and periods of the alarms; each has a default explained in docs/operations.md. */
export interface OperationsAlarmsOptions {
  /**
   * Function errors (failed invocations) in 5 minutes that raise the alarm.
   *
   * @default 1
   */
  readonly errorsThreshold?: number;

  /**
   * Throttled invocations in 5 minutes that raise the alarm.
   *
   * @default 1
   */
  readonly throttlesThreshold?: number;

  /**
   * The longest invocation in 5 minutes, as a percentage of the function's timeout, that raises
   * the alarm (1-100).
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
   * Alerts published within {@link alertSpikePeriod} that raise the alert-spike alarm.
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

/** The evaluation window of the no-log-file alarm: 5-minute periods, all of them empty. */
const NO_LOG_FILES_STEP = Duration.minutes(5);
/** CloudWatch limit for periods under an hour: period × evaluation periods ≤ 1 day. */
const MAX_EVALUATION_RANGE = Duration.days(1);
/** The bad-record rate is judged over 15 minutes: a few files, not one unlucky one. */
const BAD_RECORD_PERIOD = Duration.minutes(15);
const STANDARD_PERIOD = Duration.minutes(5);

/**
 * CloudWatch alarms on the pipeline's health, each with a description that says what it means
 * and what to do, and each sending its notifications to one action (the operations topic):
 *
 * - function errors, throttles, and duration near the timeout (AWS/Lambda);
 * - messages in the dead-letter queue (AWS/SQS);
 * - no log file processed for a while (missing data counts as breaching);
 * - a spike of alerts, too many bad records, unreadable log files, log files not read to the end
 *   because a read budget ran out (the function's own metrics).
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
  /** Every alarm above, for dashboards and composite alarms. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  public constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const errorsThreshold = this.count('errorsThreshold', props.errorsThreshold);
    const throttlesThreshold = this.count('throttlesThreshold', props.throttlesThreshold);
    const durationPercent = this.percent(
      'durationThresholdPercent',
      props.durationThresholdPercent ?? ALARM_DEFAULTS.durationThresholdPercent,
    );
    const noLogFilesPeriod = this.noLogFilesPeriod(props.noLogFilesPeriod);
    const spikeThreshold = this.count('alertSpikeThreshold', props.alertSpikeThreshold);
    const spikePeriod = this.spikePeriod(props.alertSpikePeriod);
    const badRecordPercent = this.percent(
      'badRecordRateThresholdPercent',
      props.badRecordRateThresholdPercent ?? ALARM_DEFAULTS.badRecordRateThresholdPercent,
    );

    const timeoutMs = props.functionTimeout.toMilliseconds();
    const durationThresholdMs = Math.round((timeoutMs * durationPercent) / 100);
    const noLogFilesMinutes = noLogFilesPeriod.toMinutes();
    const spikeMinutes = spikePeriod.toMinutes();

    this.functionErrors = new cloudwatch.Alarm(this, 'FunctionErrors', {
      alarmDescription: [
        `MediaPackage audit: the alert function failed ${errorsThreshold} or more times in 5 minutes.`,
        'Lambda retries a failed log file twice, then puts its event in the dead-letter queue: its alerts are late, or missing until replayed.',
        'Do: read the function\'s errors (dashboard "Recent errors", or Logs Insights level = "ERROR"); the usual causes are a KMS key or bucket policy, an SNS or DynamoDB permission, or throttling.',
        `Runbook: ${RUNBOOK}#function-errors`,
      ].join(' '),
      metric: props.function.metricErrors({ period: STANDARD_PERIOD, statistic: 'Sum' }),
      threshold: errorsThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.functionThrottles = new cloudwatch.Alarm(this, 'FunctionThrottles', {
      alarmDescription: [
        `MediaPackage audit: Lambda throttled the alert function ${throttlesThreshold} or more times in 5 minutes.`,
        'Throttled log files are retried for up to 6 hours: alerts are late, and lost if it lasts longer.',
        "Do: check the account's concurrency (other functions may use it all) and the function's reserved concurrency; ask for a higher concurrency quota if needed.",
        `Runbook: ${RUNBOOK}#function-throttles`,
      ].join(' '),
      metric: props.function.metricThrottles({ period: STANDARD_PERIOD, statistic: 'Sum' }),
      threshold: throttlesThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.durationNearTimeout = new cloudwatch.Alarm(this, 'DurationNearTimeout', {
      alarmDescription: [
        `MediaPackage audit: an invocation ran longer than ${durationPercent}% of the function's ${props.functionTimeout.toSeconds()} s timeout.`,
        'Large log files (busy or organization trails) are close to timing out; a timeout fails the file and sends it to the dead-letter queue after retries.',
        'Do: raise functionTimeoutSeconds, or functionMemoryMb (memory also buys CPU for gunzip and parsing); check the dashboard\'s "Bytes read" for how large files have become.',
        `Runbook: ${RUNBOOK}#duration-near-the-timeout`,
      ].join(' '),
      metric: props.function.metricDuration({ period: STANDARD_PERIOD, statistic: 'Maximum' }),
      threshold: durationThresholdMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.deadLetterQueueNotEmpty = new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmpty', {
      alarmDescription: [
        'MediaPackage audit: log files failed three times (the invocation and two retries) and their events are in the dead-letter queue. Alerts in those files have NOT been sent.',
        'Do: fix the cause first (see the function-errors alarm), then replay, as a role listed in alertPublisherArns (the topic refuses other publishers):',
        `npx mp-audit replay --from-dlq ${props.replay.deadLetterQueueUrl} --topic-arn ${props.replay.topicArn} --idempotency-table ${props.replay.idempotencyTableName}`,
        `(alerts already sent are skipped). Messages expire after 14 days. Runbook: ${RUNBOOK}#dead-letter-queue-not-empty`,
      ].join(' '),
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: STANDARD_PERIOD,
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const noLogFilesPeriods = noLogFilesMinutes / NO_LOG_FILES_STEP.toMinutes();
    this.noLogFilesProcessed = new cloudwatch.Alarm(this, 'NoLogFilesProcessed', {
      alarmDescription: [
        `MediaPackage audit: no CloudTrail log file was processed for ${noLogFilesMinutes} minutes, so no MediaPackage change can alert.`,
        'The trail may be stopped or deleted, delivery to the bucket broken (bucket or KMS key policy), the S3 notification or EventBridge rule removed, or the function failing on every file.',
        'A quiet account whose trail records only write events can also go this long without a file.',
        'Do: check the trail (aws cloudtrail get-trail-status: IsLogging, LatestDeliveryError), the newest objects under AWSLogs/, the trigger, and the function-errors alarm.',
        `Runbook: ${RUNBOOK}#no-log-file-processed`,
      ].join(' '),
      metric: pipelineMetric(PIPELINE_METRIC_NAMES.logFilesProcessed, {
        period: NO_LOG_FILES_STEP,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: noLogFilesPeriods,
      datapointsToAlarm: noLogFilesPeriods,
      // No file means no data point at all: that is the condition this alarm watches.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alertSpike = new cloudwatch.Alarm(this, 'AlertSpike', {
      alarmDescription: [
        `MediaPackage audit: ${spikeThreshold} or more MediaPackage alerts in ${spikeMinutes} minutes: many changes at once.`,
        'It may be a planned deployment, a script, or someone deleting channels or rotating credentials in bulk.',
        'Do: check the dashboard\'s "Latest alerts" (who, which calls, which Regions) or the Athena query "Changes per principal"; confirm with the change owner.',
        `Runbook: ${RUNBOOK}#alert-spike`,
      ].join(' '),
      metric: alertsPublishedTotal(spikePeriod),
      threshold: spikeThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.badRecordRate = new cloudwatch.Alarm(this, 'BadRecordRate', {
      alarmDescription: [
        `MediaPackage audit: more than ${badRecordPercent}% of the CloudTrail records scanned in 15 minutes were not valid JSON and were skipped; an alert may be missing.`,
        'Do: search the function\'s logs for "Bad record skipped" (ERROR lines name the files whose bad records mention MediaPackage); scan such a file with npx mp-audit scan; a sudden rise after a deployment points at the reader.',
        `Runbook: ${RUNBOOK}#bad-records`,
      ].join(' '),
      metric: badRecordRatePercent(BAD_RECORD_PERIOD),
      threshold: badRecordPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.unreadableLogFiles = new cloudwatch.Alarm(this, 'UnreadableLogFiles', {
      alarmDescription: [
        'MediaPackage audit: a log file could not be read to the end (corrupt or truncated gzip, not CloudTrail JSON). Alerts found before the error were sent; the rest of that file was not read.',
        'Do: find the key in the function\'s logs ("Log object could not be read to the end"), download the file and check it (npx mp-audit scan <file>); CloudTrail does not rewrite files, so a truncated one stays truncated.',
        `Runbook: ${RUNBOOK}#unreadable-log-files`,
      ].join(' '),
      metric: unreadableObjectsTotal(STANDARD_PERIOD),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const budgetNow = props.maxInflatedMb === undefined ? '' : ` (now ${props.maxInflatedMb} MB)`;
    this.incompleteLogFiles = new cloudwatch.Alarm(this, 'IncompleteLogFiles', {
      alarmDescription: [
        "MediaPackage audit: a log file was not read to the end: the read ran out of its time budget (the invocation's remaining time less a delivery margin) or its inflated-bytes budget (a gzip bomb or a giant file). Alerts found before were sent; the rest was not read.",
        `Do: find it with Logs Insights (${INCOMPLETE_READS_QUERY}) and run its logged replayCommand (mp-audit replay with the bucket, key, topic and idempotency table) from a machine with no time limit, as a role in alertPublisherArns.`,
        `If the file was legitimate, raise functionTimeoutSeconds (${props.functionTimeout.toSeconds()} s) or functionMemoryMb for time-budget, maxInflatedMb${budgetNow} for byte-budget.`,
        `Runbook: ${RUNBOOK}#log-files-not-read-to-the-end`,
      ].join(' '),
      metric: incompleteObjectsTotal(STANDARD_PERIOD),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarms = [
      this.deadLetterQueueNotEmpty,
      this.noLogFilesProcessed,
      this.functionErrors,
      this.functionThrottles,
      this.durationNearTimeout,
      this.unreadableLogFiles,
      this.incompleteLogFiles,
      this.badRecordRate,
      this.alertSpike,
    ];
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(props.action);
      if (alarm !== this.alertSpike) alarm.addOkAction(props.action);
    }
  }

  private count(
    name: 'errorsThreshold' | 'throttlesThreshold' | 'alertSpikeThreshold',
    value: number | undefined,
  ): number {
    const resolved = value ?? ALARM_DEFAULTS[name];
    if (!Number.isSafeInteger(resolved) || resolved < 1) {
      throw new InvalidPropsError(
        this,
        `${name} must be a whole number of 1 or more; got ${resolved}`,
      );
    }
    return resolved;
  }

  private percent(name: string, value: number): number {
    if (!Number.isFinite(value) || value <= 0 || value > 100) {
      throw new InvalidPropsError(
        this,
        `${name} must be more than 0 and at most 100; got ${value}`,
      );
    }
    return value;
  }

  private noLogFilesPeriod(value: Duration | undefined): Duration {
    const period = value ?? ALARM_DEFAULTS.noLogFilesPeriod;
    const minutes = period.toMinutes({ integral: false });
    const max = MAX_EVALUATION_RANGE.toMinutes();
    if (!Number.isInteger(minutes) || minutes % 5 !== 0 || minutes < 10 || minutes > max) {
      throw new InvalidPropsError(
        this,
        `noLogFilesPeriod must be a multiple of 5 minutes from 10 minutes to 24 hours; got ${period.toHumanString()}`,
      );
    }
    return period;
  }

  private spikePeriod(value: Duration | undefined): Duration {
    const period = value ?? ALARM_DEFAULTS.alertSpikePeriod;
    const minutes = period.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_EVALUATION_RANGE.toMinutes()) {
      throw new InvalidPropsError(
        this,
        `alertSpikePeriod must be whole minutes from 1 minute to 24 hours; got ${period.toHumanString()}`,
      );
    }
    return period;
  }
}
