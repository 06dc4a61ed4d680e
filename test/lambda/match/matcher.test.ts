import fc from 'fast-check';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';
import type { Decision, MatchCategory, Severity } from '../../../lambda/match/matcher';
import {
  compileRules,
  evaluateRecord,
  matchEvent,
  rawRecordFilter,
  severityOf,
  suppressionExpired,
  suppressionExpiresAt,
} from '../../../lambda/match/matcher';
import { eventSourceOfRawRecord } from '../../../lambda/read/log-reader';
import type { RulesInput } from '../../../lambda/match/rules-schema';
import { parseRules } from '../../../lambda/match/rules-schema';
import type { OwnResources } from '../../../lambda/match/self-protection';
import type { GeneratedRecord, MediaPackageSource } from '../../../scripts/cloudtrail-factory';
import {
  ACCOUNT_ID,
  IDENTITY_PRESETS,
  MEDIAPACKAGE_WRITE_CALLS,
  OTHER_SERVICE_CALLS,
  REGION,
  USER_ARN,
  cloudTrailRecord,
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';
import { OWN, OWN_BUCKET, OWN_KEY_ARN, OWN_KEY_ID, OWN_TOPIC } from '../../support/own-resources';
import {
  ASSUMED_ROLE,
  IAM_USER_JOHN_CLI,
  ROOT_CONSOLE,
  ROOT_SDK,
  recordWith,
} from '../../support/identity-examples';

const DEPLOY_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/GitHubActionsDeployRole/GitHubActions`;
const REASON = 'Reviewed in CI before deployment';

type RulesFile = Omit<RulesInput, 'version'>;

function rulesOf(file: RulesFile = {}, own: OwnResources = OWN) {
  return compileRules(parseRules({ version: 1, ...file }, 'test rules'), own);
}

/** What a decision amounts to, in the terms a rules author thinks in. */
type Outcome =
  | { kind: 'ignored' }
  | { kind: 'alert'; severity: Severity; category: MatchCategory; target?: string }
  | { kind: 'suppressed'; index: number; reason: string };

function outcomeOf(decision: Decision): Outcome {
  switch (decision.kind) {
    case 'ignored':
      return { kind: 'ignored' };
    case 'alert':
      return {
        kind: 'alert',
        severity: decision.match.severity,
        category: decision.match.category,
        ...(decision.match.target === undefined ? {} : { target: decision.match.target }),
      };
    case 'suppressed':
      return {
        kind: 'suppressed',
        index: decision.suppressionIndex,
        reason: decision.suppression.reason,
      };
  }
}

const IGNORED: Outcome = { kind: 'ignored' };
const watched = (severity: Severity): Outcome => ({ kind: 'alert', severity, category: 'watched' });
const tampering = (target: string, severity: Severity = 'high'): Outcome => ({
  kind: 'alert',
  severity,
  category: 'self-protection',
  target,
});

function recordBy(arn: string, overrides: Record<string, unknown> = {}): CloudTrailRecord {
  return cloudTrailRecord({
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEDEPLOY0001:GitHubActions',
      arn,
      accountId: ACCOUNT_ID,
    },
    ...overrides,
  });
}

/** When a suppression stops applying: through the end of a date, or up to a timestamp. */
const expiryCases: readonly { expires: string; now: string; applies: boolean }[] = [
  { expires: '2026-06-30', now: '2026-06-30T00:00:00.000Z', applies: true },
  { expires: '2026-06-30', now: '2026-06-30T23:59:59.999Z', applies: true },
  { expires: '2026-06-30', now: '2026-07-01T00:00:00.000Z', applies: false },
  { expires: '2026-06-30', now: '2027-01-01T00:00:00.000Z', applies: false },
  { expires: '2026-06-30T12:00:00Z', now: '2026-06-30T11:59:59.999Z', applies: true },
  { expires: '2026-06-30T12:00:00Z', now: '2026-06-30T12:00:00.000Z', applies: false },
  { expires: '2026-06-30T12:00Z', now: '2026-06-30T12:00:00.001Z', applies: false },
  { expires: '2026-06-30T12:00:00.500Z', now: '2026-06-30T12:00:00.499Z', applies: true },
];

describe('Function: evaluateRecord', () => {
  describe('which events are watched', () => {
    const cases: readonly {
      name: string;
      rules: RulesFile;
      record: Record<string, unknown>;
      expected: Outcome;
    }[] = [
      {
        name: 'alerts on an included name',
        rules: { eventNames: { include: ['Update*', 'Delete*'] } },
        record: { eventName: 'UpdateOriginEndpoint' },
        expected: watched('medium'),
      },
      {
        name: 'ignores a name no include pattern covers',
        rules: { eventNames: { include: ['Update*', 'Delete*'] } },
        record: { eventName: 'CreateChannel' },
        expected: IGNORED,
      },
      {
        name: 'ignores an included name that an exclude pattern covers',
        rules: { eventNames: { include: ['Delete*'], exclude: ['*Policy'] } },
        record: { eventSource: 'mediapackagev2.amazonaws.com', eventName: 'DeleteChannelPolicy' },
        expected: IGNORED,
      },
      {
        name: 'alerts on an included name the exclude pattern does not cover',
        rules: { eventNames: { include: ['Delete*'], exclude: ['*Policy'] } },
        record: { eventSource: 'mediapackagev2.amazonaws.com', eventName: 'DeleteChannel' },
        expected: watched('high'),
      },
      {
        name: 'matches names case-sensitively',
        rules: { eventNames: { include: ['delete*'] } },
        record: { eventName: 'DeleteChannel' },
        expected: IGNORED,
      },
      {
        name: 'alerts on an exact name with no wildcard',
        rules: { eventNames: { include: ['UpdateChannel'] } },
        record: { eventName: 'UpdateChannel' },
        expected: watched('medium'),
      },
      {
        name: 'alerts on MediaLive when the rules also watch it',
        rules: { eventSources: ['mediapackage*.amazonaws.com', 'medialive.amazonaws.com'] },
        record: { eventSource: 'medialive.amazonaws.com', eventName: 'UpdateChannel' },
        expected: watched('medium'),
      },
      {
        name: 'alerts on MediaPackage v2 through a wildcard source',
        rules: { eventSources: ['mediapackage*.amazonaws.com', 'medialive.amazonaws.com'] },
        record: { eventSource: 'mediapackagev2.amazonaws.com', eventName: 'UpdateChannel' },
        expected: watched('medium'),
      },
      {
        name: 'ignores MediaLive under the default sources',
        rules: {},
        record: { eventSource: 'medialive.amazonaws.com', eventName: 'UpdateChannel' },
        expected: IGNORED,
      },
      {
        name: 'ignores MediaPackage when the rules watch only MediaLive',
        rules: { eventSources: ['medialive.amazonaws.com'] },
        record: { eventSource: 'mediapackage.amazonaws.com', eventName: 'UpdateChannel' },
        expected: IGNORED,
      },
      {
        name: 'ignores a source that only shares a prefix with a pattern without wildcard',
        rules: { eventSources: ['mediapackage.amazonaws.com'] },
        record: { eventSource: 'mediapackage.amazonaws.com.evil', eventName: 'UpdateChannel' },
        expected: IGNORED,
      },
      {
        name: 'ignores a read flagged readOnly by default',
        rules: {},
        record: { eventName: 'DescribeChannel', readOnly: true },
        expected: IGNORED,
      },
      {
        name: 'alerts on a read flagged readOnly with alertOnReadOnly true',
        rules: { alertOnReadOnly: true },
        record: { eventName: 'DescribeChannel', readOnly: true },
        expected: watched('medium'),
      },
      {
        name: 'alerts on a read judged by its name with alertOnReadOnly true',
        rules: { alertOnReadOnly: true },
        record: { eventName: 'ListChannels', readOnly: undefined },
        expected: watched('medium'),
      },
      {
        name: 'alerts on a failed attempt at high by default',
        rules: {},
        record: { eventName: 'UpdateChannel', errorCode: 'AccessDenied' },
        expected: watched('high'),
      },
      {
        name: 'ignores a failed attempt with alertOnFailed false',
        rules: { alertOnFailed: false },
        record: { eventName: 'DeleteChannel', errorCode: 'AccessDenied' },
        expected: IGNORED,
      },
      {
        name: 'still alerts on a successful call with alertOnFailed false',
        rules: { alertOnFailed: false },
        record: { eventName: 'DeleteChannel' },
        expected: watched('high'),
      },
      {
        name: 'ignores an Insights record of a watched source',
        rules: {},
        record: { eventName: 'UpdateChannel', eventType: 'AwsCloudTrailInsight' },
        expected: IGNORED,
      },
    ];

    it.each(cases)('$name', ({ rules, record, expected }) => {
      // Prepare
      const compiled = rulesOf(rules);
      const input = cloudTrailRecord(record);

      // Act
      const decision = evaluateRecord(input, compiled);

      // Assess
      expect(outcomeOf(decision)).toEqual(expected);
    });

    it('carries the record, its source, name, outcome and caller in the match', () => {
      // Prepare
      const record = cloudTrailRecord({
        eventSource: 'medialive.amazonaws.com',
        eventName: 'StopChannel',
        errorCode: 'ConflictException',
      });
      const rules = rulesOf({ eventSources: ['medialive.amazonaws.com'] });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(decision).toEqual({
        kind: 'alert',
        match: {
          record,
          eventSource: 'medialive.amazonaws.com',
          eventName: 'StopChannel',
          outcome: 'failed',
          severity: 'high',
          category: 'watched',
          identity: expect.objectContaining({
            type: 'AssumedRole',
            via: 'aws-cli',
            mfa: true,
          }) as unknown,
        },
      });
    });
  });

  describe('severity rules', () => {
    const cases: readonly {
      name: string;
      rules: RulesFile;
      record: Record<string, unknown>;
      severity: Severity;
    }[] = [
      {
        name: 'the first matching rule wins over a later one',
        rules: {
          severityRules: [
            { eventName: 'Update*', severity: 'high' },
            { eventName: 'UpdateChannel', severity: 'low' },
          ],
        },
        record: { eventName: 'UpdateChannel' },
        severity: 'high',
      },
      {
        name: 'a later rule applies when the first does not match',
        rules: {
          severityRules: [
            { eventName: 'Delete*', severity: 'high' },
            { eventName: 'UpdateChannel', severity: 'low' },
          ],
        },
        record: { eventName: 'UpdateChannel' },
        severity: 'low',
      },
      {
        name: 'a rule with an eventSource condition skips another source',
        rules: {
          eventSources: ['mediapackage.amazonaws.com', 'medialive.amazonaws.com'],
          severityRules: [
            { eventSource: 'medialive.*', eventName: 'UpdateChannel', severity: 'low' },
          ],
        },
        record: { eventSource: 'mediapackage.amazonaws.com', eventName: 'UpdateChannel' },
        severity: 'medium',
      },
      {
        name: 'a rule with an eventSource condition applies to its source',
        rules: {
          eventSources: ['mediapackage.amazonaws.com', 'medialive.amazonaws.com'],
          severityRules: [
            { eventSource: 'medialive.*', eventName: 'UpdateChannel', severity: 'low' },
          ],
        },
        record: { eventSource: 'medialive.amazonaws.com', eventName: 'UpdateChannel' },
        severity: 'low',
      },
      {
        name: 'an outcome failed rule applies to a failed attempt',
        rules: { severityRules: [{ outcome: 'failed', severity: 'info' }] },
        record: { eventName: 'UpdateChannel', errorCode: 'AccessDenied' },
        severity: 'info',
      },
      {
        name: 'an outcome failed rule skips a successful call',
        rules: { severityRules: [{ outcome: 'failed', severity: 'info' }] },
        record: { eventName: 'UpdateChannel' },
        severity: 'medium',
      },
      {
        name: 'an outcome success rule applies to a successful call',
        rules: {
          severityRules: [{ eventName: 'TagResource', outcome: 'success', severity: 'info' }],
        },
        record: { eventName: 'TagResource' },
        severity: 'info',
      },
      {
        name: 'defaultSeverity applies when no rule matches',
        rules: {
          severityRules: [{ eventName: 'Delete*', severity: 'high' }],
          defaultSeverity: 'low',
        },
        record: { eventName: 'CreateChannel' },
        severity: 'low',
      },
      {
        name: 'an empty list of rules leaves every event at defaultSeverity',
        rules: { severityRules: [], defaultSeverity: 'info' },
        record: { eventName: 'DeleteChannel', errorCode: 'AccessDenied' },
        severity: 'info',
      },
      {
        name: 'the default rules rate a Rotate* call high',
        rules: {},
        record: { eventName: 'RotateIngestEndpointCredentials' },
        severity: 'high',
      },
      {
        name: 'the default rules rate a *Policy call high',
        rules: {},
        record: { eventSource: 'mediapackagev2.amazonaws.com', eventName: 'PutChannelPolicy' },
        severity: 'high',
      },
      {
        name: 'the default rules rate UntagResource low',
        rules: {},
        record: { eventName: 'UntagResource' },
        severity: 'low',
      },
      {
        name: 'the default rules rate a failed TagResource high: failure comes first',
        rules: {},
        record: { eventName: 'TagResource', errorCode: 'AccessDeniedException' },
        severity: 'high',
      },
    ];

    it.each(cases)('$name', ({ rules, record, severity }) => {
      // Prepare
      const compiled = rulesOf(rules);
      const input = cloudTrailRecord(record);

      // Act
      const decision = evaluateRecord(input, compiled);

      // Assess
      expect(outcomeOf(decision)).toEqual(watched(severity));
    });
  });

  describe('suppressions', () => {
    const cases: readonly {
      name: string;
      suppression: Record<string, unknown>;
      matching: CloudTrailRecord;
      other: CloudTrailRecord;
    }[] = [
      {
        name: 'principalArn with a wildcard across "/" and ":"',
        suppression: { principalArn: 'arn:aws:sts::*:assumed-role/GitHubActionsDeployRole/*' },
        matching: recordBy(DEPLOY_ARN),
        other: recordBy(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/GitHubActionsDeployRoleX/ci`),
      },
      {
        name: 'principalArn of an IAM user, exactly',
        suppression: { principalArn: `arn:aws:iam::${ACCOUNT_ID}:user/encoder-automation` },
        matching: recordBy(`arn:aws:iam::${ACCOUNT_ID}:user/encoder-automation`),
        other: recordBy(`arn:aws:iam::${ACCOUNT_ID}:user/encoder-automation2`),
      },
      {
        name: 'account',
        suppression: { account: ACCOUNT_ID },
        matching: cloudTrailRecord(),
        other: cloudTrailRecord({
          recipientAccountId: '444455556666',
          userIdentity: {
            type: 'IAMUser',
            arn: 'arn:aws:iam::444455556666:user/x',
            accountId: '444455556666',
          },
        }),
      },
      {
        name: 'account with a wildcard',
        suppression: { account: '1111*' },
        matching: cloudTrailRecord(),
        other: cloudTrailRecord({ recipientAccountId: '211122223333' }),
      },
      {
        name: 'region with a wildcard',
        suppression: { region: 'us-west-*' },
        matching: cloudTrailRecord({ awsRegion: 'us-west-1' }),
        other: cloudTrailRecord({ awsRegion: 'eu-west-1' }),
      },
      {
        name: 'sourceIp as an IPv4 CIDR block',
        suppression: { sourceIp: '203.0.113.0/24' },
        matching: cloudTrailRecord({ sourceIPAddress: '203.0.113.200' }),
        other: cloudTrailRecord({ sourceIPAddress: '203.0.114.1' }),
      },
      {
        name: 'sourceIp as an IPv6 CIDR block',
        suppression: { sourceIp: '2001:db8:1234::/48' },
        matching: cloudTrailRecord({ sourceIPAddress: '2001:db8:1234:ffff::17' }),
        other: cloudTrailRecord({ sourceIPAddress: '2001:db8:1235::17' }),
      },
      {
        name: 'sourceIp as one exact IPv4 address',
        suppression: { sourceIp: '203.0.113.17' },
        matching: cloudTrailRecord({ sourceIPAddress: '203.0.113.17' }),
        other: cloudTrailRecord({ sourceIPAddress: '203.0.113.18' }),
      },
      {
        name: 'sourceIp as one exact IPv6 address',
        suppression: { sourceIp: '2001:db8::17' },
        matching: cloudTrailRecord({ sourceIPAddress: '2001:0db8:0000::0017' }),
        other: cloudTrailRecord({ sourceIPAddress: '2001:db8::18' }),
      },
      {
        name: 'userAgent with wildcards',
        suppression: { userAgent: '*terraform-provider-aws/*' },
        matching: cloudTrailRecord({
          userAgent:
            'APN/1.0 HashiCorp/1.0 Terraform/1.10.5 (+https://www.terraform.io) terraform-provider-aws/5.89.0 aws-sdk-go-v2/1.36.1',
        }),
        other: cloudTrailRecord(),
      },
      {
        name: 'eventName with a wildcard',
        suppression: { eventName: 'Update*' },
        matching: cloudTrailRecord({ eventName: 'UpdateOriginEndpoint' }),
        other: cloudTrailRecord({ eventName: 'DeleteOriginEndpoint' }),
      },
      {
        name: 'eventSource',
        suppression: { eventSource: 'mediapackage-vod.amazonaws.com' },
        matching: cloudTrailRecord({
          eventSource: 'mediapackage-vod.amazonaws.com',
          eventName: 'CreateAsset',
        }),
        other: cloudTrailRecord({ eventSource: 'mediapackagev2.amazonaws.com' }),
      },
    ];

    it.each(cases)('silences an event matched by $name alone', ({ suppression, matching }) => {
      // Prepare
      const rules = rulesOf({ suppressions: [{ reason: REASON, ...suppression }] });

      // Act
      const decision = evaluateRecord(matching, rules);

      // Assess
      expect(outcomeOf(decision)).toEqual({ kind: 'suppressed', index: 0, reason: REASON });
    });

    it.each(cases)('still alerts on an event $name does not match', ({ suppression, other }) => {
      // Prepare
      const rules = rulesOf({ suppressions: [{ reason: REASON, ...suppression }] });

      // Act
      const decision = evaluateRecord(other, rules);

      // Assess
      expect(decision.kind).toBe('alert');
    });

    it.each(['cloudformation.amazonaws.com', 'AWS Internal', ''])(
      'does not match the non-IP source address %j against an IP condition',
      (sourceIPAddress) => {
        // Prepare
        const rules = rulesOf({
          suppressions: [{ reason: REASON, sourceIp: ['0.0.0.0/1', '128.0.0.0/1', '::/1'] }],
        });
        const record = cloudTrailRecord({ sourceIPAddress });

        // Act
        const decision = evaluateRecord(record, rules);

        // Assess
        expect(decision.kind).toBe('alert');
      },
    );

    it('ANDs the conditions of one suppression', () => {
      // Prepare
      const rules = rulesOf({
        suppressions: [
          { reason: REASON, principalArn: DEPLOY_ARN, eventName: 'Update*', region: REGION },
        ],
      });
      const records = {
        all: recordBy(DEPLOY_ARN, { eventName: 'UpdateChannel' }),
        otherName: recordBy(DEPLOY_ARN, { eventName: 'DeleteChannel' }),
        otherPrincipal: recordBy(USER_ARN, { eventName: 'UpdateChannel' }),
        otherRegion: recordBy(DEPLOY_ARN, { eventName: 'UpdateChannel', awsRegion: 'eu-west-1' }),
      };

      // Act
      const kinds = Object.fromEntries(
        Object.entries(records).map(([key, record]) => [key, evaluateRecord(record, rules).kind]),
      );

      // Assess
      expect(kinds).toEqual({
        all: 'suppressed',
        otherName: 'alert',
        otherPrincipal: 'alert',
        otherRegion: 'alert',
      });
    });

    it('ORs the values of one condition', () => {
      // Prepare
      const rules = rulesOf({
        suppressions: [
          {
            reason: REASON,
            eventName: ['UpdateChannel', 'UpdateOriginEndpoint'],
            sourceIp: ['198.51.100.0/24', '2001:db8::/32'],
          },
        ],
      });
      const records = {
        channelV4: cloudTrailRecord({
          eventName: 'UpdateChannel',
          sourceIPAddress: '198.51.100.9',
        }),
        endpointV6: cloudTrailRecord({
          eventName: 'UpdateOriginEndpoint',
          sourceIPAddress: '2001:db8::9',
        }),
        otherName: cloudTrailRecord({
          eventName: 'CreateChannel',
          sourceIPAddress: '198.51.100.9',
        }),
        otherIp: cloudTrailRecord({ eventName: 'UpdateChannel', sourceIPAddress: '192.0.2.9' }),
      };

      // Act
      const kinds = Object.fromEntries(
        Object.entries(records).map(([key, record]) => [key, evaluateRecord(record, rules).kind]),
      );

      // Assess
      expect(kinds).toEqual({
        channelV4: 'suppressed',
        endpointV6: 'suppressed',
        otherName: 'alert',
        otherIp: 'alert',
      });
    });

    it('reports the first matching suppression with its index and reason', () => {
      // Prepare
      const rules = rulesOf({
        suppressions: [
          { reason: 'Tagging bot', eventName: 'TagResource' },
          { reason: 'Deploy role, reviewed in CI', principalArn: DEPLOY_ARN },
          { reason: 'Office network', sourceIp: '203.0.113.0/24' },
        ],
      });
      const record = recordBy(DEPLOY_ARN, { sourceIPAddress: '203.0.113.17' });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(decision).toMatchObject({
        kind: 'suppressed',
        suppressionIndex: 1,
        suppression: { reason: 'Deploy role, reviewed in CI', principalArn: [DEPLOY_ARN] },
        match: { record, eventName: 'UpdateChannel', severity: 'medium', category: 'watched' },
      });
    });

    it('does not suppress an event the rules ignore anyway', () => {
      // Prepare
      const rules = rulesOf({ suppressions: [{ reason: REASON, principalArn: DEPLOY_ARN }] });
      const record = recordBy(DEPLOY_ARN, { eventName: 'DescribeChannel', readOnly: true });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(decision).toEqual({ kind: 'ignored' });
    });

    it.each(expiryCases)(
      'with expires $expires, at $now applies: $applies',
      ({ expires, now, applies }) => {
        // Prepare
        const rules = rulesOf({
          suppressions: [{ reason: REASON, principalArn: DEPLOY_ARN, expires }],
        });
        const record = recordBy(DEPLOY_ARN);

        // Act
        const decision = evaluateRecord(record, rules, new Date(now));

        // Assess
        expect(decision.kind).toBe(applies ? 'suppressed' : 'alert');
      },
    );

    it('skips an expired suppression and reports the next one that applies', () => {
      // Prepare
      const rules = rulesOf({
        suppressions: [
          { reason: 'Migration window', principalArn: DEPLOY_ARN, expires: '2025-01-31' },
          { reason: 'Deploy role, reviewed in CI', eventName: 'Update*' },
        ],
      });
      const record = recordBy(DEPLOY_ARN);

      // Act
      const decision = evaluateRecord(record, rules, new Date('2025-02-01T08:00:00Z'));

      // Assess
      expect(outcomeOf(decision)).toEqual({
        kind: 'suppressed',
        index: 1,
        reason: 'Deploy role, reviewed in CI',
      });
    });
  });

  describe('self-protection rules', () => {
    it('alerts on a failed tampering attempt, even with alertOnFailed false', () => {
      // Prepare
      const record = cloudTrailRecord({
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        requestParameters: { name: 'management-trail' },
        errorCode: 'AccessDeniedException',
      });

      // Act
      const decision = evaluateRecord(record, rulesOf({ alertOnFailed: false }));

      // Assess
      expect(outcomeOf(decision)).toEqual(tampering('trail management-trail'));
    });

    it('uses the severity the rules give self-protection', () => {
      // Prepare
      const rules = rulesOf({ selfProtection: { severity: 'medium' } });
      const record = cloudTrailRecord({
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'DeleteTrail',
        requestParameters: { name: 'management-trail' },
      });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(outcomeOf(decision)).toEqual(tampering('trail management-trail', 'medium'));
    });

    it('is not silenced by a matching suppression without includeSelfProtection', () => {
      // Prepare
      const rules = rulesOf({
        suppressions: [{ reason: REASON, principalArn: DEPLOY_ARN }],
      });
      const record = recordBy(DEPLOY_ARN, {
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        requestParameters: { name: 'management-trail' },
      });
      const watchedCall = recordBy(DEPLOY_ARN);

      // Act
      const decision = evaluateRecord(record, rules);
      const watchedDecision = evaluateRecord(watchedCall, rules);

      // Assess
      expect(outcomeOf(decision)).toEqual(tampering('trail management-trail'));
      expect(watchedDecision.kind).toBe('suppressed');
    });

    it('is silenced by a matching suppression with includeSelfProtection true', () => {
      // Prepare
      const rules = rulesOf({
        suppressions: [
          { reason: REASON, principalArn: DEPLOY_ARN },
          {
            reason: 'Pipeline redeploys itself',
            principalArn: DEPLOY_ARN,
            includeSelfProtection: true,
          },
        ],
      });
      const record = recordBy(DEPLOY_ARN, {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketPolicy',
        requestParameters: { bucketName: OWN_BUCKET },
      });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(outcomeOf(decision)).toEqual({
        kind: 'suppressed',
        index: 1,
        reason: 'Pipeline redeploys itself',
      });
    });

    it('takes precedence over a watched source, so the tampering category is reported', () => {
      // Prepare
      const rules = rulesOf({ eventSources: ['s3.amazonaws.com'] });
      const record = cloudTrailRecord({
        eventSource: 's3.amazonaws.com',
        eventName: 'DeleteBucketPolicy',
        requestParameters: { bucketName: OWN_BUCKET },
      });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(outcomeOf(decision)).toEqual(tampering(`bucket ${OWN_BUCKET}`));
    });

    it.each([
      ['StopLogging of any trail', 'cloudtrail.amazonaws.com', 'StopLogging', { name: 'trail' }],
      [
        'a write on the own bucket',
        's3.amazonaws.com',
        'PutBucketPolicy',
        { bucketName: OWN_BUCKET },
      ],
      ['a write on the own topic', 'sns.amazonaws.com', 'DeleteTopic', { topicArn: OWN_TOPIC }],
    ])('ignores %s when disabled', (_name, eventSource, eventName, requestParameters) => {
      // Prepare
      const rules = rulesOf({ selfProtection: { enabled: false } });
      const record = cloudTrailRecord({ eventSource, eventName, requestParameters });

      // Act
      const decision = evaluateRecord(record, rules);

      // Assess
      expect(decision).toEqual({ kind: 'ignored' });
    });
  });
});

