import { classifyObjectKey } from '../../../lambda/pipeline/log-object-key';
import { decodeS3NotificationKey, parseTriggerEvent } from '../../../lambda/pipeline/trigger-event';
import {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  apiCallEvent,
  cloudTrailRecord,
  digestFileKey,
  eventBridgeEvent,
  logFileKey,
  s3Event,
  s3TestEvent,
} from '../../../scripts/cloudtrail-factory';

describe('Function: decodeS3NotificationKey', () => {
  it.each([
    ['my+logs/AWSLogs/x.json.gz', 'my logs/AWSLogs/x.json.gz'],
    ['a%2Bb/c.json.gz', 'a+b/c.json.gz'],
    ['caf%C3%A9+%26+bar/%2B%2B.json', 'café & bar/++.json'],
    ['plain/key.json.gz', 'plain/key.json.gz'],
  ])('decodes %s as %s', (encoded, decoded) => {
    // Act
    const key = decodeS3NotificationKey(encoded);

    // Assess
    expect(key).toBe(decoded);
  });
});

describe('Function: parseTriggerEvent', () => {
  it('reads bucket, decoded key and size from an S3 notification', () => {
    // Prepare
    const key = logFileKey({ prefix: 'audit logs/prod+eu' });
    const event = s3Event([key]);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(JSON.stringify(event)).toContain('audit+logs/prod%2Beu/AWSLogs/');
    expect(trigger).toEqual({
      objects: [{ bucket: BUCKET, key, size: 1024 }],
      apiCalls: [],
      ignored: [],
    });
  });

  it('reads every record of a notification in order', () => {
    // Prepare
    const keys = [
      logFileKey({ suffix: 'AAAAAAAAAAAAAAAA' }),
      logFileKey({ suffix: 'BBBBBBBBBBBBBBBB' }),
    ];

    // Act
    const trigger = parseTriggerEvent(s3Event(keys));

    // Assess
    expect(trigger.objects.map((object) => object.key)).toEqual(keys);
  });

  it('ignores the s3:TestEvent S3 sends when notifications are configured', () => {
    // Act
    const trigger = parseTriggerEvent(s3TestEvent());

    // Assess
    expect(trigger).toEqual({
      objects: [],
      apiCalls: [],
      ignored: [{ reason: 's3-test-event', detail: BUCKET }],
    });
  });

  it('reads an EventBridge Object Created event without decoding its key', () => {
    // Prepare
    const key = `audit+logs/100%/AWSLogs/${ACCOUNT_ID}/CloudTrail/${REGION}/2024/05/01/x.json.gz`;

    // Act
    const trigger = parseTriggerEvent(eventBridgeEvent(key));

    // Assess
    expect(trigger).toEqual({
      objects: [{ bucket: BUCKET, key, size: 2048 }],
      apiCalls: [],
      ignored: [],
    });
  });

  it('reads the CloudTrail record of an AWS API Call via CloudTrail event', () => {
    // Prepare
    const record = cloudTrailRecord({ eventName: 'DeleteOriginEndpoint' });
    const event = apiCallEvent(record);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger).toEqual({
      objects: [],
      apiCalls: [{ eventBridgeId: event.id, record }],
      ignored: [],
    });
  });

  it('names the detail type of an event it does not handle, cut short', () => {
    // Act
    const trigger = parseTriggerEvent({ 'detail-type': `Custom ${'x'.repeat(500)}`, detail: {} });

    // Assess
    expect(trigger.ignored[0]?.detail.length).toBeLessThanOrEqual('detail-type '.length + 100);
    expect(trigger.ignored[0]?.detail).toMatch(/^detail-type Custom x+$/);
  });

  it('ignores records that are not ObjectCreated and keeps the others', () => {
    // Prepare
    const removed = s3Event([logFileKey({ suffix: 'RRRRRRRRRRRRRRRR' })], {
      eventName: 'ObjectRemoved:Delete',
    }).Records;
    const created = s3Event([logFileKey()]).Records;
    const event = { Records: [...removed, ...created] };

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects.map((object) => object.key)).toEqual([logFileKey()]);
    expect(trigger.ignored).toEqual([
      { reason: 'not-object-created', detail: 'ObjectRemoved:Delete' },
    ]);
  });

  it.each([
    [
      'a record of another source',
      { Records: [{ eventSource: 'aws:sqs', body: '{}' }] },
      'unrecognised-record',
    ],
    [
      'a record without a key',
      {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: BUCKET }, object: {} },
          },
        ],
      },
      'malformed-event',
    ],
    [
      'a key that is not valid URL encoding',
      {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: BUCKET }, object: { key: 'bad%E0%A4%A' } },
          },
        ],
      },
      'malformed-event',
    ],
    [
      'an EventBridge event without a bucket',
      { source: 'aws.s3', 'detail-type': 'Object Created', detail: { object: { key: 'k' } } },
      'malformed-event',
    ],
    [
      'an API call event without a detail',
      { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.mediapackage' },
      'malformed-event',
    ],
    [
      'an API call event whose detail has no eventName',
      {
        'detail-type': 'AWS API Call via CloudTrail',
        detail: { eventSource: 'mediapackage.amazonaws.com' },
      },
      'malformed-event',
    ],
    [
      'another CloudTrail detail type',
      { 'detail-type': 'AWS Console Sign In via CloudTrail', detail: {} },
      'unrecognised-event',
    ],
    ['an unknown event', { hello: 'world' }, 'unrecognised-event'],
    ['a non-object event', 'text', 'unrecognised-event'],
  ])('ignores %s with a reason', (_name, event, reason) => {
    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects).toEqual([]);
    expect(trigger.ignored.map((part) => part.reason)).toEqual([reason]);
  });
});

