import { CLOUDTRAIL_API_CALL_DETAIL_TYPE } from '../contract';
import type { CloudTrailRecord, LogObjectRef } from '../read/cloudtrail-record';

/** An object the trigger says was created. */
export interface CreatedObject extends LogObjectRef {
  readonly size: number | null;
  /**
   * The SQS messages that named it (an SQS event only; several when SNS or S3 delivered the
   * same notification twice): each is reported as a batch item failure when it fails.
   */
  readonly sqsMessageIds?: readonly string[];
}

/** A part of the event that names no object to read, with why. */
export interface IgnoredPart {
  readonly reason: string;
  readonly detail: string;
  /** The SQS message it came in, when the event is an SQS batch. */
  readonly sqsMessageId?: string;
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
  readonly ignored: readonly IgnoredPart[];
  /**
   * Set when the event is an SQS batch: the invocation then reports the messages whose objects
   * failed (`batchItemFailures`) instead of failing as a whole.
   */
  readonly sqsBatch?: true;
  /**
   * Set for the storm digests' schedule (an EventBridge `Scheduled Event`): nothing to read;
   * the invocation only sends the digests that are due, as every invocation does at its end.
   */
  readonly scheduled?: true;
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
 * The most characters of an SQS message body that are read: SQS's own limit (1 MiB). A longer
 * body did not come from SQS and is ignored unread.
 */
export const SQS_BODY_MAX_CHARS = 1024 * 1024;

/**
 * The most objects one SQS message may name. CloudTrail names one or a few log files per
 * notification; the rest of a message naming more is ignored (said, counted), so one message
 * cannot hold an invocation past its deadline on every retry.
 */
export const SQS_MESSAGE_MAX_OBJECTS = 1000;

/** How much of a value from the event a `detail` quotes. */
const DETAIL_MAX_CHARS = 200;
/** An SQS message id is a UUID; anything much longer is not one. */
const MESSAGE_ID_MAX_CHARS = 128;
/** S3's limit on a key, in UTF-8 bytes. */
const KEY_MAX_BYTES = 1024;
/** A bucket name, including the legacy names (upper case, underscores, up to 255 characters). */
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

/** What one notification names: objects to read, and parts that name none. */
interface NamedObjects {
  readonly objects: CreatedObject[];
  readonly ignored: IgnoredPart[];
}

/**
 * Reads what to do from any event shape the function is wired to: an S3 event notification,
 * an EventBridge `Object Created` event, S3's `s3:TestEvent` (which names no object), an
 * EventBridge `AWS API Call via CloudTrail` event (a call to decide on now), or an SQS batch
 * (see {@link sqsBatchOf}). It never throws: what it cannot read is ignored with a reason.
 */
export function parseTriggerEvent(event: unknown): TriggerEvent {
  if (!isObject(event)) return ignoredEvent('unrecognised-event', typeof event);
  if (event['detail-type'] === CLOUDTRAIL_API_CALL_DETAIL_TYPE) return apiCallOf(event);
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
    return { objects: [], apiCalls: [], ignored: [], scheduled: true };
  }
  if (Array.isArray(event.Records) && isObject(event.Records[0])) {
    if (event.Records[0].eventSource === 'aws:sqs') return sqsBatchOf(event.Records as unknown[]);
  }
  const named = objectsNamedBy(event);
  if (named === undefined) return ignoredEvent('unrecognised-event', describeUnknown(event));
  return { ...named, apiCalls: [] };
}

/**
 * The objects a notification names, whether it is the event itself or an SQS message's body:
 * an S3 event notification (keys URL-encoded), S3's test event, an EventBridge `Object
 * Created` event, or CloudTrail's delivery message (`{"s3Bucket", "s3ObjectKey": [...]}`, keys
 * as they are). Undefined when it is none of them.
 */
