import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricDimension } from '../lambda/contract';
import { DETECTION_PATHS, METRIC_DIMENSIONS } from '../lambda/contract';
import { SEVERITIES } from '../lambda/match/rules-schema';
import {
  alertsPublishedMetric,
  PIPELINE_METRIC_NAMES,
  pipelineMetric,
  searchByDimension,
} from './pipeline-metrics';

/** Logs Insights query of the "Latest alerts" widget: one line per published alert. */
export const LATEST_ALERTS_QUERY =
  'fields @timestamp, eventName, eventSource, severity, outcome, s3Key | filter message = "Alert published" | sort @timestamp desc | limit 50';

/** Logs Insights query of the "Recent errors" widget. */
export const RECENT_ERRORS_QUERY =
  'fields @timestamp, message, s3Key, reason, error.name, error.message | filter level = "ERROR" | sort @timestamp desc | limit 20';

/** Properties of {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** The alert function. */
  readonly function: lambda.IFunction;
  /** Its timeout, drawn on the duration graph. */
  readonly functionTimeout: Duration;
  /** Its log group, for the Logs Insights widgets. */
  readonly logGroup: logs.ILogGroup;
  /** Its dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Alarms whose states the dashboard shows. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * Name of the dashboard.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
}

/** Graphs aggregate over 5 minutes: CloudTrail delivers about every 5 minutes. */
const PERIOD = Duration.minutes(5);
const FULL = 24;
const QUARTER = 6;
const THIRD = 8;
const HALF = 12;

/**
 * One CloudWatch dashboard for the pipeline: the alarms' states, the work done (files, records,
 * bytes, duration), the alerts (by severity and by call), how they were detected (path, delay,
 * fast path missed), what was skipped, could not be read or was not read to the end, SNS retries, the function's errors, throttles and duration against
 * its timeout, the dead-letter queue, and Logs Insights tables of the latest alerts and errors.
 */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName === undefined ? {} : { dashboardName: props.dashboardName }),
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          '# MediaPackage audit alerts',
          'CloudTrail log files -> function -> SNS alerts. What each alarm means and what to do: `docs/operations.md` in the repository. History beyond a few files: the Athena workgroup and its saved queries.',
        ].join('\n'),
        width: FULL,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: FULL,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(...workWidgets());
    this.dashboard.addWidgets(...alertWidgets());
    this.dashboard.addWidgets(...detectionWidgets());
    this.dashboard.addWidgets(...stormAndCanaryWidgets());
    this.dashboard.addWidgets(...unreadWidgets());
    this.dashboard.addWidgets(...functionWidgets(props));
    this.dashboard.addWidgets(...logWidgets(props.logGroup));
  }
}

/** A pipeline metric as the graphs show it, over {@link PERIOD}. */
function metric(name: string, label: string, statistic = 'Sum'): cloudwatch.Metric {
  return pipelineMetric(name, { label, statistic, period: PERIOD });
}

/** Every series of a metric split by `dimension`, whatever its values, labelled by them. */
function byDimension(name: string, dimension: MetricDimension): cloudwatch.IMetric {
  return searchByDimension(name, dimension, PERIOD, '');
}

/** The work done: log files, records, bytes, processing time. */
function workWidgets(): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Log files processed and records scanned',
      left: [metric(PIPELINE_METRIC_NAMES.logFilesProcessed, 'Log files')],
      right: [metric(PIPELINE_METRIC_NAMES.recordsScanned, 'Records')],
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Bytes read (uncompressed)',
      left: [metric(PIPELINE_METRIC_NAMES.bytesRead, 'Bytes')],
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Processing time per log file (ms)',
      left: [
        metric(PIPELINE_METRIC_NAMES.processingDuration, 'Average', 'Average'),
        metric(PIPELINE_METRIC_NAMES.processingDuration, 'p99', 'p99'),
        metric(PIPELINE_METRIC_NAMES.processingDuration, 'Maximum', 'Maximum'),
      ],
      width: THIRD,
    }),
  ];
}

/** The alerts: by severity, by call, and those not sent. */
function alertWidgets(): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Alerts published by severity',
      left: SEVERITIES.map((severity) => alertsPublishedMetric(severity, PERIOD)),
      stacked: true,
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Alerts by call',
      left: [byDimension(PIPELINE_METRIC_NAMES.alertsByEventName, METRIC_DIMENSIONS.eventName)],
      stacked: true,
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Alerts not sent: suppressed by a rule, or already sent',
      left: [
        metric(PIPELINE_METRIC_NAMES.alertsSuppressed, 'Suppressed'),
        metric(PIPELINE_METRIC_NAMES.alertsAlreadyPublished, 'Already published'),
      ],
      width: THIRD,
    }),
  ];
}

/**
 * How alerts were found: by the EventBridge fast path or in a log file, how long after the call
 * (p50 and p90 of `DetectionDelay`), and the alerts the log files sent because the fast path had
 * not (`FastPathMissed`: best-effort delivery, or a Region without a forwarder).
 */
