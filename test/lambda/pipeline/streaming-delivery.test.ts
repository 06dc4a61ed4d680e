/**
 * Alerts as they are found: the handler delivers in small batches while a file is read, so a
 * later error, a budget or a crash never costs what was already found, and memory holds one
 * batch whatever the number of alerts. Budgets end a read before Lambda's deadline, say so at
 * ERROR with the command that reads the rest, and do not make the invocation fail.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertDelivery } from '../../../lambda/deliver/delivery';
import { PublishError } from '../../../lambda/errors';
import { createHandler } from '../../../lambda/handler';
import {
  DELIVERY_BATCH_ALERTS,
  TriggerProcessingError,
  replayCommand,
} from '../../../lambda/pipeline/process-trigger';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import {
  BUCKET,
  REGION,
  cloudTrailRecord,
  createRng,
  logFileKey,
  otherServiceRecord,
  s3Event,
} from '../../../scripts/cloudtrail-factory';
import { TOPIC_ARN } from '../../support/aws-doubles';
import { recordingLogger, recordingMetrics } from '../../support/recorders';

const s3Mock = mockClient(S3Client);

/** A delivery that records each batch, and when it came. */
function recordingDelivery(fail?: (batch: number) => boolean): AlertDelivery & {
  batches: string[][];
} {
  const batches: string[][] = [];
  return {
    batches,
    deliver: async (messages: readonly AlertMessage[]) => {
      await Promise.resolve();
      if (fail?.(batches.length) === true) {
        throw new PublishError(
          messages.map((message) => message.eventID),
          'SNS is down',
        );
      }
      batches.push(messages.map((message) => message.eventID));
      return {
        published: messages.length,
        alreadyPublished: 0,
        alreadyPublishedEventIds: [],
        retried: 0,
      };
    },
  };
}

/** Serves a GetObject body from a generator, so tests see how far the read had got. */
function bucketStreams(key: string, body: () => AsyncGenerator<Buffer>): void {
  s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).callsFake(() => ({
    Body: Readable.from(body()),
  }));
}

function setup(delivery: AlertDelivery, maxInflatedBytes?: number) {
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const handler = createHandler({
    s3: new S3Client({ region: REGION }),
    sns: new SNSClient({ region: REGION }),
    topicArn: TOPIC_ARN,
    delivery,
    logger,
    metrics,
    ...(maxInflatedBytes === undefined ? {} : { maxInflatedBytes }),
  });
  return { handler, logger, metrics };
}

function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as Context;
}

beforeEach(() => {
  s3Mock.reset();
});

