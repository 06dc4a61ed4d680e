import type { Severity } from '../../../lambda/match/matcher';
import { isReadOnlyCall, matchEvent, severityOf } from '../../../lambda/match/matcher';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  cloudTrailRecord,
  createRng,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';

const READ_CALLS: Record<string, readonly string[]> = {
  'mediapackage.amazonaws.com': [
    'DescribeChannel',
    'DescribeOriginEndpoint',
    'DescribeHarvestJob',
    'ListChannels',
    'ListOriginEndpoints',
    'ListHarvestJobs',
    'ListTagsForResource',
  ],
  'mediapackagev2.amazonaws.com': [
    'GetChannel',
    'GetChannelGroup',
    'GetChannelPolicy',
    'GetOriginEndpoint',
    'GetOriginEndpointPolicy',
    'GetHarvestJob',
    'ListChannelGroups',
    'ListChannels',
    'ListOriginEndpoints',
    'ListTagsForResource',
  ],
  'mediapackage-vod.amazonaws.com': [
    'DescribeAsset',
    'DescribePackagingConfiguration',
    'DescribePackagingGroup',
    'ListAssets',
    'ListPackagingConfigurations',
    'ListPackagingGroups',
    'ListTagsForResource',
  ],
};

/** The severity AWS-FACTS and the matcher's contract give a successful call. */
function expectedSeverity(eventName: string): Severity {
  if (/^(Rotate|Delete)/.test(eventName) || eventName.endsWith('Policy')) return 'high';
  if (eventName === 'TagResource' || eventName === 'UntagResource') return 'low';
  return 'medium';
}

const writes = Object.entries(MEDIAPACKAGE_WRITE_CALLS).flatMap(([source, names]) =>
  names.map((name) => [source, name] as const),
);
const reads = Object.entries(READ_CALLS).flatMap(([source, names]) =>
  names.map((name) => [source, name] as const),
);

describe('Function: matchEvent', () => {
  it.each(writes)('alerts on %s %s with its severity', (eventSource, eventName) => {
    // Prepare
    const record = cloudTrailRecord({ eventSource, eventName });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toMatchObject({
      eventSource,
      eventName,
      outcome: 'success',
      severity: expectedSeverity(eventName),
    });
    expect(match?.record).toBe(record);
  });

  it.each(reads)('ignores the read %s %s flagged readOnly true', (eventSource, eventName) => {
    // Prepare
    const record = cloudTrailRecord({ eventSource, eventName, readOnly: true });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toBeUndefined();
  });

  it.each(reads)(
    'judges %s %s a read by its name when readOnly is absent',
    (eventSource, eventName) => {
      // Prepare
      const record = cloudTrailRecord({ eventSource, eventName, readOnly: undefined });

      // Act
      const match = matchEvent(record);

      // Assess
      expect('readOnly' in record).toBe(false);
      expect(match).toBeUndefined();
    },
  );

  it('alerts on a write when readOnly is absent', () => {
    // Prepare
    const record = cloudTrailRecord({ eventName: 'DeleteOriginEndpoint', readOnly: undefined });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match?.severity).toBe('high');
  });

  it('takes readOnly as the string "false" for a write and "true" for a read', () => {
    // Prepare
    const write = cloudTrailRecord({ eventName: 'UpdateChannel', readOnly: 'false' });
    const read = cloudTrailRecord({ eventName: 'UpdateChannel', readOnly: 'true' });

    // Act
    const writeMatch = matchEvent(write);
    const readMatch = matchEvent(read);

    // Assess
    expect(writeMatch?.eventName).toBe('UpdateChannel');
    expect(readMatch).toBeUndefined();
  });

  it('never matches MediaLive UpdateChannel', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'medialive.amazonaws.com',
      eventName: 'UpdateChannel',
      requestParameters: { channelId: '1234567', name: 'evening-show' },
    });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toBeUndefined();
  });

  it.each([
    ['an empty event source', ''],
    ['a look-alike event source', 'mediapackage.amazonaws.com.evil.example'],
    ['an upper-case event source', 'MediaPackage.amazonaws.com'],
  ])('does not match %s', (_name, eventSource) => {
    // Prepare
    const record = cloudTrailRecord({ eventSource, eventName: 'DeleteChannel' });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toBeUndefined();
  });

  it('does not match a Secrets Manager call MediaPackage makes on its own behalf', () => {
    // Prepare
    const record = otherServiceRecord(createRng(4), { call: 'secretsmanager:GetSecretValue' });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toBeUndefined();
  });

  it('does not match an Insights record about MediaPackage', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventType: 'AwsCloudTrailInsight',
      eventCategory: 'Insight',
      eventName: 'DeleteChannel',
      readOnly: undefined,
      insightDetails: {
        state: 'Start',
        eventSource: 'mediapackage.amazonaws.com',
        eventName: 'DeleteChannel',
        insightType: 'ApiCallRateInsight',
      },
    });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toBeUndefined();
  });

  it('does not match a record without an event name', () => {
    // Prepare
    const record = cloudTrailRecord({ eventName: undefined });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toBeUndefined();
  });

  it('alerts on a failed DeleteChannel as failed and high', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventName: 'DeleteChannel',
      errorCode: 'AccessDenied',
      errorMessage:
        'User: arn:aws:sts::111122223333:assumed-role/ReadOnly/jdoe is not authorized to perform: mediapackage:DeleteChannel',
      responseElements: null,
    });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toMatchObject({ outcome: 'failed', severity: 'high' });
  });

  it('raises a failed TagResource to high', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'mediapackage-vod.amazonaws.com',
      eventName: 'TagResource',
      errorCode: 'UnprocessableEntityException',
    });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toMatchObject({ outcome: 'failed', severity: 'high' });
  });

  it('treats an empty errorCode as success', () => {
    // Prepare
    const record = cloudTrailRecord({ eventName: 'TagResource', errorCode: '' });

    // Act
    const match = matchEvent(record);

    // Assess
    expect(match).toMatchObject({ outcome: 'success', severity: 'low' });
  });
});

