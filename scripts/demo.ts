/**
 * The whole pipeline on this machine, no AWS account: a local S3/SNS/SQS emulator (fauxqs) and
 * a DynamoDB emulator (dynalite, the idempotency table) on loopback. The Lambda handler first
 * gets the EventBridge `AWS API Call via CloudTrail` events of the samples' MediaPackage writes
 * (the fast path: alerts at once), then the S3 events for the sample log files holding the same
 * calls (nothing is sent twice: the idempotency record per eventID says they went out), and the
 * alerts are printed as their subscribers see them.
 *
 * The samples' calls are moved to the moment the demo starts (their `eventTime`, in the events
 * and in the uploaded files alike), so the delays the alerts state are this run's. EventBridge
 * is best effort: the demo holds back every fourth event, which the log files then alert on.
 *
 * Then the demo's own calls on one v2 channel, live/ch-1 (created, its description updated, then
 * tagged), as EventBridge events: three alerts in one thread, the update saying what changed.
 * Then a storm: a log file of 30 TagResource calls by one role on 30 channels, read with the
 * demo's rules (MP_AUDIT_RULES: storms of more than 5 alerts a minute), so people get 5 and
 * machines all 30, and a scheduled invocation publishes the window's digest.
 *
 *   npm run demo                the EventBridge events, a line per file, one email rendering
 *                               per severity (and the first one's Slack rendering), threads,
 *                               what an update changed, the storm and its digest, totals
 *   npm run demo -- --verbose   every alert as email and Slack show it
 *   npm run demo -- --logs      also the function's own structured log lines
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { StormSettings } from '../lambda/alert/storm';
import { windowOf } from '../lambda/alert/storm';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, FAST_PATH_EVENT_SOURCES } from '../lambda/contract';
import type { StormGate } from '../lambda/deliver/storm-gate';
import { dynamoDbStormGate } from '../lambda/deliver/storm-gate';
import type { TriggerSummary } from '../lambda/pipeline/process-trigger';
import type { CloudTrailRecord } from '../lambda/read/cloudtrail-record';
import { isReadOnlyCall } from '../lambda/read/cloudtrail-record';
import {
  createLocalPipeline,
  drainQueue,
  localClientConfig,
  startLocalAws,
} from '../test/support/local-aws';
import { localLambdaContext } from '../test/support/lambda-context';
import { startLocalDynamoDb } from '../test/support/local-dynamodb';
import type { GeneratedRecord } from './cloudtrail-factory';
import {
  ACCOUNT_ID,
  IDENTITY_PRESETS,
  REGION,
  apiCallEvent,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  s3Event,
  s3TestEvent,
} from './cloudtrail-factory';
import type { DemoAlert, DemoApiCalls, DemoDigest, DemoFile, DemoStorm } from './demo-report';
import { demoMessageOf, demoReport } from './demo-report';

// Read when the first SDK client is built (below, not at import): a demo on Node 20 is not news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SAMPLES = join(__dirname, '..', 'samples');
const BUCKET = 'demo-cloudtrail-logs';
const IDEMPOTENCY_TABLE = 'demo-idempotency';
/** One EventBridge event in this many is held back: EventBridge delivers best effort. */
const WITHHELD_EVERY = 4;
const showLogs = process.argv.includes('--logs');
/** The demo's storms: small enough for a burst of 30 calls to be one. */
const STORMS: StormSettings = { enabled: true, threshold: 5, windowMinutes: 1 };
const STORM_CALLS = 30;
const STORM_ROLE = 'CostTagger';
/** A burst starting closer than this to its window's end waits for the next window. */
const STORM_MARGIN_MS = 5_000;
/**
 * How far ahead the scheduled invocation looks for digests due: a window's digest is due 60 s
 * after the window ends, and the demo cannot wait that long.
 */
const CLOCK_AHEAD_MINUTES = STORMS.windowMinutes + 2;
/** Received messages stay hidden this long, so a later drain does not count them again. */
const SEEN_FOR_SECONDS = 600;
const verbose = process.argv.includes('--verbose');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? listFiles(join(dir, entry.name))
        : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return files.flat().sort();
}

/** A sample file as uploaded: its calls moved to `eventTime`, compressed as it was. */
interface SampleFile {
  readonly key: string;
  readonly body: Buffer;
  readonly records: readonly CloudTrailRecord[];
}

/**
 * Reads a sample file and moves each call's `eventTime` to `eventTime` (only that field; the
 * file's other bytes stay as they are). A file without `Records` (a digest) has no calls.
 */
async function sampleFile(path: string, eventTime: string): Promise<SampleFile> {
  const raw = await readFile(path);
  const gzipped = path.endsWith('.gz');
  const text = (gzipped ? gunzipSync(raw) : raw)
    .toString('utf8')
    .replace(/"eventTime"\s*:\s*"[^"]*"/g, `"eventTime":"${eventTime}"`);
  const { Records } = JSON.parse(text) as { Records?: CloudTrailRecord[] };
  return {
    key: relative(SAMPLES, path).split(sep).join('/'),
    body: gzipped ? gzipSync(text) : Buffer.from(text),
    records: Records ?? [],
  };
}

