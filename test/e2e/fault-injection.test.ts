/**
 * End to end under faults: a seeded corpus of CloudTrail log files goes through the handler,
 * configured by its environment as in Lambda, against fauxqs (S3, SNS, SQS) behind a
 * fault-injecting proxy and dynalite (the idempotency table). SNS calls fail or are throttled,
 * S3 notifications arrive twice, invocations crash mid-file and are retried as Lambda's async
 * invocation retries them, what still fails goes to a dead-letter queue as an on-failure
 * destination record, and `mp-audit replay --from-dlq` finishes the job.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, S3Event } from 'aws-lambda';
import { localLambdaContext } from '../support/lambda-context';
import { runReplay } from '../../cli/replay';
import { createHandler } from '../../lambda/handler';
import type { TriggerSummary } from '../../lambda/pipeline/process-trigger';
import type { GeneratedRecord, MediaPackageSource, Rng } from '../../scripts/cloudtrail-factory';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  OTHER_SERVICE_CALLS,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
} from '../../scripts/cloudtrail-factory';
import type { FaultCounts, FaultProxy, InjectedFault } from '../support/fault-proxy';
import { startFaultProxy } from '../support/fault-proxy';
import type { LocalAws } from '../support/local-aws';
import { localClientConfig, messagesLeft, startLocalAws } from '../support/local-aws';
import type { LocalDynamoDb } from '../support/local-dynamodb';
import { startLocalDynamoDb } from '../support/local-dynamodb';

const SEED = 20_251_125;
const BUCKET = 'fault-injection-trail-logs';
const ACCOUNT_ID = '111122223333';
const FUNCTION_ARN = `arn:aws:lambda:us-west-2:${ACCOUNT_ID}:function:mediapackage-audit-alerts`;
const FILE_COUNT = 60;
/**
 * The emulated function timeout. A hung invocation ends when it runs out; the in-progress
 * idempotency records it leaves expire at the same moment, as they do in Lambda.
 */
const TIMEOUT_MS = 3_000;
/** Lambda retries a failed async invocation twice, after about 1 and 2 minutes: scaled down. */
const RETRY_DELAYS_MS = [20, 40] as const;
/** Invocations running at once, each in its own execution environment. */
const CONCURRENCY = 4;

/** Read calls: they must never alert. */
const MEDIAPACKAGE_READS: Readonly<Record<MediaPackageSource, readonly string[]>> = {
  'mediapackage.amazonaws.com': ['DescribeChannel', 'ListChannels', 'DescribeOriginEndpoint'],
  'mediapackagev2.amazonaws.com': ['GetChannel', 'ListChannelGroups', 'GetOriginEndpoint'],
  'mediapackage-vod.amazonaws.com': ['DescribeAsset', 'ListAssets', 'DescribePackagingGroup'],
};

const SOURCES = Object.keys(MEDIAPACKAGE_WRITE_CALLS) as MediaPackageSource[];

interface LogFile {
  readonly key: string;
  readonly body: Buffer;
  /** eventIDs of the MediaPackage write calls in the file. */
  readonly writes: ReadonlySet<string>;
}

interface Corpus {
  readonly files: readonly LogFile[];
  /** Every MediaPackage write call, deduplicated by eventID. */
  readonly expected: ReadonlySet<string>;
  readonly records: number;
  readonly repeatedInFile: number;
  readonly repeatedAcrossFiles: number;
}

/**
 * Log files five minutes apart, each with a few MediaPackage writes (some failed, some without
 * `readOnly`) among reads, other services' calls and MediaPackage's own service calls, and
 * now and then a record repeated with its eventID, in the same file or a later one.
 */
