/**
 * Typed errors of the alert pipeline. Each keeps the object it concerns and its cause,
 * so the adapter can log, count and decide on retries in one place.
 */

/** Why a log object could not be read to the end. */
export type LogReadFailure =
  | 'empty'
  | 'corrupt-gzip'
  | 'truncated'
  | 'invalid-json'
  | 'not-cloudtrail'
  | 'missing-records'
  /** The read ran out of its time budget (the invocation's remaining time less a margin). */
  | 'time-budget'
  /** The read inflated more bytes than its budget allows (a gzip bomb, a giant file). */
  | 'byte-budget';

/** Failures that are the read's budget running out, not damage in the object. */
export const BUDGET_FAILURES: ReadonlySet<LogReadFailure> = new Set(['time-budget', 'byte-budget']);

/** A log object that cannot be read as a CloudTrail log file. Retrying will not help. */
export class LogReadError extends Error {
  public readonly objectName: string;
  public readonly reason: LogReadFailure;

  public constructor(objectName: string, reason: LogReadFailure, detail: string, cause?: unknown) {
    super(`${objectName}: ${reason}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'LogReadError';
    this.objectName = objectName;
    this.reason = reason;
  }
}

/** One record of a log file that is not valid JSON; the records around it are still read. */
export class BadRecordError extends Error {
  public readonly objectName: string;
  /** Zero-based position of the record in the file's `Records` array. */
  public readonly recordIndex: number;
  /** True when the raw text names a MediaPackage event source, so an alert may be lost. */
  public readonly mayBeMediaPackage: boolean;

  public constructor(
    objectName: string,
    recordIndex: number,
    detail: string,
    mayBeMediaPackage: boolean,
    cause?: unknown,
  ) {
    super(
      `${objectName}: record ${recordIndex}: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'BadRecordError';
    this.objectName = objectName;
    this.recordIndex = recordIndex;
    this.mayBeMediaPackage = mayBeMediaPackage;
  }
}

/** Alerts SNS did not accept after retries; the invocation must fail so Lambda retries it. */
export class PublishError extends Error {
  public readonly failedEventIds: readonly string[];

  public constructor(failedEventIds: readonly string[], detail: string, cause?: unknown) {
    super(
      `${failedEventIds.length} alert(s) not published: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'PublishError';
    this.failedEventIds = failedEventIds;
  }
}
