import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS } from '../contract';
import { PublishError } from '../errors';
import { forEachConcurrently } from './concurrency';
import type { PublishOptions } from './publisher';
import { publishAlertMessages } from './publisher';
import type { AlertMessage } from '../alert/sns-message';

/** What delivering a file's alerts did. */
export interface DeliveryResult {
  readonly published: number;
  /** Alerts already published by an earlier invocation (same eventID), not sent again. */
  readonly alreadyPublished: number;
  /** The eventIDs of those alerts. */
  readonly alreadyPublishedEventIds: readonly string[];
  readonly retried: number;
}

/** Sends alert messages to the topic. */
export interface AlertDelivery {
  deliver(messages: readonly AlertMessage[], options?: PublishOptions): Promise<DeliveryResult>;
  /** Lets an in-progress record expire with the invocation that wrote it. */
  registerContext?(context: Context): void;
}

/** Plain batched delivery: at least once (a retried file publishes its alerts again). */
export function batchDelivery(sns: SNSClient, topicArn: string): AlertDelivery {
  return {
    deliver: async (messages, options) => {
      const result = await publishAlertMessages(sns, topicArn, messages, options);
      return { ...result, alreadyPublished: 0, alreadyPublishedEventIds: [] };
    },
  };
}

/**
 * Every idempotency key starts with this, not with the function's name (Powertools' default),
 * so `mp-audit replay` run from a laptop shares the records of the deployed function.
 */
export const IDEMPOTENCY_KEY_PREFIX = 'mediapackage-audit-alert';

export interface IdempotentDeliveryOptions {
  readonly tableName: string;
  /** @default DEFAULT_IDEMPOTENCY_TTL_SECONDS */
  readonly expiresAfterSeconds?: number;
  /** @default a client with the SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB works) */
  readonly dynamoDb?: DynamoDBClient;
  /** Alerts published at once. @default 5 */
  readonly concurrency?: number;
}

/**
 * Exactly-once delivery per eventID, with Powertools' idempotency utility: before publishing,
 * an in-progress record keyed by the eventID is written conditionally; after SNS accepts the
 * alert it is marked complete. A retried or duplicated invocation finds the completed record
 * and skips the alert; an alert whose publish failed has its record removed and is published
 * on the retry. Only an answer lost after SNS accepted the message (an ambiguous failure) can
 * still produce a second copy, once the in-progress record expires with its invocation.
 */
export function idempotentDelivery(
  sns: SNSClient,
  topicArn: string,
  options: IdempotentDeliveryOptions,
): AlertDelivery {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'eventID',
    expiresAfterSeconds: options.expiresAfterSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    ...(options.dynamoDb === undefined ? {} : { awsSdkV3Client: options.dynamoDb }),
  });
  const concurrency = options.concurrency ?? 5;
  return {
    registerContext: (context) => config.registerLambdaContext(context),
    deliver: async (messages, publishOptions) => {
      const publishedNow = new Set<string>();
      let retried = 0;
      const publishOnce = makeIdempotent(
        async (entry: { eventID: string; message: AlertMessage }) => {
          const result = await publishAlertMessages(sns, topicArn, [entry.message], publishOptions);
          retried += result.retried;
          publishedNow.add(entry.eventID);
          return { publishedAt: new Date().toISOString() };
        },
        { persistenceStore, config, keyPrefix: IDEMPOTENCY_KEY_PREFIX },
      );
      const failures: { eventID: string; error: unknown }[] = [];
      await forEachConcurrently(messages, concurrency, async (message) => {
        try {
          await publishOnce({ eventID: message.eventID, message });
        } catch (error) {
          failures.push({ eventID: message.eventID, error });
        }
      });
      if (failures.length > 0) {
        throw new PublishError(
          failures.map((failure) => failure.eventID),
          failures
            .map(
              (failure) =>
                `${failure.eventID}: ${(failure.error as Error).name}: ${(failure.error as Error).message}`,
            )
            .join('; '),
          failures[0]?.error,
        );
      }
      return {
        published: publishedNow.size,
        alreadyPublished: messages.length - publishedNow.size,
        alreadyPublishedEventIds: messages
          .map((message) => message.eventID)
          .filter((eventID) => !publishedNow.has(eventID)),
        retried,
      };
    },
  };
}

/**
 * How the pipeline delivers: exactly once per eventID when an idempotency table is configured
 * (as deployed), else plain batched delivery (local runs without DynamoDB). DynamoDB is reached
 * with the SDK's standard settings, so `AWS_ENDPOINT_URL_DYNAMODB` points it at an emulator.
 */
export function deliveryFor(
  sns: SNSClient,
  topicArn: string,
  idempotency: IdempotentDeliveryOptions | undefined,
): AlertDelivery {
  return idempotency === undefined
    ? batchDelivery(sns, topicArn)
    : idempotentDelivery(sns, topicArn, idempotency);
}
