import { Duration } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * How EventBridge retries delivering an event to the function: as many attempts as it allows
 * (185, its default) within the same six hours as the function's own asynchronous queue.
 */
export const FUNCTION_TARGET_RETRY = {
  retryAttempts: 185,
  maxEventAge: Duration.hours(6),
} as const;

/**
 * The audit function as the target of an EventBridge rule: invoked asynchronously, retried by
 * EventBridge ({@link FUNCTION_TARGET_RETRY}), and an event it could never deliver kept in
 * `deadLetterQueue`, the queue that also holds the function's failed invocations.
 */
export function functionTarget(
  fn: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): targets.LambdaFunction {
  return new targets.LambdaFunction(fn, { deadLetterQueue, ...FUNCTION_TARGET_RETRY });
}
