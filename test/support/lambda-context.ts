import type { Context } from 'aws-lambda';

/** The plain fields of a Lambda context: what can cross to another process. */
export type LambdaContextFields = Omit<
  Context,
  'getRemainingTimeInMillis' | 'done' | 'fail' | 'succeed'
>;

/** The fields of the context Lambda passes the function, for the request `requestId`. */
export function localLambdaContextFields(requestId: string): LambdaContextFields {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'mediapackage-audit-alerts',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:mediapackage-audit-alerts',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/mediapackage-audit-alerts',
    logStreamName: `local/[$LATEST]${process.pid}`,
  };
}

/**
 * The context Lambda passes a handler, for local invocations: a deadline `timeoutMs` from now
 * (read by the read budget and by idempotency's in-progress records) and a request id.
 */
export function localLambdaContext(requestId: string, timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    ...localLambdaContextFields(requestId),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