describe('Function: severityOf', () => {
  it.each([
    ['RotateIngestEndpointCredentials', 'high'],
    ['RotateChannelCredentials', 'high'],
    ['DeleteChannel', 'high'],
    ['DeletePackagingGroup', 'high'],
    ['PutChannelPolicy', 'high'],
    ['PutOriginEndpointPolicy', 'high'],
    ['CreateChannel', 'medium'],
    ['UpdateOriginEndpoint', 'medium'],
    ['ConfigureLogs', 'medium'],
    ['ResetChannelState', 'medium'],
    ['CancelHarvestJob', 'medium'],
    ['CreateHarvestJob', 'medium'],
    ['TagResource', 'low'],
    ['UntagResource', 'low'],
  ] as const)('rates a successful %s as %s', (eventName, severity) => {
    // Act
    const result = severityOf(eventName, 'success');

    // Assess
    expect(result).toBe(severity);
  });

  it('rates every failed attempt high', () => {
    // Act
    const results = ['TagResource', 'CreateChannel', 'UpdateChannel'].map((name) =>
      severityOf(name, 'failed'),
    );

    // Assess
    expect(results).toEqual(['high', 'high', 'high']);
  });
});

describe('Function: isReadOnlyCall', () => {
  it.each([
    [true, 'UpdateChannel', true],
    ['true', 'UpdateChannel', true],
    [false, 'DescribeChannel', false],
    ['false', 'ListChannels', false],
    [undefined, 'GetChannelPolicy', true],
    [undefined, 'DescribeOriginEndpoint', true],
    [undefined, 'ListAssets', true],
    [undefined, 'PutChannelPolicy', false],
    [undefined, 'ResetOriginEndpointState', false],
  ] as const)('with readOnly %p and eventName %s returns %p', (readOnly, eventName, expected) => {
    // Prepare
    const record = cloudTrailRecord({ readOnly, eventName });

    // Act
    const result = isReadOnlyCall(record);

    // Assess
    expect(result).toBe(expected);
  });
});