function buildCorpus(rng: Rng, fileCount: number): Corpus {
  const files: LogFile[] = [];
  const earlierWrites: GeneratedRecord[] = [];
  let records = 0;
  let repeatedInFile = 0;
  let repeatedAcrossFiles = 0;
  const first = Date.parse('2025-03-14T09:00:00Z');
  for (let index = 0; index < fileCount; index += 1) {
    const delivered = new Date(first + index * 5 * 60_000);
    const region = rng.pick(['us-west-2', 'us-west-2', 'eu-west-1']);
    const eventTime = (): Date => new Date(delivered.getTime() - rng.int(60, 600) * 1000);
    const writes = Array.from({ length: rng.int(3, 6) }, () => {
      const source = rng.pick(SOURCES);
      return mediaPackageRecord(rng, {
        source,
        eventName: rng.pick(MEDIAPACKAGE_WRITE_CALLS[source]),
        region,
        eventTime: eventTime(),
        ...(rng.chance(0.15) ? { errorCode: 'AccessDeniedException' } : {}),
        ...(rng.chance(0.1) ? { readOnly: 'omit' as const } : {}),
      });
    });
    const reads = Array.from({ length: rng.int(1, 4) }, () => {
      const source = rng.pick(SOURCES);
      return mediaPackageRecord(rng, {
        source,
        eventName: rng.pick(MEDIAPACKAGE_READS[source]),
        region,
        eventTime: eventTime(),
      });
    });
    const noise = Array.from({ length: rng.int(8, 25) }, () =>
      otherServiceRecord(rng, {
        call: rng.pick(OTHER_SERVICE_CALLS),
        region,
        eventTime: eventTime(),
      }),
    );
    const repeats: GeneratedRecord[] = [];
    if (rng.chance(0.2)) {
      repeats.push(structuredClone(rng.pick(writes)));
      repeatedInFile += 1;
    }
    if (earlierWrites.length > 0 && rng.chance(0.2)) {
      repeats.push(structuredClone(rng.pick(earlierWrites)));
      repeatedAcrossFiles += 1;
    }
    const all = rng.shuffle([...writes, ...reads, ...noise, ...repeats]);
    records += all.length;
    earlierWrites.push(...writes);
    files.push({
      key: logObjectKey({ accountId: ACCOUNT_ID, region, date: delivered, rng }),
      body: logFileBody(all),
      writes: new Set(
        [...writes, ...repeats]
          .filter((record) => SOURCES.includes(record.eventSource as MediaPackageSource))
          .map((record) => record.eventID),
      ),
    });
  }
  return {
    files,
    expected: new Set(files.flatMap((file) => [...file.writes])),
    records,
    repeatedInFile,
    repeatedAcrossFiles,
  };
}

/** How an invocation dies: by an exception, or by hanging until the function times out. */
interface CrashPlan {
  readonly mode: 'throw' | 'hang';
  /** SNS calls that go out before it dies. */
  readonly afterCalls: number;
}

interface Invocation {
  readonly name: string;
  readonly event: S3Event;
  /** What happens on attempt 1, 2 and 3 (undefined: no crash). */
  readonly crashes: readonly (CrashPlan | undefined)[];
}

class EmulatedCrashError extends Error {
  public constructor() {
    super('Runtime exited: emulated crash');
    this.name = 'EmulatedCrashError';
  }
}

type RetryStrategyV2 = Extract<
  NonNullable<SNSClientConfig['retryStrategy']>,
  { acquireInitialRetryToken: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/**
 * The standard strategy's choices (retry throttling and transient errors such as a 500, up to
 * `maxAttempts` in all) with a 2 ms delay instead of a backoff of up to 20 s, so a run with
 * hundreds of faults stays fast.
 */
function quickRetries(maxAttempts: number): RetryStrategyV2 {
  const token = (count: number): RetryToken => ({
    getRetryCount: () => count,
    getRetryDelay: () => 2,
  });
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(0)),
    refreshRetryTokenForRetry: (previous, info) => {
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      if (!retryable || previous.getRetryCount() + 1 >= maxAttempts) {
        return Promise.reject(new Error('no retry left'));
      }
      return Promise.resolve(token(previous.getRetryCount() + 1));
    },
    recordSuccess: () => undefined,
  };
}

