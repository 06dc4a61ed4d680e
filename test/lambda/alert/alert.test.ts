import { createHash } from 'node:crypto';
import { ALERT_SCHEMA, buildAlert, jsonDigest } from '../../../lambda/alert/alert';
import { OMITTED_PARTS } from '../../../lambda/read/cloudtrail-record';
import { matchEvent } from '../../../lambda/match/matcher';
import { MASK, redactText } from '../../../lambda/alert/redact';
import {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  ROLE_ARN,
  USER_ARN,
  cloudTrailRecord,
  logFileKey,
} from '../../../scripts/cloudtrail-factory';
import { alertFor } from '../../support/alerts';
import {
  ASSUMED_ROLE,
  AWS_SERVICE,
  IDENTITY_EXAMPLES,
  ROOT_CONSOLE,
  recordWith,
} from '../../support/identity-examples';
import { classifyIdentity, describeIdentity } from '../../../lambda/match/identity';

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

  it('names the resource of a TagResource call by the type and id its ARN holds', () => {
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
      resource: { type: 'packaging group', id: 'vod-group', arn },
    });
  });

  it.each([
    ['channelGroup/live', 'channel group', 'live'],
    ['channelGroup/live/channel/ch-1', 'channel', 'live/ch-1'],
    ['channelGroup/live/channel/ch-1/originEndpoint/hls', 'origin endpoint', 'live/ch-1/hls'],
  ])('reads a v2 tag call on %s as the %s its own calls name', (path, type, id) => {
    // Prepare
    const arn = `arn:aws:mediapackagev2:${REGION}:${ACCOUNT_ID}:${path}`;
    const record = cloudTrailRecord({
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'UntagResource',
      requestParameters: { resourceArn: arn, tagKeys: ['team'] },
      responseElements: null,
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.resource).toEqual({ type, id, arn });
  });

  it('keeps a v1 tag call on its ARN, which holds no channel id', () => {
    // Prepare
    const arn = `arn:aws:mediapackage:${REGION}:${ACCOUNT_ID}:channels/4d1f53c2b6a54c7b8e1e5f0e3c2d1a00`;
    const record = cloudTrailRecord({
      eventName: 'TagResource',
      requestParameters: { 'resource-arn': arn, tags: { team: 'media' } },
      responseElements: null,
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.resource).toEqual({ type: 'resource', id: arn, arn });
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

  it('redacts every text field it carries, not only the request parameters', () => {
    // Prepare
    const secret = 'Zq8vLmN3pRt7Kx2W';
    const planted = `token=${secret}`;
    const record = cloudTrailRecord({
      eventName: `UpdateChannel ${planted}`,
      eventTime: `2024-05-01T12:03:41Z ${planted}`,
      requestID: planted,
      awsRegion: `us-west-2 ${planted}`,
      sourceIPAddress: `203.0.113.17 ${planted}`,
      userAgent: `aws-cli/2.15.30 ${planted}`,
      errorCode: `AccessDenied ${planted}`,
      errorMessage: `Not authorized ${planted}`,
      recipientAccountId: planted,
      userIdentity: {
        type: `AssumedRole ${planted}`,
        principalId: `AROAEXAMPLEID1234567:${planted}`,
        arn: `${USER_ARN}?${planted}`,
        accountId: planted,
        userName: planted,
        invokedBy: planted,
        sessionContext: { sessionIssuer: { arn: planted, type: planted, userName: planted } },
      },
      requestParameters: { id: `live-1?${planted}` },
      responseElements: { arn: `arn:aws:mediapackage:::channels/x?${planted}` },
    });

    // Act
    const alert = buildAlert(matchOf(record), { bucket: planted, key: `AWSLogs/${planted}` });

    // Assess
    expect(JSON.stringify(alert)).not.toContain(secret);
    for (const text of stringsIn(alert)) expect(redactText(text)).toBe(text);
    expect(alert.resource.id).toBe(`live-1?token=${MASK}`);
    expect(alert.userAgent).toBe(`aws-cli/2.15.30 token=${MASK}`);
  });

  it('masks a secret that a field echoes from elsewhere in the record', () => {
    // Prepare
    const secret = 'Zq8vLmN3pRt7Kx2W';
    const record = cloudTrailRecord({
      eventName: 'CreateChannel',
      errorCode: 'UnprocessableEntityException',
      errorMessage: `Value '${secret}' at 'password' failed to satisfy constraint`,
      requestParameters: { id: 'live-1', hlsIngest: { password: secret } },
      responseElements: null,
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.error?.message).toBe(`Value '${MASK}' at 'password' failed to satisfy constraint`);
    expect(JSON.stringify(alert)).not.toContain(secret);
  });

  it('masks a resource id that is a credential', () => {
    // Prepare
    const record = cloudTrailRecord({ requestParameters: { id: 'AKIAIOSFODNN7EXAMPLE' } });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.resource.id).toBe(MASK);
  });

  it.each([
    ['nested 5,000 levels deep', 5_000],
    ['nested 100,000 levels deep', 100_000],
  ])(
    'builds the alert of a record %s with no eventID: a stable, distinct digest',
    (_case, levels) => {
      // Prepare
      const nested = (leaf: string): unknown => {
        let value: unknown = { leaf };
        for (let level = 0; level < levels; level += 1) value = { level: value };
        return value;
      };
      const record = (leaf: string): ReturnType<typeof cloudTrailRecord> =>
        cloudTrailRecord({
          eventID: undefined,
          requestParameters: { id: 'live-1', nested: nested(leaf) },
        });

      // Act
      const first = alertFor(record('a'));
      const again = alertFor(record('a'));
      const other = alertFor(record('b'));

      // Assess
      expect(first.eventID).toMatch(/^sha256-[0-9a-f]{64}$/);
      expect(again.eventID).toBe(first.eventID);
      expect(other.eventID).not.toBe(first.eventID);
    },
  );

  it.each([
    ['an access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['Slack markup', '<!channel>'],
    ['a URL', 'https://x/?token=abc'],
    ['a lone surrogate', 'id-\ud800'],
    ['200 characters', 'a'.repeat(200)],
  ])('replaces an eventID holding %s with a digest', (_case, eventID) => {
    // Prepare
    const record = cloudTrailRecord({ eventID });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.eventID).toMatch(/^sha256-[0-9a-f]{64}$/);
  });

  it('notes what the reader dropped from an oversized record, in the alert itself', () => {
    // Prepare
    const kept = cloudTrailRecord({
      eventName: 'UpdateOriginEndpoint',
      requestParameters: undefined,
      responseElements: undefined,
    });
    const record = {
      ...kept,
      [OMITTED_PARTS]: {
        recordBytes: 523_456_789,
        members: ['requestParameters', 'responseElements', 'AKIAIOSFODNN7EXAMPLE'],
      },
    };

    // Act
    const alert = buildAlert(matchOf(record), { bucket: BUCKET, key: logFileKey() });

    // Assess
    expect(alert.requestParameters).toBeNull();
    expect(alert.notes).toEqual([
      `request parameters, response elements, ${MASK} omitted: the record is 523,456,789 bytes, over the reader's 1 MiB limit; see the CloudTrail event`,
    ]);
    expect(JSON.parse(JSON.stringify(alert))).toMatchObject({ notes: alert.notes });
  });

  it('has no notes for a record read whole', () => {
    // Act
    const alert = alertFor(cloudTrailRecord());

    // Assess
    expect(alert.notes).toEqual([]);
  });
});

describe('Function: buildAlert, the caller', () => {
  it("classifies the root user in the console and keeps CloudTrail's raw type", () => {
    // Act
    const alert = alertFor(recordWith(ROOT_CONSOLE));

    // Assess
    expect(alert.severity).toBe('high');
    expect(alert.actor).toMatchObject({
      identityType: 'Root',
      kind: 'Root',
      via: 'console',
      description: 'root user, from the console, without MFA',
      arn: 'arn:aws:iam::123456789012:root',
      mfaAuthenticated: false,
    });
  });

  it('says the same as describeIdentity for every documented example', () => {
    for (const example of IDENTITY_EXAMPLES) {
      // Act
      const alert = alertFor(recordWith(example));

      // Assess
      const identity = classifyIdentity(recordWith(example));
      expect(alert.actor).toMatchObject({
        kind: identity.type,
        via: identity.via,
        description: describeIdentity(identity),
      });
    }
  });

  it('keeps a type CloudTrail adds later as identityType, and kind Unknown', () => {
    // Act
    const alert = alertFor(
      recordWith(AWS_SERVICE, { userIdentity: { type: 'Directory', principalId: 'x' } }),
    );

    // Assess
    expect(alert.actor).toMatchObject({
      identityType: 'Directory',
      kind: 'Unknown',
      description: 'unknown caller (type Directory)',
    });
  });

  it('builds the description from redacted names only', () => {
    // Prepare: a session name carrying a credential-shaped pair and the record's own secret.
    const secret = 'Zq8vLmN3pRt7Kx2W';
    const record = recordWith(ASSUMED_ROLE, {
      userIdentity: {
        ...ASSUMED_ROLE.userIdentity,
        arn: `arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/token=${secret}`,
        sessionContext: { sessionIssuer: { userName: secret } },
      },
      requestParameters: { id: 'live-1', hlsIngest: { password: secret } },
    });

    // Act
    const alert = alertFor(record);

    // Assess
    expect(alert.actor.description).not.toContain(secret);
    expect(alert.actor.description).toBe(`role ${MASK} (session token=${MASK})`);
  });
});

describe('Function: jsonDigest', () => {
  it.each([
    ['a CloudTrail record', cloudTrailRecord()],
    [
      'values JSON writes its own way',
      {
        a: [undefined, () => 1, Symbol('s'), NaN, -0, Infinity, 1e21, 0.1],
        b: undefined,
        c: 'é😀\ud800"\\\n',
        d: {},
        e: [],
        f: [[[]]],
        g: null,
        '\u2028': true,
      },
    ],
    ['a scalar', 'text'],
    ['an array', [1, 'two', { three: 3 }]],
  ])('gives the SHA-256 of JSON.stringify for %s', (_case, value) => {
    // Act
    const digest = jsonDigest(value);

    // Assess
    expect(digest).toBe(createHash('sha256').update(JSON.stringify(value)).digest('hex'));
  });
});

function matchOf(
  record: ReturnType<typeof cloudTrailRecord>,
): NonNullable<ReturnType<typeof matchEvent>> {
  const match = matchEvent(record);
  if (match === undefined) throw new Error('fixture must match');
  return match;
}

/** Every string in a JSON value, keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
}
