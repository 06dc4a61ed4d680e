import { tamperedResource } from '../../../lambda/match/self-protection';
import { ACCOUNT_ID, REGION, cloudTrailRecord } from '../../../scripts/cloudtrail-factory';
import {
  OWN,
  OWN_BUCKET,
  OWN_FUNCTION,
  OWN_KEY_ARN,
  OWN_KEY_ID,
  OWN_TOPIC,
} from '../../support/own-resources';

describe('Function: tamperedResource', () => {
  const trailCalls = [
    'StopLogging',
    'DeleteTrail',
    'UpdateTrail',
    'PutEventSelectors',
    'PutInsightSelectors',
  ] as const;
  const trails = [
    `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/management-trail`,
    'someone-elses-trail',
  ];

  it.each(trailCalls.flatMap((eventName) => trails.map((name) => [eventName, name] as const)))(
    'names %s of the trail %s, whoever owns the trail',
    (eventName, name) => {
      // Prepare
      const record = cloudTrailRecord({
        eventSource: 'cloudtrail.amazonaws.com',
        eventName,
        requestParameters: { name },
        responseElements: null,
      });

      // Act
      const target = tamperedResource(record, OWN);

      // Assess
      expect(target).toBe(`trail ${name}`);
    },
  );

  it.each(['StartLogging', 'CreateTrail', 'LookupEvents', 'GetTrailStatus'])(
    'finds nothing in the CloudTrail call %s',
    (eventName) => {
      // Prepare
      const record = cloudTrailRecord({
        eventSource: 'cloudtrail.amazonaws.com',
        eventName,
        requestParameters: { name: 'management-trail' },
        readOnly: eventName.startsWith('Get') || eventName.startsWith('Lookup'),
      });

      // Act
      const target = tamperedResource(record, OWN);

      // Assess
      expect(target).toBeUndefined();
    },
  );

  const resourceCases: readonly {
    name: string;
    record: Record<string, unknown>;
    target: string | undefined;
  }[] = [
    {
      name: 'PutBucketPolicy on the own bucket',
      record: {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketPolicy',
        requestParameters: { bucketName: OWN_BUCKET, Host: `${OWN_BUCKET}.s3.amazonaws.com` },
      },
      target: `bucket ${OWN_BUCKET}`,
    },
    {
      name: 'PutBucketNotification on the own bucket',
      record: {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketNotification',
        requestParameters: { bucketName: OWN_BUCKET, notification: '' },
      },
      target: `bucket ${OWN_BUCKET}`,
    },
    {
      name: 'PutBucketPolicy on another bucket',
      record: {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketPolicy',
        requestParameters: { bucketName: 'media-source-111122223333' },
      },
      target: undefined,
    },
    {
      name: 'GetBucketPolicy (readOnly) on the own bucket',
      record: {
        eventSource: 's3.amazonaws.com',
        eventName: 'GetBucketPolicy',
        readOnly: true,
        requestParameters: { bucketName: OWN_BUCKET, policy: '' },
      },
      target: undefined,
    },
    {
      name: 'a PutObject data event on the own bucket',
      record: {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutObject',
        eventCategory: 'Data',
        managementEvent: false,
        requestParameters: { bucketName: OWN_BUCKET, key: 'AWSLogs/x.json.gz' },
      },
      target: undefined,
    },
    {
      name: 'a DeleteObject data event on the own bucket',
      record: {
        eventSource: 's3.amazonaws.com',
        eventName: 'DeleteObject',
        eventCategory: 'Data',
        managementEvent: false,
        requestParameters: { bucketName: OWN_BUCKET, key: 'AWSLogs/x.json.gz' },
      },
      target: undefined,
    },
    {
      name: 'UpdateFunctionConfiguration on the own function by name',
      record: {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'UpdateFunctionConfiguration20150331v2',
        requestParameters: { functionName: OWN_FUNCTION, environment: {} },
      },
      target: `function ${OWN_FUNCTION}`,
    },
    {
      name: 'UpdateFunctionConfiguration on the own function by ARN',
      record: {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'UpdateFunctionConfiguration20150331v2',
        requestParameters: {
          functionName: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${OWN_FUNCTION}`,
        },
      },
      target: `function ${OWN_FUNCTION}`,
    },
    {
      name: 'UpdateFunctionConfiguration on the own function by qualified ARN',
      record: {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'UpdateFunctionConfiguration20150331v2',
        requestParameters: {
          functionName: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${OWN_FUNCTION}:live`,
        },
      },
      target: `function ${OWN_FUNCTION}`,
    },
    {
      name: 'UpdateFunctionConfiguration on another function',
      record: {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'UpdateFunctionConfiguration20150331v2',
        requestParameters: { functionName: `${OWN_FUNCTION}-staging` },
      },
      target: undefined,
    },
    {
      name: 'GetFunction (readOnly) on the own function',
      record: {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'GetFunction20150331v2',
        readOnly: true,
        requestParameters: { functionName: OWN_FUNCTION },
      },
      target: undefined,
    },
    {
      name: 'SetTopicAttributes on the own topic',
      record: {
        eventSource: 'sns.amazonaws.com',
        eventName: 'SetTopicAttributes',
        requestParameters: { topicArn: OWN_TOPIC, attributeName: 'Policy' },
      },
      target: `topic ${OWN_TOPIC}`,
    },
    {
      name: 'Subscribe to the own topic',
      record: {
        eventSource: 'sns.amazonaws.com',
        eventName: 'Subscribe',
        requestParameters: { topicArn: OWN_TOPIC, protocol: 'https', endpoint: 'https://x' },
      },
      target: `topic ${OWN_TOPIC}`,
    },
    {
      name: 'Unsubscribe from the own topic',
      record: {
        eventSource: 'sns.amazonaws.com',
        eventName: 'Unsubscribe',
        requestParameters: {
          subscriptionArn: `${OWN_TOPIC}:0b6941c1-6d2a-4ab0-9f3c-c0f1b5f7a1e2`,
        },
      },
      target: `topic ${OWN_TOPIC}`,
    },
    {
      name: 'Unsubscribe from a topic whose name extends the own one',
      record: {
        eventSource: 'sns.amazonaws.com',
        eventName: 'Unsubscribe',
        requestParameters: {
          subscriptionArn: `${OWN_TOPIC}-dev:0b6941c1-6d2a-4ab0-9f3c-c0f1b5f7a1e2`,
        },
      },
      target: undefined,
    },
    {
      name: 'ScheduleKeyDeletion of the own key by ARN',
      record: {
        eventSource: 'kms.amazonaws.com',
        eventName: 'ScheduleKeyDeletion',
        requestParameters: { keyId: OWN_KEY_ARN, pendingWindowInDays: 7 },
      },
      target: `KMS key ${OWN_KEY_ID}`,
    },
    {
      name: 'PutKeyPolicy on the own key by key id',
      record: {
        eventSource: 'kms.amazonaws.com',
        eventName: 'PutKeyPolicy',
        requestParameters: { keyId: OWN_KEY_ID, policyName: 'default', policy: '{}' },
      },
      target: `KMS key ${OWN_KEY_ID}`,
    },
    {
      name: 'PutKeyPolicy on another key',
      record: {
        eventSource: 'kms.amazonaws.com',
        eventName: 'PutKeyPolicy',
        requestParameters: { keyId: '0000abcd-12ab-34cd-56ef-1234567890ab' },
      },
      target: undefined,
    },
    {
      name: 'Decrypt (readOnly) with the own key',
      record: {
        eventSource: 'kms.amazonaws.com',
        eventName: 'Decrypt',
        readOnly: true,
        requestParameters: { keyId: OWN_KEY_ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      },
      target: undefined,
    },
  ];
  it.each(resourceCases)('judges $name', ({ record, target }) => {
    // Prepare
    const input = cloudTrailRecord({ responseElements: null, ...record });

    // Act
    const found = tamperedResource(input, OWN);

    // Assess
    expect(found).toBe(target);
  });

  it('recognises the own key when it is declared by id and called by ARN', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'kms.amazonaws.com',
      eventName: 'DisableKey',
      requestParameters: { keyId: OWN_KEY_ARN },
    });

    // Act
    const target = tamperedResource(record, { kmsKeys: [OWN_KEY_ID] });

    // Assess
    expect(target).toBe(`KMS key ${OWN_KEY_ID}`);
  });

  // Lambda accepts a partial ARN ("123456789012:function:name") wherever it takes a function
  // name: the account ID in front must not hide the pipeline's own function.
  it('recognises the own function called by partial ARN', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'lambda.amazonaws.com',
      eventName: 'UpdateFunctionConfiguration20150331v2',
      requestParameters: { functionName: `${ACCOUNT_ID}:function:${OWN_FUNCTION}` },
      responseElements: null,
    });

    // Act
    const target = tamperedResource(record, OWN);

    // Assess
    expect(target).toBe(`function ${OWN_FUNCTION}`);
  });

  it('names an unnamed trail when the request carries no name', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: null,
    });

    // Act
    const target = tamperedResource(record, {});

    // Assess
    expect(target).toBe('trail (unnamed)');
  });

  it('finds nothing of the pipeline when no own resources are declared', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketPolicy',
      requestParameters: { bucketName: OWN_BUCKET },
    });

    // Act
    const target = tamperedResource(record, {});

    // Assess
    expect(target).toBeUndefined();
  });
});
