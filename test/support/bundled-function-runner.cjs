/**
 * One Lambda execution environment for the built function: loads dist/function/index.js as
 * Lambda's Node.js runtime does (a plain require, in its own process, outside Jest's module
 * sandbox, which cannot run the bundle's dynamic imports) and invokes its `handler` with each
 * event the parent sends over IPC. Started by test/support/bundled-function.ts.
 *
 * Message in:  {"id": n, "event": ..., "context": {...}, "timeoutMs": n}
 * Message out: {"id": n, "ok": true, "summary": ...} or {"id": n, "ok": false, "error": {...}}
 */
const { join } = require('node:path');

const BUNDLE = join(__dirname, '..', '..', 'dist', 'function', 'index.js');
const { handler } = require(BUNDLE);

/** The context Lambda passes: the fields the parent sent, and the time left. */
function context(fields, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return { ...fields, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

process.on('message', ({ id, event, context: fields, timeoutMs }) => {
  handler(event, context(fields, timeoutMs)).then(
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
