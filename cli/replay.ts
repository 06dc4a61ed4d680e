import type { S3Client } from '@aws-sdk/client-s3';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { createPipelineClients } from '../lambda/aws/clients';
import type { AlertDelivery } from '../lambda/deliver/delivery';
import { deliveryFor } from '../lambda/deliver/delivery';
import { FUNCTION_ENV } from '../lambda/contract';
import { FunctionEnvironment } from '../lambda/function-environment';
import { classifyObjectKey } from '../lambda/pipeline/log-object-key';
import type { CompiledRules } from '../lambda/match/matcher';
import type { PipelineDeps, TriggerSummary } from '../lambda/pipeline/process-trigger';
import { addSummaries, EMPTY_SUMMARY, processLogObject } from '../lambda/pipeline/process-trigger';
import { noMetrics } from '../lambda/pipeline/ports';
import type { PipelineLogger } from '../lambda/pipeline/ports';
import type { CreatedObject } from '../lambda/pipeline/trigger-event';
import { parseTriggerEvent } from '../lambda/pipeline/trigger-event';
import { alertText } from './scan';
import type { CommandIo } from './scan';

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
  /** Set by Ctrl-C: the replay finishes the file in hand, then stops. */
  readonly stopRequested?: () => boolean;
}

export interface ReplayClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

