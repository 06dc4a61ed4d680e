import { gzipSync } from 'node:zlib';
import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishError } from '../../lambda/errors';
import { createHandler } from '../../lambda/handler';
import type { TriggerSummary } from '../../lambda/pipeline/process-trigger';
import { TriggerProcessingError, isSqsBatchResult } from '../../lambda/pipeline/process-trigger';
import {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  cloudTrailRecord,
  cloudTrailSnsMessage,
  createRng,
  digestFileJson,
  digestFileKey,
  eventBridgeEvent,
  logFileBody,
  logFileKey,
  otherServiceRecord,
  s3Event,
  s3TestEvent,
  snsNotification,
  sqsEvent,
} from '../../scripts/cloudtrail-factory';
import { TOPIC_ARN, acceptAll, publishedAlerts, s3Body } from '../support/aws-doubles';
import { recordingLogger, recordingMetrics } from '../support/recorders';

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);

function setup(overrides: { topicArn?: string } = {}): {
  handler: ReturnType<typeof createHandler>;
  logger: ReturnType<typeof recordingLogger>;
  metrics: ReturnType<typeof recordingMetrics>;
} {
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const handler = createHandler({
    s3: new S3Client({ region: REGION }),
    sns: new SNSClient({ region: REGION }),
    logger,
    metrics,
    publishOptions: { baseDelayMs: 1 },
    ...('topicArn' in overrides ? {} : { topicArn: TOPIC_ARN }),
  });
  return { handler, logger, metrics };
}

/** Serves each key's bytes from GetObject, a fresh stream per call. */
function bucketHolds(objects: Record<string, Buffer>): void {
  for (const [key, bytes] of Object.entries(objects)) {
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).callsFake(() => ({
      Body: s3Body(bytes),
      ContentLength: bytes.length,
    }));
  }
}

function getObjectKeys(): (string | undefined)[] {
  return s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
}

function publishRequests(): PublishBatchCommandInput[] {
  return snsMock.commandCalls(PublishBatchCommand).map((call) => call.args[0].input);
}

function publishedEventIds(): unknown[] {
  return publishRequests()
    .flatMap((request) => publishedAlerts(request))
    .map((alert) => alert.eventID);
}

/** S3's answer to a GetObject the function may not make. */
function accessDenied(): S3ServiceException {
  return new S3ServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'Access Denied',
  });
}

/** SNS fails the entry of `lost`'s alert on every attempt (KMSThrottling) and takes the rest. */
function snsRejectsAlertOf(lost: ReturnType<typeof cloudTrailRecord>): void {
  snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    const entries = input.PublishBatchRequestEntries ?? [];
    const isLost = (message: string | undefined): boolean =>
      (message ?? '').includes(String(lost.eventID));
    return {
      Successful: entries
        .filter((entry) => !isLost(entry.Message))
        .map((entry) => ({ Id: entry.Id, MessageId: 'm' })),
      Failed: entries
        .filter((entry) => isLost(entry.Message))
        .map((entry) => ({ Id: entry.Id, Code: 'KMSThrottling', SenderFault: false })),
    };
  });
}

/** A log file as CloudTrail writes them: MediaPackage writes among unrelated events. */
function mixedLogFile(): {
  body: Buffer;
  update: ReturnType<typeof cloudTrailRecord>;
  deletion: ReturnType<typeof cloudTrailRecord>;
} {
  const update = cloudTrailRecord();
  const deletion = cloudTrailRecord({
    eventSource: 'mediapackagev2.amazonaws.com',
    eventName: 'DeleteChannel',
    requestParameters: { channelGroupName: 'sports', channelName: 'live-2' },
    responseElements: null,
  });
  const records = [
    otherServiceRecord(createRng(1), { call: 's3:PutBucketPolicy' }),
    update,
    cloudTrailRecord({ eventSource: 'medialive.amazonaws.com', eventName: 'UpdateChannel' }),
    cloudTrailRecord({ eventName: 'DescribeChannel', readOnly: true }),
    otherServiceRecord(createRng(2), { call: 'secretsmanager:GetSecretValue' }),
    deletion,
  ];
  return { body: logFileBody(records), update, deletion };
}

