/**
 * Realistic CloudTrail fixtures for the tests: records shaped like AWS's documented
 * MediaPackage `UpdateChannel` log entry, log-file keys and bodies (gzip or plain), digest
 * files, the S3 / EventBridge events that announce them, and recorders for the pipeline ports.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { PublishBatchCommandInput, PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import type { MediaPackageAlert } from '../../lambda/alert/alert';
import { buildAlert } from '../../lambda/alert/alert';
import type { CloudTrailRecord, LogObjectRef } from '../../lambda/read/cloudtrail-record';
import { matchEvent } from '../../lambda/match/matcher';
import type { MetricUnitName, PipelineLogger, PipelineMetrics } from '../../lambda/pipeline/ports';

export const ACCOUNT_ID = '111122223333';
export const REGION = 'us-west-2';
export const BUCKET = 'org-cloudtrail-logs-111122223333';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:mediapackage-audit-alerts`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/MediaOpsAdmin`;
export const USER_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/MediaOpsAdmin/jdoe`;

/** A JSON object record whose fields tests may replace. */
export type FixtureRecord = CloudTrailRecord & Record<string, unknown>;

let sequence = 0;

/** A deterministic, UUID-shaped id; each call returns a new one. */
export function nextEventId(): string {
  sequence += 1;
  const hex = sequence.toString(16).padStart(12, '0');
  return `5a1b2c3d-4e5f-4a6b-8c7d-${hex}`;
}

/**
 * A full CloudTrail record of a MediaPackage (live v1) `UpdateChannel` call made by an assumed
 * role, as in the AWS documentation. `overrides` replace top-level fields; a field set to
 * `undefined` is left out of the serialized record.
 */
export function cloudTrailRecord(overrides: Record<string, unknown> = {}): FixtureRecord {
  const channelId = 'live-1';
  const record: FixtureRecord = {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID1234567:jdoe',
      arn: USER_ARN,
      accountId: ACCOUNT_ID,
      accessKeyId: 'ASIAEXAMPLEKEYID1234',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID1234567',
          arn: ROLE_ARN,
          accountId: ACCOUNT_ID,
          userName: 'MediaOpsAdmin',
        },
        attributes: {
          creationDate: '2024-05-01T11:58:02Z',
          mfaAuthenticated: 'true',
        },
      },
    },
    eventTime: '2024-05-01T12:03:41Z',
    eventSource: 'mediapackage.amazonaws.com',
    eventName: 'UpdateChannel',
    awsRegion: REGION,
    sourceIPAddress: '203.0.113.17',
    userAgent:
      'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 command/mediapackage.update-channel',
    requestParameters: {
      description: 'Main live channel, updated for the evening show',
      id: channelId,
    },
    responseElements: {
      description: 'Main live channel, updated for the evening show',
      hlsIngest: {
        ingestEndpoints: [
          {
            id: '6d345804ec3f46c9b454a91d4a80d0e0',
            password: '***',
            url: 'https://6d345804ec3f46c9.mediapackage.us-west-2.amazonaws.com/in/v2/4d1f53c2/6d345804ec3f46c9/channel',
            username: '***',
          },
          {
            id: '2a9ab7fb9e1d4d2c9d0f0b4bdbd9e6d1',
            password: '***',
            url: 'https://2a9ab7fb9e1d4d2c.mediapackage.us-west-2.amazonaws.com/in/v2/4d1f53c2/2a9ab7fb9e1d4d2c/channel',
            username: '***',
          },
        ],
      },
      arn: `arn:aws:mediapackage:${REGION}:${ACCOUNT_ID}:channels/4d1f53c2b6a54c7b8e1e5f0e3c2d1a00`,
      id: channelId,
      tags: {},
    },
    requestID: 'a3f8c1d2-6b7e-4f90-9a1b-2c3d4e5f6a7b',
    eventID: nextEventId(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT_ID,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'mediapackage.us-west-2.amazonaws.com',
    },
  };
  const merged: FixtureRecord = { ...record, ...overrides };
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined) delete merged[key];
  }
  return merged;
}

/** A record of another service that shares a log file with MediaPackage calls. */
export function otherServiceRecord(overrides: Record<string, unknown> = {}): FixtureRecord {
  return cloudTrailRecord({
    eventSource: 's3.amazonaws.com',
    eventName: 'PutBucketTagging',
    userAgent: '[aws-sdk-js/3.540.0]',
    requestParameters: { bucketName: 'media-assets', Host: 'media-assets.s3.amazonaws.com' },
    responseElements: null,
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'media-assets.s3.us-west-2.amazonaws.com',
    },
    ...overrides,
  });
}

