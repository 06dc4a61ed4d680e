/**
 * What the deployed stack is, locally, for end-to-end tests of the built function: the S3/SNS/SQS
 * emulator with the bucket, alert topic and subscriber queue, dynalite with the idempotency
 * table, and the fault proxy in front of the emulator; plus the environment the stack gives the
 * function.
 */
import type { FaultProxy } from './fault-proxy';
import { startFaultProxy } from './fault-proxy';
import type { LocalAws, LocalPipeline } from './local-aws';
import { createLocalPipeline, startLocalAws } from './local-aws';
import type { LocalDynamoDb } from './local-dynamodb';
import { startLocalDynamoDb } from './local-dynamodb';

export interface LocalStackOptions {
  /** Seed of the fault proxy's choices. */
  readonly seed: number;
  readonly bucket: string;
  readonly topic: string;
  /** The subscriber queue on the alert topic. */
  readonly queue: string;
  readonly idempotencyTable: string;
}

export interface LocalStack {
  readonly local: LocalAws;
  readonly dynamo: LocalDynamoDb;
  readonly proxy: FaultProxy;
  readonly pipeline: LocalPipeline;
  readonly idempotencyTable: string;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const [local, dynamo] = await Promise.all([startLocalAws(), startLocalDynamoDb()]);
  await dynamo.createIdempotencyTable(options.idempotencyTable);
  const proxy = await startFaultProxy({ target: local.endpoint, seed: options.seed });
  const pipeline = await createLocalPipeline(local.endpoint, {
    bucket: options.bucket,
    topic: options.topic,
    queue: options.queue,
  });
  return {
    local,
    dynamo,
    proxy,
    pipeline,
    idempotencyTable: options.idempotencyTable,
    stop: async () => {
      pipeline.s3.destroy();
      pipeline.sns.destroy();
      pipeline.sqs.destroy();
      await proxy.stop();
      await dynamo.stop();
      await local.stop();
    },
  };
}

/**
 * The function's environment as the stack sets it, with the SDK's standard endpoint variables
 * pointing at the local services (as in Lambda): SNS through the fault proxy, S3 straight to the
 * emulator unless `overrides` say otherwise.
 */
export function stackEnvironment(
  stack: LocalStack,
  overrides: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ALERT_TOPIC_ARN: stack.pipeline.topicArn,
    IDEMPOTENCY_TABLE_NAME: stack.idempotencyTable,
    MP_AUDIT_S3_FORCE_PATH_STYLE: 'true',
    // Any other service (the describe calls of what changed) stays on loopback too.
    AWS_ENDPOINT_URL: stack.local.endpoint,
    AWS_ENDPOINT_URL_S3: stack.local.endpoint,
    AWS_ENDPOINT_URL_SNS: stack.proxy.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
    ...overrides,
  };
}
