import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type CloudTrailRecordShape,
  IDENTITY_PRESETS,
  createRng,
  digestObjectKey,
  eventBridgeObjectCreatedEvent,
  gzipLogFile,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3PutEvent,
  s3TestEvent,
} from '../scripts/cloudtrail-factory';
import { type LocalAws, localClientConfig, startLocalAws } from './support/local-aws';

/** Written from AWS's description of trail keys, independently of the factory. */
const LOG_KEY =
  /^(?:[^/].*\/)?AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail\/[a-z]{2}(?:-[a-z]+)+-\d\/\d{4}\/\d{2}\/\d{2}\/\d{12}_CloudTrail_[a-z]{2}(?:-[a-z]+)+-\d_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json(?:\.gz)?$/;
const DIGEST_KEY =
  /^(?:[^/].*\/)?AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail-Digest\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/\d{12}_CloudTrail-Digest_[a-z0-9-]+_[\w.-]+_[a-z0-9-]+_\d{8}T\d{6}Z(?:_backfill)?\.json\.gz$/;

const SAMPLES = join(__dirname, '..', 'samples');
const MEDIAPACKAGE = new Set([
  'mediapackage.amazonaws.com',
  'mediapackagev2.amazonaws.com',
  'mediapackage-vod.amazonaws.com',
]);

interface ExpectedAlert {
  eventID: string;
  eventSource: string;
  eventName: string;
  severity: string;
  outcome: string;
  file: string;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
    )
    .sort();
}

function readJsonFile(path: string): unknown {
  const raw = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
}

function sampleKey(path: string): string {
  return relative(SAMPLES, path).split(sep).join('/');
}

function sampleLogFiles(): { key: string; records: CloudTrailRecordShape[] }[] {
  return listFiles(join(SAMPLES, 'AWSLogs'))
    .filter((path) => LOG_KEY.test(sampleKey(path)))
    .map((path) => ({
      key: sampleKey(path),
      records: (readJsonFile(path) as { Records: CloudTrailRecordShape[] }).Records,
    }));
}

