import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { createPipelineClients } from '../lambda/aws/clients';
import type { AlertDelivery } from '../lambda/deliver/delivery';
import { deliveryFor } from '../lambda/deliver/delivery';
import {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  FUNCTION_ENV,
  RESOURCE_STATE_TTL_SECONDS,
} from '../lambda/contract';
import { dynamoDbResourceStateStore } from '../lambda/deliver/resource-state';
import { dynamoDbStormGate } from '../lambda/deliver/storm-gate';
import { FunctionEnvironment } from '../lambda/function-environment';
import { classifyObjectKey } from '../lambda/pipeline/log-object-key';
import type { CompiledRules } from '../lambda/match/matcher';
import { DEFAULT_COMPILED_RULES } from '../lambda/match/matcher';
import type { PipelineDeps, TriggerSummary } from '../lambda/pipeline/process-trigger';
import { addSummaries, EMPTY_SUMMARY, processLogObject } from '../lambda/pipeline/process-trigger';
import { noMetrics, redactingLogger } from '../lambda/pipeline/ports';
import type { PipelineLogger } from '../lambda/pipeline/ports';
import type { CreatedObject } from '../lambda/pipeline/trigger-event';
import { parseTriggerEvent } from '../lambda/pipeline/trigger-event';
import { redactText } from '../lambda/alert/redact';
import { alertText } from './scan';
import type { CommandIo } from './io';
import type { Progress } from './progress';
import { startProgress } from './progress';
import { errorLine } from './terminal';

export interface ReplayOptions {
  /** Re-process the failed invocations held by the function's dead-letter queue. */
  readonly fromDlq?: string;
  /** Backfill: every log file under `prefix` in `bucket`. */
  readonly bucket?: string;
  readonly prefix?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Print what would alert; publish nothing, delete nothing. */
  readonly dryRun: boolean;
  readonly topicArn?: string;
  readonly idempotencyTable?: string;
  readonly rules?: CompiledRules;
  /** AWS Region of the clients. @default the SDK's (AWS_REGION), else the queue URL's */
  readonly region?: string;
  /** Set by Ctrl-C: the replay finishes the file in hand, then stops. */
  readonly stopRequested?: () => boolean;
}

export interface ReplayClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

/**
 * The Region a queue URL names (`https://sqs.<region>.amazonaws.com/...`), used when the
 * environment names none: the queue can only be reached in its own Region.
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  const match = /^https?:\/\/sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?\//.exec(
    queueUrl,
  );
  return match?.[1];
}

/** The Region to pin the clients to: `--region`, else the queue URL's when the environment names none. */
export function replayRegion(
  options: Pick<ReplayOptions, 'fromDlq' | 'region'>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (options.region !== undefined) return options.region;
  if ((env.AWS_REGION ?? '') !== '' || (env.AWS_DEFAULT_REGION ?? '') !== '') return undefined;
  return options.fromDlq === undefined ? undefined : regionOfQueueUrl(options.fromDlq);
}

/**
 * Clients with the SDK's standard settings, so AWS_ENDPOINT_URL and profiles work; `region`
 * (from a queue URL) only when the environment names none.
 */
export function defaultReplayClients(
  environment = new FunctionEnvironment(process.env),
  region?: string,
): ReplayClients {
  return {
    ...createPipelineClients(environment, region),
    // With a custom endpoint (a local emulator), send to it rather than to the queue URL's host.
    sqs: new SQSClient({
      useQueueUrlAsEndpoint:
        (process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL ?? '') === '',
      ...(region === undefined ? {} : { region }),
    }),
  };
}

