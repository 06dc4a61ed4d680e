import { S3Client } from '@aws-sdk/client-s3';
import { createHandler } from '../../../lambda/handler';
import { compileRules } from '../../../lambda/match/matcher';
import { parseRules } from '../../../lambda/match/rules-schema';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import {
  BUCKET,
  REGION,
  apiCallEvent,
  cloudTrailRecord,
  createRng,
  logFileBody,
  logFileKey,
  otherServiceRecord,
  s3Event,
} from '../../../scripts/cloudtrail-factory';
import { TOPIC_ARN, s3Body } from '../../support/aws-doubles';
import { recordingLogger, recordingMetrics } from '../../support/recorders';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { onceDelivery } from '../../support/once-delivery';

const s3Mock = mockClient(S3Client);

interface SentAlert {
  eventID: string;
  logObject: unknown;
  detection: { path: string; delaySeconds: number | null };
}

function alertOf(message: AlertMessage): SentAlert {
  return JSON.parse((JSON.parse(message.message) as { default: string }).default) as SentAlert;
}

function setup(options: { fastPathRegions?: ReadonlySet<string>; rules?: object } = {}) {
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const delivery = onceDelivery();
  const handler = createHandler({
    s3: new S3Client({ region: REGION }),
    topicArn: TOPIC_ARN,
    delivery,
    logger,
    metrics,
    ...(options.fastPathRegions === undefined ? {} : { fastPathRegions: options.fastPathRegions }),
    ...(options.rules === undefined
      ? {}
      : { rules: compileRules(parseRules({ version: 1, ...options.rules })) }),
  });
  return { handler, logger, metrics, delivery };
}

/** The log file holding `records`, served by the S3 double, and its S3 notification. */
function logFileEvent(records: readonly unknown[]): unknown {
  const key = logFileKey();
  const bytes = logFileBody(records);
  s3Mock
    .on(GetObjectCommand, { Bucket: BUCKET, Key: key })
    .callsFake(() => ({ Body: s3Body(bytes) }));
  return s3Event([key]);
}

beforeEach(() => s3Mock.reset());

