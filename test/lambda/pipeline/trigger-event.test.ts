import { classifyObjectKey } from '../../../lambda/pipeline/log-object-key';
import {
  SQS_BODY_MAX_CHARS,
  SQS_MESSAGE_MAX_OBJECTS,
  decodeS3NotificationKey,
  parseTriggerEvent,
} from '../../../lambda/pipeline/trigger-event';
import {
  ACCOUNT_ID,
  BUCKET,
  CLOUDTRAIL_TOPIC_ARN,
  REGION,
  apiCallEvent,
  cloudTrailRecord,
  cloudTrailSnsMessage,
  digestFileKey,
  eventBridgeEvent,
  logFileKey,
  s3Event,
  s3TestEvent,
  snsNotification,
  sqsEvent,
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
      { Records: [{ eventSource: 'aws:sns', Sns: { Message: '{}' } }] },
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

describe('Function: parseTriggerEvent, SQS batches', () => {
  const key = (suffix: string): string => logFileKey({ suffix: suffix.repeat(16) });
  const idsOf = (event: ReturnType<typeof sqsEvent>): string[] =>
    event.Records.map((record) => record.messageId);

  it('reads the keys of CloudTrail SNS notifications as they are, each with its message', () => {
    // Prepare: a key with a space and a plus sign, which CloudTrail does not encode.
    const spaced = logFileKey({ prefix: 'audit logs/a+b', suffix: 'SSSSSSSSSSSSSSSS' });
    const event = sqsEvent([
      snsNotification(cloudTrailSnsMessage(BUCKET, [key('A'), spaced])),
      snsNotification(cloudTrailSnsMessage('archive-bucket', [key('B')])),
    ]);
    const [first, second] = idsOf(event);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger).toEqual({
      objects: [
        { bucket: BUCKET, key: key('A'), size: null, sqsMessageIds: [first] },
        { bucket: BUCKET, key: spaced, size: null, sqsMessageIds: [first] },
        { bucket: 'archive-bucket', key: key('B'), size: null, sqsMessageIds: [second] },
      ],
      apiCalls: [],
      ignored: [],
      sqsBatch: true,
    });
  });

  it('reads a raw CloudTrail message (raw delivery on) and S3 notifications with or without SNS', () => {
    // Prepare
    const spaced = logFileKey({ prefix: 'audit logs/a+b', suffix: 'SSSSSSSSSSSSSSSS' });
    const event = sqsEvent([
      cloudTrailSnsMessage(BUCKET, [key('A')]),
      snsNotification(s3Event([spaced], { size: 77 })),
      s3Event([key('C')], { size: 99 }),
    ]);
    const [raw, wrapped, direct] = idsOf(event);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects).toEqual([
      { bucket: BUCKET, key: key('A'), size: null, sqsMessageIds: [raw] },
      { bucket: BUCKET, key: spaced, size: 77, sqsMessageIds: [wrapped] },
      { bucket: BUCKET, key: key('C'), size: 99, sqsMessageIds: [direct] },
    ]);
    expect(trigger.ignored).toEqual([]);
  });

  it('reads an object several messages name once, remembering every message', () => {
    // Prepare: SNS delivered the same notification twice; a third message repeats one key.
    const message = snsNotification(cloudTrailSnsMessage(BUCKET, [key('A'), key('B')]));
    const event = sqsEvent([message, message, cloudTrailSnsMessage(BUCKET, [key('B'), key('B')])]);
    const [first, second, third] = idsOf(event);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(new Set(idsOf(event)).size).toBe(3);
    expect(trigger.objects).toEqual([
      { bucket: BUCKET, key: key('A'), size: null, sqsMessageIds: [first, second] },
      { bucket: BUCKET, key: key('B'), size: null, sqsMessageIds: [first, second, third] },
    ]);
  });

  it('ignores the s3:TestEvent and SNS subscription messages, naming their message', () => {
    // Prepare
    const confirmation = {
      Type: 'SubscriptionConfirmation',
      MessageId: 'c0ffee00-0000-4000-8000-000000000000',
      TopicArn: CLOUDTRAIL_TOPIC_ARN,
      Message: 'You have chosen to subscribe to the topic',
      SubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription',
      Token: 'token',
    };
    const event = sqsEvent([s3TestEvent(), snsNotification(s3TestEvent()), confirmation]);
    const [direct, wrapped, subscription] = idsOf(event);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects).toEqual([]);
    expect(trigger.ignored).toEqual([
      { reason: 's3-test-event', detail: BUCKET, sqsMessageId: direct },
      { reason: 's3-test-event', detail: BUCKET, sqsMessageId: wrapped },
      {
        reason: 'sns-message',
        detail: `SubscriptionConfirmation from ${CLOUDTRAIL_TOPIC_ARN}`,
        sqsMessageId: subscription,
      },
    ]);
  });

  it.each([
    ['a body that is not JSON', 'AWSLogs/{{{', 'malformed-message'],
    ['a JSON body that is not an object', '[1,2,3]', 'malformed-message'],
    ['a JSON string body', '"hello"', 'malformed-message'],
    ['an empty body', '', 'malformed-message'],
    ['an SNS notification without a Message', { Type: 'Notification' }, 'malformed-message'],
    [
      'an SNS notification whose Message is not JSON',
      snsNotification('hello'),
      'unrecognised-message',
    ],
    [
      'an SNS notification carrying an SNS notification',
      snsNotification(snsNotification('{}')),
      'unrecognised-message',
    ],
    ['an unknown message', { hello: 'world' }, 'unrecognised-message'],
    [
      'a CloudTrail message without a bucket',
      { s3ObjectKey: ['AWSLogs/x.json.gz'] },
      'malformed-message',
    ],
    [
      'a CloudTrail message with a bucket that cannot be one',
      cloudTrailSnsMessage('a/../b', ['k']),
      'malformed-message',
    ],
    [
      'a CloudTrail message whose keys are not a list',
      { s3Bucket: BUCKET, s3ObjectKey: 'AWSLogs/x.json.gz' },
      'malformed-message',
    ],
    ['a CloudTrail message with no key', cloudTrailSnsMessage(BUCKET, []), 'malformed-message'],
    [
      'a CloudTrail message with a key longer than S3 allows',
      cloudTrailSnsMessage(BUCKET, ['é'.repeat(513)]),
      'malformed-message',
    ],
    [
      'a CloudTrail message with an empty key',
      cloudTrailSnsMessage(BUCKET, ['']),
      'malformed-message',
    ],
    [
      'an S3 notification removing an object',
      s3Event([logFileKey()], { eventName: 'ObjectRemoved:Delete' }),
      'not-object-created',
    ],
    ['an oversized body', 'x'.repeat(SQS_BODY_MAX_CHARS + 1), 'oversized-message'],
  ])('ignores %s with a reason, without failing its message', (_name, body, reason) => {
    // Prepare
    const event = sqsEvent([body]);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects).toEqual([]);
    expect(trigger.sqsBatch).toBe(true);
    expect(trigger.ignored).toEqual([
      { reason, detail: expect.any(String) as unknown, sqsMessageId: idsOf(event)[0] },
    ]);
    expect(trigger.ignored[0]?.detail.length).toBeLessThanOrEqual(220);
  });

  it('keeps the usable keys of a message and names the others, cut short', () => {
    // Prepare
    const event = sqsEvent([
      { s3Bucket: BUCKET, s3ObjectKey: [key('A'), 42, null, 'k'.repeat(2000), key('B')] },
    ]);

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects.map((object) => object.key)).toEqual([key('A'), key('B')]);
    expect(trigger.ignored.map((part) => part.detail)).toEqual([
      'unusable key number',
      'unusable key object',
      `unusable key "${'k'.repeat(199)}...`,
    ]);
  });

  it.each([
    ['a record without a messageId', { eventSource: 'aws:sqs', body: '{}' }, 'malformed-message'],
    [
      'a record with an absurd messageId',
      { eventSource: 'aws:sqs', messageId: 'm'.repeat(500), body: '{}' },
      'malformed-message',
    ],
    ['a record without a body', { eventSource: 'aws:sqs', messageId: 'm-1' }, 'malformed-message'],
    ['a record of another source', { eventSource: 'aws:s3', s3: {} }, 'unrecognised-record'],
    ['a record that is not an object', 'text', 'unrecognised-record'],
  ])('ignores %s in a batch and reads the other messages', (_name, record, reason) => {
    // Prepare
    const good = sqsEvent([cloudTrailSnsMessage(BUCKET, [key('A')])]);
    const event = { Records: [...good.Records, record] };

    // Act
    const trigger = parseTriggerEvent(event);

    // Assess
    expect(trigger.objects.map((object) => object.key)).toEqual([key('A')]);
    expect(trigger.ignored.map((part) => part.reason)).toEqual([reason]);
  });

  it('reads at most SQS_MESSAGE_MAX_OBJECTS objects of one message, saying so', () => {
    // Prepare
    const keys = Array.from({ length: SQS_MESSAGE_MAX_OBJECTS + 5 }, (_, index) =>
      logFileKey({ suffix: String(index).padStart(16, '0') }),
    );

    // Act
    const trigger = parseTriggerEvent(sqsEvent([cloudTrailSnsMessage(BUCKET, keys)]));

    // Assess
    expect(trigger.objects.map((object) => object.key)).toEqual(
      keys.slice(0, SQS_MESSAGE_MAX_OBJECTS),
    );
    expect(trigger.ignored.map((part) => part.reason)).toEqual(['too-many-objects']);
  });

  it('never throws on hostile bodies', () => {
    // Prepare
    const hostile = [
      '['.repeat(100_000),
      `{"Type":"Notification","Message":${JSON.stringify('{'.repeat(50_000))}}`,
      '{"__proto__":{"s3Bucket":"polluted"},"Records":[{"eventSource":"aws:s3"}]}',
      JSON.stringify({ Records: Array.from({ length: 1000 }, () => null) }),
      '\u0000\ud800',
      JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [{ toString: 1 }] }),
    ];

    // Act
    const trigger = parseTriggerEvent(sqsEvent(hostile));

    // Assess
    expect(trigger.objects).toEqual([]);
    expect(trigger.ignored.length).toBeGreaterThanOrEqual(hostile.length);
    expect(({} as Record<string, unknown>).s3Bucket).toBeUndefined();
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
