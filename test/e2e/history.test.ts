/**
 * `mp-audit history` as a whole process (`node bin/mp-audit.js`, built in dist/) against a
 * local LookupEvents endpoint (test/support/local-cloudtrail.ts) reached through
 * AWS_ENDPOINT_URL: two Regions, every watched source, small pages, read calls mixed in, a
 * malformed event, and throttling on every third request.
 */
import { execFile } from 'node:child_process';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MediaPackageSource } from '../../scripts/cloudtrail-factory';
import {
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../scripts/cloudtrail-factory';
import type { LocalAws } from '../support/local-aws';
import {
  drainQueue,
  localClientConfig,
  startLocalAws,
  subscribeNewQueue,
} from '../support/local-aws';
import type { HeldEvent, LocalCloudTrail } from '../support/local-cloudtrail';
import { startLocalCloudTrail } from '../support/local-cloudtrail';
import type { LocalDynamoDb } from '../support/local-dynamodb';
import { startLocalDynamoDb } from '../support/local-dynamodb';

const ROOT = join(__dirname, '..', '..');
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const PAGE_SIZE = 3;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built command with only the endpoint, fake credentials and PATH. */
async function mpAudit(
  args: readonly string[],
  endpoint: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin', 'mp-audit.js'), ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL: endpoint,
          AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
          AWS_SECRET_ACCESS_KEY: 'local-secret',
          AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
          ...env,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Each Region's events: writes and reads of each MediaPackage source, CloudTrail calls. */
function regionEvents(region: string, seed: number) {
  const rng = createRng(seed);
  const now = Date.now();
  let minutes = 0;
  const at = (): Date => new Date(now - (minutes += 7) * 60_000);
  const media = (source: MediaPackageSource, eventName: string): HeldEvent => ({
    record: mediaPackageRecord(rng, { source, eventName, region, eventTime: at() }),
  });
  const writes: HeldEvent[] = [
    media('mediapackage.amazonaws.com', 'UpdateChannel'),
    media('mediapackage.amazonaws.com', 'RotateIngestEndpointCredentials'),
    media('mediapackagev2.amazonaws.com', 'CreateChannel'),
    media('mediapackagev2.amazonaws.com', 'DeleteOriginEndpoint'),
    media('mediapackagev2.amazonaws.com', 'PutChannelPolicy'),
    media('mediapackagev2.amazonaws.com', 'UpdateChannel'),
    media('mediapackage-vod.amazonaws.com', 'DeleteAsset'),
    {
      record: {
        ...otherServiceRecord(rng, { call: 's3:CreateBucket', region }),
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        readOnly: false,
        eventTime: at().toISOString(),
        requestParameters: { name: 'management-trail' },
      },
    },
  ];
  const reads: HeldEvent[] = [
    media('mediapackage.amazonaws.com', 'DescribeChannel'),
    media('mediapackagev2.amazonaws.com', 'GetChannel'),
    media('mediapackagev2.amazonaws.com', 'ListOriginEndpoints'),
    media('mediapackagev2.amazonaws.com', 'GetOriginEndpoint'),
    media('mediapackage-vod.amazonaws.com', 'ListAssets'),
  ];
  const malformed: HeldEvent = {
    record: {
      eventID: `malformed-${region}`,
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'UpdateChannel',
      eventTime: at().toISOString(),
    },
    rawCloudTrailEvent: '{"eventVersion":"1.09","eventSource":"mediapackagev2.amaz',
  };
  return { writes, reads, all: [...writes, ...reads, malformed] };
}

describe('Command: mp-audit history (whole process, local LookupEvents)', () => {
  const data = REGIONS.map((region, index) => ({ region, ...regionEvents(region, 10 + index) }));
  let server: LocalCloudTrail;
  let run: Run;

  beforeAll(async () => {
    server = await startLocalCloudTrail({
      events: Object.fromEntries(data.map(({ region, all }) => [region, all])),
      pageSize: PAGE_SIZE,
      throttle: (requestNumber) => requestNumber % 3 === 0,
    });
    run = await mpAudit(
      ['history', '--json', '--since', '2d', ...REGIONS.flatMap((region) => ['--region', region])],
      server.endpoint,
    );
  }, 120_000);

  afterAll(async () => {
    await server.close();
  });

  it('prints one alert per write call, none for reads, and exits 0', () => {
    // Assess
    expect(run.stderr).not.toContain('mp-audit: ');
    expect(run.code).toBe(0);
    const alerted = run.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { eventID: string }).eventID);
    const writes = data.flatMap(({ writes: held }) => held.map(({ record }) => record.eventID));
    expect([...alerted].sort()).toEqual([...writes].sort());
    expect(new Set(alerted).size).toBe(alerted.length);
  });

  it('follows every page of every source in every Region, one EventSource a request', () => {
    // Assess
    const answered = server.requests.filter((request) => !request.throttled);
    for (const { region, all } of data) {
      for (const source of [
        'mediapackage.amazonaws.com',
        'mediapackagev2.amazonaws.com',
        'mediapackage-vod.amazonaws.com',
        'cloudtrail.amazonaws.com',
      ]) {
        const held = all.filter(({ record }) => record.eventSource === source).length;
        const pages = answered.filter(
          (request) => request.region === region && request.eventSource === source,
        );
        expect(pages).toHaveLength(Math.max(1, Math.ceil(held / PAGE_SIZE)));
      }
    }
  });

  it('survives throttling, keeping to 2 requests a second per Region', () => {
    // Assess
    expect(server.requests.filter((request) => request.throttled).length).toBeGreaterThan(2);
    expect(run.stderr).toMatch(/throttled \d+ \(retried\)/);
    for (const region of REGIONS) {
      const times = server.requests
        .filter((request) => request.region === region)
        .map((request) => request.at);
      for (let i = 2; i < times.length; i += 1) {
        expect((times[i] ?? 0) - (times[i - 2] ?? 0)).toBeGreaterThanOrEqual(1000);
      }
    }
  });

  it('skips the malformed event with a line and counts it', () => {
    // Assess
    for (const region of REGIONS) {
      expect(run.stderr).toContain(
        `mp-audit history: skipped a bad event malformed-${region} in ${region}: CloudTrailEvent is not valid JSON`,
      );
    }
    expect(run.stderr).toMatch(/events 28 \(ignored 10: .*\), alerts 16, .*bad events skipped 2/);
  });
});