/** The delivery time CloudTrail writes into a log file's name: `..._20250314T0905Z_...`. */
export function deliveryTimeOfKey(key: string): Date | undefined {
  const match = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(key);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute] = match;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:00Z`);
}

/**
 * The event to re-process from a dead-letter message: the function's on-failure record (its
 * `requestPayload`), a raw event, or a message the `cloudtrail-sns` trigger's queue gave up on
 * (an SNS envelope, or CloudTrail's raw delivery message), read as the SQS record it was.
 */
export function eventOfDlqMessage(body: string, messageId = 'dead-letter'): unknown {
  const parsed = JSON.parse(body) as Record<string, unknown> | null;
  if (typeof parsed !== 'object' || parsed === null) return parsed;
  if (parsed.requestPayload !== undefined) return parsed.requestPayload;
  const snsEnvelope = parsed.Type === 'Notification' && typeof parsed.Message === 'string';
  const cloudTrailMessage = typeof parsed.s3Bucket === 'string' && 's3ObjectKey' in parsed;
  if (snsEnvelope || cloudTrailMessage) {
    return { Records: [{ eventSource: 'aws:sqs', messageId, body }] };
  }
  return parsed;
}

/** Prints alerts instead of publishing them: counted as published, so the summary tells. */
function printingDelivery(io: CommandIo): AlertDelivery {
  return {
    deliver: (messages) => {
      for (const message of messages) {
        const alert = JSON.parse(
          (JSON.parse(message.message) as { default: string }).default,
        ) as Parameters<typeof alertText>[0];
        io.out(`${alertText(alert, io.colour?.out)}\n`);
      }
      return Promise.resolve({
        published: messages.length,
        alreadyPublished: 0,
        alreadyPublishedEventIds: [],
        retried: 0,
      });
    },
  };
}

const quietLogger = (io: CommandIo): PipelineLogger => ({
  debug: () => undefined,
  info: () => undefined,
  warn: (message, extra) => io.err(`warning: ${message} ${JSON.stringify(extra ?? {})}`),
  error: (message, extra) => io.err(`error: ${message} ${JSON.stringify(extra ?? {})}`),
});

/** A context for the idempotency records of a CLI run: an in-progress record lives 5 minutes. */
const CLI_CONTEXT = { getRemainingTimeInMillis: () => 5 * 60 * 1000 } as Context;

/** A replay in progress: what it sends through, what it has done. */
interface ReplayRun {
  readonly deps: PipelineDeps;
  readonly dryRun: boolean;
  readonly stop: () => boolean;
  readonly io: CommandIo;
  readonly progress: Progress;
  summary: TriggerSummary;
  failed: number;
  done: number;
  /** Objects to do, when known (a backfill lists them first; a queue is read as it goes). */
  total: number | undefined;
}

/**
 * `mp-audit replay`: re-processes log objects through the same path as the function, with the
 * same idempotency records, so running it twice (or after an interruption) sends nothing twice.
 */
export async function runReplay(
  options: ReplayOptions,
  io: CommandIo,
  clients: ReplayClients = defaultReplayClients(undefined, replayRegion(options)),
): Promise<number> {
  const deps = replayDeps(options, io, clients);
  if (deps === undefined) return 2;
  const run: ReplayRun = {
    deps,
    dryRun: options.dryRun,
    stop: options.stopRequested ?? (() => false),
    io,
    progress: startProgress(io, () => replayProgressText(run)),
    summary: EMPTY_SUMMARY,
    failed: 0,
    done: 0,
    total: undefined,
  };
  if (options.fromDlq !== undefined) {
    await replayDeadLetters(options.fromDlq, clients.sqs, run);
  } else if (options.bucket !== undefined) {
    await replayObjects(await listLogFiles(options.bucket, options, clients.s3), run);
  } else {
    io.err('mp-audit replay: give --from-dlq <queue-url> or --bucket <name>');
    return 2;
  }
  run.progress.end();
  const { summary } = run;
  if (io.quiet === true) return run.failed > 0 ? 1 : 0;
  io.err(
    `mp-audit replay${options.dryRun ? ' (dry run)' : ''}${run.stop() ? ' (interrupted: run it again to continue)' : ''}: ` +
      `files ${summary.logFiles}, records ${summary.records}, alerts ${options.dryRun ? 'found' : 'published'} ${summary.alertsPublished}, ` +
      `already sent ${summary.alertsAlreadyPublished}, suppressed ${summary.alertsSuppressed}, skipped ${summary.skippedObjects}, ` +
      `unreadable ${summary.unreadableObjects}, failed ${run.failed}`,
  );
  return run.failed > 0 ? 1 : 0;
}

/** `objects 12/340, alerts 4, already sent 2`. */
function replayProgressText(run: ReplayRun): string {
  const { summary } = run;
  return (
    `objects ${run.done}${run.total === undefined ? '' : `/${run.total}`}, ` +
    `alerts ${summary.alertsPublished}, already sent ${summary.alertsAlreadyPublished}`
  );
}

/** Where alerts are published: options win over the environment the function reads. */
export interface PublishTarget {
  /** @default ALERT_TOPIC_ARN */
  readonly topicArn?: string;
  /** @default IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyTable?: string;
}

/** The clients a publishing delivery uses. */
export interface PublishClients {
  readonly sns: SNSClient;
  /** @default a client with the SDK's standard settings */
  readonly dynamoDb?: DynamoDBClient;
}

/**
 * The deployed function's delivery: its topic and its idempotency records (keyed on the
 * eventID), so what the pipeline sent is not sent again and a second run sends nothing twice.
 * Shared by `replay` and `history --publish`. Undefined when no topic (or a malformed one) is
 * set, for the caller to say so in its own words; warns when no table is set.
 */
export function publishingDelivery(
  target: PublishTarget,
  io: CommandIo,
  clients: PublishClients,
): AlertDelivery | undefined {
  const environment = new FunctionEnvironment({
    ...process.env,
    ...(target.topicArn === undefined ? {} : { [FUNCTION_ENV.alertTopicArn]: target.topicArn }),
    ...(target.idempotencyTable === undefined
      ? {}
      : { [FUNCTION_ENV.idempotencyTableName]: target.idempotencyTable }),
  });
  const topicArn = validTopicArn(environment);
  if (topicArn === undefined) return undefined;
  const idempotency = environment.idempotency;
  if (idempotency === undefined) {
    io.err(
      `warning: no --idempotency-table (or ${FUNCTION_ENV.idempotencyTableName}): alerts already sent may be sent again`,
    );
  }
  const delivery = deliveryFor(
    clients.sns,
    topicArn,
    idempotency === undefined || clients.dynamoDb === undefined
      ? idempotency
      : { ...idempotency, dynamoDb: clients.dynamoDb },
  );
  delivery.registerContext?.(CLI_CONTEXT);
  return delivery;
}

/**
 * The pipeline's dependencies for a replay: the function's delivery (same topic, same
 * idempotency records) or, for a dry run, printing. Undefined, said why, on wrong usage.
 */
function replayDeps(
  options: ReplayOptions,
  io: CommandIo,
  clients: ReplayClients,
): PipelineDeps | undefined {
  const delivery = options.dryRun
    ? printingDelivery(io)
    : publishingDelivery(options, io, { sns: clients.sns });
  if (delivery === undefined) {
    io.err(
      `mp-audit replay: --topic-arn (or ${FUNCTION_ENV.alertTopicArn}) is required unless --dry-run`,
    );
    return undefined;
  }
  return {
    s3: clients.s3,
    // Its lines may quote a key or an error from input: redacted as the function's are.
    logger: redactingLogger(quietLogger(io)),
    metrics: noMetrics,
    delivery,
    ...(options.rules === undefined ? {} : { rules: options.rules }),
    ...(options.dryRun ? {} : sharedState(options)),
  };
}

/**
 * The deployed function's storm state and resource memory, kept in its idempotency table: a
 * replayed backlog is a storm like any other (people get the first alerts and a digest, which
 * the deployed function sends when the window ends), and its updates say what changed. No
 * describe calls from a laptop: a resource the memory does not know stays unknown.
 */
function sharedState(options: ReplayOptions): Pick<PipelineDeps, 'storms' | 'memory'> {
  const tableName =
    options.idempotencyTable ?? process.env[FUNCTION_ENV.idempotencyTableName] ?? '';
  if (tableName === '') return {};
  const storms = (options.rules ?? DEFAULT_COMPILED_RULES).config.storms;
  return {
    ...(storms.enabled
      ? {
          storms: dynamoDbStormGate({
            tableName,
            settings: storms,
            decisionTtlSeconds: DEFAULT_IDEMPOTENCY_TTL_SECONDS,
          }),
        }
      : {}),
    memory: {
      states: dynamoDbResourceStateStore({ tableName, ttlSeconds: RESOURCE_STATE_TTL_SECONDS }),
    },
  };
}

/** Reads one object through the pipeline; a failure is counted and said, not thrown. */
async function replayObject(object: CreatedObject, run: ReplayRun): Promise<boolean> {
  let ok = true;
  try {
    run.summary = addSummaries(run.summary, await processLogObject(object, run.deps));
  } catch (error) {
    ok = false;
    run.failed += 1;
    run.io.err(
      errorLine(
        run.io,
        redactText(`s3://${object.bucket}/${object.key}: ${(error as Error).message}`),
        'mp-audit replay:',
      ),
    );
  }
  run.done += 1;
  run.progress.tick();
  return ok;
}

