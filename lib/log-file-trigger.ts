import type { Duration } from 'aws-cdk-lib';
import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CloudTrailSnsTrigger } from './cloudtrail-sns-trigger';
import { throwIfInvalid } from './errors';
import { functionTarget } from './function-target';
import { flattenReference } from './nag-findings';

/**
 * How new CloudTrail log files reach the function: an S3 event notification on the bucket, an
 * EventBridge rule on its `Object Created` events, or an SQS queue subscribed to the SNS topic
 * the trail announces each delivered log file on.
 */
export const TRIGGER_KINDS = ['s3', 'eventbridge', 'cloudtrail-sns'] as const;

/** One of {@link TRIGGER_KINDS}. */
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** Properties of {@link LogFileTrigger}. */
export interface LogFileTriggerProps {
  /** The bucket CloudTrail writes to. */
  readonly bucket: s3.IBucket;
  /** The trail's key prefix, empty or ending with `/`. */
  readonly keyPrefix: string;
  /** S3 event notification, EventBridge rule or the trail's SNS topic. */
  readonly kind: TriggerKind;
  /** The function to invoke for each new log file. */
  readonly function: lambda.IFunction;
  /** Where the EventBridge target sends events it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The function's timeout, which the `cloudtrail-sns` queue's visibility timeout follows.
   * Required with that kind.
   *
   * @default - none
   */
  readonly functionTimeout?: Duration;
  /**
   * The topic the trail announces its log files on. Required with the `cloudtrail-sns` kind, and
   * only with it.
   *
   * @default - none
   */
  readonly cloudTrailTopic?: sns.ITopic;
  /**
   * The most concurrent invocations the `cloudtrail-sns` queue starts.
   *
   * @default - no limit but the function's
   */
  readonly maxConcurrency?: number;
}

/** Suffix of CloudTrail log files (digest files share it; the function skips them). */
export const LOG_FILE_SUFFIX = '.json.gz';

/**
 * Invokes the function when CloudTrail delivers a log file, through an S3 event notification
 * (prefix `<keyPrefix>AWSLogs/`, suffix `.json.gz`), an EventBridge rule on `Object Created`
 * events of the bucket, or a queue subscribed to the trail's SNS topic
 * ({@link CloudTrailSnsTrigger}).
 */
export class LogFileTrigger extends Construct {
  /** The EventBridge rule, for the `eventbridge` kind. */
  public readonly rule?: events.Rule;
  /** The queue and its dead-letter queue, for the `cloudtrail-sns` kind. */
  public readonly cloudTrailSns?: CloudTrailSnsTrigger;

  public constructor(scope: Construct, id: string, props: LogFileTriggerProps) {
    super(scope, id);
    const logsPrefix = `${props.keyPrefix}AWSLogs/`;
    throwIfInvalid(this, [
      props.kind === 'cloudtrail-sns' && props.cloudTrailTopic === undefined
        ? 'cloudTrailTopic is required with the cloudtrail-sns kind'
        : undefined,
      props.kind !== 'cloudtrail-sns' && props.cloudTrailTopic !== undefined
        ? 'cloudTrailTopic only applies to the cloudtrail-sns kind'
        : undefined,
      props.kind === 'cloudtrail-sns' && props.functionTimeout === undefined
        ? 'functionTimeout is required with the cloudtrail-sns kind'
        : undefined,
    ]);

    if (
      props.kind === 'cloudtrail-sns' &&
      props.cloudTrailTopic !== undefined &&
      props.functionTimeout !== undefined
    ) {
      this.cloudTrailSns = new CloudTrailSnsTrigger(this, 'CloudTrailSns', {
        topic: props.cloudTrailTopic,
        function: props.function,
        functionTimeout: props.functionTimeout,
        ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      });
      return;
    }

    if (props.kind === 's3') {
      props.bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED,
        new s3n.LambdaDestination(props.function),
        { prefix: logsPrefix, suffix: LOG_FILE_SUFFIX },
      );
      acknowledgeNotificationsHandler(Stack.of(this));
      return;
    }

    this.rule = new events.Rule(this, 'LogFileCreated', {
      description: 'New CloudTrail log files in the trail bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bucket.bucketName] },
          // Log files only (AWSLogs/<account or org/account>/CloudTrail/...): no digest or
          // Insights files, which share the prefix and the suffix.
          object: { key: events.Match.wildcard(`${logsPrefix}*/CloudTrail/*${LOG_FILE_SUFFIX}`) },
        },
      },
      targets: [functionTarget(props.function, props.deadLetterQueue)],
    });
  }
}

/** Construct ID CDK gives its singleton S3 notifications handler in a stack. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/**
 * `addEventNotification` deploys CDK's notifications custom resource (one per stack), whose role
 * aws-cdk-lib gives the basic-execution managed policy; its bucket permission is already scoped.
 */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
  if (handler === undefined) return;
  const basicExecution = iam.ManagedPolicy.fromAwsManagedPolicyName(
    'service-role/AWSLambdaBasicExecutionRole',
  ).managedPolicyArn;
  Validations.of(handler).acknowledge({
    id: `AwsSolutions-IAM4[Policy::${flattenReference(stack.resolve(basicExecution))}]`,
    reason:
      "Role of CDK's S3 bucket-notifications custom resource (aws-cdk-lib, not configurable): it runs only during deployment and writes only its own logs.",
  });
}
