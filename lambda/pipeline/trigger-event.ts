import type { LogObjectRef } from '../read/cloudtrail-record';

/** An object the trigger says was created. */
export interface CreatedObject extends LogObjectRef {
  readonly size: number | null;
}

/** What the function was invoked with, reduced to what it must read. */
export interface TriggerEvent {
  readonly objects: readonly CreatedObject[];
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

/**
 * Reads the objects from any event shape the function is wired to: an S3 event notification,
 * an EventBridge `Object Created` event, or S3's `s3:TestEvent` (which names no object).
 */
export function parseTriggerEvent(event: unknown): TriggerEvent {
  if (!isObject(event)) {
    return { objects: [], ignored: [{ reason: 'unrecognised-event', detail: typeof event }] };
  }
  if (event.Event === 's3:TestEvent') {
    return { objects: [], ignored: [{ reason: 's3-test-event', detail: String(event.Bucket) }] };
  }
  if (event.source === 'aws.s3' && event['detail-type'] === 'Object Created') {
    const detail = isObject(event.detail) ? event.detail : {};
    const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
    const object = isObject(detail.object) ? detail.object : {};
    if (typeof bucket !== 'string' || typeof object.key !== 'string') {
      return {
        objects: [],
        ignored: [{ reason: 'malformed-event', detail: 'EventBridge event without bucket or key' }],
      };
    }
    return {
      objects: [
        { bucket, key: object.key, size: typeof object.size === 'number' ? object.size : null },
      ],
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
    return { objects, ignored };
  }
  return {
    objects: [],
    ignored: [{ reason: 'unrecognised-event', detail: Object.keys(event).join(',') }],
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