describe('Command: mp-audit history --publish (local SNS, SQS and DynamoDB)', () => {
  const TABLE = 'history-idempotency';
  const { writes, all } = regionEvents('us-east-1', 30);
  let server: LocalCloudTrail;
  let local: LocalAws;
  let dynamo: LocalDynamoDb;
  let sqs: SQSClient;
  let topicArn: string;
  let subscriberUrl: string;

  beforeAll(async () => {
    [server, local, dynamo] = await Promise.all([
      startLocalCloudTrail({ events: { 'us-east-1': all }, pageSize: PAGE_SIZE }),
      startLocalAws(),
      startLocalDynamoDb(),
    ]);
    const config = localClientConfig(local.endpoint);
    const sns = new SNSClient(config);
    sqs = new SQSClient(config);
    ({ TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: 'alerts' })));
    subscriberUrl = await subscribeNewQueue(sns, sqs, topicArn, 'history-subscriber');
    sns.destroy();
    await dynamo.createIdempotencyTable(TABLE);
  }, 60_000);

  afterAll(async () => {
    sqs.destroy();
    await Promise.all([server.close(), local.stop(), dynamo.stop()]);
  });

  it('sends each alert once, and nothing on a second run', async () => {
    // Prepare
    const publish = async (): Promise<Run> =>
      mpAudit(
        ['history', '--json', '--region', 'us-east-1', '--publish', '--topic-arn', topicArn],
        local.endpoint,
        {
          AWS_ENDPOINT_URL_CLOUDTRAIL: server.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          IDEMPOTENCY_TABLE_NAME: TABLE,
        },
      );

    // Act
    const first = await publish();
    const second = await publish();
    const messages = await drainQueue(sqs, subscriberUrl);

    // Assess
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`published ${writes.length}, already sent 0`);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`published 0, already sent ${writes.length}`);
    expect(messages).toHaveLength(writes.length);
  });
});