/** Whether EventBridge sends the record's call to the fast path's rule: a watched write. */
function reachesFastPath(record: CloudTrailRecord): boolean {
  const source =
    typeof record.eventSource === 'string'
      ? `aws.${record.eventSource.replace(/\.amazonaws\.com$/, '')}`
      : '';
  return (FAST_PATH_EVENT_SOURCES as readonly string[]).includes(source) && !isReadOnlyCall(record);
}

/** Sends the records' API call events, one invocation each, holding back every few. */
async function sendApiCalls(
  records: readonly CloudTrailRecord[],
  handler: (event: unknown) => Promise<TriggerSummary>,
): Promise<DemoApiCalls> {
  const calls = records.filter(reachesFastPath);
  let alertsPublished = 0;
  let alertsAlreadyPublished = 0;
  let sent = 0;
  for (const [index, record] of calls.entries()) {
    if (index % WITHHELD_EVERY === WITHHELD_EVERY - 1) continue;
    const summary = await handler(apiCallEvent(record));
    sent += 1;
    alertsPublished += summary.alertsPublished;
    alertsAlreadyPublished += summary.alertsAlreadyPublished;
  }
  return { sent, withheld: calls.length - sent, alertsPublished, alertsAlreadyPublished };
}

/** The demo's own channel: created, its description updated, tagged, a few seconds apart. */
function channelRecords(at: Date): GeneratedRecord[] {
  const rng = createRng(1);
  const calls: [string, Record<string, unknown>][] = [
    ['CreateChannel', { description: 'Live channel ch-1' }],
    ['UpdateChannel', { description: 'Live channel ch-1, backup encoder' }],
    ['TagResource', { tags: { Team: 'live-ops' } }],
  ];
  return calls.map(([eventName, requestParameters], index) =>
    mediaPackageRecord(rng, {
      source: 'mediapackagev2.amazonaws.com',
      eventName,
      identity: IDENTITY_PRESETS.mediaOperator,
      client: 'cli',
      names: { channelGroup: 'live', channel: 'ch-1' },
      requestParameters,
      eventTime: new Date(at.getTime() + index * 5_000),
    }),
  );
}

/** The burst: one role tags 30 v2 channels, a tenth of a second apart, from `at`. */
function burstRecords(at: Date): GeneratedRecord[] {
  const rng = createRng(16);
  return Array.from({ length: STORM_CALLS }, (_, index) =>
    mediaPackageRecord(rng, {
      source: 'mediapackagev2.amazonaws.com',
      eventName: 'TagResource',
      identity: { type: 'AssumedRole', roleName: STORM_ROLE, sessionName: 'tag-sweep' },
      client: 'sdk',
      names: { channelGroup: 'pop-up', channel: `ch-${String(index + 1).padStart(2, '0')}` },
      eventTime: new Date(at.getTime() + index * 100),
    }),
  );
}

/**
 * Waits for the next storm window when this one ends within {@link STORM_MARGIN_MS}: windows
 * are aligned to the clock, and a burst split across two would make two smaller storms.
 */
