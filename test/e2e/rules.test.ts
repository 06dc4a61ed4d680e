import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { createHandler } from '../../lambda/handler';
import type { GeneratedRecord } from '../../scripts/cloudtrail-factory';
import {
  IDENTITY_PRESETS,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
} from '../../scripts/cloudtrail-factory';
import type { LocalAws } from '../support/local-aws';
import { createLocalPipeline, drainQueue, startLocalAws } from '../support/local-aws';
import { TEAM_RULES } from '../support/team-rules';

interface SnsEnvelope {
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

interface DeliveredAlert {
  eventID: string;
  eventSource: string;
  eventName: string;
  severity: string;
  category: string;
}

const BUCKET = 'e2e-rules-trail-logs';
/** The team's rules, and tagging low. */
const CUSTOM_RULES = {
  ...TEAM_RULES,
  severityRules: [...TEAM_RULES.severityRules, { eventName: 'Tag*', severity: 'low' }],
  defaultSeverity: 'medium',
};

/** What the subscriber got: each alert with the attributes SNS delivered alongside. */
function delivered(messages: readonly Message[]) {
  return messages.map((message) => {
    const envelope = JSON.parse(message.Body ?? '') as SnsEnvelope;
    // fauxqs delivers the whole MessageStructure json: the queue's copy is under `sqs`.
    const structure = JSON.parse(envelope.Message) as { sqs?: string };
    const alert = JSON.parse(structure.sqs ?? '') as DeliveredAlert;
    const attribute = (name: string) => envelope.MessageAttributes?.[name]?.Value;
    return {
      eventID: alert.eventID,
      severity: attribute('severity'),
      eventSource: attribute('eventSource'),
      eventName: attribute('eventName'),
      category: alert.category,
    };
  });
}

describe('End to end: a rules file in MP_AUDIT_RULES shapes what reaches the subscriber', () => {
  let local: LocalAws;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
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
      topic: 'rules-alerts',
      queue: 'rules-subscriber',
    }));
    // Configured only through the environment, as the function is in Lambda.
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    process.env.ALERT_TOPIC_ARN = TopicArn;
    process.env.MP_AUDIT_OWN_RESOURCES = JSON.stringify({ bucketNames: [BUCKET] });
  });

  afterEach(() => {
    delete process.env.MP_AUDIT_RULES;
  });

  afterAll(async () => {
    process.env = savedEnv;
    await local?.stop();
  });

  it('alerts at the severities the rules set, watches MediaLive, and never delivers suppressed events', async () => {
    // Prepare
    process.env.MP_AUDIT_RULES = JSON.stringify(CUSTOM_RULES);
    const rng = createRng(31415);
    const at = { eventTime: '2025-03-14T09:07:00Z', client: 'cli' } as const;
    const operatorUpdate = mediaPackageRecord(rng, {
      ...at,
      source: 'mediapackage.amazonaws.com',
      eventName: 'UpdateChannel',
      identity: IDENTITY_PRESETS.mediaOperator,
    });
    const adminCreate = mediaPackageRecord(rng, {
      ...at,
      source: 'mediapackagev2.amazonaws.com',
      eventName: 'CreateOriginEndpoint',
      identity: IDENTITY_PRESETS.consoleAdmin,
    });
    const adminTag = mediaPackageRecord(rng, {
      ...at,
      source: 'mediapackage-vod.amazonaws.com',
      eventName: 'TagResource',
      identity: IDENTITY_PRESETS.consoleAdmin,
    });
    const liveUpdate = otherServiceRecord(rng, {
      ...at,
      call: 'medialive:UpdateChannel',
      identity: IDENTITY_PRESETS.legacyUser,
    });
    const deployUpdate = mediaPackageRecord(rng, {
      ...at,
      source: 'mediapackage.amazonaws.com',
      eventName: 'UpdateChannel',
      identity: IDENTITY_PRESETS.deployPipeline,
    });
    const deployDelete = mediaPackageRecord(rng, {
      ...at,
      source: 'mediapackagev2.amazonaws.com',
      eventName: 'DeleteChannel',
      identity: IDENTITY_PRESETS.deployPipeline,
    });
    const deployBucketPolicy: GeneratedRecord = {
      ...otherServiceRecord(rng, {
        ...at,
        call: 's3:PutBucketPolicy',
        identity: IDENTITY_PRESETS.deployPipeline,
      }),
      requestParameters: { bucketName: BUCKET, Host: `${BUCKET}.s3.us-west-2.amazonaws.com` },
    };
    const read = mediaPackageRecord(rng, {
      ...at,
      source: 'mediapackage.amazonaws.com',
      eventName: 'DescribeChannel',
      identity: IDENTITY_PRESETS.mediaOperator,
    });
    const noise = otherServiceRecord(rng, { ...at, call: 'ec2:RunInstances' });
    const records = [
      operatorUpdate,
      noise,
      deployUpdate,
      adminCreate,
      read,
      liveUpdate,
      deployDelete,
      adminTag,
      deployBucketPolicy,
    ];
    const key = logObjectKey({
      accountId: '111122223333',
      region: 'us-west-2',
      date: new Date('2025-03-14T09:10:00Z'),
    });
    const body = logFileBody(records);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const handler = createHandler();

    // Act
    const summary = await handler(s3Event([key], { bucket: BUCKET, size: body.length }));
    const alerts = delivered(await drainQueue(sqs, queueUrl));

    // Assess
    expect(summary).toMatchObject({ logFiles: 1, alertsPublished: 5, alertsSuppressed: 2 });
    expect(alerts.sort((a, b) => a.eventID.localeCompare(b.eventID))).toEqual(
      [
        {
          eventID: operatorUpdate.eventID,
          severity: 'high',
          eventSource: 'mediapackage.amazonaws.com',
          eventName: 'UpdateChannel',
          category: 'watched',
        },
        {
          eventID: adminCreate.eventID,
          severity: 'medium',
          eventSource: 'mediapackagev2.amazonaws.com',
          eventName: 'CreateOriginEndpoint',
          category: 'watched',
        },
        {
          eventID: adminTag.eventID,
          severity: 'low',
          eventSource: 'mediapackage-vod.amazonaws.com',
          eventName: 'TagResource',
          category: 'watched',
        },
        {
          eventID: liveUpdate.eventID,
          severity: 'high',
          eventSource: 'medialive.amazonaws.com',
          eventName: 'UpdateChannel',
          category: 'watched',
        },
        {
          eventID: deployBucketPolicy.eventID,
          severity: 'high',
          eventSource: 's3.amazonaws.com',
          eventName: 'PutBucketPolicy',
          category: 'self-protection',
        },
      ].sort((a, b) => a.eventID.localeCompare(b.eventID)),
    );
    const ids = new Set(alerts.map((alert) => alert.eventID));
    expect(ids.has(deployUpdate.eventID)).toBe(false);
    expect(ids.has(deployDelete.eventID)).toBe(false);
  });

  it.each([
    {
      problem: 'a suppression without a reason',
      suppression: { principalArn: 'arn:aws:iam::111122223333:role/deploy' },
      expected: 'suppressions[0].reason: a reason is required',
    },
    {
      // "expire" would otherwise leave the suppression silencing for ever.
      problem: 'a misspelt suppression key',
      suppression: { reason: 'Deploys', account: '111122223333', expire: '2030-01-01' },
      expected: 'suppressions[0].expire: unknown key; did you mean "expires"?',
    },
  ])(
    'fails the invocation, naming MP_AUDIT_RULES and the path, on $problem',
    async ({ suppression, expected }) => {
      // Prepare
      process.env.MP_AUDIT_RULES = JSON.stringify({ version: 1, suppressions: [suppression] });
      const key = logObjectKey({
        accountId: '111122223333',
        region: 'us-west-2',
        date: new Date('2025-03-14T09:15:00Z'),
      });
      const body = logFileBody([
        mediaPackageRecord(createRng(1), {
          source: 'mediapackage.amazonaws.com',
          eventName: 'DeleteChannel',
        }),
      ]);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      const handler = createHandler();

      // Act
      const invocation = handler(s3Event([key], { bucket: BUCKET, size: body.length }));

      // Assess
      await expect(invocation).rejects.toThrow(`MP_AUDIT_RULES: invalid rules:\n  ${expected}`);
      expect(await drainQueue(sqs, queueUrl)).toEqual([]);
    },
  );
});
