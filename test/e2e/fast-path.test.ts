/**
 * End to end, the EventBridge fast path beside the log file path: the built function bundle
 * (dist/function/index.js, required as Lambda loads it), configured only by the environment the
 * stack sets, against fauxqs (S3, SNS and the subscriber's SQS queue; SNS reached through the
 * fault proxy) and dynalite (the idempotency table, so the real idempotent delivery decides).
 * Whatever the order, duplicates and retries, each eventID reaches the subscriber once, none is
 * missed, and the alert says which path came first. Run `npm run build -- --no-types` first.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import type { TriggerSummary } from '../../lambda/pipeline/process-trigger';
import type { GeneratedRecord, MediaPackageSource } from '../../scripts/cloudtrail-factory';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  OTHER_SERVICE_CALLS,
  apiCallEvent,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
} from '../../scripts/cloudtrail-factory';
import type { BundledFunction } from '../support/bundled-function';
import { startBundledFunction } from '../support/bundled-function';
import type { FaultProxy } from '../support/fault-proxy';
import type { LocalPipeline } from '../support/local-aws';
import { alertsOfMessages, drainQueue } from '../support/local-aws';
import type { LocalStack } from '../support/local-stack';
import { startLocalStack, stackEnvironment } from '../support/local-stack';

const SEED = 20_250_314;
const BUCKET = 'fast-path-trail-logs';
const TABLE = 'fast-path-idempotency';
const ACCOUNT_ID = '111122223333';
const SOURCES = Object.keys(MEDIAPACKAGE_WRITE_CALLS) as MediaPackageSource[];

/** What the subscriber reads in each alert, as far as these tests look. */
interface ReceivedAlert {
  readonly eventID: string;
  readonly logObject: { readonly key: string } | null;
  readonly detection: { readonly path: string; readonly delaySeconds: number | null };
}

