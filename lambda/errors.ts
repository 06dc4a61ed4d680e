/**
 * Typed errors of the alert pipeline. Each keeps the object it concerns and its cause,
 * so the adapter can log, count and decide on retries in one place.
 */

import type { LogReadFailure } from './contract';
import { MediaPackageAuditError } from './contract';

export type { LogReadFailure } from './contract';

/** A log object that cannot be read as a CloudTrail log file. Retrying will not help. */
export class LogReadError extends MediaPackageAuditError {
  public readonly objectName: string;
  public readonly reason: LogReadFailure;

  public constructor(objectName: string, reason: LogReadFailure, detail: string, cause?: unknown) {
    super(`${objectName}: ${reason}: ${detail}`, { cause });
    this.name = 'LogReadError';
    this.objectName = objectName;
    this.reason = reason;
  }
}

/** One record of a log file that is not valid JSON; the records around it are still read. */
export class BadRecordError extends MediaPackageAuditError {
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
    super(`${objectName}: record ${recordIndex}: ${detail}`, { cause });
    this.name = 'BadRecordError';
    this.objectName = objectName;
    this.recordIndex = recordIndex;
    this.mayBeMediaPackage = mayBeMediaPackage;
  }
}

/** Alerts SNS did not accept after retries; the invocation must fail so Lambda retries it. */
export class PublishError extends MediaPackageAuditError {
  public readonly failedEventIds: readonly string[];

  public constructor(failedEventIds: readonly string[], detail: string, cause?: unknown) {
    super(`${failedEventIds.length} alert(s) not published: ${detail}`, { cause });
    this.name = 'PublishError';
    this.failedEventIds = failedEventIds;
  }
}
