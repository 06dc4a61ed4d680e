import * as fc from 'fast-check';
import { CANARY_TAG_KEY, FUNCTION_ENV } from '../../../lambda/contract';
import type { CanaryIdentity } from '../../../lambda/match/canary';
import {
  CanaryConfigurationError,
  canaryCallTime,
  isCanaryCall,
  parseCanaryIdentity,
} from '../../../lambda/match/canary';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';

const GROUP_ARN =
  'arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/TestStack-Canary-1A2B';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/TestStack-CanaryRole1234-ABCD';
const CANARY: CanaryIdentity = { resourceArn: GROUP_ARN, roleArn: ROLE_ARN };
const CALLED_AT = '2026-03-01T10:00:00Z';
const TAGGED_AT = '2026-03-01T09:59:59.512Z';

/** The canary's own call as CloudTrail records it, with `changes` applied. */
function canaryRecord(changes: Record<string, unknown> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:TestStack-CanaryFunction',
      arn: 'arn:aws:sts::111122223333:assumed-role/TestStack-CanaryRole1234-ABCD/TestStack-CanaryFunction',
      accountId: '111122223333',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: ROLE_ARN,
          accountId: '111122223333',
          userName: 'TestStack-CanaryRole1234-ABCD',
        },
      },
    },
    eventTime: CALLED_AT,
    eventSource: 'mediapackagev2.amazonaws.com',
    eventName: 'TagResource',
    awsRegion: 'eu-west-1',
    requestParameters: { resourceArn: GROUP_ARN, tags: { [CANARY_TAG_KEY]: TAGGED_AT } },
    responseElements: null,
    eventID: 'c0ffee00-0000-4000-8000-000000000001',
    readOnly: false,
    eventType: 'AwsApiCall',
    ...changes,
  };
}

/** The canary record with its caller changed. */
function calledBy(identity: unknown): CloudTrailRecord {
  return canaryRecord({ userIdentity: identity });
}

