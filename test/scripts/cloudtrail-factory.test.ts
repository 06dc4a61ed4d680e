import { createHash } from 'node:crypto';
import {
  apiCallEvent,
  CLOUDTRAIL_QUEUE_ARN,
  CLOUDTRAIL_TOPIC_ARN,
  IDENTITY_PRESETS,
  cloudTrailRecord,
  cloudTrailSnsMessage,
  createRng,
  digestFileJson,
  digestFileKey,
  digestObjectKey,
  eventBridgeEvent,
  logFileBody,
  logFileKey,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
  s3TestEvent,
  snsNotification,
  sqsEvent,
} from '../../scripts/cloudtrail-factory';
import { DIGEST_KEY, LOG_KEY } from '../support/cloudtrail-keys';

describe('Function: createRng', () => {
  it('repeats the same sequence for the same seed and another for another seed', () => {
    // Prepare
    const draw = (seed: number): string[] => {
      const rng = createRng(seed);
      return [rng.uuid(), rng.hex(8), String(rng.int(1, 1000)), rng.chars(16, 'abc')];
    };

    // Act
    const first = draw(42);
    const again = draw(42);
    const other = draw(43);

    // Assess
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('Function: mediaPackageRecord', () => {
  it('builds byte-identical log files for the same seed', () => {
    // Prepare
    const build = (seed: number): Buffer => {
      const rng = createRng(seed);
      return logFileBody([
        mediaPackageRecord(rng, {
          source: 'mediapackage.amazonaws.com',
          eventName: 'UpdateChannel',
        }),
        mediaPackageRecord(rng, {
          source: 'mediapackagev2.amazonaws.com',
          eventName: 'GetChannel',
        }),
        otherServiceRecord(rng, { call: 'kms:Decrypt' }),
      ]);
    };

    // Act
    const first = build(7);
    const again = build(7);
    const other = build(8);

    // Assess
    expect(again.equals(first)).toBe(true);
    expect(other.equals(first)).toBe(false);
  });

  it('masks v1 ingest credentials and keeps the channel arn shape', () => {
    // Prepare
    const rng = createRng(1);

    // Act
    const record = mediaPackageRecord(rng, {
      source: 'mediapackage.amazonaws.com',
      eventName: 'RotateIngestEndpointCredentials',
      region: 'us-west-2',
      accountId: '444455556666',
      names: { channel: 'sports-main' },
    });

    // Assess
    const response = record.responseElements as {
      arn: string;
      hlsIngest: { ingestEndpoints: { id: string; username: string; password: string }[] };
    };
    expect(record.readOnly).toBe(false);
    expect(record.requestParameters).toEqual({
      id: 'sports-main',
      ingestEndpointId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
    });
    expect(response.arn).toMatch(
      /^arn:aws:mediapackage:us-west-2:444455556666:channels\/[0-9a-f]{32}$/,
    );
    expect(response.hlsIngest.ingestEndpoints.map((e) => [e.username, e.password])).toEqual([
      ['***', '***'],
      ['***', '***'],
    ]);
    expect(response.hlsIngest.ingestEndpoints.map((e) => e.id)).toContain(
      (record.requestParameters as { ingestEndpointId?: string }).ingestEndpointId,
    );
  });

  it('writes v2 policies as JSON strings and reads as readOnly with no response', () => {
    // Prepare
    const rng = createRng(2);
    const names = { channelGroup: 'live-events', channel: 'final-match' };

    // Act
    const put = mediaPackageRecord(rng, {
      source: 'mediapackagev2.amazonaws.com',
      eventName: 'PutChannelPolicy',
      names,
    });
    const get = mediaPackageRecord(rng, {
      source: 'mediapackagev2.amazonaws.com',
      eventName: 'GetChannel',
      names,
    });

    // Assess
    const policy = JSON.parse((put.requestParameters as { policy: string }).policy) as {
      Statement: { Resource: string }[];
    };
    expect(policy.Statement[0]?.Resource).toBe(
      'arn:aws:mediapackagev2:us-west-2:111122223333:channelGroup/live-events/channel/final-match',
    );
    expect(put.readOnly).toBe(false);
    expect(get.readOnly).toBe(true);
    expect(get.responseElements).toBeNull();
  });

  it('records a failed attempt with an error and no response, and can omit readOnly', () => {
    // Prepare
    const rng = createRng(3);

    // Act
    const denied = mediaPackageRecord(rng, {
      source: 'mediapackage-vod.amazonaws.com',
      eventName: 'DeleteAsset',
      identity: IDENTITY_PRESETS.legacyUser,
      errorCode: 'AccessDenied',
    });
    const unflagged = mediaPackageRecord(rng, {
      source: 'mediapackage-vod.amazonaws.com',
      eventName: 'CreateAsset',
      readOnly: 'omit',
    });

    // Assess
    expect(denied.errorCode).toBe('AccessDenied');
    expect(denied.errorMessage).toMatch(
      /^User: arn:aws:iam::111122223333:user\/encoder-automation is not authorized to perform: mediapackage-vod:DeleteAsset on resource: arn:aws:mediapackage-vod:/,
    );
    expect(denied.responseElements).toBeNull();
    expect('readOnly' in unflagged).toBe(false);
    expect(unflagged.requestParameters).toMatchObject({
      sourceArn: expect.stringMatching(/^arn:aws:s3:::/) as unknown,
      sourceRoleArn: expect.stringMatching(/^arn:aws:iam::111122223333:role\//) as unknown,
    });
  });
});

describe('Function: otherServiceRecord', () => {
  it("records MediaPackage's own Secrets Manager call as an AWSService call", () => {
    // Act
    const record = otherServiceRecord(createRng(4), { call: 'secretsmanager:GetSecretValue' });

    // Assess
    expect(record).toMatchObject({
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'GetSecretValue',
      userIdentity: { type: 'AWSService', invokedBy: 'mediapackage.amazonaws.com' },
      sourceIPAddress: 'mediapackage.amazonaws.com',
      readOnly: true,
    });
  });

  it('gives MediaLive UpdateChannel its own event source and keeps IAM in us-east-1', () => {
    // Prepare
    const rng = createRng(5);

    // Act
    const medialive = otherServiceRecord(rng, { call: 'medialive:UpdateChannel' });
    const iam = otherServiceRecord(rng, { call: 'iam:CreateRole', region: 'eu-west-1' });

    // Assess
    expect([medialive.eventSource, medialive.eventName]).toEqual([
      'medialive.amazonaws.com',
      'UpdateChannel',
    ]);
    expect(iam.awsRegion).toBe('us-east-1');
  });
});

describe('Function: logObjectKey', () => {
  it('lays keys out as CloudTrail does, with org id, prefix and plain .json variants', () => {
    // Prepare
    const rng = createRng(6);
    const date = new Date('2025-03-14T09:05:42Z');
    const base = { accountId: '111122223333', region: 'us-west-2', date, rng };

    // Act
    const keys = [
      logObjectKey(base),
      logObjectKey({ ...base, orgId: 'o-a1b2c3d4e5' }),
      logObjectKey({ ...base, prefix: 'trails/prod', orgId: 'o-a1b2c3d4e5' }),
      logObjectKey({ ...base, compressed: false }),
    ];
    const digest = digestObjectKey({ ...base, trailName: 'org-trail', backfill: true });

    // Assess
    for (const key of keys) expect(key).toMatch(LOG_KEY);
    expect(keys[0]).toMatch(
      /^AWSLogs\/111122223333\/CloudTrail\/us-west-2\/2025\/03\/14\/111122223333_CloudTrail_us-west-2_20250314T0905Z_[A-Za-z0-9]{16}\.json\.gz$/,
    );
    expect(keys[2]).toMatch(/^trails\/prod\/AWSLogs\/o-a1b2c3d4e5\/111122223333\/CloudTrail\//);
    expect(keys[3]).toMatch(/\.json$/);
    expect(digest).toMatch(DIGEST_KEY);
    expect(digest).not.toMatch(LOG_KEY);
  });
});

describe('Function: s3Event', () => {
  it('URL-encodes the key with + for spaces and keeps its slashes, unlike the EventBridge event', () => {
    // Prepare
    const key = 'my trails/AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/a+b.json.gz';

    // Act
    const s3 = s3Event([key], { bucket: 'amzn-s3-demo-bucket', size: 1234 });
    const eventBridge = eventBridgeEvent(key, { bucket: 'amzn-s3-demo-bucket', size: 1234 });
    const test = s3TestEvent('amzn-s3-demo-bucket');

    // Assess
    const encoded = s3.Records[0]?.s3.object.key ?? '';
    expect(encoded).toBe(
      'my+trails/AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/a%2Bb.json.gz',
    );
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
    expect(s3.Records[0]).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' });
    expect(eventBridge).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'amzn-s3-demo-bucket' }, object: { key, size: 1234 } },
    });
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent' });
    expect('Records' in test).toBe(false);
  });
});

describe('Function: apiCallEvent', () => {
  it('wraps the record as CloudTrail sends it to EventBridge', () => {
    // Prepare
    const record = mediaPackageRecord(createRng(7), {
      source: 'mediapackage-vod.amazonaws.com',
      eventName: 'DeleteAsset',
    });
    // Act
    const event = apiCallEvent(record);
    // Assess
    expect(event).toMatchObject({
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.mediapackage-vod',
      region: record.awsRegion,
      time: record.eventTime,
      account: record.recipientAccountId,
    });
    expect(event.detail).toBe(record);
    expect(apiCallEvent(record).id).toBe(event.id);
  });
});

describe('Function: cloudTrailSnsMessage', () => {
  it('names the bucket and the keys as they are, as CloudTrail publishes them', () => {
    // Prepare
    const key = 'audit logs/AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/a+b.json.gz';

    // Act
    const message = cloudTrailSnsMessage('amzn-s3-demo-bucket', [key]);

    // Assess
    expect(JSON.stringify(message)).toBe(
      `{"s3Bucket":"amzn-s3-demo-bucket","s3ObjectKey":["${key}"]}`,
    );
  });
});

describe('Function: snsNotification', () => {
  it('wraps the message as a JSON string in the envelope SNS gives an SQS queue', () => {
    // Prepare
    const message = cloudTrailSnsMessage('amzn-s3-demo-bucket', ['AWSLogs/x.json.gz']);

    // Act
    const notification = snsNotification(message);
    const again = snsNotification(JSON.stringify(message));

    // Assess
    expect(notification).toMatchObject({
      Type: 'Notification',
      TopicArn: CLOUDTRAIL_TOPIC_ARN,
      SignatureVersion: '1',
      Timestamp: '2025-03-14T09:00:00.000Z',
    });
    expect(JSON.parse(notification.Message)).toEqual(message);
    expect(notification.MessageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(notification.SigningCertURL).toMatch(
      /^https:\/\/sns\.us-west-2\.amazonaws\.com\/.+\.pem$/,
    );
    expect(notification.UnsubscribeURL).toContain(`SubscriptionArn=${CLOUDTRAIL_TOPIC_ARN}:`);
    expect('Subject' in notification).toBe(false);
    expect(again).toEqual(notification);
  });

  it('takes another topic, subject and time', () => {
    // Act
    const notification = snsNotification('hello', 'arn:aws:sns:eu-west-1:444455556666:trail', {
      subject: 'Test',
      time: new Date('2025-01-02T03:04:05Z'),
    });

    // Assess
    expect(notification).toMatchObject({
      Message: 'hello',
      Subject: 'Test',
      TopicArn: 'arn:aws:sns:eu-west-1:444455556666:trail',
      Timestamp: '2025-01-02T03:04:05.000Z',
    });
    expect(notification.SigningCertURL).toContain('sns.eu-west-1.amazonaws.com');
  });
});

describe('Function: sqsEvent', () => {
  it('delivers each body as an SQS message with the fields Lambda passes', () => {
    // Prepare
    const notification = snsNotification(cloudTrailSnsMessage('amzn-s3-demo-bucket', ['k']));

    // Act
    const event = sqsEvent([notification, 'plain text']);

    // Assess
    const [first, second] = event.Records;
    expect(first).toMatchObject({
      body: JSON.stringify(notification),
      eventSource: 'aws:sqs',
      eventSourceARN: CLOUDTRAIL_QUEUE_ARN,
      awsRegion: 'us-west-2',
      messageAttributes: {},
      md5OfBody: createHash('md5').update(JSON.stringify(notification)).digest('hex'),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.parse('2025-03-14T09:00:00Z')),
      },
    });
    expect(second?.body).toBe('plain text');
    for (const record of event.Records) {
      expect(record.messageId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(record.receiptHandle).toMatch(/^AQEB[A-Za-z0-9+/=]{100,}$/);
      expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(
        Number(record.attributes.SentTimestamp),
      );
    }
  });

  it('gives the same body in another place, or another seed, another messageId; a redelivery the same', () => {
    // Act
    const event = sqsEvent(['same', 'same']);
    const redelivered = sqsEvent(['same', 'same'], { receiveCount: 2 });
    const other = sqsEvent(['same', 'same'], { seed: 'other' });

    // Assess
    const ids = (batch: typeof event): string[] => batch.Records.map((record) => record.messageId);
    expect(new Set(ids(event)).size).toBe(2);
    expect(ids(redelivered)).toEqual(ids(event));
    expect(redelivered.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(ids(other).filter((id) => ids(event).includes(id))).toEqual([]);
  });
});

describe('The example', () => {
  it('keeps its log file, digest and digest key where CloudTrail puts them', () => {
    // Act
    const keys = [logFileKey(), logFileKey({ prefix: 'audit logs', orgId: 'o-a1b2c3d4e5' })];
    const digest = JSON.parse(digestFileJson()) as Record<string, unknown>;

    // Assess
    for (const key of keys) expect(key).toMatch(LOG_KEY);
    expect(digestFileKey()).toMatch(DIGEST_KEY);
    expect(digest.digestS3Object).toBe(digestFileKey());
    expect('Records' in digest).toBe(false);
  });

  it('gives each record a new eventID and leaves out fields set to undefined', () => {
    // Act
    const [first, second] = [cloudTrailRecord(), cloudTrailRecord({ readOnly: undefined })];

    // Assess
    expect(first.eventID).not.toBe(second.eventID);
    expect('readOnly' in first).toBe(true);
    expect('readOnly' in second).toBe(false);
  });
});
