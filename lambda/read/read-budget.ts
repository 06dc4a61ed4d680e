/**
 * How much work one log object may cost: the budgets the reader stops at, so a gzip bomb, a
 * giant file or a slow read ends with what was found delivered instead of a timeout.
 */

import { BYTES_PER_MB, DEFAULT_MAX_INFLATED_MB } from '../contract';

/** The default budget of inflated bytes per object (DEFAULT_MAX_INFLATED_MB). */
export const DEFAULT_MAX_INFLATED_BYTES = DEFAULT_MAX_INFLATED_MB * BYTES_PER_MB;

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
