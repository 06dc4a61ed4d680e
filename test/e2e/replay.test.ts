/**
 * `mp-audit replay` end to end against fauxqs (S3, SNS, SQS) and dynalite (the idempotency
 * table): a bucket backfill chosen by the delivery time in the key, dry runs, a second run
 * that sends nothing twice, and the dead-letter queue, whose messages go only once their
 * files are done.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { main } from '../../cli/main';
import type { ReplayOptions } from '../../cli/replay';
import { runReplay } from '../../cli/replay';
import type { CommandIo } from '../../cli/io';
import type { GeneratedRecord, Rng } from '../../scripts/cloudtrail-factory';
import {
  cloudTrailRecord,
  createRng,
  digestObjectKey,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
} from '../../scripts/cloudtrail-factory';
import { captureIo } from '../support/captured-io';
import type { FaultProxy } from '../support/fault-proxy';
import { startFaultProxy } from '../support/fault-proxy';
import type { LocalAws } from '../support/local-aws';
import { localClientConfig, messagesLeft, startLocalAws } from '../support/local-aws';
import type { LocalDynamoDb } from '../support/local-dynamodb';
import { startLocalDynamoDb } from '../support/local-dynamodb';

const BUCKET = 'replay-trail-logs';
const TABLE = 'replay-idempotency';
/** The backfilled account; the dead-letter queue tests use another one. */
const PREFIX = 'AWSLogs/111122223333/';
const SINCE = '2025-03-14T10:00Z';
const UNTIL = '2025-03-15T00:00Z';

interface LogFile {
  readonly key: string;
  readonly size: number;
  /** eventIDs of its MediaPackage write calls: the alerts it must produce. */
  readonly writes: readonly string[];
}

/** Two MediaPackage writes among a read and other services' calls, delivered at `delivered`. */
function logFile(rng: Rng, accountId: string, delivered: string): { file: LogFile; body: Buffer } {
  const date = new Date(delivered);
  const eventTime = new Date(date.getTime() - 3 * 60_000);
  const writes = [
    mediaPackageRecord(rng, {
      source: 'mediapackage.amazonaws.com',
      eventName: 'UpdateChannel',
      accountId,
      eventTime,
    }),
    mediaPackageRecord(rng, {
      source: 'mediapackagev2.amazonaws.com',
      eventName: 'DeleteOriginEndpoint',
      accountId,
      eventTime,
    }),
  ];
  const records: GeneratedRecord[] = [
    ...writes,
    mediaPackageRecord(rng, {
      source: 'mediapackage.amazonaws.com',
      eventName: 'DescribeChannel',
      accountId,
      eventTime,
    }),
    otherServiceRecord(rng, { call: 'ec2:RunInstances', accountId, eventTime }),
    otherServiceRecord(rng, { call: 'medialive:UpdateChannel', accountId, eventTime }),
  ];
  const body = logFileBody(rng.shuffle(records));
  return {
    file: {
      key: logObjectKey({ accountId, region: 'us-west-2', date, rng }),
      size: body.length,
      writes: writes.map((record) => record.eventID),
    },
    body,
  };
}

interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

function capture(): { io: CommandIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line) => out.push(line), err: (line) => err.push(line) }, out, err };
}

/** Runs `mp-audit` as the shell would, with clients from the environment. */
async function cli(argv: readonly string[]): Promise<CliRun> {
  const { io, out, err } = capture();
  const code = await main(argv, io);
  return { code, out, err };
}

/** The eventIDs of the alerts a dry run printed (`  event: <id>   file: ...`). */
function printedEventIds(lines: readonly string[]): string[] {
  return [...lines.join('\n').matchAll(/ event: (\S+) {3}file: /g)].map((match) => match[1] ?? '');
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** A Lambda on-failure destination record for an S3 event. */
function onFailureRecord(event: unknown): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: '2025-03-16T08:00:00.000Z',
    requestContext: {
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      functionArn:
        'arn:aws:lambda:us-west-2:111122223333:function:mediapackage-audit-alerts:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'TriggerProcessingError',
      errorMessage: '1 object(s) failed: Rate exceeded',
    },
  });
}