function lambdaContext(deadline: number, requestId: string): Context {
  return {
    ...localLambdaContext(requestId, deadline - Date.now()),
    invokedFunctionArn: FUNCTION_ARN,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type AttemptOutcome =
  | { readonly kind: 'ok'; readonly summary: TriggerSummary }
  | { readonly kind: 'error'; readonly error: unknown; readonly crashed: boolean }
  | { readonly kind: 'timeout' };

/**
 * One execution environment: the handler as `createHandler` builds it from the environment,
 * with an SNS client that retries quickly and can make the runtime die after some calls.
 */
class ExecutionEnvironment {
  private plan: CrashPlan | undefined;
  private calls = 0;
  private crashed = false;
  private onHang: () => void = () => undefined;
  private readonly sns: SNSClient;
  private readonly handler: (event: unknown, context?: Context) => Promise<TriggerSummary>;

  public constructor(endpoint: string) {
    this.sns = new SNSClient({ ...localClientConfig(endpoint), retryStrategy: quickRetries(4) });
    // Initialize step: before the SDK's retries, so one call here is one publish however
    // often the SDK retries it.
    this.sns.middlewareStack.add(
      (next) => async (args) => {
        const plan = this.plan;
        if (plan !== undefined && this.calls >= plan.afterCalls) {
          if (plan.mode === 'throw') {
            this.crashed = true;
            throw new EmulatedCrashError();
          }
          this.onHang();
          return new Promise<never>(() => undefined);
        }
        this.calls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'emulatedCrash' },
    );
    this.handler = createHandler({ sns: this.sns, publishOptions: { baseDelayMs: 5 } });
  }

  /** Runs one attempt; a hung runtime ends at the deadline, like a Lambda timeout. */
  public async invoke(
    event: unknown,
    plan: CrashPlan | undefined,
    requestId: string,
  ): Promise<AttemptOutcome> {
    this.plan = plan;
    this.calls = 0;
    this.crashed = false;
    const deadline = Date.now() + TIMEOUT_MS;
    const hung = new Promise<'hung'>((resolve) => {
      this.onHang = () => resolve('hung');
    });
    const run = this.handler(event, lambdaContext(deadline, requestId)).then(
      (summary): AttemptOutcome => ({ kind: 'ok', summary }),
      (error: unknown): AttemptOutcome => ({ kind: 'error', error, crashed: this.crashed }),
    );
    const first = await Promise.race([run, hung]);
    if (first !== 'hung') {
      if (Date.now() > deadline) throw new Error(`${requestId} ran past its emulated timeout`);
      return first;
    }
    await sleep(deadline - Date.now() + 20);
    return { kind: 'timeout' };
  }

  public destroy(): void {
    this.sns.destroy();
  }
}

/** What the emulated Lambda service did. */
interface LambdaRun {
  attempts: number;
  failedAttempts: number;
  thrownCrashes: number;
  timeouts: number;
  sentToDlq: number;
  alertsPublished: number;
  alertsAlreadyPublished: number;
}

/**
 * Lambda's async invocation, scaled down: `CONCURRENCY` environments take events from the
 * queue; a failed attempt is retried twice, a timed-out environment is replaced, and an event
 * that fails three times goes to the dead-letter queue as an on-failure destination record.
 */
async function runAsyncInvocations(
  invocations: readonly Invocation[],
  endpoint: string,
  dlq: { readonly sqs: SQSClient; readonly queueUrl: string },
): Promise<LambdaRun> {
  const run: LambdaRun = {
    attempts: 0,
    failedAttempts: 0,
    thrownCrashes: 0,
    timeouts: 0,
    sentToDlq: 0,
    alertsPublished: 0,
    alertsAlreadyPublished: 0,
  };
  const queue = [...invocations];
  const lane = async (): Promise<void> => {
    let environment = new ExecutionEnvironment(endpoint);
    for (let invocation = queue.shift(); invocation !== undefined; invocation = queue.shift()) {
      let lastError: unknown;
      let done = false;
      for (let attempt = 0; attempt < 3 && !done; attempt += 1) {
        if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 0);
        const plan = invocation.crashes[attempt];
        const outcome = await environment.invoke(
          invocation.event,
          plan,
          `${invocation.name}-attempt-${attempt + 1}`,
        );
        run.attempts += 1;
        if (outcome.kind === 'ok') {
          run.alertsPublished += outcome.summary.alertsPublished;
          run.alertsAlreadyPublished += outcome.summary.alertsAlreadyPublished;
          done = true;
        } else if (outcome.kind === 'timeout') {
          run.failedAttempts += 1;
          run.timeouts += 1;
          environment.destroy();
          environment = new ExecutionEnvironment(endpoint);
          lastError = new Error(`Task timed out after ${TIMEOUT_MS / 1000} seconds`);
        } else {
          run.failedAttempts += 1;
          if (outcome.crashed) run.thrownCrashes += 1;
          lastError = outcome.error;
        }
      }
      if (!done) {
        run.sentToDlq += 1;
        await dlq.sqs.send(
          new SendMessageCommand({
            QueueUrl: dlq.queueUrl,
            MessageBody: JSON.stringify(onFailureRecord(invocation, lastError)),
          }),
        );
      }
    }
    environment.destroy();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return run;
}

/** What Lambda sends an on-failure destination after the last retry. */
function onFailureRecord(invocation: Invocation, error: unknown): unknown {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: invocation.name,
      functionArn: `${FUNCTION_ARN}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: invocation.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: (error as Error).name,
      errorMessage: (error as Error).message,
      trace: [],
    },
  };
}

/** The S3 notification naming several objects at once. */
function combinedEvent(events: readonly S3Event[]): S3Event {
  return { Records: events.flatMap((event) => event.Records) };
}

/**
 * One event per file, some delivered twice, some files named again in a two-file event; the
 * last four files only in two-file events that crash on every attempt (by exception and by
 * timeout), so they reach the dead-letter queue. Other attempts crash now and then.
 */
function buildInvocations(rng: Rng, files: readonly LogFile[]): Invocation[] {
  const events = files.map((file) =>
    s3Event([file.key], { bucket: BUCKET, size: file.body.length }),
  );
  const occasionalCrash = (attempt: number): CrashPlan | undefined => {
    const roll = rng.next();
    if (attempt === 0 && roll < 0.12) return { mode: 'throw', afterCalls: rng.int(0, 3) };
    if (attempt === 0 && roll < 0.2) return { mode: 'hang', afterCalls: rng.int(0, 3) };
    if (attempt === 1 && roll < 0.05) return { mode: 'throw', afterCalls: rng.int(0, 2) };
    return undefined;
  };
  const crashes = (): (CrashPlan | undefined)[] => [0, 1, 2].map(occasionalCrash);
  const regular = events.length - 4;
  const invocations: Invocation[] = [];
  for (let index = 0; index < regular; index += 1) {
    const event = events[index] as S3Event;
    invocations.push({ name: `file-${index}`, event, crashes: crashes() });
    if (rng.chance(0.2)) {
      invocations.push({ name: `file-${index}-again`, event, crashes: crashes() });
    }
  }
  for (let pair = 0; pair < 4; pair += 1) {
    const index = rng.int(0, regular - 2);
    invocations.push({
      name: `files-${index}-and-${index + 1}`,
      event: combinedEvent([events[index] as S3Event, events[index + 1] as S3Event]),
      crashes: crashes(),
    });
  }
  const always = (mode: CrashPlan['mode'], afterCalls: number) =>
    [0, 1, 2].map(() => ({ mode, afterCalls }));
  invocations.push(
    {
      name: `poison-throw-${regular}`,
      event: combinedEvent([events[regular] as S3Event, events[regular + 1] as S3Event]),
      crashes: always('throw', 1),
    },
    {
      name: `poison-hang-${regular + 2}`,
      event: combinedEvent([events[regular + 2] as S3Event, events[regular + 3] as S3Event]),
      crashes: always('hang', 1),
    },
  );
  return rng.shuffle(invocations);
}

interface SnsEnvelope {
  Message: string;
}

/** Receives and deletes everything in the queue: the eventID of each alert, with repeats. */
async function drainAlerts(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const eventIds: string[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages === undefined || Messages.length === 0) return eventIds;
    for (const message of Messages) {
      // fauxqs delivers the whole MessageStructure json: the queue's copy is under `sqs`.
      const structure = JSON.parse((JSON.parse(message.Body ?? '') as SnsEnvelope).Message) as {
        sqs: string;
      };
      eventIds.push((JSON.parse(structure.sqs) as { eventID: string }).eventID);
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The eventIDs of the alerts an SNS publish carried, from its form parameters. */
function eventIdsOfPublish(params: URLSearchParams): string[] {
  return [...params.entries()]
    .filter(([name]) => /^PublishBatchRequestEntries\.member\.\d+\.Message$/.test(name))
    .map(([, message]) => {
      const structure = JSON.parse(message) as { sqs: string };
      return (JSON.parse(structure.sqs) as { eventID: string }).eventID;
    });
}

function faultSummary(counts: FaultCounts): string {
  return (
    `SNS publish calls ${counts.snsPublishCalls}: 500 ${counts.serverErrors}, ` +
    `throttled ${counts.throttles}, batches with failed entries ${counts.batchFailureCalls} ` +
    `(${counts.failedEntries} entries), ambiguous ${counts.ambiguous}`
  );
}

describe('Fault injection: one alert per MediaPackage write call through faults, crashes, retries and replay', () => {
  let local: LocalAws;
  let dynamo: LocalDynamoDb;
  let proxy: FaultProxy;
  let s3: S3Client;
  let sns: SNSClient;
  let sqs: SQSClient;
  let corpus: Corpus;
  let faultListener: (fault: InjectedFault) => void = () => undefined;
  const savedEnv = { ...process.env };

  /** A topic with a subscriber queue, a dead-letter queue and an idempotency table. */
  async function pipelineResources(name: string) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${name}-alerts` }));
    const subscriber = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-subscriber` }));
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: subscriber.QueueUrl,
        AttributeNames: ['QueueArn'],
      }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
    );
    const table = `${name}-idempotency`;
    await dynamo.createIdempotencyTable(table);
    // Read by the handler on its first invocation, as the function reads its configuration.
    process.env.ALERT_TOPIC_ARN = TopicArn;
    process.env.IDEMPOTENCY_TABLE_NAME = table;
    return {
      topicArn: TopicArn ?? '',
      subscriberUrl: subscriber.QueueUrl ?? '',
      dlqUrl: dlq.QueueUrl ?? '',
      table,
    };
  }

  beforeAll(async () => {
    [local, dynamo] = await Promise.all([startLocalAws(), startLocalDynamoDb()]);
    proxy = await startFaultProxy({
      target: local.endpoint,
      seed: SEED,
      onFault: (fault) => faultListener(fault),
    });
    const direct = localClientConfig(local.endpoint);
    s3 = new S3Client(direct);
    sns = new SNSClient(direct);
    sqs = new SQSClient(direct);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    corpus = buildCorpus(createRng(SEED), FILE_COUNT);
    for (const file of corpus.files) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: file.body }));
    }
    // As in Lambda: the SDK's standard variables point every client at its endpoint.
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  });

  afterEach(() => {
    proxy.configure({});
    faultListener = () => undefined;
  });

  afterAll(async () => {
    process.env = savedEnv;
    s3?.destroy();
    sns?.destroy();
    sqs?.destroy();
    await proxy?.stop();
    await dynamo?.stop();
    await local?.stop();
  });

  it('delivers every expected eventID exactly once and leaves the dead-letter queue empty', async () => {
    // Prepare
    const resources = await pipelineResources('faults');
    const invocations = buildInvocations(createRng(SEED + 1), corpus.files);
    expect(corpus.files.length).toBeGreaterThanOrEqual(50);
    expect(corpus.expected.size).toBeGreaterThanOrEqual(200);
    expect(corpus.repeatedInFile).toBeGreaterThan(0);
    expect(corpus.repeatedAcrossFiles).toBeGreaterThan(0);
    expect(invocations.filter(({ name }) => name.endsWith('-again')).length).toBeGreaterThan(0);
    expect(invocations.filter(({ event }) => event.Records.length === 2).length).toBeGreaterThan(2);
    proxy.configure({ sns: { serverError: 0.1, throttle: 0.1, batchEntryFailure: 0.07 } });

    // Act
    const lambda = await runAsyncInvocations(invocations, proxy.endpoint, {
      sqs,
      queueUrl: resources.dlqUrl,
    });
    const faults = proxy.counts();
    proxy.configure({});
    const replayIo = { out: [] as string[], err: [] as string[] };
    const replayClients = {
      s3: new S3Client(localClientConfig(proxy.endpoint)),
      sns: new SNSClient(localClientConfig(proxy.endpoint)),
      sqs,
    };
    const replayCode = await runReplay(
      {
        fromDlq: resources.dlqUrl,
        dryRun: false,
        topicArn: resources.topicArn,
        idempotencyTable: resources.table,
      },
      { out: (line) => replayIo.out.push(line), err: (line) => replayIo.err.push(line) },
      replayClients,
    );
    replayClients.s3.destroy();
    replayClients.sns.destroy();
    const afterReplay = proxy.counts();
    const delivered = tally(await drainAlerts(sqs, resources.subscriberUrl));

    // Assess
    console.info(
      `fault injection: ${corpus.files.length} files, ${corpus.records} records, ` +
        `${corpus.expected.size} expected alerts; ${invocations.length} events, ` +
        `${lambda.attempts} attempts (${lambda.failedAttempts} failed: ${lambda.thrownCrashes} crashes, ` +
        `${lambda.timeouts} timeouts), ${lambda.sentToDlq} to the DLQ; ${faultSummary(faults)}`,
    );
    const faultShare =
      (faults.serverErrors + faults.throttles + faults.batchFailureCalls) / faults.snsPublishCalls;
    expect(faultShare).toBeGreaterThanOrEqual(0.15);
    expect(faultShare).toBeLessThanOrEqual(0.35);
    expect(faults.serverErrors).toBeGreaterThan(0);
    expect(faults.throttles).toBeGreaterThan(0);
    expect(faults.batchFailureCalls).toBeGreaterThan(0);
    expect(faults.ambiguous).toBe(0);
    expect(faults.unrecognisedSnsCalls).toBe(0);
    expect(lambda.thrownCrashes).toBeGreaterThan(0);
    expect(lambda.timeouts).toBeGreaterThan(0);
    expect(lambda.sentToDlq).toBeGreaterThanOrEqual(2);
    expect(lambda.alertsAlreadyPublished).toBeGreaterThan(0);
    expect(replayCode).toBe(0);
    expect(afterReplay.serverErrors + afterReplay.throttles + afterReplay.batchFailureCalls).toBe(
      faults.serverErrors + faults.throttles + faults.batchFailureCalls,
    );
    expect([...delivered.keys()].filter((eventID) => !corpus.expected.has(eventID))).toEqual([]);
    expect([...corpus.expected].filter((eventID) => !delivered.has(eventID))).toEqual([]);
    expect([...delivered].filter(([, copies]) => copies !== 1)).toEqual([]);
    expect(await messagesLeft(sqs, resources.dlqUrl)).toBe(0);
  }, 120_000);

  it('bounds the duplicates of an ambiguous failure (delivered, then answered 500) to one extra copy per affected event', async () => {
    // Prepare
    // SNS accepted the message and the answer was lost: the publisher cannot tell this from a
    // failure, so it publishes again (the SDK retries the call; a failed invocation would be
    // retried by Lambda). The design accepts this as the one way to get a second copy; each
    // lost answer can add one copy, and the proxy loses the answer to a given call only once,
    // so no event may arrive more than twice, and only an event whose answer was lost twice.
    const resources = await pipelineResources('ambiguous');
    const files = corpus.files.slice(0, 12);
    const expected = new Set(files.flatMap((file) => [...file.writes]));
    const affected: string[] = [];
    faultListener = (fault) => {
      if (fault.kind === 'ambiguous') affected.push(...eventIdsOfPublish(fault.params));
    };
    const before = proxy.counts();
    proxy.configure({ sns: { ambiguous: 0.3 } });
    // The handler exactly as deployed: clients, SNS retries and idempotency from the environment.
    const handler = createHandler();

    // Act
    for (const [index, file] of files.entries()) {
      const deadline = Date.now() + 60_000;
      await handler(
        s3Event([file.key], { bucket: BUCKET, size: file.body.length }),
        lambdaContext(deadline, `ambiguous-${index}`),
      );
    }
    const ambiguous = proxy.counts().ambiguous - before.ambiguous;
    const delivered = tally(await drainAlerts(sqs, resources.subscriberUrl));

    // Assess
    console.info(
      `ambiguous failures: ${ambiguous} of ${proxy.counts().snsPublishCalls - before.snsPublishCalls} SNS publish calls, ` +
        `${[...delivered.values()].reduce((sum, copies) => sum + copies, 0) - expected.size} extra copies`,
    );
    expect(ambiguous).toBeGreaterThan(0);
    expect(affected).toHaveLength(ambiguous);
    const lostAnswers = tally(affected);
    expect(new Set(delivered.keys())).toEqual(expected);
    for (const [eventID, copies] of delivered) {
      expect({ eventID, copies }).toEqual({ eventID, copies: 1 + (lostAnswers.get(eventID) ?? 0) });
      expect(copies).toBeLessThanOrEqual(2);
    }
  }, 60_000);

  it('without an idempotency table, retries only the entries SNS reports failed, so a file publishes each alert once', async () => {
    // Prepare
    // Plain batched delivery (no IDEMPOTENCY_TABLE_NAME): up to ten alerts a PublishBatch, and
    // a batch can come back with some entries in Failed. Only those may be sent again.
    const resources = await pipelineResources('batched');
    delete process.env.IDEMPOTENCY_TABLE_NAME;
    const files = corpus.files.slice(12, 30);
    // At least once across files: an event repeated in another file is published by each.
    const expected = tally(files.flatMap((file) => [...file.writes]));
    let partialBatches = 0;
    faultListener = (fault) => {
      const entries = [...fault.params.keys()].filter((name) => name.endsWith('.Id')).length;
      if (fault.kind === 'batch-entry-failure' && (fault.failedEntryIds ?? []).length < entries) {
        partialBatches += 1;
      }
    };
    const before = proxy.counts();
    proxy.configure({ sns: { serverError: 0.1, throttle: 0.1, batchEntryFailure: 0.3 } });
    const snsClient = new SNSClient({
      ...localClientConfig(proxy.endpoint),
      retryStrategy: quickRetries(8),
    });
    const handler = createHandler({
      sns: snsClient,
      publishOptions: { baseDelayMs: 5, maxEntryRetries: 8 },
    });

    // Act
    for (const [index, file] of files.entries()) {
      await handler(
        s3Event([file.key], { bucket: BUCKET, size: file.body.length }),
        lambdaContext(Date.now() + 60_000, `batched-${index}`),
      );
    }
    const after = proxy.counts();
    const delivered = tally(await drainAlerts(sqs, resources.subscriberUrl));
    snsClient.destroy();

    // Assess
    console.info(
      `batched delivery: ${after.snsPublishCalls - before.snsPublishCalls} PublishBatch calls, ` +
        `${after.batchFailureCalls - before.batchFailureCalls} with failed entries ` +
        `(${partialBatches} partly delivered, ${after.failedEntries - before.failedEntries} entries), ` +
        `500 ${after.serverErrors - before.serverErrors}, throttled ${after.throttles - before.throttles}`,
    );
    expect(partialBatches).toBeGreaterThan(0);
    expect(new Map([...delivered].sort())).toEqual(new Map([...expected].sort()));
  }, 60_000);

  it('publishes each MediaPackage write of a file even when records lack an eventID', async () => {
    // Prepare
    // CloudTrail always writes eventID, but the scanner keeps records without one ("two
    // records cannot be told to be the same event"). Their alerts get an eventID derived from
    // a digest of the whole record, so idempotent delivery keys them apart.
    const resources = await pipelineResources('no-event-id');
    const rng = createRng(SEED + 2);
    const withoutId = (eventName: string): GeneratedRecord => {
      const record: Record<string, unknown> = mediaPackageRecord(rng, {
        source: 'mediapackagev2.amazonaws.com',
        eventName,
      });
      delete record.eventID;
      return record as GeneratedRecord;
    };
    const records = [
      withoutId('DeleteChannel'),
      withoutId('DeleteOriginEndpoint'),
      mediaPackageRecord(rng, {
        source: 'mediapackagev2.amazonaws.com',
        eventName: 'CreateChannel',
      }),
    ];
    const key = logObjectKey({
      accountId: ACCOUNT_ID,
      region: 'us-west-2',
      date: new Date('2025-03-15T12:00:00Z'),
    });
    const body = logFileBody(records);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const handler = createHandler();

    // Act
    let summary: TriggerSummary | undefined;
    for (let attempt = 0; attempt < 3 && summary === undefined; attempt += 1) {
      summary = await handler(
        s3Event([key], { bucket: BUCKET, size: body.length }),
        lambdaContext(Date.now() + 60_000, `no-event-id-${attempt}`),
      ).catch(() => undefined);
    }
    const delivered = await drainAlerts(sqs, resources.subscriberUrl);

    // Assess
    expect(summary).toBeDefined();
    expect(delivered).toHaveLength(3);
    expect(delivered).toContain(records[2]?.eventID);
    const derived = delivered.filter((eventID) => eventID !== records[2]?.eventID);
    expect(new Set(derived).size).toBe(2);
    for (const eventID of derived) expect(eventID).toMatch(/^sha256-[0-9a-f]{64}$/);
  });
});