function objectsNamedBy(message: Record<string, unknown>): NamedObjects | undefined {
  if (message.Event === 's3:TestEvent') {
    return only('s3-test-event', String(message.Bucket).slice(0, DETAIL_MAX_CHARS));
  }
  if (message.source === 'aws.s3' && message['detail-type'] === 'Object Created') {
    return objectCreatedOf(message);
  }
  if ('s3Bucket' in message || 's3ObjectKey' in message) return cloudTrailDeliveryOf(message);
  if (!Array.isArray(message.Records)) return undefined;
  const named: NamedObjects = { objects: [], ignored: [] };
  for (const record of message.Records as unknown[]) {
    const parsed = s3RecordObject(record);
    if ('reason' in parsed) named.ignored.push(parsed);
    else named.objects.push(parsed);
  }
  return named;
}

function only(reason: string, detail: string): NamedObjects {
  return { objects: [], ignored: [{ reason, detail }] };
}

/** An EventBridge `Object Created` event: its key is not URL-encoded. */
function objectCreatedOf(event: Record<string, unknown>): NamedObjects {
  const detail = isObject(event.detail) ? event.detail : {};
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = isObject(detail.object) ? detail.object : {};
  const named = namedObject(bucket, object.key, object.size);
  if (named === undefined) {
    return only('malformed-event', 'EventBridge event without bucket or key');
  }
  return { objects: [named], ignored: [] };
}

/**
 * CloudTrail's message announcing delivered log files, as its SNS topic carries it:
 * `{"s3Bucket": "...", "s3ObjectKey": ["AWSLogs/...json.gz", ...]}`. The keys are written as
 * they are, not URL-encoded.
 */
function cloudTrailDeliveryOf(message: Record<string, unknown>): NamedObjects {
  const keys = message.s3ObjectKey;
  if (typeof message.s3Bucket !== 'string' || !BUCKET_NAME.test(message.s3Bucket)) {
    return only('malformed-message', 'CloudTrail notification without a valid s3Bucket');
  }
  if (!Array.isArray(keys) || keys.length === 0) {
    return only('malformed-message', 'CloudTrail notification without s3ObjectKey keys');
  }
  const named: NamedObjects = { objects: [], ignored: [] };
  for (const key of keys as unknown[]) {
    const object = namedObject(message.s3Bucket, key, null);
    if (object !== undefined) named.objects.push(object);
    else named.ignored.push({ reason: 'malformed-message', detail: `unusable key ${quote(key)}` });
  }
  return named;
}

/**
 * An SQS batch (`{"Records": [{"eventSource": "aws:sqs", "messageId", "body"}, ...]}`). Each
 * body is an SNS notification (raw delivery off: `{"Type": "Notification", "Message": "..."}`)
 * or a notification as it is (raw delivery on, or S3 notifying the queue itself), carrying
 * CloudTrail's delivery message or an S3 event notification. Bodies are untrusted: each is
 * bounded, and one that names nothing is ignored with a reason, which a retry cannot change,
 * so it is never reported as a failure. An object several messages name is read once and
 * remembers them all.
 */
function sqsBatchOf(records: readonly unknown[]): TriggerEvent {
  const objects = new Map<string, CreatedObject & { sqsMessageIds: string[] }>();
  const ignored: IgnoredPart[] = [];
  for (const record of records) {
    const message = sqsMessageOf(record);
    if ('reason' in message) {
      ignored.push(message);
      continue;
    }
    const named = namedBySqsBody(message.body);
    if (named.objects.length > SQS_MESSAGE_MAX_OBJECTS) {
      named.ignored.push({
        reason: 'too-many-objects',
        detail: `${named.objects.length} objects named; only the first ${SQS_MESSAGE_MAX_OBJECTS} are read`,
      });
      named.objects.length = SQS_MESSAGE_MAX_OBJECTS;
    }
    for (const part of named.ignored) ignored.push({ ...part, sqsMessageId: message.messageId });
    for (const object of named.objects) {
      const id = `${object.bucket}/${object.key}`;
      const seen = objects.get(id);
      if (seen === undefined) objects.set(id, { ...object, sqsMessageIds: [message.messageId] });
      else if (!seen.sqsMessageIds.includes(message.messageId)) {
        seen.sqsMessageIds.push(message.messageId);
      }
    }
  }
  return { objects: [...objects.values()], apiCalls: [], ignored, sqsBatch: true };
}