describe('Function: isCanaryCall', () => {
  it("recognises the canary's own call", () => {
    // Act / Assess
    expect(isCanaryCall(canaryRecord(), CANARY)).toBe(true);
  });

  it('recognises the ResourceArn and Tags spellings too', () => {
    // Prepare
    const record = canaryRecord({
      requestParameters: { ResourceArn: GROUP_ARN, Tags: { [CANARY_TAG_KEY]: TAGGED_AT } },
    });
    // Act / Assess
    expect(isCanaryCall(record, CANARY)).toBe(true);
  });

  it('recognises nothing without a canary', () => {
    // Act / Assess
    expect(isCanaryCall(canaryRecord(), undefined)).toBe(false);
  });

  const issuer = (arn: unknown): unknown => ({
    type: 'AssumedRole',
    sessionContext: { sessionIssuer: { type: 'Role', arn } },
  });

  it.each<[string, CloudTrailRecord]>([
    [
      'on another channel group',
      canaryRecord({
        requestParameters: {
          resourceArn: 'arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/live-prod',
          tags: { [CANARY_TAG_KEY]: TAGGED_AT },
        },
      }),
    ],
    [
      'on a channel inside the canary group',
      canaryRecord({
        requestParameters: {
          resourceArn: `${GROUP_ARN}/channel/news`,
          tags: { [CANARY_TAG_KEY]: TAGGED_AT },
        },
      }),
    ],
    [
      'on the group ARN in another case',
      canaryRecord({
        requestParameters: {
          resourceArn: GROUP_ARN.toUpperCase(),
          tags: { [CANARY_TAG_KEY]: TAGGED_AT },
        },
      }),
    ],
    ['by another role', calledBy(issuer('arn:aws:iam::111122223333:role/MediaOperator'))],
    [
      'by a role of the same name under another path',
      calledBy(issuer('arn:aws:iam::111122223333:role/ops/TestStack-CanaryRole1234-ABCD')),
    ],
    [
      'by the same role name in another account',
      calledBy(issuer('arn:aws:iam::444455556666:role/TestStack-CanaryRole1234-ABCD')),
    ],
    [
      'by an IAM user whose ARN is the role ARN',
      calledBy({
        type: 'IAMUser',
        arn: ROLE_ARN,
        sessionContext: { sessionIssuer: { arn: ROLE_ARN } },
      }),
    ],
    ['by a caller without a session issuer', calledBy({ type: 'AssumedRole', arn: ROLE_ARN })],
    ['by no caller', canaryRecord({ userIdentity: undefined })],
    [
      'with a second tag',
      canaryRecord({
        requestParameters: {
          resourceArn: GROUP_ARN,
          tags: { [CANARY_TAG_KEY]: TAGGED_AT, Environment: 'production' },
        },
      }),
    ],
    [
      'with another tag only',
      canaryRecord({ requestParameters: { resourceArn: GROUP_ARN, tags: { Team: 'media' } } }),
    ],
    [
      'with the tag key in another case',
      canaryRecord({
        requestParameters: { resourceArn: GROUP_ARN, tags: { 'MP-AUDIT:CANARY': TAGGED_AT } },
      }),
    ],
    ['with no tags', canaryRecord({ requestParameters: { resourceArn: GROUP_ARN, tags: {} } })],
    [
      'with tags as a list',
      canaryRecord({
        requestParameters: { resourceArn: GROUP_ARN, tags: [{ [CANARY_TAG_KEY]: TAGGED_AT }] },
      }),
    ],
    [
      'with a tag value that is not text',
      canaryRecord({
        requestParameters: { resourceArn: GROUP_ARN, tags: { [CANARY_TAG_KEY]: 7 } },
      }),
    ],
    [
      'that removes the tag (UntagResource)',
      canaryRecord({
        eventName: 'UntagResource',
        requestParameters: { resourceArn: GROUP_ARN, tagKeys: [CANARY_TAG_KEY] },
      }),
    ],
    [
      'that failed',
      canaryRecord({ errorCode: 'AccessDenied', errorMessage: 'User is not authorized' }),
    ],
    ['that failed with an empty error code', canaryRecord({ errorCode: '' })],
    ['on MediaPackage v1', canaryRecord({ eventSource: 'mediapackage.amazonaws.com' })],
    ['on MediaPackage VOD', canaryRecord({ eventSource: 'mediapackage-vod.amazonaws.com' })],
    ['of another call', canaryRecord({ eventName: 'UpdateChannelGroup' })],
    ['without request parameters', canaryRecord({ requestParameters: null })],
    [
      'without a resource ARN',
      canaryRecord({ requestParameters: { tags: { [CANARY_TAG_KEY]: TAGGED_AT } } }),
    ],
    [
      'whose resource ARN is only inherited',
      canaryRecord({
        requestParameters: Object.assign(Object.create({ resourceArn: GROUP_ARN }) as object, {
          tags: { [CANARY_TAG_KEY]: TAGGED_AT },
        }),
      }),
    ],
  ])('does not recognise a call %s', (_name, record) => {
    // Act / Assess
    expect(isCanaryCall(record, CANARY)).toBe(false);
  });

  it('accepts a canary role with a path when the issuer names it exactly', () => {
    // Prepare
    const roleArn = 'arn:aws:iam::111122223333:role/service/TestStack-CanaryRole';
    // Act / Assess
    expect(isCanaryCall(calledBy(issuer(roleArn)), { resourceArn: GROUP_ARN, roleArn })).toBe(true);
  });

  it('never throws on any value, and recognises none of them', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(isCanaryCall(value as CloudTrailRecord, CANARY)).toBe(false);
        expect(() => canaryCallTime(value as CloudTrailRecord)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on records close to the canary, and recognises only exact ones', () => {
    const arbitraryField = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.object(),
      fc.array(fc.string()),
    );
    fc.assert(
      fc.property(
        fc.record({
          eventSource: fc.oneof(fc.constant('mediapackagev2.amazonaws.com'), arbitraryField),
          eventName: fc.oneof(fc.constant('TagResource'), arbitraryField),
          errorCode: arbitraryField,
          requestParameters: fc.oneof(
            fc.constant({ resourceArn: GROUP_ARN, tags: { [CANARY_TAG_KEY]: TAGGED_AT } }),
            fc.record({
              resourceArn: fc.oneof(fc.constant(GROUP_ARN), arbitraryField),
              tags: fc.oneof(fc.dictionary(fc.string(), fc.string()), arbitraryField),
            }),
            arbitraryField,
          ),
          userIdentity: fc.oneof(
            fc.constant(canaryRecord().userIdentity),
            fc.record({ type: arbitraryField, sessionContext: arbitraryField }),
            arbitraryField,
          ),
          eventTime: fc.oneof(fc.constant(CALLED_AT), arbitraryField),
        }),
        (record) => {
          const seen = isCanaryCall(record as CloudTrailRecord, CANARY);
          const params = record.requestParameters as { tags?: unknown } | null;
          if (seen) {
            expect(record.eventSource).toBe('mediapackagev2.amazonaws.com');
            expect(record.eventName).toBe('TagResource');
            expect(record.errorCode ?? undefined).toBeUndefined();
            expect(Object.keys(params?.tags ?? {})).toEqual([CANARY_TAG_KEY]);
          }
          expect(() => canaryCallTime(record as CloudTrailRecord)).not.toThrow();
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('Function: canaryCallTime', () => {
  it('is the eventTime', () => {
    // Act / Assess
    expect(canaryCallTime(canaryRecord())).toBe(Date.parse(CALLED_AT));
  });

  it("falls back on the tag's value when eventTime is missing or not a time", () => {
    // Act / Assess
    expect(canaryCallTime(canaryRecord({ eventTime: undefined }))).toBe(Date.parse(TAGGED_AT));
    expect(canaryCallTime(canaryRecord({ eventTime: 'yesterday' }))).toBe(Date.parse(TAGGED_AT));
  });

  it('is undefined when neither is a time', () => {
    // Act / Assess
    expect(
      canaryCallTime(
        canaryRecord({
          eventTime: 12,
          requestParameters: { resourceArn: GROUP_ARN, tags: { [CANARY_TAG_KEY]: 'soon' } },
        }),
      ),
    ).toBeUndefined();
  });
});

describe('Function: parseCanaryIdentity', () => {
  it('is undefined when neither variable is set', () => {
    // Act / Assess
    expect(parseCanaryIdentity(undefined, undefined)).toBeUndefined();
    expect(parseCanaryIdentity('', ' ')).toBeUndefined();
  });

  it('reads both ARNs, trimmed', () => {
    // Act / Assess
    expect(parseCanaryIdentity(` ${GROUP_ARN}`, `${ROLE_ARN}\n`)).toEqual(CANARY);
  });

  it.each<[string | undefined, string | undefined, string, RegExp]>([
    [
      GROUP_ARN,
      undefined,
      FUNCTION_ENV.canaryRoleArn,
      /MP_AUDIT_CANARY_ROLE_ARN is not set but MP_AUDIT_CANARY_RESOURCE_ARN is/,
    ],
    [
      undefined,
      ROLE_ARN,
      FUNCTION_ENV.canaryResourceArn,
      /MP_AUDIT_CANARY_RESOURCE_ARN is not set but MP_AUDIT_CANARY_ROLE_ARN is/,
    ],
    [
      'channelGroup/x',
      ROLE_ARN,
      FUNCTION_ENV.canaryResourceArn,
      /MP_AUDIT_CANARY_RESOURCE_ARN is not an ARN: 'channelGroup\/x'/,
    ],
    [GROUP_ARN, 'CanaryRole', FUNCTION_ENV.canaryRoleArn, /MP_AUDIT_CANARY_ROLE_ARN is not an ARN/],
  ])('refuses %p and %p, naming %s', (resourceArn, roleArn, variable, message) => {
    // Act
    let thrown: unknown;
    try {
      parseCanaryIdentity(resourceArn, roleArn);
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(thrown).toBeInstanceOf(CanaryConfigurationError);
    expect((thrown as CanaryConfigurationError).variable).toBe(variable);
    expect((thrown as Error).message).toMatch(message);
  });
});
