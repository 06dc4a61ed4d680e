import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/contract';
import { InvalidPropsError } from '../../lib/errors';
import { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import type { OperationsAlarmsOptions } from '../../lib/operations-alarms';
import { INCOMPLETE_READS_QUERY } from '../../lib/operations-alarms';
import { INCOMPLETE_REASONS, UNREADABLE_REASONS } from '../../lib/pipeline-metrics';
import { logicalId, newStack, renderCfnString, resourceProperties } from './support';

const OPS_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:media-ops';
const SERVICE = { Name: 'service', Value: SERVICE_NAME };

/** A `MetricStat` entry of a metric-math alarm, as CloudFormation holds it. */
function metricStat(id: string, metricName: string, dimensions: object[], period: number): object {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: METRICS_NAMESPACE, MetricName: metricName, Dimensions: dimensions },
      Period: period,
      Stat: 'Sum',
    },
    ReturnData: false,
  };
}

describe('Construct: OperationsAlarms', () => {
  describe('alarms with the default thresholds', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let topicAction: object[];

    beforeAll(() => {
      // Prepare
      stack = newStack();
      // Act
      alerts = new MediaPackageAuditAlerts(stack, 'Audit', { alertEmails: ['ops@example.com'] });
      topicAction = [{ Ref: logicalId(stack, alerts.operationsTopic) }];
    });

    it('alarms on any function error in 5 minutes', () => {
      // Assess
      expect(resourceProperties(stack, alerts.operationsAlarms.functionErrors)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: logicalId(stack, alerts.alertFunction) } },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
    });

    it('alarms on any throttle in 5 minutes', () => {
      // Assess
      expect(resourceProperties(stack, alerts.operationsAlarms.functionThrottles)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
    });

    it('alarms when the longest invocation passes 80% of the 5-minute timeout', () => {
      // Assess
      expect(resourceProperties(stack, alerts.operationsAlarms.durationNearTimeout)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 240_000,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
      });
    });

    it('alarms as soon as the dead-letter queue holds a message, and says how to replay', () => {
      // Prepare
      const properties = resourceProperties(stack, alerts.operationsAlarms.deadLetterQueueNotEmpty);
      // Assess
      expect(properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(stack, alerts.deadLetterQueue), 'QueueName'] },
          },
        ],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
      expect(renderCfnString(properties.AlarmDescription)).toContain(
        `npx mp-audit replay --from-dlq <Ref:${logicalId(stack, alerts.deadLetterQueue)}>` +
          ` --topic-arn <Ref:${logicalId(stack, alerts.topic)}>` +
          ` --idempotency-table <Ref:${logicalId(stack, alerts.idempotencyTable)}>`,
      );
    });

    it('alarms when no log file was processed for an hour, counting missing data as breaching', () => {
      // Assess
      expect(resourceProperties(stack, alerts.operationsAlarms.noLogFilesProcessed)).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: 'LogFilesProcessed',
        Dimensions: [SERVICE],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 12,
        DatapointsToAlarm: 12,
        TreatMissingData: 'breaching',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
    });

    it('alarms on 25 alerts in 5 minutes, summing the four severities it is emitted under', () => {
      // Prepare
      const properties = resourceProperties(stack, alerts.operationsAlarms.alertSpike);
      // Assess
      expect(properties).toMatchObject({
        Threshold: 25,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
      });
      expect(properties.OKActions).toBeUndefined();
      expect(properties.Metrics).toEqual([
        expect.objectContaining({
          Expression: 'FILL(high, 0) + FILL(medium, 0) + FILL(low, 0) + FILL(info, 0)',
          ReturnData: true,
        }),
        ...['high', 'medium', 'low', 'info'].map((severity): unknown =>
          expect.objectContaining(
            metricStat(
              severity,
              'AlertsPublished',
              [SERVICE, { Name: 'severity', Value: severity }],
              300,
            ),
          ),
        ),
      ]);
    });

    it('alarms when more than 1% of the records in 15 minutes are bad', () => {
      // Prepare
      const properties = resourceProperties(stack, alerts.operationsAlarms.badRecordRate);
      // Assess
      expect(properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
      expect(properties.Metrics).toEqual([
        expect.objectContaining({ Expression: '100 * FILL(bad, 0) / records', ReturnData: true }),
        expect.objectContaining(metricStat('bad', 'BadRecords', [SERVICE], 900)),
        expect.objectContaining(metricStat('records', 'RecordsScanned', [SERVICE], 900)),
      ]);
    });

    it('alarms on any unreadable log file, whatever the reason', () => {
      // Prepare
      const properties = resourceProperties(stack, alerts.operationsAlarms.unreadableLogFiles);
      const metrics = properties.Metrics as { Expression?: string; MetricStat?: unknown }[];
      // Assess
      expect(properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
      });
      expect(metrics[0]?.Expression).toBe(
        'FILL(empty, 0) + FILL(corruptGzip, 0) + FILL(truncated, 0) + FILL(invalidJson, 0) + ' +
          'FILL(notCloudtrail, 0) + FILL(missingRecords, 0)',
      );
      expect(metrics.slice(1).map((metric) => metric.MetricStat)).toEqual(
        UNREADABLE_REASONS.map((reason) => ({
          Metric: {
            Namespace: METRICS_NAMESPACE,
            MetricName: 'ObjectsUnreadable',
            // CloudFormation lists dimensions by name; their order does not matter to CloudWatch.
            Dimensions: [{ Name: 'reason', Value: reason }, SERVICE],
          },
          Period: 300,
          Stat: 'Sum',
        })),
      );
    });

    it('alarms on any log file not read to the end, for either budget', () => {
      // Prepare
      const properties = resourceProperties(stack, alerts.operationsAlarms.incompleteLogFiles);
      const metrics = properties.Metrics as { Expression?: string; MetricStat?: unknown }[];
      // Assess
      expect(properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
      expect(metrics[0]).toMatchObject({
        Expression: 'FILL(timeBudget, 0) + FILL(byteBudget, 0)',
        ReturnData: true,
      });
      expect(metrics.slice(1).map((metric) => metric.MetricStat)).toEqual(
        INCOMPLETE_REASONS.map((reason) => ({
          Metric: {
            Namespace: METRICS_NAMESPACE,
            MetricName: 'ObjectsIncomplete',
            Dimensions: [{ Name: 'reason', Value: reason }, SERVICE],
          },
          Period: 300,
          Stat: 'Sum',
        })),
      );
    });

    it('says how to find and replay a log file not read to the end, and what to raise', () => {
      // Prepare
      const description = resourceProperties(stack, alerts.operationsAlarms.incompleteLogFiles)
        .AlarmDescription as string;
      // Assess: plain text, no deploy-time value, so its length (under CloudFormation's 1024) is
      // the same in every account.
      expect(typeof description).toBe('string');
      for (const text of [
        "time budget (the invocation's remaining time less a delivery margin)",
        'inflated-bytes budget (a gzip bomb or a giant file)',
        'Alerts found before were sent',
        `Logs Insights (${INCOMPLETE_READS_QUERY})`,
        'replayCommand (mp-audit replay with the bucket, key, topic and idempotency table)',
        'from a machine with no time limit, as a role in alertPublisherArns',
        'functionTimeoutSeconds (300 s) or functionMemoryMb for time-budget',
        'maxInflatedMb (now 2048 MB) for byte-budget',
      ]) {
        expect(description).toContain(text);
      }
    });

    it('alarms on 3 storm digest failures in 15 minutes, so a storm summary is never lost quietly', () => {
      // Assess
      expect(resourceProperties(stack, alerts.operationsAlarms.stormDigestFailures)).toMatchObject({
        MetricName: 'DigestFailures',
        Namespace: 'MediaPackageAudit',
        Statistic: 'Sum',
        Period: 900,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: topicAction,
        OKActions: topicAction,
      });
    });

    it('describes every alarm: what it means, what to do, and its section of the runbook', () => {
      // Prepare
      const runbook = fs.readFileSync(
        path.join(__dirname, '..', '..', 'docs', 'operations.md'),
        'utf8',
      );
      const anchors = [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map(([, heading]) =>
        (heading ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      );
      // Assess
      expect(alerts.operationsAlarms.alarms).toHaveLength(10);
      for (const alarm of alerts.operationsAlarms.alarms) {
        const description = renderCfnString(resourceProperties(stack, alarm).AlarmDescription);
        expect(description).toMatch(/^MediaPackage audit: /);
        expect(description).toContain(' Do: ');
        expect(description.length).toBeLessThanOrEqual(1024);
        const anchor = /Runbook: docs\/operations\.md#([a-z-]+)$/.exec(description)?.[1];
        expect(anchors).toContain(anchor);
      }
    });
  });

  describe('alarms with tuned thresholds and an operations topic', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;

    beforeAll(() => {
      // Prepare
      stack = newStack();
      // Act
      alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        functionTimeout: Duration.minutes(10),
        operationsTopic: sns.Topic.fromTopicArn(stack, 'Ops', OPS_TOPIC_ARN),
        alarms: {
          errorsThreshold: 3,
          throttlesThreshold: 5,
          durationThresholdPercent: 50,
          noLogFilesPeriod: Duration.hours(6),
          alertSpikeThreshold: 100,
          alertSpikePeriod: Duration.minutes(15),
          badRecordRateThresholdPercent: 0.5,
        },
      });
    });

    it('sends every alarm and recovery to the operations topic, not to the alert topic', () => {
      // Assess
      for (const alarm of alerts.operationsAlarms.alarms) {
        const properties = resourceProperties(stack, alarm);
        expect(properties.AlarmActions).toEqual([OPS_TOPIC_ARN]);
        if (alarm !== alerts.operationsAlarms.alertSpike) {
          expect(properties.OKActions).toEqual([OPS_TOPIC_ARN]);
        }
      }
      expect(alerts.operationsTopic.topicArn).toBe(OPS_TOPIC_ARN);
    });

    it('uses each threshold and period given', () => {
      // Assess
      const { operationsAlarms: alarms } = alerts;
      expect(resourceProperties(stack, alarms.functionErrors).Threshold).toBe(3);
      expect(resourceProperties(stack, alarms.functionThrottles).Threshold).toBe(5);
      expect(resourceProperties(stack, alarms.durationNearTimeout).Threshold).toBe(300_000);
      expect(resourceProperties(stack, alarms.noLogFilesProcessed)).toMatchObject({
        Period: 300,
        EvaluationPeriods: 72,
        DatapointsToAlarm: 72,
      });
      const spike = resourceProperties(stack, alarms.alertSpike);
      expect(spike.Threshold).toBe(100);
      expect(JSON.stringify(spike.Metrics)).toContain('"Period":900');
      expect(resourceProperties(stack, alarms.badRecordRate).Threshold).toBe(0.5);
    });
  });

  describe('alarm props validation', () => {
    it.each<[string, OperationsAlarmsOptions, RegExp]>([
      [
        'a no-log-file period off the 5-minute grid',
        { noLogFilesPeriod: Duration.minutes(7) },
        /noLogFilesPeriod must be a multiple of 5/,
      ],
      [
        'a no-log-file period over 24 hours',
        { noLogFilesPeriod: Duration.hours(25) },
        /noLogFilesPeriod .* to 24 hours/,
      ],
      [
        'a no-log-file period under 10 minutes',
        { noLogFilesPeriod: Duration.minutes(5) },
        /from 10 minutes/,
      ],
      [
        'a spike period in seconds',
        { alertSpikePeriod: Duration.seconds(90) },
        /alertSpikePeriod must be a whole number of minutes/,
      ],
      [
        'a duration threshold of 0%',
        { durationThresholdPercent: 0 },
        /durationThresholdPercent must be a whole percentage of the function timeout from 1 to 100; got 0/,
      ],
      ['a bad-record rate over 100%', { badRecordRateThresholdPercent: 120 }, /at most 100/],
      [
        'an error threshold of 0',
        { errorsThreshold: 0 },
        /errorsThreshold must be a whole number from 1 to 1000000; got 0/,
      ],
      [
        'a fractional spike threshold',
        { alertSpikeThreshold: 2.5 },
        /alertSpikeThreshold must be a whole number/,
      ],
    ])('refuses %s', (_name, alarms, message) => {
      // Act
      const build = (): unknown => new MediaPackageAuditAlerts(newStack(), 'Audit', { alarms });
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });

    it('lists every option out of range in one error', () => {
      // Act
      const build = (): unknown =>
        new MediaPackageAuditAlerts(newStack(), 'Audit', {
          alarms: { errorsThreshold: 0, alertSpikePeriod: Duration.hours(25) },
        });
      // Assess
      expect(build).toThrow(
        /Alarms: errorsThreshold must be .+; got 0; alertSpikePeriod must be .+; got 1 day 1 hour$/,
      );
    });
  });
});
