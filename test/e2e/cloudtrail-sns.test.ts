/**
 * End to end, the `cloudtrail-sns` trigger: the built function bundle (dist/function/index.js,
 * required as Lambda loads it), configured only by its environment, invoked with SQS batches of
 * CloudTrail's SNS notifications against fauxqs (the log bucket, the trail's topic and its queue,
 * the alert topic and a subscriber queue; S3 and SNS reached through the fault proxy) and
 * dynalite (the idempotency table, so a retried message sends only what was not sent). Every
 * alert of the named log files reaches the subscriber once; messages naming nothing, or a bucket
 * or key that is not there, are skipped, not retried; `batchItemFailures` lists exactly the
 * messages whose objects failed. Run `npm run build -- --no-types` first.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, CreateTopicCommand } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import type { TriggerSummary } from '../../lambda/pipeline/process-trigger';
import { isSqsBatchResult } from '../../lambda/pipeline/process-trigger';
import type { GeneratedRecord } from '../../scripts/cloudtrail-factory';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  OTHER_SERVICE_CALLS,
  cloudTrailSnsMessage,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
  snsNotification,
  sqsEvent,
} from '../../scripts/cloudtrail-factory';
import type { BundledFunction } from '../support/bundled-function';
import { startBundledFunction } from '../support/bundled-function';
import type { FaultProxy } from '../support/fault-proxy';
import type { LocalPipeline } from '../support/local-aws';
import { alertsOfMessages, drainQueue, subscribeNewQueue } from '../support/local-aws';
import type { LocalStack } from '../support/local-stack';
import { startLocalStack, stackEnvironment } from '../support/local-stack';

const SEED = 20_250_315;
const BUCKET = 'cloudtrail-sns-trail-logs';
const ACCOUNT_ID = '111122223333';
const TABLE = 'cloudtrail-sns-idempotency';

describe('End to end: SQS batches of CloudTrail SNS notifications, partial batch failures', () => {
  let stack: LocalStack;
  let proxy: FaultProxy;
  let pipeline: LocalPipeline;
  let fn: BundledFunction;
  let trailTopicArn: string;
  let trailQueueUrl: string;
  const rng = createRng(SEED);

  /** Uploads a log file with `writes` MediaPackage writes among other calls; returns its key and eventIDs. */
  async function logFile(writes: number): Promise<{ key: string; eventIDs: string[] }> {
    const records: GeneratedRecord[] = Array.from({ length: writes }, () =>
      mediaPackageRecord(rng, {
        source: 'mediapackagev2.amazonaws.com',
        eventName: rng.pick(MEDIAPACKAGE_WRITE_CALLS['mediapackagev2.amazonaws.com']),
      }),
    );
    const noise = Array.from({ length: 4 }, () =>
      otherServiceRecord(rng, { call: rng.pick(OTHER_SERVICE_CALLS) }),
    );
    const key = logObjectKey({ accountId: ACCOUNT_ID, region: 'us-west-2', date: new Date(), rng });
    const body = logFileBody(rng.shuffle([...records, ...noise]));
    await pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return { key, eventIDs: records.map((record) => record.eventID) };
  }

  /**
   * The SQS batch the queue subscribed to the trail's topic holds after CloudTrail published
   * `messages` there: the real SNS envelope (raw delivery off) from the emulator.
   */
  async function throughTrailTopic(messages: readonly object[]): Promise<SQSEvent> {
    for (const message of messages) {
      await pipeline.sns.send(
        new PublishCommand({ TopicArn: trailTopicArn, Message: JSON.stringify(message) }),
      );
    }
    const received = await drainQueue(pipeline.sqs, trailQueueUrl, { visibilityTimeout: 3600 });
    const event = sqsEvent(received.map((message) => message.Body ?? ''));
    return {
      Records: event.Records.map((record, index) => ({
        ...record,
        messageId: received[index]?.MessageId ?? record.messageId,
      })),
    };
  }

  /** The eventIDs of every alert now in the subscriber queue, hidden from later drains. */
  async function alertedEventIds(): Promise<string[]> {
    const messages = await drainQueue(pipeline.sqs, pipeline.queueUrl, {
      visibilityTimeout: 3600,
    });
    return alertsOfMessages<{ eventID: string }>(messages).map((alert) => alert.eventID);
  }

  /** The messages the invocation asks SQS to deliver again. */
  function failedIds(result: TriggerSummary): string[] {
    if (!isSqsBatchResult(result))
      throw new Error(`not an SQS batch result: ${JSON.stringify(result)}`);
    return result.batchItemFailures.map((failure) => failure.itemIdentifier);
  }

  const idsOf = (event: SQSEvent): string[] => event.Records.map((record) => record.messageId);
  const sorted = (values: readonly string[]): string[] => [...values].sort();

  beforeAll(async () => {
    stack = await startLocalStack({
      seed: SEED,
      bucket: BUCKET,
      topic: 'cloudtrail-sns-alerts',
      queue: 'cloudtrail-sns-subscriber',
      idempotencyTable: TABLE,
    });
    ({ proxy, pipeline } = stack);
    ({ TopicArn: trailTopicArn = '' } = await pipeline.sns.send(
      new CreateTopicCommand({ Name: 'cloudtrail-log-delivery' }),
    ));
    trailQueueUrl = await subscribeNewQueue(
      pipeline.sns,
      pipeline.sqs,
      trailTopicArn,
      'cloudtrail-log-delivery-queue',
    );
    // S3 through the proxy too: a test denies one object.
    fn = await startBundledFunction(
      stackEnvironment(stack, { AWS_ENDPOINT_URL_S3: proxy.endpoint }),
    );
  });

  afterEach(() => proxy.configure({}));

  afterAll(async () => {
    await fn?.stop();
    await stack?.stop();
  });

  it('alerts once on every write in the log files the notifications name, and reports no failure', async () => {
    // Prepare: three files, one named in two notifications, one notification naming two files.
    const [a, b, c] = [await logFile(3), await logFile(2), await logFile(1)];
    const event = await throughTrailTopic([
      cloudTrailSnsMessage(BUCKET, [a.key]),
      cloudTrailSnsMessage(BUCKET, [b.key, c.key]),
      cloudTrailSnsMessage(BUCKET, [a.key]),
    ]);

    // Act
    const result = await fn.invoke(event);
    const alerted = await alertedEventIds();

    // Assess
    expect(event.Records).toHaveLength(3);
    expect(JSON.parse(event.Records[0]?.body ?? '{}')).toMatchObject({
      Type: 'Notification',
      TopicArn: trailTopicArn,
    });
    expect(failedIds(result)).toEqual([]);
    expect(sorted(alerted)).toEqual(sorted([...a.eventIDs, ...b.eventIDs, ...c.eventIDs]));
    expect(result).toMatchObject({ logFiles: 3, alertsPublished: 6 });
  });

  it('skips messages naming a missing key or bucket, or nothing at all, without reporting them', async () => {
    // Prepare
    const good = await logFile(2);
    const missingKey = logObjectKey({
      accountId: ACCOUNT_ID,
      region: 'us-west-2',
      date: new Date(),
      rng,
    });
    const event = sqsEvent(
      [
        snsNotification(cloudTrailSnsMessage(BUCKET, [missingKey])),
        snsNotification(cloudTrailSnsMessage('no-such-trail-bucket', [good.key])),
        snsNotification('{"s3Bucket": 42}'),
        'not json',
        snsNotification(cloudTrailSnsMessage(BUCKET, [good.key]), trailTopicArn),
      ],
      { seed: 'missing' },
    );

    // Act
    const result = await fn.invoke(event);
    const alerted = await alertedEventIds();

    // Assess
    expect(failedIds(result)).toEqual([]);
    expect(result).toMatchObject({ logFiles: 1, skippedObjects: 2, alertsPublished: 2 });
    expect(sorted(alerted)).toEqual(sorted(good.eventIDs));
  });

  it('reports exactly the messages whose log file S3 would not give; their retry alerts once', async () => {
    // Prepare
    const [denied, fine, alsoFine] = [await logFile(2), await logFile(1), await logFile(1)];
    const event = sqsEvent(
      [
        snsNotification(cloudTrailSnsMessage(BUCKET, [denied.key])),
        snsNotification(cloudTrailSnsMessage(BUCKET, [fine.key])),
        snsNotification(s3Event([alsoFine.key, denied.key], { bucket: BUCKET })),
        cloudTrailSnsMessage(BUCKET, [alsoFine.key]),
      ],
      { seed: 'denied' },
    );
    const [first, , third] = idsOf(event);
    proxy.configure({ denyS3Read: (_bucket, key) => key === denied.key });

    // Act
    const result = await fn.invoke(event);
    proxy.configure({});
    const retried = await fn.invoke({
      Records: event.Records.filter((record) => failedIds(result).includes(record.messageId)),
    });
    const alerted = await alertedEventIds();

    // Assess
    expect(sorted(failedIds(result))).toEqual(sorted([first ?? '', third ?? '']));
    expect(failedIds(retried)).toEqual([]);
    expect(proxy.counts().accessDenied).toBeGreaterThan(0);
    expect(sorted(alerted)).toEqual(
      sorted([...denied.eventIDs, ...fine.eventIDs, ...alsoFine.eventIDs]),
    );
    expect(retried).toMatchObject({ alertsPublished: 2, alertsAlreadyPublished: 1 });
  });

  it('reports the messages whose alerts SNS would not take, not those with nothing to send', async () => {
    // Prepare
    const withAlerts = await logFile(2);
    const quiet = await logFile(0);
    const event = sqsEvent(
      [
        snsNotification(cloudTrailSnsMessage(BUCKET, [quiet.key])),
        snsNotification(cloudTrailSnsMessage(BUCKET, [withAlerts.key])),
        snsNotification('{}'),
      ],
      { seed: 'sns-down' },
    );
    const [, failing] = idsOf(event);
    proxy.configure({ sns: { serverError: 1 } });

    // Act
    const result = await fn.invoke(event);
    proxy.configure({});
    const retried = await fn.invoke({
      Records: event.Records.filter((record) => record.messageId === failing),
    });
    const alerted = await alertedEventIds();

    // Assess
    expect(failedIds(result)).toEqual([failing]);
    expect(result).toMatchObject({ logFiles: 1, alertsPublished: 0 });
    expect(failedIds(retried)).toEqual([]);
    expect(sorted(alerted)).toEqual(sorted(withAlerts.eventIDs));
  });
});
