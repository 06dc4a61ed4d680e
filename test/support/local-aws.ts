/**
 * Starts the local S3/SNS/SQS emulator (scripts/local-aws.mjs, fauxqs) in a child process, for
 * integration tests and the demo. Nothing here can reach AWS: clients get the loopback endpoint
 * and fake credentials.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** A running emulator. */
export interface LocalAws {
  /** `http://127.0.0.1:<port>`, for S3, SNS and SQS alike. */
  readonly endpoint: string;
  /** Stops the emulator and waits for its process to exit. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalAws}. */
export interface StartLocalAwsOptions {
  /** How long to wait for the emulator to listen. @default 15000 */
  readonly timeoutMs?: number;
}

/** The emulator could not be started. */
export class LocalAwsStartError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalAwsStartError';
  }
}

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'local-aws.mjs');
const STOP_GRACE_MS = 5000;

/** Spawns `node scripts/local-aws.mjs` and resolves once it prints its endpoint. */
export function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(process.execPath, [SCRIPT], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  };

  return new Promise<LocalAws>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let settled = false;
    const fail = (message: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      const detail = stderr.trim() === '' ? '' : `\n${stderr.trim()}`;
      reject(new LocalAwsStartError(`${message} (${SCRIPT})${detail}`, { cause }));
      void stop();
    };
    const timer = setTimeout(
      () => fail(`Local AWS emulator did not start within ${timeoutMs} ms`),
      timeoutMs,
    );
    child.once('error', (error) => fail('Could not spawn the local AWS emulator', error));
    child.once('exit', (code, signal) =>
      fail(`Local AWS emulator exited before listening (code ${code}, signal ${signal})`),
    );
    lines.once('line', (line) => {
      let endpoint: unknown;
      try {
        endpoint = (JSON.parse(line) as { endpoint?: unknown }).endpoint;
      } catch (error) {
        fail(`Local AWS emulator printed an unexpected first line: ${line}`, error);
        return;
      }
      if (typeof endpoint !== 'string') {
        fail(`Local AWS emulator printed no endpoint: ${line}`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      lines.close();
      resolve({ endpoint, stop });
    });
  });
}

/** SDK client settings for the emulator, usable by S3Client, SNSClient and SQSClient. */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** An IP endpoint has no bucket subdomains: S3 must use path-style URLs. */
  readonly forcePathStyle: true;
}

/** Client settings pointing at the emulator with fake credentials. */
export function localClientConfig(endpoint: string): LocalClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  };
}

/**
 * Creates a standard SQS queue and subscribes it to the topic, as an alert subscriber would be.
 * Returns the queue's URL.
 */
export async function subscribeNewQueue(
  sns: SNSClient,
  sqs: SQSClient,
  topicArn: string,
  queueName: string,
): Promise<string> {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
  );
  return QueueUrl;
}

/**
 * Receives every message waiting in the queue, until one empty poll (a long poll of
 * `waitSeconds`). A `visibilityTimeout` keeps received messages hidden for that long, so a
 * later drain never counts them twice.
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: { readonly waitSeconds?: number; readonly visibilityTimeout?: number } = {},
): Promise<Message[]> {
  const received: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: options.waitSeconds ?? 1,
        ...(options.visibilityTimeout === undefined
          ? {}
          : { VisibilityTimeout: options.visibilityTimeout }),
      }),
    );
    if (Messages === undefined || Messages.length === 0) return received;
    received.push(...Messages);
  }
}

/** Messages still in the queue, visible or held by a consumer. */
export async function messagesLeft(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 'NaN') +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 'NaN')
  );
}

/** Clients for the emulator and what the pipeline needs there: a log bucket, a topic, a subscriber. */
export interface LocalPipeline {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly topicArn: string;
  readonly queueUrl: string;
}

/** Creates the bucket, the alert topic and a subscriber queue on the emulator. */
export async function createLocalPipeline(
  endpoint: string,
  names: { readonly bucket: string; readonly topic: string; readonly queue: string },
): Promise<LocalPipeline> {
  const config = localClientConfig(endpoint);
  const s3 = new S3Client(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: names.topic }));
  const queueUrl = await subscribeNewQueue(sns, sqs, TopicArn, names.queue);
  return { s3, sns, sqs, topicArn: TopicArn, queueUrl };
}

/**
 * The alert JSON of each message SNS delivered to a subscriber queue. fauxqs does not split
 * `MessageStructure: json` by protocol: the queue gets the whole structure, whose `sqs` key is
 * what real SNS would hand a queue.
 */
export function alertsOfMessages<Alert>(messages: readonly Message[]): Alert[] {
  return messages.map((message) => {
    const envelope = JSON.parse(message.Body ?? '') as { Message: string };
    const structure = JSON.parse(envelope.Message) as { sqs: string };
    return JSON.parse(structure.sqs) as Alert;
  });
}