/** Clients with the SDK's standard settings, so AWS_ENDPOINT_URL and profiles work. */
export function defaultReplayClients(
  environment = new FunctionEnvironment(process.env),
): ReplayClients {
  return {
    ...createPipelineClients(environment),
    // With a custom endpoint (a local emulator), send to it rather than to the queue URL's host.
    sqs: new SQSClient({
      useQueueUrlAsEndpoint:
        (process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL ?? '') === '',
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

/** The S3 event of a failed invocation, from an on-failure destination record (or a raw event). */
export function eventOfDlqMessage(body: string): unknown {
  const parsed = JSON.parse(body) as { requestPayload?: unknown };
  return parsed.requestPayload ?? parsed;
}

/** Prints alerts instead of publishing them: counted as published, so the summary tells. */
function printingDelivery(io: CommandIo): AlertDelivery {
  return {
    deliver: (messages) => {
      for (const message of messages) {
        const alert = JSON.parse(
          (JSON.parse(message.message) as { default: string }).default,
        ) as Parameters<typeof alertText>[0];
        io.out(`${alertText(alert)}\n`);
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

/** Shows progress on a terminal; a line every 25 files elsewhere (logs, CI). */
function progressReporter(
  io: CommandIo,
  isTty: boolean,
): (done: number, total: number | undefined, summary: TriggerSummary) => void {
  return (done, total, summary) => {
    const text = `${done}${total === undefined ? '' : `/${total}`} files, ${summary.alertsPublished} alerts, ${summary.alertsAlreadyPublished} already sent`;
    if (isTty && total !== undefined && total > 0) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${text}`);
      if (done === total) process.stderr.write('\n');
    } else if (done % 25 === 0 || done === total) {
      io.err(`progress: ${text}`);
    }
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

/**
 * `mp-audit replay`: re-processes log objects through the same path as the function, with the
 * same idempotency records, so running it twice (or after an interruption) sends nothing twice.
 */
export async function runReplay(
  options: ReplayOptions,
  io: CommandIo,
  clients: ReplayClients = defaultReplayClients(),
): Promise<number> {
  // Options win over the environment the function would read, named the same way.
  const environment = new FunctionEnvironment({
    ...process.env,
    ...(options.topicArn === undefined ? {} : { [FUNCTION_ENV.alertTopicArn]: options.topicArn }),
    ...(options.idempotencyTable === undefined
      ? {}
      : { [FUNCTION_ENV.idempotencyTableName]: options.idempotencyTable }),
  });
  const topicArn = validTopicArn(environment);
  if (!options.dryRun && topicArn === undefined) {
    io.err(
      `mp-audit replay: --topic-arn (or ${FUNCTION_ENV.alertTopicArn}) is required unless --dry-run`,
    );
    return 2;
  }
  const idempotency = environment.idempotency;
  if (!options.dryRun && idempotency === undefined) {
    io.err(
      `warning: no --idempotency-table (or ${FUNCTION_ENV.idempotencyTableName}): alerts already sent may be sent again`,
    );
  }
  const delivery =
    options.dryRun || topicArn === undefined
      ? printingDelivery(io)
      : deliveryFor(clients.sns, topicArn, idempotency);
  delivery.registerContext?.(CLI_CONTEXT);
  const deps: PipelineDeps = {
    s3: clients.s3,
    logger: quietLogger(io),
    metrics: noMetrics,
    delivery,
    ...(options.rules === undefined ? {} : { rules: options.rules }),
  };
  let summary = EMPTY_SUMMARY;
  const progress = progressReporter(io, process.stderr.isTTY === true);
  const stop = options.stopRequested ?? (() => false);
  let failed = 0;
  let done = 0;

  if (options.fromDlq !== undefined) {
    for (;;) {
      if (stop()) break;
      const { Messages } = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.fromDlq,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 300,
        }),
      );
      if (Messages === undefined || Messages.length === 0) break;
      for (const message of Messages) {
        if (stop()) break;
        let objects: readonly CreatedObject[];
        try {
          const trigger = parseTriggerEvent(eventOfDlqMessage(message.Body ?? ''));
          objects = trigger.objects;
          const unknown = trigger.ignored.find((part) => part.reason === 'unrecognised-event');
          if (unknown !== undefined) throw new Error(`unrecognised event (${unknown.detail})`);
        } catch (error) {
          io.err(
            `mp-audit replay: message ${message.MessageId ?? '?'} is not a failed invocation record: ${(error as Error).message}; left in the queue`,
          );
          failed += 1;
          continue;
        }
        let ok = true;
        for (const object of objects) {
          try {
            summary = addSummaries(summary, await processLogObject(object, deps));
          } catch (error) {
            ok = false;
            failed += 1;
            io.err(
              `mp-audit replay: s3://${object.bucket}/${object.key}: ${(error as Error).message}`,
            );
          }
          done += 1;
          progress(done, undefined, summary);
        }
        // The message goes only once every file it names is done: an interrupted run leaves it.
        if (ok && !options.dryRun) {
          await clients.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: options.fromDlq,
              ReceiptHandle: message.ReceiptHandle,
            }),
          );
        }
      }
    }
  } else if (options.bucket !== undefined) {
    const objects: CreatedObject[] = [];
    let token: string | undefined;
    do {
      const page = await clients.s3.send(
        new ListObjectsV2Command({
          Bucket: options.bucket,
          Prefix: options.prefix,
          ContinuationToken: token,
        }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || classifyObjectKey(item.Key).kind !== 'log-file') continue;
        const at = deliveryTimeOfKey(item.Key) ?? item.LastModified;
        if (at !== undefined && options.since !== undefined && at < options.since) continue;
        if (at !== undefined && options.until !== undefined && at >= options.until) continue;
        objects.push({ bucket: options.bucket, key: item.Key, size: item.Size ?? null });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    for (const object of objects) {
      if (stop()) break;
      try {
        summary = addSummaries(summary, await processLogObject(object, deps));
      } catch (error) {
        failed += 1;
        io.err(`mp-audit replay: s3://${object.bucket}/${object.key}: ${(error as Error).message}`);
      }
      done += 1;
      progress(done, objects.length, summary);
    }
  } else {
    io.err('mp-audit replay: give --from-dlq <queue-url> or --bucket <name>');
    return 2;
  }
  io.err(
    `mp-audit replay${options.dryRun ? ' (dry run)' : ''}${stop() ? ' (interrupted: run it again to continue)' : ''}: ` +
      `files ${summary.logFiles}, records ${summary.records}, alerts ${options.dryRun ? 'found' : 'published'} ${summary.alertsPublished}, ` +
      `already sent ${summary.alertsAlreadyPublished}, suppressed ${summary.alertsSuppressed}, skipped ${summary.skippedObjects}, ` +
      `unreadable ${summary.unreadableObjects}, failed ${failed}`,
  );
  return failed > 0 ? 1 : 0;
}

/** The topic ARN set for the run, or undefined when none (or a malformed one) is. */
function validTopicArn(environment: FunctionEnvironment): string | undefined {
  try {
    return environment.alertTopicArnIfSet;
  } catch {
    return undefined;
  }
}