/** The id and body of one SQS record, or why it cannot be read. */
function sqsMessageOf(record: unknown): { messageId: string; body: string } | IgnoredPart {
  if (!isObject(record) || record.eventSource !== 'aws:sqs') {
    return { reason: 'unrecognised-record', detail: 'not an SQS message' };
  }
  const { messageId, body } = record;
  if (
    typeof messageId !== 'string' ||
    messageId.length === 0 ||
    messageId.length > MESSAGE_ID_MAX_CHARS
  ) {
    return { reason: 'malformed-message', detail: 'SQS record without a messageId' };
  }
  if (typeof body !== 'string') {
    return {
      reason: 'malformed-message',
      detail: 'SQS message without a body',
      sqsMessageId: messageId,
    };
  }
  if (body.length > SQS_BODY_MAX_CHARS) {
    return {
      reason: 'oversized-message',
      detail: `body of ${body.length} characters; SQS allows ${SQS_BODY_MAX_CHARS}`,
      sqsMessageId: messageId,
    };
  }
  return { messageId, body };
}

/** What an SQS message's body names, through its SNS envelope when it has one. */
function namedBySqsBody(body: string): NamedObjects {
  let message = parseJson(body);
  if (!isObject(message)) return only('malformed-message', 'body is not a JSON object');
  if (message.Type === 'Notification') {
    if (typeof message.Message !== 'string') {
      return only('malformed-message', 'SNS notification without a Message');
    }
    message = parseJson(message.Message);
    if (!isObject(message)) {
      return only('unrecognised-message', 'SNS message is not a JSON object');
    }
  } else if (typeof message.Type === 'string' && typeof message.TopicArn === 'string') {
    // SubscriptionConfirmation and UnsubscribeConfirmation name no object.
    return only(
      'sns-message',
      `${message.Type} from ${message.TopicArn}`.slice(0, DETAIL_MAX_CHARS),
    );
  }
  return objectsNamedBy(message) ?? only('unrecognised-message', describeUnknown(message));
}

/** The JSON value of the text, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The object a bucket and key name, when both are usable. */
function namedObject(bucket: unknown, key: unknown, size: unknown): CreatedObject | undefined {
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) return undefined;
  if (typeof key !== 'string' || key === '' || Buffer.byteLength(key) > KEY_MAX_BYTES) {
    return undefined;
  }
  return { bucket, key, size: typeof size === 'number' ? size : null };
}

/** What names an event or message of no known shape: its detail type, else its first keys. */
function describeUnknown(event: Record<string, unknown>): string {
  const detailType = event['detail-type'];
  return typeof detailType === 'string'
    ? `detail-type ${detailType.slice(0, 100)}`
    : Object.keys(event).slice(0, 20).join(',').slice(0, DETAIL_MAX_CHARS);
}

/** A value from the event, quoted for a log line and cut short. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value;
  return text.length > DETAIL_MAX_CHARS ? `${text.slice(0, DETAIL_MAX_CHARS)}...` : text;
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

function s3RecordObject(record: unknown): CreatedObject | IgnoredPart {
  if (!isObject(record) || record.eventSource !== 'aws:s3' || !isObject(record.s3)) {
    return { reason: 'unrecognised-record', detail: 'not an S3 notification record' };
  }
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  if (!eventName.startsWith('ObjectCreated:')) {
    return { reason: 'not-object-created', detail: eventName.slice(0, DETAIL_MAX_CHARS) };
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
    return { reason: 'malformed-event', detail: `key is not URL-encoded: ${quote(object.key)}` };
  }
  return (
    namedObject(bucket, key, object.size) ?? {
      reason: 'malformed-event',
      detail: `unusable bucket or key: ${quote(bucket)}, ${quote(key)}`,
    }
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
