/**
 * How much work one log object may cost: the budgets the reader stops at, so a gzip bomb, a
 * giant file or a slow read ends with what was found delivered instead of a timeout.
 */

/**
 * Environment variable the construct sets (from `maxInflatedMb`) with the most uncompressed
 * bytes the function reads from one log file, as a decimal string.
 */
export const MAX_INFLATED_BYTES_ENV = 'MP_AUDIT_MAX_INFLATED_BYTES';

/** Bytes in a MB of `maxInflatedMb`: MiB, as Lambda's memory setting. */
export const BYTES_PER_MB = 1024 * 1024;

/**
 * The default budget of inflated bytes per object, in MB: 2 GiB, ten times the largest
 * CloudTrail files seen on busy organization trails (tens to hundreds of MB), so only a gzip
 * bomb or a file that is not a real log reaches it.
 */
export const DEFAULT_MAX_INFLATED_MB = 2048;
export const DEFAULT_MAX_INFLATED_BYTES = DEFAULT_MAX_INFLATED_MB * BYTES_PER_MB;

/**
 * The message of the ERROR line logged for an object a budget stopped; the operations alarm's
 * Logs Insights query filters on it.
 */
export const INCOMPLETE_READ_MESSAGE = 'Log object not read to the end: read budget exhausted';

/** Time kept back from reading to deliver what was found, at most. */
export const DELIVERY_MARGIN_MAX_MS = 15_000;
/** ... a quarter of the time left, but a second (or half, if less is left) at least. */
const DELIVERY_MARGIN_SHARE = 0.25;
const DELIVERY_MARGIN_MIN_MS = 1_000;

/**
 * When reading must stop for an invocation with `remainingMs` left, so the alerts found can
 * still be delivered (one batch, see DELIVERY_BATCH_ALERTS) and the handler return before
 * Lambda's deadline.
 */
export function readDeadline(remainingMs: number, now = Date.now()): number {
  const remaining = Math.max(0, remainingMs);
  const margin = Math.min(
    DELIVERY_MARGIN_MAX_MS,
    Math.max(remaining * DELIVERY_MARGIN_SHARE, Math.min(DELIVERY_MARGIN_MIN_MS, remaining / 2)),
  );
  return now + remaining - margin;
}