/**
 * The record MediaPackage itself writes when it reads an ingest secret: Secrets Manager API,
 * called by the service, not a MediaPackage API call.
 */
export function serviceOriginatedSecretsRecord(): FixtureRecord {
  return cloudTrailRecord({
    userIdentity: { type: 'AWSService', invokedBy: 'mediapackage.amazonaws.com' },
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    sourceIPAddress: 'mediapackage.amazonaws.com',
    userAgent: 'mediapackage.amazonaws.com',
    requestParameters: {
      secretId: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:mediapackage/cdn-auth-AbCdEf`,
    },
    responseElements: null,
    readOnly: true,
  });
}

/** The alert for a record that must match; fails the test if it does not. */
export function alertFor(
  record: CloudTrailRecord,
  logObject: LogObjectRef = { bucket: BUCKET, key: logFileKey() },
): MediaPackageAlert {
  const match = matchEvent(record);
  if (match === undefined) {
    throw new Error(
      `fixture does not match: ${String(record.eventSource)} ${String(record.eventName)}`,
    );
  }
  return buildAlert(match, logObject);
}

/** The JSON text of a log file, `{"Records":[...]}` as CloudTrail writes it. */
export function logFileJson(records: readonly unknown[]): string {
  return JSON.stringify({ Records: records });
}

/** The bytes of a log file: gzip (as CloudTrail delivers) unless `gzip` is false. */
export function logFileBody(records: readonly unknown[], gzip = true): Buffer {
  const json = Buffer.from(logFileJson(records));
  return gzip ? gzipSync(json) : json;
}

/** A realistic key for a log file delivered for `ACCOUNT_ID` in `REGION`. */
export function logFileKey(
  options: { prefix?: string; orgId?: string; suffix?: string } = {},
): string {
  const prefix = options.prefix === undefined ? '' : `${options.prefix}/`;
  const org = options.orgId === undefined ? '' : `${options.orgId}/`;
  const suffix = options.suffix ?? 'Vx2sT8bQ0kLmN3pR';
  return `${prefix}AWSLogs/${org}${ACCOUNT_ID}/CloudTrail/${REGION}/2024/05/01/${ACCOUNT_ID}_CloudTrail_${REGION}_20240501T1205Z_${suffix}.json.gz`;
}

/** A realistic key for a digest file (it too ends in `.json.gz`). */
export function digestFileKey(prefix = 'audit'): string {
  return `${prefix}/AWSLogs/${ACCOUNT_ID}/CloudTrail-Digest/${REGION}/2024/05/01/${ACCOUNT_ID}_CloudTrail-Digest_${REGION}_management-trail_${REGION}_20240501T120512Z.json.gz`;
}

/** The body of a CloudTrail digest file: JSON with no `Records` array. */
export function digestFileJson(): string {
  return JSON.stringify({
    awsAccountId: ACCOUNT_ID,
    digestStartTime: '2024-05-01T11:05:12Z',
    digestEndTime: '2024-05-01T12:05:12Z',
    digestS3Bucket: BUCKET,
    digestS3Object: digestFileKey(),
    digestPublicKeyFingerprint: '9e7a0e1d0f8e4f6c8a3b2c1d0e9f8a7b',
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: '2024-05-01T12:04:58Z',
    oldestEventTime: '2024-05-01T11:00:03Z',
    previousDigestS3Bucket: BUCKET,
    previousDigestS3Object: `audit/AWSLogs/${ACCOUNT_ID}/CloudTrail-Digest/${REGION}/2024/05/01/${ACCOUNT_ID}_CloudTrail-Digest_${REGION}_management-trail_${REGION}_20240501T110512Z.json.gz`,
    previousDigestHashValue: '31e8b5433410dfb61a9dc45cc65b22ff19c1d2b5a7c8e9f0d1e2f3a4b5c6d7e8',
    previousDigestHashAlgorithm: 'SHA-256',
    previousDigestSignature: '7a91c1b7e8e0f3d2a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3',
    logFiles: [
      {
        s3Bucket: BUCKET,
        s3Object: logFileKey({ prefix: 'audit' }),
        hashValue: '9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6',
        hashAlgorithm: 'SHA-256',
        newestEventTime: '2024-05-01T12:04:58Z',
        oldestEventTime: '2024-05-01T12:00:03Z',
      },
    ],
  });
}

/** An S3 event notification, as Lambda receives it, for objects created in `BUCKET`. */
export function s3Event(
  keys: readonly string[],
  options: { encode?: boolean; eventName?: string } = {},
): { Records: Record<string, unknown>[] } {
  const encode = options.encode ?? true;
  return {
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: REGION,
      eventTime: '2024-05-01T12:05:31.511Z',
      eventName: options.eventName ?? 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AROAEXAMPLECLOUDTRAIL:regionalDeliverySession' },
      requestParameters: { sourceIPAddress: '198.51.100.24' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'mediapackage-audit',
        bucket: {
          name: BUCKET,
          ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
          arn: `arn:aws:s3:::${BUCKET}`,
        },
        object: {
          key: encode ? encodeS3Key(key) : key,
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    })),
  };
}

/** URL-encodes a key the way S3 notifications do: `+` for a space. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** The `s3:TestEvent` S3 sends when a notification configuration is saved. */
export function s3TestEvent(): Record<string, unknown> {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2024-05-01T12:00:00.000Z',
    Bucket: BUCKET,
    RequestId: '5582815E1AEA5ADF',
    HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
  };
}

/** An EventBridge `Object Created` event; its key is not URL-encoded. */
export function eventBridgeEvent(key: string): Record<string, unknown> {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: ACCOUNT_ID,
    time: '2024-05-01T12:05:31Z',
    region: REGION,
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: {
        key,
        size: 2048,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: '617f08299329d189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: ACCOUNT_ID,
      'source-ip-address': '198.51.100.24',
      reason: 'PutObject',
    },
  };
}

/** A GetObject body like the SDK's: a Node.js Readable over the bytes. */
export function s3Body(bytes: Buffer): GetObjectCommandOutput['Body'] {
  return Readable.from([bytes]) as unknown as GetObjectCommandOutput['Body'];
}

/** Yields `bytes` cut at the given offsets (out-of-range and repeated cuts are ignored). */
export async function* chunked(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
): AsyncGenerator<Uint8Array, void, undefined> {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort(
    (a, b) => a - b,
  );
  let start = 0;
  for (const point of [...points, bytes.length]) {
    // Each chunk arrives on a later tick, as from a network stream.
    await Promise.resolve();
    yield Buffer.from(bytes.subarray(start, point));
    start = point;
  }
}

/** Offsets that cut `length` bytes into chunks of `size`. */
export function everyNBytes(length: number, size: number): number[] {
  const cuts: number[] = [];
  for (let offset = size; offset < length; offset += size) cuts.push(offset);
  return cuts;
}

/** Collects an async iterable, keeping what was yielded before an error. */
export async function collect<T>(
  iterable: AsyncIterable<T>,
): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

export interface MetricEntry {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnitName | undefined;
  readonly dimensions: Record<string, string> | undefined;
}

/** A PipelineLogger that keeps every entry. */
export function recordingLogger(): PipelineLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log =
    (level: LogEntry['level']) =>
    (message: string, extra: Record<string, unknown> = {}): void => {
      entries.push({ level, message, extra });
    };
  return {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

/** A PipelineMetrics that keeps every data point. */
export function recordingMetrics(): PipelineMetrics & { points: MetricEntry[] } {
  const points: MetricEntry[] = [];
  return {
    points,
    add: (name, value, unit, dimensions) => {
      points.push({ name, value, unit, dimensions });
    },
  };
}

/** A PublishBatch response that accepts every entry of the request. */
export function acceptAll(input: PublishBatchCommandInput): PublishBatchCommandOutput {
  return {
    $metadata: {},
    Successful: (input.PublishBatchRequestEntries ?? []).map((entry, index) => ({
      Id: entry.Id,
      MessageId: `9b6c3a2e-0000-4000-8000-${String(index).padStart(12, '0')}`,
    })),
    Failed: [],
  };
}

/** The alert JSON (`default` key) of each entry of a PublishBatch request. */
export function publishedAlerts(
  input: PublishBatchCommandInput | undefined,
): Record<string, unknown>[] {
  return (input?.PublishBatchRequestEntries ?? []).map((entry) => {
    const structure = JSON.parse(entry.Message ?? '{}') as { default: string };
    return JSON.parse(structure.default) as Record<string, unknown>;
  });
}
