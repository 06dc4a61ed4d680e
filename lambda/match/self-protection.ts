import type { OwnResources } from '../contract';
import type { CloudTrailRecord } from '../read/cloudtrail-record';
import { isReadOnlyCall } from '../read/cloudtrail-record';

/**
 * The pipeline's own resources. Calls that change them can blind the alerting, so they alert
 * whatever the rules watch. The construct passes them to the function; the function's own
 * name comes from Lambda's `AWS_LAMBDA_FUNCTION_NAME`.
 */
export type { OwnResources };

/** Trail calls that stop, narrow or remove logging: alerted on any trail. */
export const TRAIL_TAMPERING_CALLS: ReadonlySet<string> = new Set([
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'PutInsightSelectors',
]);

/** Services whose write calls on the pipeline's resources alert (CloudTrail: any trail). */
export const SELF_PROTECTED_SOURCES: ReadonlySet<string> = new Set([
  'cloudtrail.amazonaws.com',
  's3.amazonaws.com',
  'lambda.amazonaws.com',
  'sns.amazonaws.com',
  'kms.amazonaws.com',
]);

function params(record: CloudTrailRecord): Record<string, unknown> {
  const value = record.requestParameters;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * `name`, `name:alias`, `account:function:name[:alias]` (a partial ARN) and
 * `arn:aws:lambda:region:account:function:name[:alias]` -> `name`.
 */
export function functionNameOf(value: string): string {
  const marker = value.indexOf('function:');
  const rest = marker === -1 ? value : value.slice(marker + 'function:'.length);
  return rest.split(':')[0] ?? rest;
}

/** `arn:aws:kms:r:a:key/uuid` or `uuid` -> `uuid`. */
function keyIdOf(value: string): string {
  const slash = value.lastIndexOf('key/');
  return slash === -1 ? value : value.slice(slash + 4);
}

/**
 * Describes the pipeline resource a write call touches (`bucket my-logs`), or undefined.
 * Trail tampering counts on any trail, since the pipeline may read another trail's bucket.
 */
export function tamperedResource(record: CloudTrailRecord, own: OwnResources): string | undefined {
  const source = record.eventSource;
  const name = str(record.eventName) ?? '';
  const p = params(record);
  if (source === 'cloudtrail.amazonaws.com' && TRAIL_TAMPERING_CALLS.has(name)) {
    return `trail ${str(p.name) ?? str(p.trailName) ?? '(unnamed)'}`;
  }
  // Object-level data events (CloudTrail's own PutObject of each log file, say) would make
  // the pipeline alert on its own deliveries: only management calls count.
  if (
    isReadOnlyCall(record) ||
    record.eventCategory === 'Data' ||
    record.managementEvent === false
  ) {
    return undefined;
  }
  switch (source) {
    case 's3.amazonaws.com': {
      const bucket = str(p.bucketName);
      return bucket !== undefined && (own.bucketNames ?? []).includes(bucket)
        ? `bucket ${bucket}`
        : undefined;
    }
    case 'lambda.amazonaws.com': {
      const fn = str(p.functionName);
      const nameOnly = fn === undefined ? undefined : functionNameOf(fn);
      return nameOnly !== undefined && (own.functionNames ?? []).includes(nameOnly)
        ? `function ${nameOnly}`
        : undefined;
    }
    case 'sns.amazonaws.com': {
      const topics = own.topicArns ?? [];
      const topic =
        str(p.topicArn) ??
        str(p.resourceArn) ??
        str(p.subscriptionArn)?.split(':').slice(0, 6).join(':');
      return topic !== undefined && topics.includes(topic) ? `topic ${topic}` : undefined;
    }
    case 'kms.amazonaws.com': {
      const key = str(p.keyId) ?? str(p.KeyId);
      const ownIds = (own.kmsKeys ?? []).map(keyIdOf);
      return key !== undefined && ownIds.includes(keyIdOf(key))
        ? `KMS key ${keyIdOf(key)}`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Text a tampering record of S3, Lambda, SNS or KMS must contain, for the reader's prefilter. */
export function selfProtectionMarkers(own: OwnResources): string[] {
  return [
    ...(own.bucketNames ?? []),
    ...(own.functionNames ?? []),
    ...(own.topicArns ?? []),
    ...(own.kmsKeys ?? []).map(keyIdOf),
  ].filter((marker) => marker.length > 0);
}