describe('Function: classifyObjectKey', () => {
  const day = `${REGION}/2024/05/01`;
  const file = `${ACCOUNT_ID}_CloudTrail_${REGION}_20240501T1205Z_Vx2sT8bQ0kLmN3pR`;

  it.each([
    ['a log file without prefix', logFileKey()],
    ['a log file with a prefix', logFileKey({ prefix: 'audit/prod' })],
    ['a log file of an organization trail', logFileKey({ prefix: 'org', orgId: 'o-aa111bb222' })],
    ['a plain JSON copy of a log file', `AWSLogs/${ACCOUNT_ID}/CloudTrail/${day}/${file}.json`],
  ])('reads %s', (_name, key) => {
    // Act
    const result = classifyObjectKey(key);

    // Assess
    expect(result).toEqual({ kind: 'log-file' });
  });

  it.each([
    ['a digest file', digestFileKey(), 'digest-file'],
    [
      'a late digest file',
      `AWSLogs/o-aa111bb222/${ACCOUNT_ID}/CloudTrail-Digest/${day}/${ACCOUNT_ID}_CloudTrail-Digest_${REGION}_trail_${REGION}_20240501T120512Z_backfill.json.gz`,
      'digest-file',
    ],
    [
      'an Insights file',
      `AWSLogs/${ACCOUNT_ID}/CloudTrail-Insight/${day}/${ACCOUNT_ID}_CloudTrail-Insight_${REGION}_20240501T1205Z_Vx2sT8bQ0kLmN3pR.json.gz`,
      'insights-file',
    ],
    ['a folder marker', `AWSLogs/${ACCOUNT_ID}/CloudTrail/${day}/`, 'folder-marker'],
    [
      'a folder marker named like a log file',
      `AWSLogs/${ACCOUNT_ID}/CloudTrail/${day}/${file}.json.gz/`,
      'folder-marker',
    ],
    [
      'the AWS Config writability check',
      `AWSLogs/${ACCOUNT_ID}/Config/ConfigWritabilityCheckFile`,
      'not-a-log-file',
    ],
    [
      'an AWS Config snapshot',
      `AWSLogs/${ACCOUNT_ID}/Config/${day}/ConfigSnapshot/${ACCOUNT_ID}_Config_${REGION}_ConfigSnapshot_20240501T120512Z_abc.json.gz`,
      'not-a-log-file',
    ],
    ['an unrelated object', 'exports/report.csv', 'not-a-log-file'],
    ['a log file name outside AWSLogs', `uploads/${file}.json.gz`, 'not-a-log-file'],
    [
      'a log file with another extension',
      `AWSLogs/${ACCOUNT_ID}/CloudTrail/${day}/${file}.json.gz.tmp`,
      'not-a-log-file',
    ],
  ])('skips %s', (_name, key, reason) => {
    // Act
    const result = classifyObjectKey(key);

    // Assess
    expect(result).toEqual({ kind: 'skip', reason });
  });
});