/** The alert contract, restated here so a bug in make-samples cannot hide behind itself. */
function alertsIn(key: string, records: CloudTrailRecordShape[]): ExpectedAlert[] {
  return records
    .filter((r) => MEDIAPACKAGE.has(r.eventSource))
    .filter((r) =>
      r.readOnly === undefined ? !/^(Describe|List|Get)/.test(r.eventName) : !r.readOnly,
    )
    .map((r) => {
      const failed = typeof r.errorCode === 'string';
      let severity = 'medium';
      if (failed || r.eventName.startsWith('Rotate') || r.eventName.startsWith('Delete')) {
        severity = 'high';
      } else if (r.eventName.endsWith('Policy')) {
        severity = 'high';
      } else if (r.eventName === 'TagResource' || r.eventName === 'UntagResource') {
        severity = 'low';
      }
      return {
        eventID: r.eventID,
        eventSource: r.eventSource,
        eventName: r.eventName,
        severity,
        outcome: failed ? 'failed' : 'success',
        file: key,
      };
    });
}

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
      return gzipLogFile([
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
      record.requestParameters?.ingestEndpointId,
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
    const policy = JSON.parse(String(put.requestParameters?.policy)) as {
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

describe('Function: s3PutEvent', () => {
  it('URL-encodes the key with + for spaces, unlike the EventBridge event', () => {
    // Prepare
    const key = 'my trails/AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/a+b.json.gz';

    // Act
    const s3 = s3PutEvent('amzn-s3-demo-bucket', key, 1234);
    const eventBridge = eventBridgeObjectCreatedEvent('amzn-s3-demo-bucket', key, 1234);
    const test = s3TestEvent('amzn-s3-demo-bucket');

    // Assess
    const encoded = s3.Records[0]?.s3.object.key ?? '';
    expect(encoded).toBe(
      'my+trails%2FAWSLogs%2F111122223333%2FCloudTrail%2Fus-west-2%2F2025%2F03%2F14%2Fa%2Bb.json.gz',
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

describe('Samples', () => {
  it('holds only log files and digest files under CloudTrail keys', () => {
    // Act
    const keys = listFiles(join(SAMPLES, 'AWSLogs')).map(sampleKey);

    // Assess
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(LOG_KEY.test(key) || DIGEST_KEY.test(key)).toBe(true);
    expect(keys.filter((key) => key.endsWith('.json'))).toHaveLength(1);
    expect(keys.some((key) => key.startsWith('AWSLogs/o-'))).toBe(true);
    expect(keys.filter((key) => DIGEST_KEY.test(key))).toHaveLength(1);
  });

  it('lists in expected-alerts.json exactly the MediaPackage write calls of the files', () => {
    // Prepare
    const expected = readJsonFile(
      join(__dirname, 'fixtures', 'sample-alerts.json'),
    ) as ExpectedAlert[];

    // Act
    const recomputed = sampleLogFiles().flatMap((file) => alertsIn(file.key, file.records));

    // Assess
    const byId = (a: ExpectedAlert, b: ExpectedAlert): number => a.eventID.localeCompare(b.eventID);
    expect([...expected].sort(byId)).toEqual([...recomputed].sort(byId));
    expect(new Set(expected.map((alert) => alert.outcome))).toEqual(new Set(['success', 'failed']));
    expect(new Set(expected.map((alert) => alert.severity))).toEqual(
      new Set(['high', 'medium', 'low']),
    );
    expect(new Set(expected.map((alert) => alert.eventSource))).toEqual(MEDIAPACKAGE);
  });

  it('covers the cases the matcher must tell apart', () => {
    // Act
    const records = sampleLogFiles().flatMap((file) => file.records);
    const has = (predicate: (r: CloudTrailRecordShape) => boolean): boolean =>
      records.some(predicate);

    // Assess
    expect(new Set(records.map((r) => r.eventID)).size).toBe(records.length);
    expect(
      has((r) => r.eventSource === 'medialive.amazonaws.com' && r.eventName === 'UpdateChannel'),
    ).toBe(true);
    expect(has((r) => r.userIdentity.invokedBy === 'mediapackage.amazonaws.com')).toBe(true);
    expect(has((r) => MEDIAPACKAGE.has(r.eventSource) && r.readOnly === undefined)).toBe(true);
    expect(
      has(
        (r) => MEDIAPACKAGE.has(r.eventSource) && r.readOnly === true && r.errorCode !== undefined,
      ),
    ).toBe(true);
    expect(has((r) => r.eventName === 'RotateIngestEndpointCredentials')).toBe(true);
    expect(
      has(
        (r) => r.eventSource === 'mediapackage-vod.amazonaws.com' && r.eventName === 'CreateAsset',
      ),
    ).toBe(true);
    expect(has((r) => r.userIdentity.type === 'Root')).toBe(true);
  });

  it('has a digest file without Records that hashes the log files it lists', () => {
    // Prepare
    const path = listFiles(join(SAMPLES, 'AWSLogs')).find((p) => DIGEST_KEY.test(sampleKey(p)));
    if (path === undefined) throw new Error('no digest file in samples/');

    // Act
    const digest = readJsonFile(path) as {
      Records?: unknown;
      digestS3Object: string;
      logFiles: { s3Object: string; hashValue: string }[];
    };

    // Assess
    expect(digest.Records).toBeUndefined();
    expect(digest.digestS3Object).toBe(sampleKey(path));
    expect(digest.logFiles.length).toBeGreaterThan(0);
    for (const file of digest.logFiles) {
      const body = gunzipSync(readFileSync(join(SAMPLES, file.s3Object)));
      expect(createHash('sha256').update(body).digest('hex')).toBe(file.hashValue);
    }
  });
});

describe('Script: local-aws', () => {
  let local: LocalAws | undefined;

  afterAll(async () => {
    await local?.stop();
  });

  it('serves S3, and SNS delivering to SQS, on loopback', async () => {
    // Prepare
    local = await startLocalAws();
    const config = localClientConfig(local.endpoint);
    const s3 = new S3Client(config);
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const body = gzipLogFile([otherServiceRecord(createRng(9), { call: 'kms:Decrypt' })]);
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/14/sample.json.gz';

    // Act
    await s3.send(new CreateBucketCommand({ Bucket: 'trail-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'trail-bucket', Key: key, Body: body }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'trail-bucket', Key: key }));
    const stored = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'alert-subscriber' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'MediaPackage DeleteChannel',
        Message: 'channel deleted',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );

    // Assess
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stored.equals(body)).toBe(true);
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages?.[0]?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      TopicArn,
      Subject: 'MediaPackage DeleteChannel',
      Message: 'channel deleted',
      MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
    });
  });
});
