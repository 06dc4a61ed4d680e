import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DETECTION_PATHS, METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/contract';
import { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import { LATEST_ALERTS_QUERY, RECENT_ERRORS_QUERY } from '../../lib/operations-dashboard';
import { logicalId, newStack, renderCfnString } from './support';

describe('Construct: OperationsDashboard', () => {
  describe('in MediaPackageAuditAlerts', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let body: { widgets: { type: string; properties: Record<string, unknown> }[] };
    let bodyText: string;

    beforeAll(() => {
      // Prepare
      stack = newStack();
      // Act
      alerts = new MediaPackageAuditAlerts(stack, 'Audit');
      const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
      const [dashboard] = Object.values(dashboards) as { Properties: { DashboardBody: unknown } }[];
      bodyText = renderCfnString(dashboard?.Properties.DashboardBody);
      body = JSON.parse(bodyText) as typeof body;
    });

    it('creates one dashboard', () => {
      // Assess
      Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(alerts.dashboard).toBeDefined();
    });

    it('shows the state of every alarm', () => {
      // Prepare
      const statuses = body.widgets.filter(
        (widget) => widget.type === 'alarm' && Array.isArray(widget.properties.alarms),
      );
      // Assess
      expect(statuses).toHaveLength(1);
      expect(statuses[0]?.properties.alarms).toEqual(
        alerts.operationsAlarms.alarms.map((alarm) => `<${logicalId(stack, alarm)}.Arn>`),
      );
    });

    it('lists the latest alerts and errors from the function log group with Logs Insights', () => {
      // Prepare
      const logWidgets = body.widgets.filter((widget) => widget.type === 'log');
      const logGroupName = `<Ref:${logicalId(stack, alerts.alertFunction.logGroup)}>`;
      // Assess
      expect(logWidgets.map((widget) => widget.properties.query)).toEqual([
        `SOURCE '${logGroupName}' | ${LATEST_ALERTS_QUERY}`,
        `SOURCE '${logGroupName}' | ${RECENT_ERRORS_QUERY}`,
      ]);
    });

    it('graphs the function metrics, the Lambda metrics and the dead-letter queue', () => {
      // Assess: metrics split by a dimension whose values vary are graphed with SEARCH.
      for (const name of [
        'AlertsByEventName',
        'ObjectsSkipped',
        'ObjectsUnreadable',
        'ObjectsIncomplete',
      ]) {
        expect(bodyText).toContain(`MetricName=\\"${name}\\"`);
      }
      for (const name of [
        'LogFilesProcessed',
        'RecordsScanned',
        'BytesRead',
        'ProcessingDuration',
        'AlertsPublished',
        'AlertsSuppressed',
        'AlertsAlreadyPublished',
        'BadRecords',
        'PublishRetries',
        'ObjectsFailed',
        'Invocations',
        'Errors',
        'Throttles',
        'Duration',
        'ApproximateNumberOfMessagesVisible',
      ]) {
        expect(bodyText).toContain(`"${name}"`);
      }
      expect(bodyText).toContain(`"${METRICS_NAMESPACE}"`);
    });

    it('graphs the severities and the split metrics with the dimensions the function emits', () => {
      // Assess
      for (const severity of ['high', 'medium', 'low', 'info']) {
        expect(bodyText).toContain(
          `"${METRICS_NAMESPACE}","AlertsPublished","service","${SERVICE_NAME}","severity","${severity}"`,
        );
      }
      expect(bodyText).toContain(
        `SEARCH('{${METRICS_NAMESPACE},service,eventName} MetricName=\\"AlertsByEventName\\" service=\\"${SERVICE_NAME}\\"', 'Sum', 300)`,
      );
    });

    it('graphs the alerts and the detection delay (p50, p90) by detection path, and the fast path’s misses', () => {
      // Prepare
      const widget = (title: string): string =>
        JSON.stringify(body.widgets.find((w) => w.properties.title === title)?.properties.metrics);
      const byPath = widget('Alerts published by detection path');
      const delay = widget('Detection delay from the call to the alert (ms)');
      const missed = widget('Fast path missed: alerts only the log files sent');
      // Assess: exactly the dimensions the function emits, one series per path.
      for (const path of DETECTION_PATHS) {
        // CloudWatch's dimensions, sorted by name as CDK writes them.
        const series = `"${METRICS_NAMESPACE}","AlertsPublished","path","${path}","service","${SERVICE_NAME}"`;
        expect(byPath).toContain(series);
        for (const statistic of ['p50', 'p90']) {
          expect(delay).toContain(
            `"${METRICS_NAMESPACE}","DetectionDelay","path","${path}","service","${SERVICE_NAME}",{"label":"${path} ${statistic}","stat":"${statistic}"`,
          );
        }
      }
      expect(missed).toContain(
        `"${METRICS_NAMESPACE}","FastPathMissed","service","${SERVICE_NAME}"`,
      );
      expect(missed).not.toContain('"path"');
    });

    it('graphs storms, unknown previous states and the canary per path with the dimensions the function emits', () => {
      // Prepare
      const widget = (title: string): string =>
        JSON.stringify(body.widgets.find((w) => w.properties.title === title)?.properties.metrics);
      const storms = widget('Storms: events collapsed for people, digests sent and failed');
      const unknown = widget('What changed: previous state unknown, by reason');
      const canary = widget('Canary: delay from its call to the pipeline (ms), per path');
      // Assess
      for (const name of ['AlertsCollapsed', 'DigestsPublished', 'DigestFailures']) {
        expect(storms).toContain(`"${METRICS_NAMESPACE}","${name}","service","${SERVICE_NAME}"`);
      }
      expect(unknown).toContain(
        `"${METRICS_NAMESPACE}","PreviousStateUnknown","reason","first-seen","service","${SERVICE_NAME}"`,
      );
      for (const path of DETECTION_PATHS) {
        expect(canary).toContain(
          `"${METRICS_NAMESPACE}","CanarySeen","path","${path}","service","${SERVICE_NAME}"`,
        );
      }
    });

    it('graphs the log files not read to the end next to the unreadable ones, by reason', () => {
      // Prepare
      const titles = body.widgets.map((widget) => widget.properties.title);
      const unreadable = titles.indexOf('Unreadable log files by reason, and bad records');
      const incomplete = body.widgets[unreadable + 1];
      // Assess
      expect(unreadable).toBeGreaterThan(-1);
      expect(incomplete?.properties.title).toBe(
        'Log files not read to the end (read budget ran out), by reason',
      );
      expect(JSON.stringify(incomplete?.properties.metrics)).toContain(
        `SEARCH('{${METRICS_NAMESPACE},service,reason} MetricName=\\"ObjectsIncomplete\\" service=\\"${SERVICE_NAME}\\"', 'Sum', 300)`,
      );
    });

    it('can be left out', () => {
      // Prepare
      const other = newStack();
      // Act
      const withoutDashboard = new MediaPackageAuditAlerts(other, 'Audit', { dashboard: false });
      // Assess
      Template.fromStack(other).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
      expect(withoutDashboard.dashboard).toBeUndefined();
      Template.fromStack(other).resourceCountIs('AWS::CloudWatch::Alarm', 10);
    });
  });
});
