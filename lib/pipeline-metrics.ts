import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IncompleteReadReason, MetricDimension, UnreadableReason } from '../lambda/contract';
import {
  BUDGET_FAILURES,
  isBudgetFailure,
  LOG_READ_FAILURES,
  METRICS_NAMESPACE,
  PIPELINE_METRIC_NAMES,
  SERVICE_NAME,
} from '../lambda/contract';
import type { Severity } from '../lambda/match/rules-schema';
import { SEVERITIES } from '../lambda/match/rules-schema';

export { PIPELINE_METRIC_NAMES };

/** The dimension Powertools adds to every metric, with the function's service name. */
export const SERVICE_DIMENSION = { service: SERVICE_NAME } as const;

/**
 * Every value of the `reason` dimension of `ObjectsUnreadable`: the contract's read failures
 * that are damage, not a budget. Derived, so a reason the function adds is alarmed on too.
 */
export const UNREADABLE_REASONS: readonly UnreadableReason[] = LOG_READ_FAILURES.filter(
  (reason): reason is UnreadableReason => !isBudgetFailure(reason),
);

/**
 * Every value of the `reason` dimension of `ObjectsIncomplete`: the read stopped because its
 * budget ran out (`time-budget`: the invocation's remaining time less a delivery margin;
 * `byte-budget`: the inflated-bytes budget).
 */
export const INCOMPLETE_REASONS: readonly IncompleteReadReason[] = BUDGET_FAILURES;

/** Options of one pipeline metric. */
export interface PipelineMetricOptions {
  /** Dimensions besides `service`. @default - none */
  readonly dimensions?: Record<string, string>;
  /** @default 'Sum' */
  readonly statistic?: string;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** @default - the metric name */
  readonly label?: string;
}

/** One metric the function emits, with the exact dimensions Powertools gives it. */
export function pipelineMetric(
  metricName: string,
  options: PipelineMetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { ...SERVICE_DIMENSION, ...options.dimensions },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}

/** `AlertsPublished` of one severity. */
export function alertsPublishedMetric(severity: Severity, period?: Duration): cloudwatch.Metric {
  return pipelineMetric(PIPELINE_METRIC_NAMES.alertsPublished, {
    dimensions: { severity },
    label: severity,
    ...(period === undefined ? {} : { period }),
  });
}

/**
 * Alerts published, all severities: the sum of the four `AlertsPublished` series (the function
 * emits no undimensioned total). `FILL(…, 0)` so that a severity without alerts in a period does
 * not blank the sum. Usable in alarms (no `SEARCH`).
 */
export function alertsPublishedTotal(period: Duration): cloudwatch.MathExpression {
  return sumOf(
    Object.fromEntries(SEVERITIES.map((severity) => [severity, alertsPublishedMetric(severity)])),
    period,
    'Alerts published',
  );
}

/** Log files that could not be read to the end, every reason summed. Usable in alarms. */
export function unreadableObjectsTotal(period: Duration): cloudwatch.MathExpression {
  return sumOf(
    Object.fromEntries(
      UNREADABLE_REASONS.map((reason) => [
        metricId(reason),
        pipelineMetric(PIPELINE_METRIC_NAMES.objectsUnreadable, { dimensions: { reason } }),
      ]),
    ),
    period,
    'Unreadable log files',
  );
}

/**
 * Log files not read to the end because a read budget ran out (time or inflated bytes), both
 * reasons summed. Usable in alarms.
 */
export function incompleteObjectsTotal(period: Duration): cloudwatch.MathExpression {
  return sumOf(
    Object.fromEntries(
      INCOMPLETE_REASONS.map((reason) => [
        metricId(reason),
        pipelineMetric(PIPELINE_METRIC_NAMES.objectsIncomplete, { dimensions: { reason } }),
      ]),
    ),
    period,
    'Log files not read to the end',
  );
}

/**
 * Percentage of scanned records that were not valid JSON: `100 * BadRecords / RecordsScanned`.
 * `RecordsScanned` counts bad records too, so the value stays within 0-100; periods without log
 * files have no value (the alarm treats them as not breaching).
 */
export function badRecordRatePercent(period: Duration): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: '100 * FILL(bad, 0) / records',
    usingMetrics: {
      bad: pipelineMetric(PIPELINE_METRIC_NAMES.badRecords),
      records: pipelineMetric(PIPELINE_METRIC_NAMES.recordsScanned),
    },
    period,
    label: 'Bad records (% of records scanned)',
  });
}

/**
 * Every series of `metricName` split by `dimension`, whatever its values, for graphs only:
 * CloudWatch refuses `SEARCH` in alarms.
 */
export function searchByDimension(
  metricName: string,
  dimension: MetricDimension,
  period: Duration,
  label: string,
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},service,${dimension}} MetricName="${metricName}" service="${SERVICE_NAME}"', 'Sum', ${period.toSeconds()})`,
    period,
    label,
  });
}

function sumOf(
  metrics: Record<string, cloudwatch.IMetric>,
  period: Duration,
  label: string,
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: Object.keys(metrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics: metrics,
    period,
    label,
  });
}

/** A metric-math identifier (lower-case first letter, letters, digits, `_`) for a dimension value. */
function metricId(value: string): string {
  return value.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) =>
    next === undefined ? '' : next.toUpperCase(),
  );
}