describe('Function: suppressionExpired', () => {
  it.each(expiryCases)(
    'with expires $expires, at $now agrees with the matcher (applies: $applies)',
    ({ expires, now, applies }) => {
      // Act: what rules check calls expired.
      const expired = suppressionExpired(suppressionExpiresAt(expires), Date.parse(now));

      // Assess
      expect(expired).toBe(!applies);
    },
  );

  it('never expires a suppression without expires', () => {
    // Act / Assess
    expect(suppressionExpired(null, Date.parse('9999-12-31T23:59:59Z'))).toBe(false);
  });
});

describe('Function: suppressionExpiresAt', () => {
  it.each([
    [undefined, null],
    ['2026-06-30', Date.parse('2026-07-01T00:00:00Z')],
    ['2024-02-29', Date.parse('2024-03-01T00:00:00Z')],
    ['2026-06-30T12:34:56Z', Date.parse('2026-06-30T12:34:56Z')],
  ])('puts the end of %s at %p', (expires, expected) => {
    // Prepare
    const value = expires;

    // Act
    const instant = suppressionExpiresAt(value);

    // Assess
    expect(instant).toBe(expected);
  });
});

/** Calls a prefilter the way the reader does: with the eventSource it scanned. */
function applyFilter(
  filter: (raw: Buffer, eventSource: string | null | undefined) => boolean,
  raw: Buffer,
): boolean {
  return filter(raw, eventSourceOfRawRecord(raw));
}