function detectionWidgets(): cloudwatch.IWidget[] {
  const byPath = (name: string, statistic: string, label: string) =>
    DETECTION_PATHS.map((path) =>
      pipelineMetric(name, {
        dimensions: { [METRIC_DIMENSIONS.path]: path },
        statistic,
        period: PERIOD,
        label: `${path}${label}`,
      }),
    );
  return [
    new cloudwatch.GraphWidget({
      title: 'Alerts published by detection path',
      left: byPath(PIPELINE_METRIC_NAMES.alertsPublished, 'Sum', ''),
      stacked: true,
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Detection delay from the call to the alert (ms)',
      left: [
        ...byPath(PIPELINE_METRIC_NAMES.detectionDelay, 'p50', ' p50'),
        ...byPath(PIPELINE_METRIC_NAMES.detectionDelay, 'p90', ' p90'),
      ],
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Fast path missed: alerts only the log files sent',
      left: [metric(PIPELINE_METRIC_NAMES.fastPathMissed, 'Fast path missed')],
      width: THIRD,
    }),
  ];
}

/**
 * Storms (events kept from people, digests sent or failing), what changed (alerts whose
 * resource was unknown), and the canary's delay per path (empty without `canary`).
 */
function stormAndCanaryWidgets(): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Storms: events collapsed for people, digests sent and failed',
      left: [metric(PIPELINE_METRIC_NAMES.alertsCollapsed, 'Collapsed events')],
      right: [
        metric(PIPELINE_METRIC_NAMES.digestsPublished, 'Digests sent'),
        metric(PIPELINE_METRIC_NAMES.digestFailures, 'Digest failures'),
      ],
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'What changed: previous state unknown, by reason',
      left: ['first-seen', 'unreadable'].map((reason) =>
        pipelineMetric(PIPELINE_METRIC_NAMES.previousStateUnknown, {
          dimensions: { [METRIC_DIMENSIONS.reason]: reason },
          period: PERIOD,
          label: reason,
        }),
      ),
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Canary: delay from its call to the pipeline (ms), per path',
      left: DETECTION_PATHS.map((path) =>
        pipelineMetric(PIPELINE_METRIC_NAMES.canarySeen, {
          dimensions: { [METRIC_DIMENSIONS.path]: path },
          statistic: 'Maximum',
          period: PERIOD,
          label: path,
        }),
      ),
      width: THIRD,
    }),
  ];
}

/** What was skipped, could not be read or was not read to the end, and SNS retries. */
function unreadWidgets(): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Objects skipped (not a log file), by reason',
      left: [byDimension(PIPELINE_METRIC_NAMES.objectsSkipped, METRIC_DIMENSIONS.reason)],
      stacked: true,
      width: QUARTER,
    }),
    new cloudwatch.GraphWidget({
      title: 'Unreadable log files by reason, and bad records',
      left: [byDimension(PIPELINE_METRIC_NAMES.objectsUnreadable, METRIC_DIMENSIONS.reason)],
      right: [metric(PIPELINE_METRIC_NAMES.badRecords, 'Bad records')],
      width: QUARTER,
    }),
    new cloudwatch.GraphWidget({
      title: 'Log files not read to the end (read budget ran out), by reason',
      left: [byDimension(PIPELINE_METRIC_NAMES.objectsIncomplete, METRIC_DIMENSIONS.reason)],
      stacked: true,
      width: QUARTER,
    }),
    new cloudwatch.GraphWidget({
      title: 'SNS publish retries and failed objects',
      left: [
        metric(PIPELINE_METRIC_NAMES.publishRetries, 'Publish retries'),
        metric(PIPELINE_METRIC_NAMES.objectsFailed, 'Objects failed (invocation retried)'),
      ],
      width: QUARTER,
    }),
  ];
}

/** The function's Lambda metrics, its duration against its timeout, the dead-letter queue. */
function functionWidgets(props: OperationsDashboardProps): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Function invocations, errors and throttles',
      left: [
        props.function.metricInvocations({ period: PERIOD, label: 'Invocations' }),
        props.function.metricErrors({ period: PERIOD, label: 'Errors' }),
        props.function.metricThrottles({ period: PERIOD, label: 'Throttles' }),
      ],
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Function duration (ms) and timeout',
      left: [
        props.function.metricDuration({ period: PERIOD, statistic: 'Maximum', label: 'Maximum' }),
        props.function.metricDuration({ period: PERIOD, statistic: 'p95', label: 'p95' }),
      ],
      leftAnnotations: [
        {
          value: props.functionTimeout.toMilliseconds(),
          label: 'Timeout',
          color: cloudwatch.Color.RED,
        },
      ],
      width: THIRD,
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue: failed log files waiting for replay',
      left: [
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
          label: 'Messages',
        }),
      ],
      width: THIRD,
    }),
  ];
}

/** Logs Insights tables of the latest alerts and errors. */
function logWidgets(logGroup: logs.ILogGroup): cloudwatch.IWidget[] {
  return [
    { title: 'Latest alerts', queryString: LATEST_ALERTS_QUERY },
    { title: 'Recent errors', queryString: RECENT_ERRORS_QUERY },
  ].map(
    ({ title, queryString }) =>
      new cloudwatch.LogQueryWidget({
        title,
        logGroupNames: [logGroup.logGroupName],
        queryString,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: HALF,
        height: 8,
      }),
  );
}
