/**
 * The whole pipeline on this machine, no AWS account: a local S3/SNS/SQS emulator (fauxqs) on
 * loopback, the sample CloudTrail log files uploaded to a bucket, the Lambda handler invoked
 * with the S3 events S3 would send, and the alerts printed as their subscribers see them.
 *
 *   npm run demo              alerts as email and Slack show them
 *   npm run demo -- --logs    also the function's own structured log lines
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

const SAMPLES = join(__dirname, '..', 'samples');
const BUCKET = 'demo-cloudtrail-logs';
const showLogs = process.argv.includes('--logs');

interface ChatbotNotification {
  content: { title: string; description: string; nextSteps?: string[] };
}

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

/** Slack shows client-markdown; a terminal shows the same text without the markup. */
function slackRendering(notification: ChatbotNotification): string {
  const plain = (text: string): string => text.replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)');
  return [
    `  ${notification.content.title}`,
    ...notification.content.description.split('\n').map((line) => `  ${line}`),
    ...(notification.content.nextSteps ?? []).map((step) => `  > ${plain(step)}`),
  ].join('\n');
}

async function main(): Promise<void> {
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

    console.log(`Local AWS emulator (fauxqs) at ${local.endpoint}`);
    console.log(`Bucket ${BUCKET}, topic ${TopicArn}\n`);

    // S3 sends a test event when a notification is first configured.
    await handler(s3TestEvent(BUCKET));

    const files = (await listFiles(SAMPLES)).filter((file) => /\.json(\.gz)?$/.test(file));
    for (const file of files) {
      const key = relative(SAMPLES, file).split(sep).join('/');
      const body = await readFile(file);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      const summary = await handler(s3Event([key], { bucket: BUCKET, size: body.length }));
      const outcome =
        summary.skippedObjects > 0
          ? 'skipped (not a log file)'
          : `${summary.records} records, ${summary.alertsPublished} alerts`;
      console.log(`uploaded ${key}: ${outcome}`);
    }

    const messages = await drainQueue(sqs, queueUrl);
    for (const message of messages) {
      const envelope = JSON.parse(message.Body ?? '{}') as { Subject?: string; Message: string };
      // Real SNS hands each protocol its own key; the emulator delivers the whole structure.
      const structure = JSON.parse(envelope.Message) as { email: string; https: string };
      console.log(
        `\n${'='.repeat(78)}\nEMAIL  Subject: ${envelope.Subject ?? ''}\n${'-'.repeat(78)}`,
      );
      console.log(structure.email);
      console.log(`${'-'.repeat(78)}\nSLACK (AWS Chatbot custom notification)`);
      console.log(slackRendering(JSON.parse(structure.https) as ChatbotNotification));
    }
    const received = messages.length;
    console.log(
      `\n${received} alert(s) received by the subscriber from ${files.length} uploaded object(s).`,
    );
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
