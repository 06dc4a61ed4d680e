import { CLOUDTRAIL_API_CALL_DETAIL_TYPE } from '../contract';
import type { CloudTrailRecord, LogObjectRef } from '../read/cloudtrail-record';

/** An object the trigger says was created. */
export interface CreatedObject extends LogObjectRef {
  readonly size: number | null;
}

/** A management call EventBridge delivered (`AWS API Call via CloudTrail`): the fast path. */
export interface ApiCall {
  /** The EventBridge event's own id, for logs. */
  readonly eventBridgeId: string | null;
  /** The CloudTrail record: the event's `detail`, as in the log file. */
  readonly record: CloudTrailRecord;
}

/** What the function was invoked with, reduced to what it must read or decide. */
export interface TriggerEvent {
  readonly objects: readonly CreatedObject[];
  readonly apiCalls: readonly ApiCall[];
  /** Parts of the event that name no object to read, with why. */
  readonly ignored: readonly { readonly reason: string; readonly detail: string }[];
}

/**
 * S3 writes keys in notifications URL-encoded, with `+` for a space.
 * EventBridge events carry the key as it is.
 */
export function decodeS3NotificationKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Nothing to read or decide, for this reason. */
function ignoredEvent(reason: string, detail: string): TriggerEvent {
  return { objects: [], apiCalls: [], ignored: [{ reason, detail }] };
}

/**
 * Reads what to do from any event shape the function is wired to: an S3 event notification,
 * an EventBridge `Object Created` event, S3's `s3:TestEvent` (which names no object), or an
 * EventBridge `AWS API Call via CloudTrail` event (a call to decide on now).
 */
export function parseTriggerEvent(event: unknown): TriggerEvent {
  if (!isObject(event)) return ignoredEvent('unrecognised-event', typeof event);
  if (event.Event === 's3:TestEvent') return ignoredEvent('s3-test-event', String(event.Bucket));
  if (event['detail-type'] === CLOUDTRAIL_API_CALL_DETAIL_TYPE) return apiCallOf(event);
  if (event.source === 'aws.s3' && event['detail-type'] === 'Object Created') {
    const detail = isObject(event.detail) ? event.detail : {};
    const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
    const object = isObject(detail.object) ? detail.object : {};
    if (typeof bucket !== 'string' || typeof object.key !== 'string') {
      return ignoredEvent('malformed-event', 'EventBridge event without bucket or key');
    }
    return {
      objects: [
        { bucket, key: object.key, size: typeof object.size === 'number' ? object.size : null },
      ],
      apiCalls: [],
      ignored: [],
    };
  }
  if (Array.isArray(event.Records)) {
    const objects: CreatedObject[] = [];
    const ignored: { reason: string; detail: string }[] = [];
    for (const record of event.Records as unknown[]) {
      const parsed = s3RecordObject(record);
      if ('reason' in parsed) ignored.push(parsed);
      else objects.push(parsed);
    }
    return { objects, apiCalls: [], ignored };
  }
  const detailType = event['detail-type'];
  return ignoredEvent(
    'unrecognised-event',
    typeof detailType === 'string'
      ? `detail-type ${detailType.slice(0, 100)}`
      : Object.keys(event).slice(0, 20).join(',').slice(0, 200),
  );
}

/**
 * The call in an `AWS API Call via CloudTrail` event. Its `detail` is the CloudTrail record; one
 * that is not an object, or has no `eventName`/`eventSource`, cannot be decided on.
 */
function apiCallOf(event: Record<string, unknown>): TriggerEvent {
  const { detail } = event;
  if (!isObject(detail)) {
    return ignoredEvent('malformed-event', 'API call event without a detail object');
  }
  const missing = ['eventSource', 'eventName'].filter((field) => typeof detail[field] !== 'string');
  if (missing.length > 0) {
    return ignoredEvent('malformed-event', `API call event without ${missing.join(' or ')}`);
  }
  return {
    objects: [],
    apiCalls: [
      {
        eventBridgeId: typeof event.id === 'string' ? event.id.slice(0, 100) : null,
        record: detail,
      },
    ],
    ignored: [],
  };
}

function s3RecordObject(record: unknown): CreatedObject | { reason: string; detail: string } {
  if (!isObject(record) || record.eventSource !== 'aws:s3' || !isObject(record.s3)) {
    return { reason: 'unrecognised-record', detail: 'not an S3 notification record' };
  }
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  if (!eventName.startsWith('ObjectCreated:')) {
    return { reason: 'not-object-created', detail: eventName };
  }
  const bucket = isObject(record.s3.bucket) ? record.s3.bucket.name : undefined;
  const object = isObject(record.s3.object) ? record.s3.object : {};
  if (typeof bucket !== 'string' || typeof object.key !== 'string') {
    return { reason: 'malformed-event', detail: 'S3 record without bucket or key' };
  }
  let key: string;
  try {
    key = decodeS3NotificationKey(object.key);
  } catch {
    return { reason: 'malformed-event', detail: `key is not URL-encoded: ${object.key}` };
  }
  return { bucket, key, size: typeof object.size === 'number' ? object.size : null };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