describe('End to end: the EventBridge fast path and the log file path, one alert per event', () => {
  let stack: LocalStack;
  let proxy: FaultProxy;
  let pipeline: LocalPipeline;
  let fn: BundledFunction;
  const environments: BundledFunction[] = [];
  const rng = createRng(SEED);

  /** MediaPackage writes made seconds ago in `region`, each with a new eventID. */
  function writes(count: number, region = 'us-west-2'): GeneratedRecord[] {
    return Array.from({ length: count }, () => {
      const source = rng.pick(SOURCES);
      return mediaPackageRecord(rng, {
        source,
        eventName: rng.pick(MEDIAPACKAGE_WRITE_CALLS[source]),
        region,
        eventTime: new Date(Date.now() - rng.int(1, 5) * 1000),
      });
    });
  }

  /**
   * Uploads a log file holding `records` among other services' calls, as CloudTrail delivers
   * it, and returns the S3 notification for it.
   */
  async function deliverLogFile(records: readonly GeneratedRecord[]): Promise<S3Event> {
    const region = records[0]?.awsRegion ?? 'us-west-2';
    const noise = Array.from({ length: 6 }, () =>
      otherServiceRecord(rng, { call: rng.pick(OTHER_SERVICE_CALLS), region }),
    );
    const key = logObjectKey({ accountId: ACCOUNT_ID, region, date: new Date(), rng });
    const body = logFileBody(rng.shuffle([...records, ...noise]));
    await pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return s3Event([key], { bucket: BUCKET, size: body.length });
  }

  /** Every alert now in the subscriber queue, hidden from later drains. */
  async function received(): Promise<ReceivedAlert[]> {
    const messages = await drainQueue(pipeline.sqs, pipeline.queueUrl, {
      visibilityTimeout: 3600,
    });
    return alertsOfMessages<ReceivedAlert>(messages);
  }

  /** Each expected eventID exactly once, and nothing else. */
  function expectEachOnce(alerts: readonly ReceivedAlert[], records: readonly GeneratedRecord[]) {
    const copies = new Map<string, number>();
    for (const alert of alerts) copies.set(alert.eventID, (copies.get(alert.eventID) ?? 0) + 1);
    expect([...copies.keys()].sort()).toEqual(records.map((record) => record.eventID).sort());
    expect([...copies].filter(([, count]) => count !== 1)).toEqual([]);
  }

  /** The detection path of each alert, by eventID. */
  function pathsOf(alerts: readonly ReceivedAlert[]): Record<string, string> {
    return Object.fromEntries(alerts.map((alert) => [alert.eventID, alert.detection.path]));
  }

  const every = (records: readonly GeneratedRecord[], path: string): Record<string, string> =>
    Object.fromEntries(records.map((record) => [record.eventID, path]));

  beforeAll(async () => {
    stack = await startLocalStack({
      seed: SEED,
      bucket: BUCKET,
      topic: 'fast-path-alerts',
      queue: 'fast-path-subscriber',
      idempotencyTable: TABLE,
    });
    ({ proxy, pipeline } = stack);
    fn = await newEnvironment();
  });

  /** A new execution environment of the function, configured as the stack configures it. */
  async function newEnvironment(): Promise<BundledFunction> {
    const environment = await startBundledFunction(
      stackEnvironment(stack, { MP_AUDIT_FAST_PATH_REGIONS: 'us-west-2,eu-west-1' }),
    );
    environments.push(environment);
    return environment;
  }

  afterEach(() => proxy.configure({}));

  afterAll(async () => {
    await Promise.all(environments.map((environment) => environment.stop()));
    await stack?.stop();
  });

  it('EventBridge first: its events alert at once, the log file sends only what EventBridge never delivered', async () => {
    // Prepare
    const records = writes(5);
    const [missed, ...fast] = records as [GeneratedRecord, ...GeneratedRecord[]];
    const notification = await deliverLogFile(records);

    // Act
    const fastSummaries: TriggerSummary[] = [];
    for (const record of fast) fastSummaries.push(await fn.invoke(apiCallEvent(record)));
    const fileSummary = await fn.invoke(notification);
    const alerts = await received();

    // Assess
    expectEachOnce(alerts, records);
    expect(pathsOf(alerts)).toEqual({
      ...every(fast, 'eventbridge'),
      [missed.eventID]: 'log-file',
    });
    expect(fastSummaries.map((summary) => summary.alertsPublished)).toEqual([1, 1, 1, 1]);
    expect(fileSummary).toMatchObject({ alertsPublished: 1, alertsAlreadyPublished: 4 });
    for (const alert of alerts.filter((each) => each.detection.path === 'eventbridge')) {
      expect(alert.logObject).toBeNull();
      expect(alert.detection.delaySeconds).toBeLessThan(60);
    }
    const fromFile = alerts.find((alert) => alert.eventID === missed.eventID);
    expect(fromFile?.logObject?.key).toBe(notification.Records[0]?.s3.object.key);
  });

  it('the log file first: it alerts on every write, and the late EventBridge events send nothing', async () => {
    // Prepare
    const records = writes(4, 'eu-west-1');
    const notification = await deliverLogFile(records);

    // Act
    const fileSummary = await fn.invoke(notification);
    const late: TriggerSummary[] = [];
    for (const record of records) late.push(await fn.invoke(apiCallEvent(record)));
    const alerts = await received();

    // Assess
    expectEachOnce(alerts, records);
    expect(pathsOf(alerts)).toEqual(every(records, 'log-file'));
    expect(fileSummary).toMatchObject({ alertsPublished: 4, alertsAlreadyPublished: 0 });
    expect(
      late.map((summary) => [summary.alertsPublished, summary.alertsAlreadyPublished]),
    ).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
  });

  it('duplicated EventBridge events and S3 notifications, interleaved: each event once, by the first path', async () => {
    // Prepare: EventBridge delivers w1 twice before the file and w2 twice after it; S3
    // notifies the file twice, once in an event that names it twice.
    const records = writes(4);
    const [w1, w2] = records as [GeneratedRecord, GeneratedRecord];
    const notification = await deliverLogFile(records);
    const key = notification.Records[0]?.s3.object.key ?? '';
    const twice = s3Event([key, key], { bucket: BUCKET, encode: false });

    // Act
    const summaries = [
      await fn.invoke(apiCallEvent(w1)),
      await fn.invoke(apiCallEvent(w1)),
      await fn.invoke(notification),
      await fn.invoke(apiCallEvent(w2)),
      await fn.invoke(twice),
      await fn.invoke(apiCallEvent(w2)),
      await fn.invoke(notification),
    ];
    const alerts = await received();

    // Assess
    expectEachOnce(alerts, records);
    expect(pathsOf(alerts)).toEqual({ ...every(records, 'log-file'), [w1.eventID]: 'eventbridge' });
    expect(summaries.reduce((sum, summary) => sum + summary.alertsPublished, 0)).toBe(4);
  });

  it('both paths at once: one alert per event; an invocation that lost the race is retried and sends nothing', async () => {
    // Prepare
    const records = writes(6);
    const notification = await deliverLogFile(records);
    // Lambda's async invocation: a failed attempt is retried twice.
    const withRetries = async (event: unknown): Promise<TriggerSummary> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await fn.invoke(event);
        } catch (error) {
          if (attempt === 3) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };

    // Act
    const summaries = await Promise.all([
      withRetries(notification),
      ...records.map((record) => withRetries(apiCallEvent(record))),
    ]);
    const alerts = await received();

    // Assess
    expectEachOnce(alerts, records);
    expect(summaries.reduce((sum, summary) => sum + summary.alertsPublished, 0)).toBe(6);
  });

  it('a fast-path invocation whose publish fails is retried in a new environment and alerts once, via EventBridge', async () => {
    // Prepare
    const records = writes(2);
    const [failing] = records as [GeneratedRecord];
    const notification = await deliverLogFile(records);
    proxy.configure({ sns: { serverError: 1 } });

    // Act: SNS answers 500 to every attempt the SDK makes, so the invocation fails.
    const first = fn.invoke(apiCallEvent(failing));
    await expect(first).rejects.toThrow(/InternalError|publish/i);
    proxy.configure({});
    const retried = await (await newEnvironment()).invoke(apiCallEvent(failing));
    const fileSummary = await fn.invoke(notification);
    const alerts = await received();

    // Assess
    expect(proxy.counts().serverErrors).toBeGreaterThan(0);
    expectEachOnce(alerts, records);
    expect(retried).toMatchObject({ alertsPublished: 1, alertsAlreadyPublished: 0 });
    expect(fileSummary).toMatchObject({ alertsPublished: 1, alertsAlreadyPublished: 1 });
    expect(pathsOf(alerts)).toEqual({
      ...every(records, 'log-file'),
      [failing.eventID]: 'eventbridge',
    });
  });

  it('a fast-path invocation that fails for good leaves no record behind: the log file alerts on its event', async () => {
    // Prepare
    const records = writes(3);
    const notification = await deliverLogFile(records);
    proxy.configure({ sns: { serverError: 1 } });

    // Act
    const failed = await Promise.allSettled(
      records.map((record) => fn.invoke(apiCallEvent(record))),
    );
    proxy.configure({});
    const fileSummary = await fn.invoke(notification);
    const alerts = await received();

    // Assess
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expectEachOnce(alerts, records);
    expect(pathsOf(alerts)).toEqual(every(records, 'log-file'));
    expect(fileSummary).toMatchObject({ alertsPublished: 3, alertsAlreadyPublished: 0 });
  });

  it('a log file invocation whose publish fails: EventBridge alerts meanwhile, and the retry sends only the rest', async () => {
    // Prepare
    const records = writes(3);
    const [fast] = records as [GeneratedRecord];
    const notification = await deliverLogFile(records);
    proxy.configure({ sns: { serverError: 1 } });

    // Act
    await expect(fn.invoke(notification)).rejects.toThrow();
    proxy.configure({});
    const fastSummary = await fn.invoke(apiCallEvent(fast));
    const retried = await fn.invoke(notification);
    const alerts = await received();

    // Assess
    expectEachOnce(alerts, records);
    expect(fastSummary).toMatchObject({ alertsPublished: 1 });
    expect(retried).toMatchObject({ alertsPublished: 2, alertsAlreadyPublished: 1 });
    expect(pathsOf(alerts)).toEqual({
      ...every(records, 'log-file'),
      [fast.eventID]: 'eventbridge',
    });
  });
});
