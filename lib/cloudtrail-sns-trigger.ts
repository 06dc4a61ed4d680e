import { Duration, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TextCheck } from './prop-checks';
import { patternCheck } from './prop-checks';

/**
 * How the queue between CloudTrail's topic and the function behaves. A message names one or a
 * few log files, each read within the invocation's time budget, so batches stay small; the
 * visibility timeout follows AWS's advice for Lambda event sources: at least six times the
 * function's timeout, plus the batching window.
 */
export const CLOUDTRAIL_SNS_QUEUE = {
  batchSize: 5,
  maxBatchingWindow: Duration.seconds(5),
  /** Receives before a message moves to the queue's dead-letter queue. */
  maxReceiveCount: 5,
  visibilityTimeoutFactor: 6,
  retentionPeriod: Duration.days(4),
  /** Longer than the queue's: a moved message keeps its first enqueue time. */
  deadLetterRetentionPeriod: Duration.days(14),
} as const;

/** Why `arn` cannot be the SNS topic a trail announces its log files on, or `undefined`. */
export const checkCloudTrailTopicArn: TextCheck = patternCheck(
  /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}$/,
  'an SNS topic ARN such as arn:aws:sns:eu-west-1:111122223333:cloudtrail-log-files (a standard topic: CloudTrail does not publish to FIFO topics)',
);

/** Properties of {@link CloudTrailSnsTrigger}. */
export interface CloudTrailSnsTriggerProps {
  /** The topic the trail publishes a message on for each log file it delivers. */
  readonly topic: sns.ITopic;
  /** The function that reads the log files each message names. */
  readonly function: lambda.IFunction;
  /** The function's timeout, which the queue's visibility timeout is derived from. */
  readonly functionTimeout: Duration;
  /**
   * The most concurrent invocations the queue starts (2 to 1000), e.g. the function's reserved
   * concurrency, so that the poller is not throttled into moving messages to the dead-letter
   * queue.
   *
   * @default - no limit but the function's
   */
  readonly maxConcurrency?: number;
}

/**
 * CloudTrail's "SNS notification for every log file delivery" as a trigger: an encrypted SQS
 * queue (SSE-SQS, TLS only, its own dead-letter queue) subscribed to the trail's topic (the SNS
 * envelope, not raw delivery), and the queue as the function's event source with partial batch
 * responses, so one bad message is retried alone.
 *
 * SSE-SQS rather than a customer-managed key: SNS delivers to it without any key policy, also
 * from a topic in another account; a KMS key would need a statement for `sns.amazonaws.com`.
 */
export class CloudTrailSnsTrigger extends Construct {
  /** The queue the topic delivers to and the function polls. */
  public readonly queue: sqs.Queue;
  /** Messages the function failed on {@link CLOUDTRAIL_SNS_QUEUE}.maxReceiveCount times. */
  public readonly deadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: CloudTrailSnsTriggerProps) {
    super(scope, id);
    const settings = CLOUDTRAIL_SNS_QUEUE;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: settings.deadLetterRetentionPeriod,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead-letter queue of the log-file notification queue (its redrive policy's target).",
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: settings.retentionPeriod,
      visibilityTimeout: Duration.seconds(
        props.functionTimeout.toSeconds() * settings.visibilityTimeoutFactor +
          settings.maxBatchingWindow.toSeconds(),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });

    // The queue policy lets only this topic send (aws:SourceArn). Created by this account, the
    // subscription needs no confirmation, also when the topic is another account's.
    props.topic.addSubscription(
      new subs.SqsSubscription(this.queue, { rawMessageDelivery: false }),
    );

    props.function.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        reportBatchItemFailures: true,
        ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      }),
    );
  }
}