/**
 * The failed invocations in the dead-letter queue, a message at a time. A message is deleted
 * only once every file it names is done: an interrupted run leaves it for the next.
 */
async function replayDeadLetters(queueUrl: string, sqs: SQSClient, run: ReplayRun): Promise<void> {
  while (!run.stop()) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
      }),
    );
    if (Messages === undefined || Messages.length === 0) return;
    for (const message of Messages) {
      if (run.stop()) return;
      const objects = objectsOfDlqMessage(message, run);
      if (objects === undefined) continue;
      let ok = true;
      for (const object of objects) ok = (await replayObject(object, run)) && ok;
      if (ok && !run.dryRun) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
  }
}

/** The objects a dead-letter message names, or undefined (said, counted) when it is not one. */
function objectsOfDlqMessage(
  message: { readonly MessageId?: string; readonly Body?: string },
  run: ReplayRun,
): readonly CreatedObject[] | undefined {
  try {
    const trigger = parseTriggerEvent(eventOfDlqMessage(message.Body ?? '', message.MessageId));
    const unknown = trigger.ignored.find((part) => part.reason === 'unrecognised-event');
    if (unknown !== undefined) throw new Error(`unrecognised event (${unknown.detail})`);
    return trigger.objects;
  } catch (error) {
    run.io.err(
      redactText(
        `mp-audit replay: message ${message.MessageId ?? '?'} is not a failed invocation record: ${(error as Error).message}; left in the queue`,
      ),
    );
    run.failed += 1;
    return undefined;
  }
}

/** Every log file under the prefix, delivered in [since, until) when those are given. */
async function listLogFiles(
  bucket: string,
  options: ReplayOptions,
  s3: S3Client,
): Promise<CreatedObject[]> {
  const objects: CreatedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: options.prefix,
        ContinuationToken: token,
      }),
    );
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined || classifyObjectKey(item.Key).kind !== 'log-file') continue;
      const at = deliveryTimeOfKey(item.Key) ?? item.LastModified;
      if (at !== undefined && options.since !== undefined && at < options.since) continue;
      if (at !== undefined && options.until !== undefined && at >= options.until) continue;
      objects.push({ bucket, key: item.Key, size: item.Size ?? null });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return objects;
}

async function replayObjects(objects: readonly CreatedObject[], run: ReplayRun): Promise<void> {
  run.total = objects.length;
  for (const object of objects) {
    if (run.stop()) return;
    await replayObject(object, run);
  }
}

/** The topic ARN set for the run, or undefined when none (or a malformed one) is. */
function validTopicArn(environment: FunctionEnvironment): string | undefined {
  try {
    return environment.alertTopicArnIfSet;
  } catch {
    return undefined;
  }
}
