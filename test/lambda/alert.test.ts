import { ALERT_SCHEMA, buildAlert } from '../../lambda/alert';
import { matchEvent } from '../../lambda/matcher';
import {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  ROLE_ARN,
  USER_ARN,
  alertFor,
  cloudTrailRecord,
  logFileKey,
} from './fixtures';

describe('Function: buildAlert', () => {
  it('says who, what, when, where and the outcome of an UpdateChannel call', () => {
    // Prepare
    const record = cloudTrailRecord();
    const logObject = { bucket: BUCKET, key: logFileKey() };
    const match = matchEvent(record);
    if (match === undefined) throw new Error('fixture must match');

    // Act
    const alert = buildAlert(match, logObject);

    // Assess
    expect(alert).toMatchObject({
      schema: ALERT_SCHEMA,
      severity: 'medium',
      outcome: 'success',
      eventID: record.eventID,
      requestID: record.requestID,
      eventTime: '2024-05-01T12:03:41Z',
      eventName: 'UpdateChannel',
      eventSource: 'mediapackage.amazonaws.com',
      service: 'MediaPackage',
      awsRegion: REGION,
      accountId: ACCOUNT_ID,
      actor: {
        identityType: 'AssumedRole',
        arn: USER_ARN,
        accountId: ACCOUNT_ID,
        principalId: 'AROAEXAMPLEID1234567:jdoe',
        userName: 'MediaOpsAdmin',
        sessionIssuerArn: ROLE_ARN,
        sessionIssuerType: 'Role',
        mfaAuthenticated: true,
        invokedBy: null,
      },
      resource: {
        type: 'channel',
        id: 'live-1',
        arn: `arn:aws:mediapackage:${REGION}:${ACCOUNT_ID}:channels/4d1f53c2b6a54c7b8e1e5f0e3c2d1a00`,
      },
      requestParameters: {
        description: 'Main live channel, updated for the evening show',
        id: 'live-1',
      },
      error: null,
      sourceIPAddress: '203.0.113.17',
      userAgent: record.userAgent,
      logObject,
    });
    expect(alert.links.cloudTrailEvent).toBe(
      `https://console.aws.amazon.com/cloudtrail/home?region=${REGION}#/events/${String(record.eventID)}`,
    );
    expect(alert.links.console).toBe(
      `https://console.aws.amazon.com/mediapackage/home?region=${REGION}`,
    );
  });

  it('carries the error code and message of a failed DeleteChannel', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventName: 'DeleteChannel',
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized to perform: mediapackage:DeleteChannel',
      responseElements: null,
      requestParameters: { id: 'live-1' },
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert).toMatchObject({
      severity: 'high',
      outcome: 'failed',
      error: {
        code: 'AccessDenied',
        message: 'User is not authorized to perform: mediapackage:DeleteChannel',
      },
      resource: { type: 'channel', id: 'live-1', arn: null },
    });
  });

  it.each([
    [false, false],
    ['false', false],
    [true, true],
    [undefined, null],
  ] as const)('reads mfaAuthenticated %p as %p', (mfaAuthenticated, expected) => {
    // Prepare
    const record = cloudTrailRecord({
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEUSERID123',
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/jdoe`,
        accountId: ACCOUNT_ID,
        userName: 'jdoe',
        sessionContext: { attributes: { mfaAuthenticated } },
      },
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.actor.mfaAuthenticated).toBe(expected);
    expect(alert.actor.userName).toBe('jdoe');
  });

  it('names a v2 origin endpoint policy by group, channel and endpoint', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'PutOriginEndpointPolicy',
      requestParameters: {
        channelGroupName: 'sports',
        channelName: 'live-1',
        originEndpointName: 'hls-main',
        policy: '{"Version":"2012-10-17","Statement":[]}',
      },
      responseElements: null,
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert).toMatchObject({
      service: 'MediaPackage v2',
      severity: 'high',
      resource: { type: 'origin endpoint policy', id: 'sports/live-1/hls-main' },
    });
    expect(alert.links.console).toContain('/mediapackagev2/');
  });

  it('names the resource of a TagResource call by its ARN', () => {
    // Prepare
    const arn = `arn:aws:mediapackage-vod:${REGION}:${ACCOUNT_ID}:packaging-groups/vod-group`;
    const record = cloudTrailRecord({
      eventSource: 'mediapackage-vod.amazonaws.com',
      eventName: 'TagResource',
      requestParameters: { 'resource-arn': arn, tags: { team: 'media' } },
      responseElements: null,
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert).toMatchObject({
      service: 'MediaPackage VOD',
      severity: 'low',
      resource: { type: 'resource', id: arn, arn },
    });
  });

  it('masks secrets in the request parameters it carries', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'CreateOriginEndpoint',
      requestParameters: {
        channelGroupName: 'sports',
        channelName: 'live-1',
        originEndpointName: 'hls-main',
        encryption: { spekeKeyProvider: { drmSystems: ['FAIRPLAY'], apiToken: 'hunter2' } },
      },
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.requestParameters).toEqual({
      channelGroupName: 'sports',
      channelName: 'live-1',
      originEndpointName: 'hls-main',
      encryption: { spekeKeyProvider: { drmSystems: ['FAIRPLAY'], apiToken: '***' } },
    });
  });

  it('fills defaults when the record lacks region, event ID and identity', () => {
    // Prepare
    const record = cloudTrailRecord({
      awsRegion: undefined,
      eventID: undefined,
      userIdentity: undefined,
      recipientAccountId: undefined,
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert).toMatchObject({
      awsRegion: 'unknown-region',
      // Without an eventID the alert's id is a digest of the record: stable, and distinct.
      eventID: expect.stringMatching(/^sha256-[0-9a-f]{64}$/) as unknown,
      accountId: null,
      actor: { identityType: 'Unknown', arn: null },
    });
  });
});
