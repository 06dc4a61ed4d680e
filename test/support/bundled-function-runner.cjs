/**
 * One Lambda execution environment for the built function: loads dist/function/index.js as
 * Lambda's Node.js runtime does (a plain require, in its own process, outside Jest's module
 * sandbox, which cannot run the bundle's dynamic imports) and invokes its `handler` with each
 * event the parent sends over IPC. Started by test/support/bundled-function.ts.
 *
 * Message in:  {"id": n, "event": ..., "timeoutMs": n}
 * Message out: {"id": n, "ok": true, "summary": ...} or {"id": n, "ok": false, "error": {...}}
 */
const { join } = require('node:path');

const BUNDLE = join(__dirname, '..', '..', 'dist', 'function', 'index.js');
const { handler } = require(BUNDLE);

/** What Lambda passes as the context: a deadline, a request id, the function's name. */
function context(id, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'mediapackage-audit-alerts',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:mediapackage-audit-alerts',
    memoryLimitInMB: '512',
    awsRequestId: `local-${process.pid}-${id}`,
    logGroupName: '/aws/lambda/mediapackage-audit-alerts',
    logStreamName: `local/[$LATEST]${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

process.on('message', ({ id, event, timeoutMs }) => {
  handler(event, context(id, timeoutMs)).then(
    (summary) => process.send({ id, ok: true, summary }),
    (error) =>
      process.send({
        id,
        ok: false,
        error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) },
      }),
  );
});
process.send({ ready: true });