beforeEach(() => {
  s3Mock.reset();
  snsMock.reset();
  snsMock.on(PublishBatchCommand).callsFake(acceptAll);
});

describe('Function: handler', () => {
  it('publishes one alert per MediaPackage write in a log file, with its attributes', async () => {
    // Prepare
    const key = logFileKey();
    const { body, update, deletion } = mixedLogFile();
    bucketHolds({ [key]: body });
    const { handler, metrics } = setup();

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(getObjectKeys()).toEqual([key]);
    const [request] = publishRequests();
    expect(request?.TopicArn).toBe(TOPIC_ARN);
    const entries = request?.PublishBatchRequestEntries ?? [];
    expect(entries.map((entry) => entry.MessageAttributes)).toEqual([
      expect.objectContaining({
        severity: { DataType: 'String', StringValue: 'medium' },
        outcome: { DataType: 'String', StringValue: 'success' },
        eventName: { DataType: 'String', StringValue: 'UpdateChannel' },
        eventSource: { DataType: 'String', StringValue: 'mediapackage.amazonaws.com' },
        awsRegion: { DataType: 'String', StringValue: REGION },
        accountId: { DataType: 'String', StringValue: ACCOUNT_ID },
      }),
      expect.objectContaining({
        severity: { DataType: 'String', StringValue: 'high' },
        eventName: { DataType: 'String', StringValue: 'DeleteChannel' },
        eventSource: { DataType: 'String', StringValue: 'mediapackagev2.amazonaws.com' },
      }),
    ]);
    expect(entries.map((entry) => entry.Subject)).toEqual([
      // Stable per resource, so mail clients thread a resource's alerts together.
      'MediaPackage channel live-1 (us-west-2, 111122223333)',
      'MediaPackage v2 channel sports/live-2 (us-west-2, 111122223333)',
    ]);
    expect(publishedEventIds()).toEqual([update.eventID, deletion.eventID]);
    expect(publishedAlerts(request)[0]).toMatchObject({ logObject: { bucket: BUCKET, key } });
    expect(summary).toMatchObject({
      logFiles: 1,
      records: 6,
      alertsPublished: 2,
      skippedObjects: 0,
    });
    expect(metrics.points).toEqual(
      expect.arrayContaining([
        { name: 'AlertsPublished', value: 1, unit: 'Count', dimensions: { severity: 'high' } },
        { name: 'AlertsPublished', value: 1, unit: 'Count', dimensions: { severity: 'medium' } },
        { name: 'RecordsScanned', value: 6, unit: 'Count', dimensions: undefined },
      ]),
    );
  });

  it('alerts once for an event CloudTrail repeated in the same file', async () => {
    // Prepare
    const key = logFileKey();
    const record = cloudTrailRecord({ eventName: 'RotateIngestEndpointCredentials' });
    bucketHolds({
      [key]: logFileBody([
        record,
        otherServiceRecord(createRng(1), { call: 's3:PutBucketPolicy' }),
        record,
      ]),
    });
    const { handler } = setup();

    // Act
    await handler(s3Event([key]));

    // Assess
    expect(publishedEventIds()).toEqual([record.eventID]);
  });

  it.each([
    ['a digest file', digestFileKey(), 'digest-file'],
    ['a folder marker', `AWSLogs/${ACCOUNT_ID}/CloudTrail/${REGION}/2024/05/01/`, 'folder-marker'],
    [
      'an AWS Config check file',
      `AWSLogs/${ACCOUNT_ID}/Config/ConfigWritabilityCheckFile`,
      'not-a-log-file',
    ],
  ])('skips %s without reading it, saying why', async (_name, key, reason) => {
    // Prepare
    bucketHolds({ [key]: gzipSync(digestFileJson()) });
    const { handler, logger, metrics } = setup();

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(getObjectKeys()).toEqual([]);
    expect(publishRequests()).toEqual([]);
    expect(logger.entries).toContainEqual({
      level: 'info',
      message: 'Object skipped: not a CloudTrail log file',
      extra: { bucket: BUCKET, s3Key: key, reason },
    });
    expect(metrics.points).toContainEqual({
      name: 'ObjectsSkipped',
      value: 1,
      unit: 'Count',
      dimensions: { reason },
    });
    expect(summary.skippedObjects).toBe(1);
  });

  it('ignores the s3:TestEvent without reading anything, saying why', async () => {
    // Prepare
    const { handler, logger, metrics } = setup();

    // Act
    const summary = await handler(s3TestEvent());

    // Assess
    expect(getObjectKeys()).toEqual([]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'info',
        extra: { reason: 's3-test-event', detail: BUCKET },
      }),
    );
    expect(metrics.points).toContainEqual({
      name: 'EventsIgnored',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 's3-test-event' },
    });
    expect(summary).toMatchObject({ logFiles: 0, alertsPublished: 0 });
  });

  it('skips an object deleted before it was read', async () => {
    // Prepare
    const gone = logFileKey({ suffix: 'GoneGoneGoneGone' });
    const present = logFileKey();
    const { body, update, deletion } = mixedLogFile();
    bucketHolds({ [present]: body });
    s3Mock
      .on(GetObjectCommand, { Key: gone })
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const { handler, logger, metrics } = setup();

    // Act
    const summary = await handler(s3Event([gone, present]));

    // Assess
    expect(getObjectKeys()).toEqual([gone, present]);
    expect(publishedEventIds()).toEqual([update.eventID, deletion.eventID]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        extra: { bucket: BUCKET, s3Key: gone, reason: 'object-not-found' },
      }),
    );
    expect(metrics.points).toContainEqual({
      name: 'ObjectsSkipped',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 'object-not-found' },
    });
    expect(summary).toMatchObject({ skippedObjects: 1, logFiles: 1 });
  });

  it('still alerts on the good objects when one object is corrupt, and succeeds', async () => {
    // Prepare
    const first = logFileKey({ suffix: 'AAAAAAAAAAAAAAAA' });
    const corrupt = logFileKey({ suffix: 'CCCCCCCCCCCCCCCC' });
    const last = logFileKey({ suffix: 'ZZZZZZZZZZZZZZZZ' });
    const a = cloudTrailRecord({ eventName: 'CreateChannel' });
    const z = cloudTrailRecord({ eventName: 'TagResource' });
    const damaged = Buffer.from(logFileBody([cloudTrailRecord()]));
    damaged.fill(0xff, 10, damaged.length - 8);
    bucketHolds({
      [first]: logFileBody([a]),
      [corrupt]: damaged,
      [last]: logFileBody([z]),
    });
    const { handler, logger, metrics } = setup();

    // Act
    const summary = await handler(s3Event([first, corrupt, last]));

    // Assess
    expect(publishedEventIds()).toEqual([a.eventID, z.eventID]);
    expect(metrics.points).toContainEqual({
      name: 'ObjectsUnreadable',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 'corrupt-gzip' },
    });
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        extra: expect.objectContaining({ s3Key: corrupt, reason: 'corrupt-gzip' }) as unknown,
      }),
    );
    expect(summary).toMatchObject({ logFiles: 3, unreadableObjects: 1, alertsPublished: 2 });
  });

  it('publishes the alerts found before a truncation', async () => {
    // Prepare
    const key = logFileKey();
    const early = [
      cloudTrailRecord({ eventName: 'DeleteChannel', responseElements: null }),
      cloudTrailRecord({ eventName: 'UpdateOriginEndpoint' }),
    ];
    const filler = Array.from({ length: 400 }, (_, index) =>
      otherServiceRecord(createRng(index), {
        call: 's3:PutBucketPolicy',
        overrides: { requestParameters: { bucketName: `media-${(index * 2654435761) % 1e9}` } },
      }),
    );
    const late = cloudTrailRecord({ eventName: 'RotateChannelCredentials' });
    const body = logFileBody([...early, ...filler, late]);
    bucketHolds({ [key]: body.subarray(0, Math.floor(body.length * 0.7)) });
    const { handler, metrics } = setup();

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(publishedEventIds()).toEqual(early.map((record) => record.eventID));
    expect(metrics.points).toContainEqual({
      name: 'ObjectsUnreadable',
      value: 1,
      unit: 'Count',
      dimensions: { reason: 'truncated' },
    });
    expect(summary).toMatchObject({ alertsPublished: 2, unreadableObjects: 1 });
  });

  it('logs a bad record that names MediaPackage as an error and alerts on the rest', async () => {
    // Prepare
    const key = logFileKey();
    const good = cloudTrailRecord({ eventName: 'CreateOriginEndpoint' });
    const text = `{"Records":[{"eventSource":"mediapackage.amazonaws.com","eventName":"DeleteChannel",},${JSON.stringify(good)}]}`;
    bucketHolds({ [key]: gzipSync(text) });
    const { handler, logger, metrics } = setup();

    // Act
    const summary = await handler(s3Event([key]));

    // Assess
    expect(publishedEventIds()).toEqual([good.eventID]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        extra: expect.objectContaining({ s3Key: key, recordIndex: 0 }) as unknown,
      }),
    );
    expect(metrics.points).toContainEqual({
      name: 'BadRecords',
      value: 1,
      unit: 'Count',
      dimensions: undefined,
    });
    expect(summary).toMatchObject({ badRecords: 1, unreadableObjects: 0 });
  });

  it('fails the invocation when SNS keeps failing, after processing the other objects', async () => {
    // Prepare
    const failing = logFileKey({ suffix: 'AAAAAAAAAAAAAAAA' });
    const fine = logFileKey({ suffix: 'BBBBBBBBBBBBBBBB' });
    const lost = cloudTrailRecord({ eventName: 'DeleteChannel' });
    const kept = cloudTrailRecord({ eventName: 'UpdateChannel' });
    bucketHolds({ [failing]: logFileBody([lost]), [fine]: logFileBody([kept]) });
    snsRejectsAlertOf(lost);
    const { handler, metrics } = setup();

    // Act
    const outcome = handler(s3Event([failing, fine]));

    // Assess
    const error = (await outcome.catch((caught: unknown) => caught)) as TriggerProcessingError;
    expect(error).toBeInstanceOf(TriggerProcessingError);
    expect(error.failures).toHaveLength(1);
    expect(error.failures[0]?.object).toMatchObject({ bucket: BUCKET, key: failing });
    expect(error.failures[0]?.error).toBeInstanceOf(PublishError);
    expect((error.failures[0]?.error as PublishError).failedEventIds).toEqual([lost.eventID]);
    expect(getObjectKeys()).toEqual([failing, fine]);
    const accepted = publishRequests()
      .flatMap((request) => publishedAlerts(request))
      .map((alert) => alert.eventID);
    expect(accepted).toContain(kept.eventID);
    expect(metrics.points).toContainEqual({
      name: 'ObjectsFailed',
      value: 1,
      unit: 'Count',
      dimensions: undefined,
    });
  });

  it('fails the invocation when S3 denies access', async () => {
    // Prepare
    const key = logFileKey();
    s3Mock.on(GetObjectCommand).rejects(accessDenied());
    const { handler } = setup();

    // Act
    const outcome = handler(s3Event([key]));

    // Assess
    await expect(outcome).rejects.toThrow(TriggerProcessingError);
    await expect(outcome).rejects.toThrow(`s3://${BUCKET}/${key}: Access Denied`);
    expect(publishRequests()).toEqual([]);
  });

  it('asks S3 for the decoded key of a notification key with spaces and plus signs', async () => {
    // Prepare
    const key = logFileKey({ prefix: 'audit logs/team+media' });
    const record = cloudTrailRecord();
    bucketHolds({ [key]: logFileBody([record]) });
    const { handler } = setup();

    // Act
    await handler(s3Event([key]));

    // Assess
    expect(getObjectKeys()).toEqual([key]);
    expect(publishedEventIds()).toEqual([record.eventID]);
  });

  it('handles an EventBridge Object Created event', async () => {
    // Prepare
    const key = logFileKey({ prefix: 'audit logs' });
    const record = cloudTrailRecord({
      eventName: 'DeletePackagingGroup',
      eventSource: 'mediapackage-vod.amazonaws.com',
    });
    bucketHolds({ [key]: logFileBody([record]) });
    const { handler } = setup();

    // Act
    const summary = await handler(eventBridgeEvent(key));

    // Assess
    expect(getObjectKeys()).toEqual([key]);
    expect(publishedEventIds()).toEqual([record.eventID]);
    expect(summary.alertsPublished).toBe(1);
  });

  describe('SQS batches: partial batch failures', () => {
    const keyOf = (letter: string): string => logFileKey({ suffix: letter.repeat(16) });
    /** The messages the invocation asks SQS to deliver again. */
    const failedIds = (result: TriggerSummary): string[] => {
      if (!isSqsBatchResult(result)) throw new Error('not an SQS batch result');
      return result.batchItemFailures.map((failure) => failure.itemIdentifier);
    };

    it('alerts on every log file the CloudTrail notifications name and reports no failure', async () => {
      // Prepare
      const a = cloudTrailRecord({ eventName: 'CreateChannel' });
      const b = cloudTrailRecord({ eventName: 'DeleteChannel' });
      bucketHolds({ [keyOf('A')]: logFileBody([a]), [keyOf('B')]: logFileBody([b]) });
      const event = sqsEvent([
        snsNotification(cloudTrailSnsMessage(BUCKET, [keyOf('A')])),
        cloudTrailSnsMessage(BUCKET, [keyOf('B')]),
      ]);
      const { handler } = setup();

      // Act
      const result = await handler(event);

      // Assess
      expect(result).toEqual({
        apiCalls: 0,
        logFiles: 2,
        skippedObjects: 0,
        records: 2,
        alertsPublished: 2,
        alertsSuppressed: 0,
        alertsAlreadyPublished: 0,
        alertsCollapsed: 0,
        digestsPublished: 0,
        canariesSeen: 0,
        badRecords: 0,
        unreadableObjects: 0,
        incompleteObjects: 0,
        batchItemFailures: [],
      });
      expect(publishedEventIds()).toEqual([a.eventID, b.eventID]);
    });

    it('reports exactly the message whose object S3 would not give, and processes the others', async () => {
      // Prepare
      const kept = cloudTrailRecord({ eventName: 'UpdateChannel' });
      bucketHolds({ [keyOf('B')]: logFileBody([kept]) });
      s3Mock.on(GetObjectCommand, { Key: keyOf('A') }).rejects(accessDenied());
      const event = sqsEvent([
        snsNotification(cloudTrailSnsMessage(BUCKET, [keyOf('A')])),
        snsNotification(cloudTrailSnsMessage(BUCKET, [keyOf('B')])),
        snsNotification('not json at all'),
        snsNotification(s3Event([keyOf('B'), keyOf('A')])),
      ]);
      const [denied, , garbage, both] = event.Records.map((record) => record.messageId);
      const { handler, logger, metrics } = setup();

      // Act
      const result = await handler(event);

      // Assess
      expect(failedIds(result)).toEqual([denied, both]);
      expect(getObjectKeys()).toEqual([keyOf('A'), keyOf('B')]);
      expect(publishedEventIds()).toEqual([kept.eventID]);
      expect(result).toMatchObject({ logFiles: 1, alertsPublished: 1 });
      expect(logger.entries).toContainEqual({
        level: 'error',
        message: 'Log object failed; the SQS messages that named it are reported for another try',
        extra: {
          bucket: BUCKET,
          s3Key: keyOf('A'),
          sqsMessageIds: [denied, both],
          error: { name: 'AccessDenied', message: 'Access Denied' },
        },
      });
      expect(logger.entries).toContainEqual({
        level: 'info',
        message: 'Event part ignored: it names no log object to read',
        extra: {
          reason: 'unrecognised-message',
          detail: 'SNS message is not a JSON object',
          sqsMessageId: garbage,
        },
      });
      expect(metrics.points).toContainEqual({
        name: 'EventsIgnored',
        value: 1,
        unit: 'Count',
        dimensions: { reason: 'unrecognised-message' },
      });
    });

    it('reports the messages whose alerts SNS kept rejecting', async () => {
      // Prepare
      const lost = cloudTrailRecord({ eventName: 'DeleteChannel' });
      const kept = cloudTrailRecord({ eventName: 'UpdateChannel' });
      bucketHolds({ [keyOf('L')]: logFileBody([lost]), [keyOf('K')]: logFileBody([kept]) });
      snsRejectsAlertOf(lost);
      const event = sqsEvent([
        snsNotification(cloudTrailSnsMessage(BUCKET, [keyOf('K')])),
        snsNotification(cloudTrailSnsMessage(BUCKET, [keyOf('K'), keyOf('L')])),
      ]);
      const [fine, failing] = event.Records.map((record) => record.messageId);
      const { handler, metrics } = setup();

      // Act
      const result = await handler(event);

      // Assess
      expect(failedIds(result)).toEqual([failing]);
      expect(failedIds(result)).not.toContain(fine);
      expect(getObjectKeys()).toEqual([keyOf('K'), keyOf('L')]);
      expect(metrics.points).toContainEqual({
        name: 'ObjectsFailed',
        value: 1,
        unit: 'Count',
        dimensions: undefined,
      });
    });

    it('skips, without reporting, a message naming a bucket or key that does not exist', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand, { Bucket: 'no-such-bucket' })
        .rejects(new S3ServiceException({ name: 'NoSuchBucket', $fault: 'client', $metadata: {} }));
      s3Mock
        .on(GetObjectCommand, { Bucket: BUCKET })
        .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
      const event = sqsEvent([
        cloudTrailSnsMessage('no-such-bucket', [keyOf('A')]),
        cloudTrailSnsMessage(BUCKET, [keyOf('B')]),
      ]);
      const { handler, logger, metrics } = setup();

      // Act
      const result = await handler(event);

      // Assess
      expect(failedIds(result)).toEqual([]);
      expect(result).toMatchObject({ skippedObjects: 2, logFiles: 0 });
      expect(logger.entries).toContainEqual({
        level: 'error',
        message: 'Object skipped: its bucket does not exist',
        extra: { bucket: 'no-such-bucket', s3Key: keyOf('A'), reason: 'bucket-not-found' },
      });
      expect(metrics.points).toContainEqual({
        name: 'ObjectsSkipped',
        value: 1,
        unit: 'Count',
        dimensions: { reason: 'bucket-not-found' },
      });
    });

    it('reports nothing for a batch of messages that name nothing', async () => {
      // Prepare
      const event = sqsEvent(['', '{}', snsNotification(s3TestEvent())]);
      const { handler } = setup();

      // Act
      const result = await handler(event);

      // Assess
      expect(failedIds(result)).toEqual([]);
      expect(getObjectKeys()).toEqual([]);
    });

    it('still throws for an S3 notification invoking the function directly', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(accessDenied());
      const { handler } = setup();

      // Act
      const outcome = handler(s3Event([keyOf('A')]));

      // Assess
      await expect(outcome).rejects.toThrow(TriggerProcessingError);
    });
  });

  describe('configuration from the environment', () => {
    const saved = process.env.ALERT_TOPIC_ARN;

    afterEach(() => {
      if (saved === undefined) delete process.env.ALERT_TOPIC_ARN;
      else process.env.ALERT_TOPIC_ARN = saved;
    });

    it('publishes to ALERT_TOPIC_ARN when no topic is injected', async () => {
      // Prepare
      const envTopic = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:from-environment`;
      process.env.ALERT_TOPIC_ARN = envTopic;
      const key = logFileKey();
      bucketHolds({ [key]: logFileBody([cloudTrailRecord()]) });
      const { handler } = setup({ topicArn: undefined });

      // Act
      await handler(s3Event([key]));

      // Assess
      expect(publishRequests().map((request) => request.TopicArn)).toEqual([envTopic]);
    });

    it('fails clearly when ALERT_TOPIC_ARN is missing', async () => {
      // Prepare
      delete process.env.ALERT_TOPIC_ARN;
      const key = logFileKey();
      bucketHolds({ [key]: logFileBody([cloudTrailRecord()]) });
      const { handler } = setup({ topicArn: undefined });

      // Act
      const outcome = handler(s3Event([key]));

      // Assess
      await expect(outcome).rejects.toThrow('ALERT_TOPIC_ARN must be set');
      expect(publishRequests()).toEqual([]);
    });
  });
});
