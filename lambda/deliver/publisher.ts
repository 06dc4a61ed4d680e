import type { PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { PublishError } from '../errors';
import type { AlertMessage } from '../alert/sns-message';
import { SNS_MESSAGE_MAX_BYTES } from '../alert/sns-message';

/** SNS PublishBatch limits: 10 entries and 256 KiB in all per call. */
export const BATCH_MAX_ENTRIES = 10;
export const BATCH_MAX_BYTES = SNS_MESSAGE_MAX_BYTES;

export interface PublishOptions {
  /**
   * Further rounds for entries a batch reports as failed (the SDK already retries whole
   * calls that are throttled or fail with 5xx).
   * @default 3
   */
  readonly maxEntryRetries?: number;
  /** @default 200 ms, doubled each round, with full jitter */
  readonly baseDelayMs?: number;
  /** Called before each retry round, for logs and metrics. */
  readonly onRetry?: (failed: readonly { eventID: string; code: string }[], round: number) => void;
}

export interface PublishResult {
  readonly published: number;
  readonly retried: number;
}

/** Splits messages into PublishBatch calls that respect the entry and size limits. */
export function planBatches(messages: readonly AlertMessage[]): AlertMessage[][] {
  const batches: AlertMessage[][] = [];
  let current: AlertMessage[] = [];
  let currentBytes = 0;
  for (const message of messages) {
    if (
      current.length === BATCH_MAX_ENTRIES ||
      (current.length > 0 && currentBytes + message.sizeBytes > BATCH_MAX_BYTES)
    ) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(message);
    currentBytes += message.sizeBytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Publishes alert messages to the topic with PublishBatch. Entries that SNS reports as failed
 * are retried with backoff; whatever still fails raises a PublishError, so the invocation
 * fails and Lambda retries it rather than losing an alert.
 */
export async function publishAlertMessages(
  sns: SNSClient,
  topicArn: string,
  messages: readonly AlertMessage[],
  options: PublishOptions = {},
): Promise<PublishResult> {
  const maxRetries = options.maxEntryRetries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 200;
  let pending = [...messages];
  let published = 0;
  let retried = 0;
  // Entries SNS rejected as the sender's fault will fail the same way again: keep them aside
  // and still retry the others before giving up.
  const rejected: { message: AlertMessage; code: string }[] = [];
  for (let round = 0; pending.length > 0; round += 1) {
    if (round > 0) {
      await sleep(Math.random() * baseDelayMs * 2 ** (round - 1));
    }
    const failed: { message: AlertMessage; code: string }[] = [];
    for (const batch of planBatches(pending)) {
      const outcome = await publishBatch(sns, topicArn, batch);
      published += outcome.succeeded;
      failed.push(...outcome.failed);
    }
    rejected.push(...failed.filter((entry) => entry.code === 'SenderFault'));
    const retryable = failed.filter((entry) => entry.code !== 'SenderFault');
    if (retryable.length > 0 && round >= maxRetries) {
      rejected.push(...retryable);
      break;
    }
    if (retryable.length > 0) {
      options.onRetry?.(
        retryable.map((entry) => ({ eventID: entry.message.eventID, code: entry.code })),
        round + 1,
      );
      retried += retryable.length;
    }
    pending = retryable.map((entry) => entry.message);
  }
  if (rejected.length > 0) {
    throw new PublishError(
      rejected.map((entry) => entry.message.eventID),
      rejected.map((entry) => `${entry.message.eventID}: ${entry.code}`).join('; '),
    );
  }
  return { published, retried };
}

async function publishBatch(
  sns: SNSClient,
  topicArn: string,
  batch: readonly AlertMessage[],
): Promise<{ succeeded: number; failed: { message: AlertMessage; code: string }[] }> {
  const entries: PublishBatchRequestEntry[] = batch.map((message, index) => ({
    Id: `alert-${index}`,
    Message: message.message,
    MessageStructure: 'json',
    Subject: message.subject,
    MessageAttributes: message.attributes,
  }));
  const response = await sns.send(
    new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
  );
  const succeededIds = new Set((response.Successful ?? []).map((entry) => entry.Id));
  const failedCodes = new Map(
    (response.Failed ?? []).map((entry) => [
      entry.Id,
      entry.SenderFault === true ? 'SenderFault' : (entry.Code ?? 'Unknown'),
    ]),
  );
  const failed: { message: AlertMessage; code: string }[] = [];
  batch.forEach((message, index) => {
    const id = `alert-${index}`;
    if (!succeededIds.has(id)) {
      // An entry SNS neither accepted nor rejected is treated as failed: never assume delivery.
      failed.push({ message, code: failedCodes.get(id) ?? 'NoResult' });
    }
  });
  return { succeeded: batch.length - failed.length, failed };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
