/**
 * The whole pipeline on this machine, no AWS account: a local S3/SNS/SQS emulator (fauxqs) on
 * loopback, the sample CloudTrail log files uploaded to a bucket, the Lambda handler invoked
 * with the S3 events S3 would send, and the alerts printed as their subscribers see them.
 *
 *   npm run demo                a line per file, one email and one Slack rendering per
 *                               severity, totals
 *   npm run demo -- --verbose   every alert as email and Slack show it
 *   npm run demo -- --logs      also the function's own structured log lines
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createLocalPipeline,
  drainQueue,
  localClientConfig,
  startLocalAws,
} from '../test/support/local-aws';
import { s3Event, s3TestEvent } from './cloudtrail-factory';
import type { DemoFile } from './demo-report';
import { demoAlertOf, demoReport } from './demo-report';

// Read when the first SDK client is built (below, not at import): a demo on Node 20 is not news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SAMPLES = join(__dirname, '..', 'samples');
const BUCKET = 'demo-cloudtrail-logs';
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

async function main(): Promise<void> {
  const started = performance.now();
  const local = await startLocalAws();
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

    // The handler configures itself from the environment, exactly as in Lambda.
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    process.env.ALERT_TOPIC_ARN = TopicArn;
    process.env.AWS_REGION = config.region;
    process.env.AWS_ACCESS_KEY_ID = config.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = config.credentials.secretAccessKey;
    process.env.POWERTOOLS_LOG_LEVEL = showLogs ? 'INFO' : 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = showLogs ? 'false' : 'true';
    const { handler } = await import('../lambda/handler');

    console.log(
      `Local AWS emulator (fauxqs) at ${local.endpoint}: bucket ${BUCKET}, topic ${TopicArn}`,
    );

    // S3 sends a test event when a notification is first configured.
    await handler(s3TestEvent(BUCKET));

    const paths = (await listFiles(SAMPLES)).filter((file) => /\.json(\.gz)?$/.test(file));
    const files: DemoFile[] = [];
    for (const path of paths) {
      const key = relative(SAMPLES, path).split(sep).join('/');
      const body = await readFile(path);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      const summary = await handler(s3Event([key], { bucket: BUCKET, size: body.length }));
      files.push({ key, ...summary });
    }

    const alerts = (await drainQueue(sqs, queueUrl)).map((message) =>
      demoAlertOf(message.Body ?? '{}'),
    );
    const elapsedMs = performance.now() - started;
    console.log(demoReport({ files, alerts, elapsedMs }, { verbose }).join('\n'));
  } finally {
    await local.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