describe('Function: handler, delivering while reading', () => {
  it('delivers the first batch before the file is read to its end, in batches of at most 25', async () => {
    // Prepare
    const key = logFileKey();
    const writes = Array.from({ length: 60 }, (_, n) =>
      cloudTrailRecord({ requestParameters: { id: `live-${n}` } }),
    );
    let exhausted = false;
    const delivery = recordingDelivery();
    let batchesWhenExhausted = -1;
    bucketStreams(key, async function* () {
      yield Buffer.from('{"Records":[');
      for (const [n, record] of writes.entries()) {
        await new Promise((resolve) => setImmediate(resolve));
        yield Buffer.from(`${n === 0 ? '' : ','}${JSON.stringify(record)}`);
      }
      yield Buffer.from(']}');
      batchesWhenExhausted = delivery.batches.length;
      exhausted = true;
    });
    const { handler } = setup(delivery);

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(exhausted).toBe(true);
    expect(batchesWhenExhausted).toBeGreaterThanOrEqual(2);
    expect(delivery.batches.map((batch) => batch.length)).toEqual([25, 25, 10]);
    expect(delivery.batches.flat()).toEqual(writes.map((record) => record.eventID));
    expect(Math.max(...delivery.batches.map((batch) => batch.length))).toBe(DELIVERY_BATCH_ALERTS);
    expect(summary.alertsPublished).toBe(60);
  });

  it('delivers what came before a truncation and reports the object as unreadable, without failing', async () => {
    // Prepare
    const key = logFileKey();
    const writes = Array.from({ length: 30 }, () => cloudTrailRecord());
    const text = JSON.stringify({
      Records: [...writes, otherServiceRecord(createRng(1), { call: 's3:PutBucketPolicy' })],
    });
    const body = gzipSync(text.slice(0, text.length - 200));
    bucketStreams(key, async function* () {
      await Promise.resolve();
      yield body;
    });
    const delivery = recordingDelivery();
    const { handler, metrics } = setup(delivery);

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(delivery.batches.flat()).toEqual(writes.map((record) => record.eventID));
    expect(summary).toMatchObject({ unreadableObjects: 1, incompleteObjects: 0 });
    expect(metrics.points).toContainEqual({
      name: 'ObjectsUnreadable',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 'truncated' },
    });
  });

  it('keeps the batches SNS accepted when a later one fails, and fails the invocation so Lambda retries', async () => {
    // Prepare
    const key = logFileKey();
    const writes = Array.from({ length: 60 }, () => cloudTrailRecord());
    bucketStreams(key, async function* () {
      await Promise.resolve();
      yield Buffer.from(JSON.stringify({ Records: writes }));
    });
    const delivery = recordingDelivery((batch) => batch === 1);
    const { handler } = setup(delivery);

    // Act
    const outcome = handler(s3Event([key]));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TriggerProcessingError);
    expect(delivery.batches).toEqual([writes.slice(0, 25).map((record) => record.eventID)]);
  });

  it('stops reading at its time budget, delivers what it found and returns before the deadline', async () => {
    // Prepare: a write, then whitespace without end inside Records.
    const key = logFileKey();
    const before = cloudTrailRecord();
    bucketStreams(key, async function* () {
      yield Buffer.from(`{"Records":[${JSON.stringify(before)},`);
      const spaces = Buffer.alloc(256 * 1024, 0x20);
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        yield spaces;
      }
    });
    const delivery = recordingDelivery();
    const { handler, logger, metrics } = setup(delivery);
    const remainingMs = 1_500;
    const started = Date.now();

    // Act
    const summary = await handler(s3Event([key]), lambdaContext(remainingMs));

    // Assess
    expect(Date.now() - started).toBeLessThan(remainingMs);
    expect(delivery.batches.flat()).toEqual([before.eventID]);
    expect(summary).toMatchObject({ incompleteObjects: 1, unreadableObjects: 0 });
    expect(metrics.points).toContainEqual({
      name: 'ObjectsIncomplete',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 'time-budget' },
    });
    const line = logger.entries.find(
      (entry) => entry.message === 'Log object not read to the end: read budget exhausted',
    );
    expect(line?.level).toBe('error');
    expect(line?.extra).toMatchObject({
      bucket: BUCKET,
      s3Key: key,
      reason: 'time-budget',
      replayCommand: `npx mp-audit replay --bucket ${BUCKET} --prefix ${key} --topic-arn ${TOPIC_ARN}`,
    });
  });

  it('stops a gzip bomb at the byte budget after delivering the record before the padding', async () => {
    // Prepare
    const key = logFileKey();
    const before = cloudTrailRecord();
    const bomb = gzipSync(
      Buffer.concat([
        Buffer.from(`{"Records":[${JSON.stringify(before)},`),
        Buffer.alloc(32 * 1024 * 1024, 0x20),
        Buffer.from(']}'),
      ]),
    );
    bucketStreams(key, async function* () {
      await Promise.resolve();
      yield bomb;
    });
    const delivery = recordingDelivery();
    const { handler, metrics } = setup(delivery, 4 * 1024 * 1024);

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(delivery.batches.flat()).toEqual([before.eventID]);
    expect(summary.incompleteObjects).toBe(1);
    expect(metrics.points).toContainEqual({
      name: 'ObjectsIncomplete',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 'byte-budget' },
    });
  });

  it('delivers thousands of alerts of one file with memory for one batch', async () => {
    // Prepare
    const key = logFileKey();
    const count = 3_000;
    const ids: string[] = [];
    bucketStreams(key, async function* () {
      yield Buffer.from('{"Records":[');
      for (let n = 0; n < count; n += 1) {
        const record = cloudTrailRecord({ eventName: 'TagResource' });
        ids.push(String(record.eventID));
        if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        yield Buffer.from(`${n === 0 ? '' : ','}${JSON.stringify(record)}`);
      }
      yield Buffer.from(']}');
    });
    const delivery = recordingDelivery();
    const { handler } = setup(delivery);

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(summary.alertsPublished).toBe(count);
    expect(delivery.batches).toHaveLength(count / DELIVERY_BATCH_ALERTS);
    expect(delivery.batches.flat()).toEqual(ids);
  });
});

describe('Function: replayCommand', () => {
  it('quotes a key a shell would split, so the logged command runs as it is', () => {
    // Act
    const command = replayCommand(
      { bucket: BUCKET, s3Key: "AWSLogs/it's here/x y.json.gz" },
      { topicArn: TOPIC_ARN, idempotencyTableName: 'audit-idempotency' },
    );

    // Assess
    expect(command).toBe(
      `npx mp-audit replay --bucket ${BUCKET} --prefix 'AWSLogs/it'\\''s here/x y.json.gz' --topic-arn ${TOPIC_ARN} --idempotency-table audit-idempotency`,
    );
  });
});
