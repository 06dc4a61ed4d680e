import type { Stack } from 'aws-cdk-lib';
import { Aws, Fn, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CLOUDTRAIL_API_CALL_DETAIL_TYPE,
  FAST_PATH_EVENT_SOURCES,
  cloudTrailEventSource,
} from '../lambda/contract';
import { functionTarget } from './function-target';

/**
 * The `AWS API Call via CloudTrail` events of the watched services, in the home Region's rule and
 * in every forwarder's: one pattern, so a forwarder never sends what the home rule drops.
 *
 * Read-only calls need no filter: a rule in the `ENABLED` state does not receive read-only
 * management events from CloudTrail; only `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` does
 * ("Receiving read-only management events from AWS services", Amazon EventBridge User Guide).
 * Filtering on `detail.readOnly` would also drop a record that lacks the field. `eventSource`
 * repeats `source` in CloudTrail's own spelling (`aws.x` is `x.amazonaws.com`).
 */
export function fastPathEventPattern(): events.EventPattern {
  return {
    source: [...FAST_PATH_EVENT_SOURCES],
    detailType: [CLOUDTRAIL_API_CALL_DETAIL_TYPE],
    detail: {
      eventSource: FAST_PATH_EVENT_SOURCES.map(cloudTrailEventSource),
    },
  };
}

/**
 * The value of `FUNCTION_ENV.fastPathRegions`: the Regions whose events reach the home bus, the
 * home Region first. An environment-agnostic stack writes `AWS::Region`, which CloudFormation
 * resolves; the home Region may then also appear among `forwarded` (harmless in a list).
 */
export function fastPathRegionsValue(stack: Stack, forwarded: readonly string[]): string {
  if (Token.isUnresolved(stack.region)) return Fn.join(',', [Aws.REGION, ...forwarded]);
  return [...new Set([stack.region, ...forwarded])].join(',');
}

/** Properties of {@link FastPathRule}. */
export interface FastPathRuleProps {
  /** The function to invoke with each event. */
  readonly function: lambda.IFunction;
  /** Where EventBridge puts an event it could not deliver: the function's dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The fast path in the home Region: a rule on the default event bus that invokes the function
 * with each `AWS API Call via CloudTrail` event of the watched services, seconds after the call,
 * its own Region's and those the forwarders send.
 *
 * The function is the target itself, not a queue in front of it: seconds matter, and the volume
 * is tiny (MediaPackage writes). EventBridge's retries, Lambda's asynchronous retries and the
 * dead-letter queue give a queue's durability, and the idempotency record per `eventID` makes a
 * duplicate delivery harmless.
 */
export class FastPathRule extends Construct {
  public readonly rule: events.Rule;

  public constructor(scope: Construct, id: string, props: FastPathRuleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'ApiCall', {
      description: 'MediaPackage and CloudTrail API calls, seconds after the call (fast path)',
      eventPattern: fastPathEventPattern(),
      targets: [functionTarget(props.function, props.deadLetterQueue)],
    });
  }
}
