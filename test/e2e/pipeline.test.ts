import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalAws } from '../support/local-aws';
import { createLocalPipeline, drainQueue, startLocalAws } from '../support/local-aws';
import { s3Event } from '../../scripts/cloudtrail-factory';
import type { ExpectedAlert } from '../../scripts/make-samples';

interface SnsEnvelope {
  Message: string;
  Subject?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

const SAMPLES = join(__dirname, '..', '..', 'samples');
const BUCKET = 'e2e-trail-logs';
const LOG_KEY =
  'AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/111122223333_CloudTrail_us-west-2_20250314T0910Z_WPjqspSWNA8v2gvx.json.gz';

describe('End to end: S3 log object in, SNS alert out at the subscriber queue', () => {
  let local: LocalAws;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
  let handler: (event: unknown) => Promise<unknown>;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    local = await startLocalAws();
    let TopicArn: string;
    ({
      s3,
      sqs,
      topicArn: TopicArn,
      queueUrl,
    } = await createLocalPipeline(local.endpoint, {
      bucket: BUCKET,
      topic: 'alerts',
      queue: 'subscriber',
    }));
    // The handler is configured only through the SDK's standard variables, as in Lambda.
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    process.env.ALERT_TOPIC_ARN = TopicArn;
    ({ handler } = await import('../../lambda/handler'));
  });

  afterAll(async () => {
    process.env = savedEnv;
    await local?.stop();
  });

  it('delivers one alert per MediaPackage write call, with filterable attributes', async () => {
    // Prepare
    const expected = (
      JSON.parse(
        await readFile(join(__dirname, '..', 'fixtures', 'sample-alerts.json'), 'utf8'),
      ) as ExpectedAlert[]
    ).filter((alert) => alert.file === LOG_KEY);
    expect(expected.length).toBeGreaterThan(0);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: LOG_KEY,
        Body: await readFile(join(SAMPLES, LOG_KEY)),
      }),
    );

    // Act
    await handler(s3Event([LOG_KEY], { bucket: BUCKET }));
    const messages = await drainQueue(sqs, queueUrl);

    // Assess
    const envelopes = messages.map((message) => JSON.parse(message.Body ?? '') as SnsEnvelope);
    // fauxqs does not split MessageStructure json by protocol: the queue gets the structure.
    const structures = envelopes.map(
      (envelope) => JSON.parse(envelope.Message) as Record<string, string>,
    );
    const alerts = structures.map((structure) => JSON.parse(structure.sqs ?? '') as ExpectedAlert);
    expect(alerts.map((alert) => alert.eventID).sort()).toEqual(
      expected.map((alert) => alert.eventID).sort(),
    );
    for (const [index, envelope] of envelopes.entries()) {
      const alert = alerts[index] as ExpectedAlert;
      const want = expected.find((candidate) => candidate.eventID === alert.eventID);
      expect(envelope.MessageAttributes?.severity?.Value).toBe(want?.severity);
      expect(envelope.MessageAttributes?.outcome?.Value).toBe(want?.outcome);
      expect(envelope.MessageAttributes?.eventName?.Value).toBe(want?.eventName);
      expect(envelope.MessageAttributes?.eventSource?.Value).toBe(want?.eventSource);
      // The subject names the resource (stable, so mail clients thread it); the severity and
      // the call open the email.
      expect(envelope.Subject).toMatch(/^(Audit pipeline: )?[\w -]+ .+ \([a-z0-9-]+, \d{12}\)$/);
      expect(envelope.MessageAttributes?.kind?.Value).toBe('event');
      expect(structures[index]?.email?.split('\n')[0]).toMatch(/^\[(HIGH|MEDIUM|LOW)\] /);
      expect(Object.keys(structures[index] ?? {}).sort()).toEqual(
        ['default', 'email', 'https', 'lambda', 'sqs'].sort(),
      );
      expect(JSON.parse(structures[index]?.https ?? '')).toMatchObject({
        version: '1.0',
        source: 'custom',
        content: { textType: 'client-markdown' },
      });
    }
  });

  it('skips a digest file and a corrupt object in the same event, and still alerts on the log file', async () => {
    // Prepare
    const good = LOG_KEY.replace('WPjqspSWNA8v2gvx', 'with space 0001');
    const digest =
      'AWSLogs/111122223333/CloudTrail-Digest/us-west-2/2025/03/14/111122223333_CloudTrail-Digest_us-west-2_trail_us-east-1_20250314T100031Z.json.gz';
    const corrupt = LOG_KEY.replace('WPjqspSWNA8v2gvx', 'corrupt000000001');
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: good,
        Body: await readFile(join(SAMPLES, LOG_KEY)),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: digest,
        Body: gzipSync('{"digestEndTime":"x"}'),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: corrupt,
        Body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(64, 7)]),
      }),
    );
    const event = s3Event([digest, corrupt, good], { bucket: BUCKET });

    // Act
    const summary = await handler(event);
    const messages = await drainQueue(sqs, queueUrl);

    // Assess
    expect(summary).toMatchObject({ logFiles: 2, skippedObjects: 1, unreadableObjects: 1 });
    const expectedCount = (
      JSON.parse(
        await readFile(join(__dirname, '..', 'fixtures', 'sample-alerts.json'), 'utf8'),
      ) as ExpectedAlert[]
    ).filter((alert) => alert.file === LOG_KEY).length;
    expect(messages).toHaveLength(expectedCount);
    const keys = messages.map((message) => {
      const structure = JSON.parse((JSON.parse(message.Body ?? '') as SnsEnvelope).Message) as {
        sqs: string;
      };
      return (JSON.parse(structure.sqs) as { logObject: { key: string } }).logObject.key;
    });
    expect(new Set(keys)).toEqual(new Set([good]));
  });
});