describe('mp-audit replay end to end', () => {
  let local: LocalAws;
  let dynamo: LocalDynamoDb;
  let proxy: FaultProxy;
  let s3: S3Client;
  let sqs: SQSClient;
  let topicArn: string;
  let subscriberUrl: string;
  let rng: Rng;
  let files: Record<'early' | 'atSince' | 'inside' | 'atUntil' | 'late', LogFile>;
  const savedEnv = { ...process.env };

  async function put(key: string, body: Buffer | string): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  async function upload(accountId: string, delivered: string): Promise<LogFile> {
    const { file, body } = logFile(rng, accountId, delivered);
    await put(file.key, body);
    return file;
  }

  /** Receives and deletes the alerts at the subscriber: their eventIDs. */
  async function drainAlerts(waitSeconds = 1): Promise<string[]> {
    return (await drainMessages(waitSeconds)).map((message) => message.eventID);
  }

  /** Receives and deletes the alerts at the subscriber: eventID and `storm` attribute. */
  async function drainMessages(
    waitSeconds = 1,
  ): Promise<{ eventID: string; storm: string | undefined }[]> {
    const received: { eventID: string; storm: string | undefined }[] = [];
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: subscriberUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
        }),
      );
      if (Messages === undefined || Messages.length === 0) return received;
      for (const message of Messages) {
        // fauxqs delivers the whole MessageStructure json: the queue's copy is under `sqs`.
        const envelope = JSON.parse(message.Body ?? '') as {
          Message: string;
          MessageAttributes?: Record<string, { Value: string }>;
        };
        const structure = JSON.parse(envelope.Message) as { sqs: string };
        received.push({
          eventID: (JSON.parse(structure.sqs) as { eventID: string }).eventID,
          storm: envelope.MessageAttributes?.storm?.Value,
        });
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: subscriberUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }

  async function createDlq(name: string, bodies: readonly string[]): Promise<string[]> {
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const ids: string[] = [QueueUrl];
    for (const body of bodies) {
      const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      ids.push(MessageId ?? '');
    }
    return ids;
  }

  async function idempotencyRecords(): Promise<number> {
    const { Count } = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
    return Count ?? 0;
  }

  beforeAll(async () => {
    [local, dynamo] = await Promise.all([startLocalAws(), startLocalDynamoDb()]);
    proxy = await startFaultProxy({ target: local.endpoint, seed: 7 });
    const config = localClientConfig(local.endpoint);
    s3 = new S3Client(config);
    sqs = new SQSClient(config);
    const sns = new SNSClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ TopicArn: topicArn = '' } = await sns.send(
      new CreateTopicCommand({ Name: 'replay-alerts' }),
    ));
    ({ QueueUrl: subscriberUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'replay-subscriber' }),
    ));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: subscriberUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
    );
    sns.destroy();
    await dynamo.createIdempotencyTable(TABLE);

    rng = createRng(4242);
    files = {
      early: await upload('111122223333', '2025-03-14T09:55:00Z'),
      atSince: await upload('111122223333', '2025-03-14T10:00:00Z'),
      inside: await upload('111122223333', '2025-03-14T13:25:00Z'),
      atUntil: await upload('111122223333', '2025-03-15T00:00:00Z'),
      late: await upload('111122223333', '2025-03-15T08:00:00Z'),
    };
    // Neither is a log file: listing them must not make the backfill fail.
    await put(
      digestObjectKey({
        accountId: '111122223333',
        region: 'us-west-2',
        date: new Date('2025-03-14T11:00:31Z'),
      }),
      '{"digestEndTime":"2025-03-14T11:00:31Z"}',
    );
    await put('AWSLogs/111122223333/ConfigWritabilityCheckFile', 'written by AWS Config');

    // The CLI builds its clients from the SDK's standard variables, as on a laptop.
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    delete process.env.ALERT_TOPIC_ARN;
    delete process.env.IDEMPOTENCY_TABLE_NAME;
  });

  afterEach(() => {
    proxy.configure({});
  });

  afterAll(async () => {
    process.env = savedEnv;
    s3?.destroy();
    sqs?.destroy();
    await proxy?.stop();
    await dynamo?.stop();
    await local?.stop();
  });

  describe('--bucket backfill', () => {
    const window = ['--bucket', BUCKET, '--prefix', PREFIX, '--since', SINCE, '--until', UNTIL];

    it('selects files by the delivery time in their key, since inclusive and until exclusive, and a dry run publishes and records nothing', async () => {
      // Act
      const run = await cli(['replay', ...window, '--dry-run', '--idempotency-table', TABLE]);
      const delivered = await drainAlerts();

      // Assess
      // The objects were all written today: only the time in the key tells them apart.
      expect(run.code).toBe(0);
      expect(sorted(printedEventIds(run.out))).toEqual(
        sorted([...files.atSince.writes, ...files.inside.writes]),
      );
      expect(run.err.at(-1)).toMatch(/\(dry run\): files 2, .*alerts found 4, .*failed 0$/);
      expect(delivered).toEqual([]);
      expect(await idempotencyRecords()).toBe(0);
    });

    it('publishes each alert once however often it runs, and a wider run sends only the rest', async () => {
      // Prepare
      const publish = ['--topic-arn', topicArn, '--idempotency-table', TABLE];

      // Act
      const first = await cli(['replay', ...window, ...publish]);
      const firstAlerts = await drainAlerts();
      const second = await cli(['replay', ...window, ...publish]);
      const secondAlerts = await drainAlerts();
      const everything = await cli(['replay', '--bucket', BUCKET, '--prefix', PREFIX, ...publish]);
      const everythingAlerts = await drainAlerts();

      // Assess
      expect([first.code, second.code, everything.code]).toEqual([0, 0, 0]);
      expect(sorted(firstAlerts)).toEqual(
        sorted([...files.atSince.writes, ...files.inside.writes]),
      );
      expect(first.err.at(-1)).toMatch(/files 2, .*alerts published 4, already sent 0,/);
      expect(secondAlerts).toEqual([]);
      expect(second.err.at(-1)).toMatch(/files 2, .*alerts published 0, already sent 4,/);
      expect(sorted(everythingAlerts)).toEqual(
        sorted([...files.early.writes, ...files.atUntil.writes, ...files.late.writes]),
      );
      expect(everything.err.at(-1)).toMatch(/files 5, .*alerts published 6, already sent 4,/);
    });
  });

  describe('a replayed backlog that is a storm', () => {
    it('gives people the first alerts of the storm and machines every event, as the function does', async () => {
      // Prepare: 8 TagResource calls by one role, a rules file with a threshold of 3
      const account = '999988887777';
      const records = Array.from({ length: 8 }, (_, index) =>
        cloudTrailRecord({
          eventName: 'TagResource',
          eventID: `5f0c2a7e-0000-4000-8000-${String(index).padStart(12, '0')}`,
          requestParameters: { id: `storm-${index}`, tags: { team: 'live' } },
        }),
      );
      await put(
        logObjectKey({ accountId: account, region: 'us-west-2', date: new Date(), rng }),
        logFileBody(records),
      );
      const rulesFile = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), 'replay-storm-')),
        'rules.json',
      );
      fs.writeFileSync(
        rulesFile,
        JSON.stringify({ version: 1, storms: { threshold: 3, windowMinutes: 60 } }),
      );

      // Act
      const run = await cli([
        'replay',
        '--bucket',
        BUCKET,
        '--prefix',
        `AWSLogs/${account}/`,
        '--rules',
        rulesFile,
        '--topic-arn',
        topicArn,
        '--idempotency-table',
        TABLE,
      ]);
      const delivered = await drainMessages();

      // Assess
      expect(run.code).toBe(0);
      expect(sorted(delivered.map((message) => message.eventID))).toEqual(
        sorted(records.map((record) => String(record.eventID))),
      );
      const people = delivered.filter((message) => message.storm === undefined);
      expect(people).toHaveLength(3);
      expect(delivered.filter((message) => message.storm === 'collapsed')).toHaveLength(5);
    });
  });

  describe('on a terminal and with --quiet', () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('draws objects done and alerts only when standard error is a terminal, and --quiet keeps only the alerts', async () => {
      // Prepare: a clock that moves 300 ms each time it is read, so every object is a slow one.
      let now = Date.now();
      jest.spyOn(Date, 'now').mockImplementation(() => (now += 300));
      const backfill = ['replay', '--bucket', BUCKET, '--prefix', PREFIX, '--dry-run'];
      const terminal = captureIo({ terminal: true });
      const pipe = captureIo();
      const quiet = captureIo({ terminal: true });

      // Act
      const codes = [
        await main(backfill, terminal),
        await main(backfill, pipe),
        await main(['-q', ...backfill], quiet),
      ];

      // Assess
      expect(codes).toEqual([0, 0, 0]);
      const drawn = terminal.statusLines.filter((line) => line !== '');
      expect(drawn.length).toBeGreaterThan(0);
      for (const line of drawn) {
        expect(line).toMatch(/^objects [1-5]\/5, alerts \d+, already sent 0$/);
      }
      expect(terminal.statusLines.at(-1)).toBe('');
      expect(pipe.statusLines).toEqual([]);
      expect(pipe.stderr).toEqual([
        expect.stringMatching(/^mp-audit replay \(dry run\): files 5, /),
      ]);
      expect(quiet.statusLines).toEqual([]);
      expect(quiet.stderr).toEqual([]);
      expect(sorted(printedEventIds(quiet.stdout))).toEqual(sorted(printedEventIds(pipe.stdout)));
      expect(printedEventIds(quiet.stdout).length).toBeGreaterThan(0);
    });
  });

  describe('--from-dlq', () => {
    // fauxqs names its queues `http://sqs.<region>.localhost:<port>/...`, and the SQS client
    // sends to a queue URL's own host unless its endpoint is set in code (AWS_ENDPOINT_URL is
    // not enough), which this host cannot resolve: these runs get their clients injected.
    let receipts: Map<string, string>;
    let clients: { s3: S3Client; sns: SNSClient; sqs: SQSClient };
    const publishing = { dryRun: false, idempotencyTable: TABLE };

    beforeEach(() => {
      receipts = new Map();
      const replaySqs = new SQSClient(localClientConfig(local.endpoint));
      // Lets a test end a message's visibility timeout, as the passing of time would.
      replaySqs.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const { Messages } = result.output as { Messages?: Message[] };
          for (const message of Messages ?? []) {
            receipts.set(message.MessageId ?? '', message.ReceiptHandle ?? '');
          }
          return result;
        },
        { step: 'initialize', name: 'recordReceiptHandles' },
      );
      clients = {
        // S3 through the proxy: it can deny a read.
        s3: new S3Client(localClientConfig(proxy.endpoint)),
        sns: new SNSClient(localClientConfig(local.endpoint)),
        sqs: replaySqs,
      };
    });

    afterEach(() => {
      clients.s3.destroy();
      clients.sns.destroy();
      clients.sqs.destroy();
    });

    async function replay(options: ReplayOptions): Promise<CliRun> {
      const { io, out, err } = capture();
      const code = await runReplay(options, io, clients);
      return { code, out, err };
    }

    it('deletes a message once its files are done, keeps one whose file cannot be read, and finishes it once the file can be read', async () => {
      // Prepare
      const readable = await upload('444455556666', '2025-03-16T07:00:00Z');
      const alsoReadable = await upload('444455556666', '2025-03-16T07:05:00Z');
      const denied = await upload('444455556666', '2025-03-16T07:10:00Z');
      const event = (file: LogFile) => s3Event([file.key], { bucket: BUCKET, size: file.size });
      const [dlqUrl = '', , twoFilesId = ''] = await createDlq('replay-dlq', [
        onFailureRecord(event(readable)),
        onFailureRecord({
          Records: [...event(alsoReadable).Records, ...event(denied).Records],
        }),
      ]);
      // The replay's role may not read this object (a bucket policy or a KMS grant missing).
      proxy.configure({ denyS3Read: (bucket, key) => bucket === BUCKET && key === denied.key });

      // Act
      const first = await replay({ ...publishing, fromDlq: dlqUrl, topicArn });
      const firstAlerts = await drainAlerts();
      const leftAfterFirst = await messagesLeft(sqs, dlqUrl);
      // The grant is fixed, and the message's visibility timeout (5 minutes) has run out.
      proxy.configure({});
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: dlqUrl,
          ReceiptHandle: receipts.get(twoFilesId),
          VisibilityTimeout: 0,
        }),
      );
      const second = await replay({ ...publishing, fromDlq: dlqUrl, topicArn });
      const secondAlerts = await drainAlerts();
      const leftAfterSecond = await messagesLeft(sqs, dlqUrl);

      // Assess
      expect(first.code).toBe(1);
      expect(first.err.join('\n')).toContain(`s3://${BUCKET}/${denied.key}: Access Denied`);
      expect(sorted(firstAlerts)).toEqual(sorted([...readable.writes, ...alsoReadable.writes]));
      expect(leftAfterFirst).toBe(1);
      expect(second.code).toBe(0);
      expect(sorted(secondAlerts)).toEqual(sorted(denied.writes));
      expect(second.err.at(-1)).toMatch(/alerts published 2, already sent 2,.* failed 0$/);
      expect(leftAfterSecond).toBe(0);
    });

    it('prints the alerts of a dry run and deletes nothing', async () => {
      // Prepare
      const file = await upload('444455556666', '2025-03-16T08:00:00Z');
      const [dlqUrl = ''] = await createDlq('replay-dlq-dry-run', [
        onFailureRecord(s3Event([file.key], { bucket: BUCKET, size: file.size })),
      ]);
      const recordsBefore = await idempotencyRecords();

      // Act
      const run = await replay({ fromDlq: dlqUrl, dryRun: true });
      const delivered = await drainAlerts();

      // Assess
      expect(run.code).toBe(0);
      expect(sorted(printedEventIds(run.out))).toEqual(sorted(file.writes));
      expect(delivered).toEqual([]);
      expect(await messagesLeft(sqs, dlqUrl)).toBe(1);
      expect(await idempotencyRecords()).toBe(recordsBefore);
    });

    it('leaves a message that is not a failed invocation record in the queue and exits 1', async () => {
      // Prepare
      const [dlqUrl = ''] = await createDlq('replay-dlq-foreign', ['not a Lambda record']);

      // Act
      const run = await replay({ ...publishing, fromDlq: dlqUrl, topicArn });

      // Assess
      expect(run.code).toBe(1);
      expect(run.err.join('\n')).toMatch(/is not a failed invocation record: .*left in the queue/);
      expect(await messagesLeft(sqs, dlqUrl)).toBe(1);
    });
  });

  describe('usage errors', () => {
    it.each([
      [['replay'], /give exactly one of --from-dlq <queue-url> or --bucket <name>/],
      [['replay', '--bucket', BUCKET, '--from-dlq', 'q'], /give exactly one of --from-dlq/],
      [['replay', '--bucket', BUCKET, '--since', 'yesterday'], /--since expects a date/],
      [['replay', '--bucket', BUCKET, '--until', '2025-13-45'], /--until expects a date/],
      [['replay', '--bucket', BUCKET, '--frobnicate'], /frobnicate/],
      [['replay', '--bucket'], /--bucket/],
      [['replay', '--bucket', BUCKET], /--topic-arn \(or ALERT_TOPIC_ARN\) is required/],
    ])('exits 2 for %j without touching anything', async (argv, message) => {
      // Act
      const run = await cli(argv);
      // A usage error stops before any client exists: a look without waiting is enough.
      const delivered = await drainAlerts(0);

      // Assess
      expect(run.code).toBe(2);
      expect(run.err.join('\n')).toMatch(message);
      expect(run.out).toEqual([]);
      expect(delivered).toEqual([]);
    });
  });
});