async function awayFromWindowEnd(): Promise<void> {
  const left = windowOf(new Date(), STORMS.windowMinutes).end - Date.now();
  if (left < STORM_MARGIN_MS) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/**
 * The storm gate as it will see the table {@link CLOCK_AHEAD_MINUTES} from now, for digests
 * only. The pipeline asks for the digests due at `new Date()` (sendDueDigests), and a window's
 * digest is due only 60 s after the window ends: rather than wait, the demo's scheduled
 * invocation gets this gate, and everything else (reading the window and its collapsed events,
 * building the digest, idempotent publishing, marking it sent) is the pipeline's own path.
 */
function gateAhead(gate: StormGate): StormGate {
  const aheadMs = CLOCK_AHEAD_MINUTES * 60_000;
  return {
    decide: (alerts, now) => gate.decide(alerts, now),
    dueDigests: (now, limit) => gate.dueDigests(new Date(now.getTime() + aheadMs), limit),
    markDigestSent: (windowId) => gate.markDigestSent(windowId),
  };
}

/** The EventBridge event of the digests' schedule (one a minute in the stack). */
function scheduledEvent(at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: 'demo-storm-digests',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT_ID,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/storm-digests`],
    detail: {},
  };
}

/** The messages of a drained queue, split into alerts and digests. */
function alertsAndDigests(bodies: readonly string[]): {
  alerts: DemoAlert[];
  digests: DemoDigest[];
} {
  const messages = bodies.map(demoMessageOf);
  return {
    alerts: messages.flatMap((message) => (message.kind === 'digest' ? [] : [message.alert])),
    digests: messages.flatMap((message) => (message.kind === 'digest' ? [message.digest] : [])),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const [local, dynamo] = await Promise.all([startLocalAws(), startLocalDynamoDb()]);
  try {
    const config = localClientConfig(local.endpoint);
    const {
      s3,
      sqs,
      topicArn: TopicArn,
      queueUrl,
    } = await createLocalPipeline(local.endpoint, {
      bucket: BUCKET,
      topic: 'mediapackage-audit-alerts',
      queue: 'alert-subscriber',
    });

    await dynamo.createIdempotencyTable(IDEMPOTENCY_TABLE);
    const paths = (await listFiles(SAMPLES)).filter((file) => /\.json(\.gz)?$/.test(file));
    const calledAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const samples = await Promise.all(paths.map((path) => sampleFile(path, calledAt)));

    // The handler configures itself from the environment, exactly as in Lambda.
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.ALERT_TOPIC_ARN = TopicArn;
    process.env.IDEMPOTENCY_TABLE_NAME = IDEMPOTENCY_TABLE;
    process.env.MP_AUDIT_FAST_PATH_REGIONS = [
      ...new Set(samples.flatMap((sample) => sample.records.map((record) => record.awsRegion))),
    ]
      .filter((region): region is string => typeof region === 'string')
      .join(',');
    process.env.AWS_REGION = config.region;
    process.env.AWS_ACCESS_KEY_ID = config.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = config.credentials.secretAccessKey;
    process.env.POWERTOOLS_LOG_LEVEL = showLogs ? 'INFO' : 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = showLogs ? 'false' : 'true';
    // The demo's rules: the defaults, with storms small enough for the demo's burst.
    process.env.MP_AUDIT_RULES = JSON.stringify({ version: 1, storms: STORMS });
    const { handler: lambdaHandler, createHandler } = await import('../lambda/handler');
    let invocations = 0;
    // Invoked as Lambda invokes it, with a context (idempotency reads the deadline from it).
    const handler = (event: unknown): Promise<TriggerSummary> =>
      lambdaHandler(event, localLambdaContext(`demo-${(invocations += 1)}`));

    console.log(
      `Local AWS emulator (fauxqs) at ${local.endpoint}: bucket ${BUCKET}, topic ${TopicArn}`,
    );
    console.log(`Idempotency table ${IDEMPOTENCY_TABLE} on dynalite at ${dynamo.endpoint}`);

    // S3 sends a test event when a notification is first configured.
    await handler(s3TestEvent(BUCKET));

    // Seconds after the calls, EventBridge delivers them; their log files land minutes later.
    const apiCalls = await sendApiCalls(
      samples.flatMap((sample) => sample.records),
      handler,
    );
    const files: DemoFile[] = [];
    for (const { key, body } of samples) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      const summary = await handler(s3Event([key], { bucket: BUCKET, size: body.length }));
      files.push({ key, ...summary });
    }

    const drained = async (): Promise<{ alerts: DemoAlert[]; digests: DemoDigest[] }> =>
      alertsAndDigests(
        (await drainQueue(sqs, queueUrl, { visibilityTimeout: SEEN_FOR_SECONDS })).map(
          (message) => message.Body ?? '{}',
        ),
      );
    const { alerts } = await drained();

    // The demo's own channel, on EventBridge (the fast path), in the order of its calls.
    for (const record of channelRecords(new Date())) await handler(apiCallEvent(record));
    const channel = (await drained()).alerts;

    // The storm: a pipeline run tags 30 channels in 3 seconds; its log file is read at once.
    await awayFromWindowEnd();
    const burstAt = new Date();
    const burst = burstRecords(burstAt);
    const burstKey = logObjectKey({ accountId: ACCOUNT_ID, region: REGION, date: burstAt });
    const burstBody = logFileBody(burst);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: burstKey, Body: burstBody }));
    await handler(s3Event([burstKey], { bucket: BUCKET, size: burstBody.length }));
    // The digests' schedule, its storm clock ahead (see gateAhead).
    const scheduled = createHandler({
      storms: gateAhead(
        dynamoDbStormGate({
          tableName: IDEMPOTENCY_TABLE,
          settings: STORMS,
          decisionTtlSeconds: DEFAULT_IDEMPOTENCY_TTL_SECONDS,
        }),
      ),
    });
    await scheduled(scheduledEvent(new Date()), localLambdaContext('demo-storm-digests'));
    const stormMessages = await drained();
    const storm: DemoStorm = {
      calls: burst.length,
      eventName: 'TagResource',
      caller: `role ${STORM_ROLE}`,
      settings: STORMS,
      alerts: stormMessages.alerts,
      digests: stormMessages.digests,
      clockAheadMinutes: CLOCK_AHEAD_MINUTES,
    };

    const elapsedMs = performance.now() - started;
    console.log(
      demoReport({ apiCalls, files, alerts, channel, storm, elapsedMs }, { verbose }).join('\n'),
    );
  } finally {
    await Promise.all([local.stop(), dynamo.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