describe('The EventBridge fast path', () => {
  it('alerts on an API call event at once, saying it was found on EventBridge, reading no log file', async () => {
    // Prepare
    const record = cloudTrailRecord({ eventTime: new Date(Date.now() - 8_000).toISOString() });
    const { handler, delivery, metrics } = setup();

    // Act
    const summary = await handler(apiCallEvent(record));

    // Assess
    expect(summary).toMatchObject({ apiCalls: 1, alertsPublished: 1, logFiles: 0 });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    const [sent] = delivery.sent.map(alertOf);
    expect(sent?.eventID).toBe(record.eventID);
    expect(sent?.logObject).toBeNull();
    expect(sent?.detection.path).toBe('eventbridge');
    expect(sent?.detection.delaySeconds).toBeGreaterThanOrEqual(7);
    expect(sent?.detection.delaySeconds).toBeLessThan(60);
    const byPath = metrics.points.filter((point) => point.dimensions?.path === 'eventbridge');
    expect(byPath.map((point) => point.name).sort()).toEqual(['AlertsPublished', 'DetectionDelay']);
    expect(byPath.find((point) => point.name === 'DetectionDelay')?.unit).toBe('Milliseconds');
  });

  it.each([
    ['first the EventBridge event, then the log file', ['eventbridge', 'log-file'] as const],
    ['first the log file, then the EventBridge event', ['log-file', 'eventbridge'] as const],
  ])('alerts once per event whichever path comes %s', async (_name, order) => {
    // Prepare: two writes in one file; both also reached EventBridge.
    const records = [cloudTrailRecord(), cloudTrailRecord({ eventName: 'DeleteChannel' })];
    const { handler, delivery } = setup();
    const run = {
      eventbridge: async () => {
        for (const record of records) await handler(apiCallEvent(record));
      },
      'log-file': async () => {
        await handler(logFileEvent(records));
      },
    };

    // Act
    for (const path of order) await run[path]();

    // Assess: each eventID once, found by the first path.
    const sent = delivery.sent.map(alertOf);
    expect(sent.map((alert) => alert.eventID).sort()).toEqual(
      records.map((record) => record.eventID).sort(),
    );
    expect(new Set(sent.map((alert) => alert.detection.path))).toEqual(new Set([order[0]]));
  });

  it.each([
    [
      'a read-only call',
      cloudTrailRecord({ eventName: 'DescribeChannel', readOnly: true }),
      'read-only-call',
    ],
    [
      'another service',
      otherServiceRecord(createRng(3), { call: 's3:PutBucketPolicy' }),
      'not-watched',
    ],
  ])('ignores %s with a log line and a metric', async (_name, record, reason) => {
    // Prepare
    const { handler, delivery, metrics, logger } = setup();

    // Act
    await handler(apiCallEvent(record));

    // Assess
    expect(delivery.sent).toEqual([]);
    expect(metrics.points).toContainEqual(
      expect.objectContaining({ name: 'EventsIgnored', dimensions: { reason } }),
    );
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        message: 'API call event ignored: the rules do not alert on it',
        extra: expect.objectContaining({ reason, path: 'eventbridge' }) as unknown,
      }),
    );
  });

  it('applies the same suppressions as the log file path', async () => {
    // Prepare
    const record = cloudTrailRecord();
    const rules = {
      suppressions: [
        {
          reason: 'Nightly automation',
          principalArn: 'arn:aws:sts::*:assumed-role/MediaOpsAdmin/*',
        },
      ],
    };
    const { handler, delivery, metrics } = setup({ rules });

    // Act
    const summary = await handler(apiCallEvent(record));

    // Assess
    expect(delivery.sent).toEqual([]);
    expect(summary.alertsSuppressed).toBe(1);
    expect(metrics.points).toContainEqual(
      expect.objectContaining({ name: 'AlertsSuppressed', value: 1 }),
    );
  });

  it('says what it ignores when an event is malformed or huge, and never throws', async () => {
    // Prepare
    const { handler, delivery, logger } = setup();
    const huge = cloudTrailRecord({
      requestParameters: { description: 'x'.repeat(250_000), nested: { deep: [1, [2, [3]]] } },
    });
    const events: unknown[] = [
      { 'detail-type': 'AWS API Call via CloudTrail', detail: null },
      { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 42 } },
      apiCallEvent(huge),
    ];

    // Act
    for (const event of events) await handler(event);

    // Assess: the two malformed ones said why; the huge one still alerted, its field cut.
    const ignored = logger.entries.filter((entry) => entry.extra.reason === 'malformed-event');
    expect(ignored).toHaveLength(2);
    expect(delivery.sent.map(alertOf).map((alert) => alert.eventID)).toEqual([huge.eventID]);
    expect(delivery.sent[0]?.sizeBytes).toBeLessThan(256 * 1024);
  });
});

describe('FastPathMissed', () => {
  it('counts the alerts the log file path sent for events in the fast path Regions, and no others', async () => {
    // Prepare: one write in the fast path's Region, one elsewhere, one already on EventBridge.
    const missed = cloudTrailRecord({ awsRegion: REGION });
    const elsewhere = cloudTrailRecord({ awsRegion: 'sa-east-1' });
    const seen = cloudTrailRecord({ awsRegion: REGION });
    const { handler, metrics, logger } = setup({ fastPathRegions: new Set([REGION]) });
    await handler(apiCallEvent(seen));

    // Act
    await handler(logFileEvent([missed, elsewhere, seen]));

    // Assess
    const counted = metrics.points.filter((point) => point.name === 'FastPathMissed');
    expect(counted).toEqual([expect.objectContaining({ value: 1 })]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        message: 'Alert sent from the log file: EventBridge had not delivered the event',
        extra: expect.objectContaining({ eventID: missed.eventID }) as unknown,
      }),
    );
  });

  it('counts nothing without a fast path', async () => {
    // Prepare
    const { handler, metrics } = setup();

    // Act
    await handler(logFileEvent([cloudTrailRecord()]));

    // Assess
    expect(metrics.points.filter((point) => point.name === 'FastPathMissed')).toEqual([]);
    expect(metrics.points).toContainEqual(
      expect.objectContaining({ name: 'AlertsPublished', dimensions: { path: 'log-file' } }),
    );
  });
});
