/**
 * The parts of a CloudTrail record this pipeline reads. CloudTrail adds fields over time and
 * writes them loosely typed, so every field is optional and checked where it is used.
 */
export interface CloudTrailSessionIssuer {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly userName?: string;
}

export interface CloudTrailUserIdentity {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly sessionContext?: {
    readonly attributes?: {
      readonly mfaAuthenticated?: string | boolean;
      readonly creationDate?: string;
    };
    readonly sessionIssuer?: CloudTrailSessionIssuer;
    readonly sourceIdentity?: string;
  };
}

export interface CloudTrailRecord {
  readonly eventVersion?: string;
  readonly userIdentity?: CloudTrailUserIdentity;
  readonly eventTime?: string;
  readonly eventSource?: string;
  readonly eventName?: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters?: unknown;
  readonly responseElements?: unknown;
  readonly requestID?: string;
  readonly eventID?: string;
  readonly readOnly?: boolean | string;
  readonly eventType?: string;
  readonly recipientAccountId?: string;
  readonly resources?: readonly {
    readonly ARN?: string;
    readonly type?: string;
    readonly accountId?: string;
  }[];
  readonly [field: string]: unknown;
}

/** How the names of read calls start, when a record has no `readOnly` flag. */
export const READ_EVENT_NAME_PREFIXES = ['Describe', 'List', 'Get', 'Head'] as const;

/**
 * Whether the call only reads: the one read-only rule of the pipeline. CloudTrail's `readOnly`
 * decides when present (a boolean; the string form is tolerated); without it, the name does.
 */
export function isReadOnlyCall(record: CloudTrailRecord): boolean {
  const flag = record.readOnly;
  if (flag === true || flag === 'true') return true;
  if (flag === false || flag === 'false') return false;
  const name = typeof record.eventName === 'string' ? record.eventName : '';
  return READ_EVENT_NAME_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The S3 object a record came from, carried into every alert for traceability. */
export interface LogObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Marks a record the reader could not keep whole (over its size cap): its small top-level
 * fields were kept, its large ones (usually `requestParameters`/`responseElements`) dropped.
 * A symbol, so it never reaches JSON output and no record text can forge it.
 */
export const OMITTED_PARTS: unique symbol = Symbol('mp-audit.omitted-parts');

/** What the reader dropped from an oversized record. */
export interface OmittedParts {
  /** Size of the whole record in bytes, as read. */
  readonly recordBytes: number;
  /** Top-level keys whose values were dropped (too large to keep). */
  readonly members: readonly string[];
}

/** A record as the reader yields it: oversized ones carry what was dropped. */
export type ReadRecord = CloudTrailRecord & { readonly [OMITTED_PARTS]?: OmittedParts };
