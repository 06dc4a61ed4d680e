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
 *   npm run demo                the EventBridge events, a line per file, one email and one
 *                               Slack rendering per severity, totals
 *   npm run demo -- --verbose   every alert as email and Slack show it
 *   npm run demo -- --logs      also the function's own structured log lines
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { FAST_PATH_EVENT_SOURCES } from '../lambda/contract';
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
import { apiCallEvent, s3Event, s3TestEvent } from './cloudtrail-factory';
import type { DemoApiCalls, DemoFile } from './demo-report';
import { demoAlertOf, demoReport } from './demo-report';

// Read when the first SDK client is built (below, not at import): a demo on Node 20 is not news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SAMPLES = join(__dirname, '..', 'samples');
const BUCKET = 'demo-cloudtrail-logs';
const IDEMPOTENCY_TABLE = 'demo-idempotency';
/** One EventBridge event in this many is held back: EventBridge delivers best effort. */
const WITHHELD_EVERY = 4;
const showLogs = process.argv.includes('--logs');
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
    const { handler: lambdaHandler } = await import('../lambda/handler');
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

    const alerts = (await drainQueue(sqs, queueUrl)).map((message) =>
      demoAlertOf(message.Body ?? '{}'),
    );
    const elapsedMs = performance.now() - started;
    console.log(demoReport({ apiCalls, files, alerts, elapsedMs }, { verbose }).join('\n'));
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