describe('Function: rawRecordFilter', () => {
  it.each([
    [['*']],
    [['**']],
    [['*.amazonaws.com']],
    [['mediapackage.amazonaws.com', '*package*']],
  ])('keeps records of any service when a source pattern %j could match it', (eventSources) => {
    // Prepare
    const filter = rawRecordFilter(rulesOf({ eventSources }));
    const record = otherServiceRecord(createRng(11), { call: 'ec2:RunInstances' });
    const source = { ...record, eventSource: 'ecmediapackage.amazonaws.com' };

    // Act
    const kept = applyFilter(filter, Buffer.from(JSON.stringify(source)));

    // Assess
    expect(kept).toBe(true);
  });

  it('reads the top-level eventSource exactly, as JSON.parse would', () => {
    // Prepare
    const filter = rawRecordFilter(rulesOf());
    const cases: [string, boolean][] = [
      // No eventSource at all: evaluateRecord ignores the record, so it need not be parsed.
      ['{"eventName":"UpdateChannel"}', false],
      // A nested eventSource is not the record's own.
      [
        '{"eventSource":"ec2.amazonaws.com","requestParameters":{"eventSource":"mediapackage.amazonaws.com"}}',
        false,
      ],
      // Repeated keys: the last one wins, as in JSON.parse.
      ['{"eventSource":"ec2.amazonaws.com","eventSource":"mediapackage.amazonaws.com"}', true],
      ['{"eventSource":"mediapackage.amazonaws.com","eventSource":"ec2.amazonaws.com"}', false],
      // An escape cannot be judged from the bytes: parse it.
      ['{"eventSource":"mediap\\u0061ckage.amazonaws.com"}', true],
      ['{ "eventSource" : "mediapackage.amazonaws.com" }', true],
      ['{"eventSource":42,"x":"mediapackage.amazonaws.com"}', false],
      // An escaped key may spell eventSource: parse rather than guess.
      ['{"event\\u0053ource":"mediapackage.amazonaws.com"}', true],
      ['{"note":"eventSource","x":"mediapackage.amazonaws.com"}', false],
    ];

    // Act
    const kept = cases.map(([text]) => applyFilter(filter, Buffer.from(text)));

    // Assess
    expect(kept).toEqual(cases.map(([, expected]) => expected));
  });

  it('keeps watched and tampering records and drops others under the default rules', () => {
    // Prepare
    const filter = rawRecordFilter(rulesOf());
    const raw = (overrides: Record<string, unknown>): Buffer =>
      Buffer.from(JSON.stringify(cloudTrailRecord(overrides)));
    const unrelated = {
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      userAgent: 'aws-cli/2',
      requestParameters: { instanceType: 't3.micro' },
      responseElements: null,
      tlsDetails: undefined,
    };

    // Act
    const kept = {
      mediapackage: applyFilter(filter, raw({})),
      trail: applyFilter(filter, raw({ ...unrelated, eventSource: 'cloudtrail.amazonaws.com' })),
      ownBucket: applyFilter(
        filter,
        raw({
          ...unrelated,
          eventSource: 's3.amazonaws.com',
          requestParameters: { bucketName: OWN_BUCKET },
        }),
      ),
      otherBucket: applyFilter(
        filter,
        raw({
          ...unrelated,
          eventSource: 's3.amazonaws.com',
          requestParameters: { bucketName: 'not-ours' },
        }),
      ),
      ownBucketNamedByEc2: applyFilter(
        filter,
        raw({ ...unrelated, requestParameters: { bucketName: OWN_BUCKET } }),
      ),
      unrelated: applyFilter(filter, raw(unrelated)),
    };

    // Assess
    expect(kept).toEqual({
      mediapackage: true,
      trail: true,
      ownBucket: true,
      otherBucket: false,
      ownBucketNamedByEc2: false,
      unrelated: false,
    });
  });

  it('drops trail calls when self-protection is disabled', () => {
    // Prepare
    const filter = rawRecordFilter(
      rulesOf({ eventSources: ['medialive.amazonaws.com'], selfProtection: { enabled: false } }),
    );
    const record = otherServiceRecord(createRng(7), { call: 'ec2:RunInstances' });
    const trail = { ...record, eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' };

    // Act
    const kept = applyFilter(filter, Buffer.from(JSON.stringify(trail)));

    // Assess
    expect(kept).toBe(false);
  });

  describe('Property: never drops a record evaluateRecord would alert on', () => {
    const SOURCE_PATTERNS = [
      'mediapackage.amazonaws.com',
      'mediapackagev2.amazonaws.com',
      'mediapackage-vod.amazonaws.com',
      'mediapackage*',
      'media*.amazonaws.com',
      'medialive.amazonaws.com',
      's3.amazonaws.com',
      'lambda.*',
      'kms.amazonaws.com',
      'ec2.amazonaws.com',
      'iam.amazonaws.com',
    ];
    const MP_SOURCES: readonly MediaPackageSource[] = [
      'mediapackage.amazonaws.com',
      'mediapackagev2.amazonaws.com',
      'mediapackage-vod.amazonaws.com',
    ];
    const MP_NAMES = [
      'UpdateChannel',
      'DeleteChannel',
      'CreateOriginEndpoint',
      'RotateIngestEndpointCredentials',
      'PutChannelPolicy',
      'TagResource',
      'DescribeChannel',
      'GetChannel',
      'ListChannels',
      'CreateAsset',
      'ConfigureLogs',
    ];
    const IDENTITIES = Object.values(IDENTITY_PRESETS);
    const TAMPERING: readonly (readonly [string, string, Record<string, unknown>])[] = [
      ['cloudtrail.amazonaws.com', 'StopLogging', { name: 'management-trail' }],
      ['cloudtrail.amazonaws.com', 'PutEventSelectors', { trailName: 'org-trail' }],
      ['s3.amazonaws.com', 'PutBucketPolicy', { bucketName: 'media-source-111122223333' }],
      ['s3.amazonaws.com', 'DeleteBucket', { bucketName: 'media-harvest-111122223333' }],
      [
        'lambda.amazonaws.com',
        'UpdateFunctionConfiguration20150331v2',
        { functionName: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:mp-audit-alerts` },
      ],
      ['sns.amazonaws.com', 'Unsubscribe', { subscriptionArn: `${OWN_TOPIC}:4f1d1e7c` }],
      ['kms.amazonaws.com', 'ScheduleKeyDeletion', { keyId: OWN_KEY_ID }],
    ];
    const FACTORY_OWN: OwnResources = {
      bucketNames: ['media-source-111122223333'],
      functionNames: ['mp-audit-alerts'],
      topicArns: [OWN_TOPIC],
      kmsKeys: [OWN_KEY_ARN],
    };

    const recordArbitrary = fc.oneof(
      fc
        .record({
          seed: fc.integer(),
          source: fc.constantFrom(...MP_SOURCES),
          eventName: fc.constantFrom(...MP_NAMES),
          identity: fc.constantFrom(...IDENTITIES),
          failed: fc.boolean(),
          readOnly: fc.constantFrom<boolean | 'omit' | undefined>(undefined, 'omit', true, false),
        })
        .map(({ seed, source, eventName, identity, failed, readOnly }): GeneratedRecord =>
          mediaPackageRecord(createRng(seed), {
            source,
            eventName,
            identity,
            ...(failed ? { errorCode: 'AccessDeniedException' } : {}),
            ...(readOnly === undefined ? {} : { readOnly }),
          }),
        ),
      fc
        .record({ seed: fc.integer(), call: fc.constantFrom(...OTHER_SERVICE_CALLS) })
        .map(({ seed, call }) => otherServiceRecord(createRng(seed), { call })),
      fc
        .record({ seed: fc.integer(), tampering: fc.constantFrom(...TAMPERING) })
        .map(
          ({ seed, tampering: [eventSource, eventName, requestParameters] }): GeneratedRecord => {
            const base = otherServiceRecord(createRng(seed), { call: 'ec2:RunInstances' });
            return { ...base, eventSource, eventName, requestParameters, responseElements: null };
          },
        ),
    );

    const rulesArbitrary = fc.record({
      eventSources: fc.uniqueArray(fc.constantFrom(...SOURCE_PATTERNS), {
        minLength: 1,
        maxLength: 4,
      }),
      alertOnReadOnly: fc.boolean(),
      alertOnFailed: fc.boolean(),
      selfProtection: fc.record({ enabled: fc.boolean() }),
    });

    it('for generated records and rules', () => {
      // Prepare
      let alerts = 0;
      let dropped = 0;

      // Act
      fc.assert(
        fc.property(
          rulesArbitrary,
          fc.array(recordArbitrary, { maxLength: 8 }),
          (file, records) => {
            const rules = rulesOf(file, FACTORY_OWN);
            const filter = rawRecordFilter(rules);
            for (const record of records) {
              // The reader sees the raw text first and parses only what the filter keeps.
              const raw = Buffer.from(JSON.stringify(record));
              const kept = applyFilter(filter, raw);
              const decision = evaluateRecord(
                JSON.parse(raw.toString()) as CloudTrailRecord,
                rules,
              );
              if (decision.kind === 'alert') alerts += 1;
              if (!kept) dropped += 1;
              if (decision.kind !== 'ignored' && !kept) return false;
            }
            return true;
          },
        ),
        { numRuns: 300 },
      );

      // Assess
      expect(alerts).toBeGreaterThan(100);
      expect(dropped).toBeGreaterThan(100);
    });
  });
});

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

describe('Function: evaluateRecord, the caller (identityType and via)', () => {
  const rootConsole = recordWith(ROOT_CONSOLE, { eventName: 'TagResource' });
  const deployTerraform = recordWith(ASSUMED_ROLE, {
    eventName: 'TagResource',
    userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 terraform-provider-aws/5.70.0',
  });

  function severity(record: CloudTrailRecord, file: RulesFile = {}): Severity | undefined {
    const decision = evaluateRecord(record, rulesOf(file));
    return decision.kind === 'ignored' ? undefined : decision.match.severity;
  }

  it('makes a change as root high, although the default rules say TagResource is low', () => {
    // Act / Assess
    expect(severity(rootConsole)).toBe('high');
    expect(severity(deployTerraform)).toBe('low');
  });

  it('keeps root high whatever a rule without identityType says', () => {
    // Act / Assess
    expect(severity(rootConsole, { severityRules: [{ eventName: '*', severity: 'info' }] })).toBe(
      'high',
    );
    expect(severity(rootConsole, { severityRules: [], defaultSeverity: 'low' })).toBe('high');
  });

  it('lets a rule that names Root set its severity, the first such rule winning', () => {
    // Prepare
    const severityRules: RulesFile['severityRules'] = [
      { eventName: 'Delete*', identityType: ['Root'], severity: 'high' },
      { identityType: ['Root', 'IAMUser'], via: ['console'], severity: 'medium' },
      { identityType: 'Root', severity: 'info' },
    ];

    // Act / Assess
    expect(severity(rootConsole, { severityRules })).toBe('medium');
    expect(
      severity(recordWith(ROOT_SDK, { eventName: 'TagResource' }), {
        severityRules: severityRules.slice(1),
      }),
    ).toBe('info');
  });

  it('applies identityType and via conditions to other callers', () => {
    // Prepare
    const file: RulesFile = {
      severityRules: [
        { via: ['iac', 'cloudformation'], severity: 'info' },
        { identityType: ['AssumedRole'], via: 'console', severity: 'high' },
      ],
    };
    const roleInConsole = recordWith(ASSUMED_ROLE, {
      userAgent: 'console.amazonaws.com',
    });

    // Act / Assess
    expect(severity(deployTerraform, file)).toBe('info');
    expect(severity(roleInConsole, file)).toBe('high');
    expect(severity(recordWith(IAM_USER_JOHN_CLI), file)).toBe('medium');
  });

  it('suppresses by identityType and via, and only what both match', () => {
    // Prepare
    const rules = rulesOf({
      suppressions: [
        { reason: 'Terraform runs are reviewed in CI', identityType: 'AssumedRole', via: ['iac'] },
      ],
    });

    // Act
    const terraform = evaluateRecord(deployTerraform, rules);
    const cli = evaluateRecord(recordWith(ASSUMED_ROLE, { userAgent: 'aws-cli/2' }), rules);
    const rootTerraform = evaluateRecord(
      recordWith(ROOT_CONSOLE, { userAgent: 'HashiCorp Terraform/1.9' }),
      rules,
    );

    // Assess
    expect(terraform.kind).toBe('suppressed');
    expect(cli.kind).toBe('alert');
    expect(rootTerraform.kind).toBe('alert');
  });

  it('makes root tampering with the pipeline high even when selfProtection says lower', () => {
    // Prepare
    const record = recordWith(ROOT_CONSOLE, {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: { name: 'management-trail' },
    });

    // Act
    const decision = evaluateRecord(record, rulesOf({ selfProtection: { severity: 'low' } }));

    // Assess
    expect(decision).toMatchObject({
      kind: 'alert',
      match: { category: 'self-protection', severity: 'high' },
    });
  });

  it('keeps the older severityOf call shape: identity rules never fit without an identity', () => {
    // Act / Assess
    expect(
      severityOf(
        'TagResource',
        'success',
        undefined,
        rulesOf({
          severityRules: [{ identityType: 'IAMUser', severity: 'high' }],
          defaultSeverity: 'low',
        }),
      ),
    ).toBe('low');
  });
});
