import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContextKey, RemovedContextKey } from '../../lib/config';
import {
  ALARM_CONFIG_DEFAULTS,
  CONTEXT_KEYS,
  ConfigError,
  closestContextKey,
  editDistance,
  isCdkContextKey,
  parseConfig,
} from '../../lib/config';
import { DEFAULT_WATCHED_REGIONS } from '../../lib/mediapackage-regions';
import { CDK_JSON_CONTEXT, TEAMS } from './support';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:444455556666:org-trail-log-files';
const CONFIG_DIR = path.relative(process.cwd(), path.join(__dirname, '..', '..', 'config'));
/** A relative path, as `-c rulesFile=config/rules.json` gives it. */
const RULES_FILE = path.join(CONFIG_DIR, 'rules.json');

/** The ConfigError `parseConfig(context)` throws; fails the test if it does not throw one. */
function configErrorOf(context: Record<string, unknown>): ConfigError {
  try {
    parseConfig(context);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(context)}`);
}

describe('Function: parseConfig', () => {
  it('fills every default when no context is given', () => {
    // Act
    const config = parseConfig({});
    // Assess
    expect(config).toEqual({
      alertEmails: [],
      pagerEmails: [],
      trigger: 's3',
      managementEvents: 'write-only',
      logRetentionDays: 90,
      logExpirationDays: 365,
      functionMemoryMb: 512,
      functionTimeoutSeconds: 300,
      maxInflatedMb: 2048,
      alertPublisherArns: [],
      extraSubscriberQueueArns: [],
      operationsEmails: [],
      alarms: {
        errorsThreshold: 1,
        throttlesThreshold: 1,
        durationPercent: 80,
        noLogFilesMinutes: 60,
        alertSpikeThreshold: 25,
        alertSpikeMinutes: 5,
        badRecordRatePercent: 1,
      },
      athena: true,
      athenaAccountIds: [],
      athenaRegions: [],
      fastPath: true,
      regions: DEFAULT_WATCHED_REGIONS,
    });
    expect(config.alarms).toEqual(ALARM_CONFIG_DEFAULTS);
    // No reservation unless asked for: the account's unreserved pool.
    expect(config).not.toHaveProperty('reservedConcurrency');
  });

  it('reads strings as `-c key=value` passes them', () => {
    // Prepare
    const context = {
      alertEmails: ' ops@example.com, sec.team+mp@example.co.uk ,',
      pagerEmails: 'pager@example.com',
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
      trigger: 'eventbridge',
      managementEvents: 'all',
      logRetentionDays: '30',
      logExpirationDays: '730',
      functionMemoryMb: '1024',
      functionTimeoutSeconds: '600',
      reservedConcurrency: '10',
      maxInflatedMb: '4096',
      alertPublisherArns:
        'arn:aws:iam::111122223333:role/MediaOperator, arn:aws:iam::111122223333:user/ops/alice',
      extraSubscriberQueueArns: 'arn:aws:sqs:eu-west-1:111122223333:security',
      rulesFile: RULES_FILE,
      operationsEmails: 'media-ops@example.com, ops@example.com',
      errorsAlarmThreshold: '3',
      throttlesAlarmThreshold: '10',
      durationAlarmPercent: '90',
      noLogFilesAlarmMinutes: '360',
      alertSpikeThreshold: '50',
      alertSpikeMinutes: '15',
      badRecordRateAlarmPercent: '0.5',
      athena: 'false',
      fastPath: 'FALSE',
    };
    // Act
    const config = parseConfig(context);
    // Assess
    expect(config).toEqual({
      alertEmails: ['ops@example.com', 'sec.team+mp@example.co.uk'],
      pagerEmails: ['pager@example.com'],
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
      trigger: 'eventbridge',
      managementEvents: 'all',
      logRetentionDays: 30,
      logExpirationDays: 730,
      functionMemoryMb: 1024,
      functionTimeoutSeconds: 600,
      reservedConcurrency: 10,
      maxInflatedMb: 4096,
      alertPublisherArns: [
        'arn:aws:iam::111122223333:role/MediaOperator',
        'arn:aws:iam::111122223333:user/ops/alice',
      ],
      extraSubscriberQueueArns: ['arn:aws:sqs:eu-west-1:111122223333:security'],
      // Resolved from the directory cdk runs in, so the construct finds it wherever it is.
      rulesFile: path.resolve(RULES_FILE),
      // The operations topic is separate: an address may be on both lists.
      operationsEmails: ['media-ops@example.com', 'ops@example.com'],
      alarms: {
        errorsThreshold: 3,
        throttlesThreshold: 10,
        durationPercent: 90,
        noLogFilesMinutes: 360,
        alertSpikeThreshold: 50,
        alertSpikeMinutes: 15,
        badRecordRatePercent: 0.5,
      },
      athena: false,
      athenaAccountIds: [],
      athenaRegions: [],
      fastPath: false,
      regions: DEFAULT_WATCHED_REGIONS,
    });
  });

  it('reads the Athena settings of an organization trail bucket', () => {
    // Act
    const config = parseConfig({
      existingBucketName: 'org-trail-logs',
      organizationId: 'o-a1b2c3d4e5',
      athenaAccountIds: '111122223333,444455556666',
      athenaRegions: ['eu-west-1', 'us-east-1'],
      athena: true,
      badRecordRateAlarmPercent: 2,
    });
    // Assess
    expect(config).toMatchObject({
      athena: true,
      organizationId: 'o-a1b2c3d4e5',
      athenaAccountIds: ['111122223333', '444455556666'],
      athenaRegions: ['eu-west-1', 'us-east-1'],
      alarms: { badRecordRatePercent: 2 },
    });
  });

  it('reads typed values as cdk.json holds them', () => {
    // Act
    const config = parseConfig({
      alertEmails: ['ops@example.com', 'ops@example.com'],
      logRetentionDays: 365,
      functionMemoryMb: 256,
      reservedConcurrency: 1,
      maxInflatedMb: 102_400,
      alertPublisherArns: [
        'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_MediaOps_0123456789abcdef',
      ],
    });
    // Assess
    expect(config.alertEmails).toEqual(['ops@example.com']);
    expect(config.logRetentionDays).toBe(365);
    expect(config.functionMemoryMb).toBe(256);
    expect(config.reservedConcurrency).toBe(1);
    expect(config.maxInflatedMb).toBe(102_400);
    expect(config.alertPublisherArns).toEqual([
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_MediaOps_0123456789abcdef',
    ]);
  });

  it.each([
    ['org', 'org/'],
    ['org/', 'org/'],
    ['logs/cloudtrail', 'logs/cloudtrail/'],
  ])('normalises the key prefix %p to %p', (prefix, expected) => {
    // Act
    const config = parseConfig({
      existingBucketName: 'my-trail-logs',
      existingBucketKeyPrefix: prefix,
    });
    // Assess
    expect(config.existingTrailBucket).toEqual({
      bucketName: 'my-trail-logs',
      keyPrefix: expected,
    });
  });

  it('reads an existing trail bucket with its KMS key', () => {
    // Act
    const config = parseConfig({
      existingBucketName: 'my.trail-logs-1',
      existingTrailKmsKeyArn: KEY_ARN,
    });
    // Assess
    expect(config.existingTrailBucket).toEqual({
      bucketName: 'my.trail-logs-1',
      keyPrefix: '',
      kmsKeyArn: KEY_ARN,
    });
  });

  it("reads a log archive in another account, read through its trail's SNS topic", () => {
    // Act
    const config = parseConfig({
      existingBucketName: 'org-archive-logs',
      existingBucketAccount: '444455556666',
      existingTrailKmsKeyArn: KEY_ARN,
      trigger: 'cloudtrail-sns',
      cloudTrailTopicArn: ` ${TOPIC_ARN} `,
    });
    // Assess
    expect(config.existingTrailBucket).toEqual({
      bucketName: 'org-archive-logs',
      keyPrefix: '',
      kmsKeyArn: KEY_ARN,
      account: '444455556666',
    });
    expect(config.trigger).toBe('cloudtrail-sns');
    expect(config.cloudTrailTopicArn).toBe(TOPIC_ARN);
  });

  it('accepts a bucket in another account with the EventBridge trigger', () => {
    // Act
    const config = parseConfig({
      existingBucketName: 'org-archive-logs',
      existingBucketAccount: '444455556666',
      trigger: 'eventbridge',
    });
    // Assess
    expect(config.existingTrailBucket?.account).toBe('444455556666');
    expect(config.cloudTrailTopicArn).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    // Act
    const config = parseConfig({ alertEmails: '', trigger: '', slackWorkspaceId: ' ' });
    // Assess
    expect(config.trigger).toBe('s3');
    expect(config.alertEmails).toEqual([]);
    expect(config.slack).toBeUndefined();
  });

  describe.each<[ContextKey | RemovedContextKey, unknown, RegExp, Record<string, unknown>?]>([
    ['alertEmails', 'not-an-email', /'not-an-email' is not an email address/],
    ['pagerEmails', 'pager', /'pager' is not an email address/],
    ['pagerEmails', ['pager@example.com', 42], /expected a list of strings, found 42/],
    [
      'pagerEmails',
      'pager@example.com,ops@example.com',
      /'ops@example.com' is also in alertEmails, which already receives every alert/,
      { alertEmails: 'ops@example.com' },
    ],
    [
      'rulesFile',
      path.join(CONFIG_DIR, 'no-such-rules.json'),
      /no-such-rules.json' \(\/.+\) does not exist \(expected a rules JSON file/,
    ],
    ['rulesFile', CONFIG_DIR, /is not a file/],
    ['rulesFile', 42, /expected a string, got 42/],
    ['alertEmails', 'ops@example.com,ops@', /'ops@' is not an email address/],
    ['alertEmails', 42, /comma-separated string or a list/],
    [
      'slackWorkspaceId',
      'workspace',
      /T followed by 8-20 upper-case letters or digits/,
      { slackChannelId: 'C0123ABCD' },
    ],
    [
      'slackWorkspaceId',
      undefined,
      /required when slackChannelId is set/,
      { slackChannelId: 'C0123ABCD' },
    ],
    [
      'slackChannelId',
      '#alerts',
      /C \(or G for old private channels\)/,
      { slackWorkspaceId: 'T0123ABCD' },
    ],
    [
      'slackChannelId',
      undefined,
      /required when slackWorkspaceId is set/,
      { slackWorkspaceId: 'T0123ABCD' },
    ],
    [
      'teamsTeamId',
      'my-team',
      /is not a Microsoft Teams team ID: a GUID/,
      { teamsChannelId: TEAMS.channelId, teamsTenantId: TEAMS.tenantId },
    ],
    [
      'teamsTenantId',
      'contoso.onmicrosoft.com',
      /is not a Microsoft Teams tenant ID: a GUID/,
      { teamsTeamId: TEAMS.teamId, teamsChannelId: TEAMS.channelId },
    ],
    [
      'teamsChannelId',
      '19:b6ef35dc342d56ba5654e6fc6d25a071@thread.tacv2',
      /give it URL-encoded/,
      { teamsTeamId: TEAMS.teamId, teamsTenantId: TEAMS.tenantId },
    ],
    [
      'teamsTenantId',
      undefined,
      /^is required when teamsTeamId and teamsChannelId are set \(give all three or none\)$/,
      { teamsTeamId: TEAMS.teamId, teamsChannelId: TEAMS.channelId },
    ],
    ['existingBucketName', 'My_Bucket', /is not an S3 bucket name/],
    ['existingBucketName', '192.168.1.1', /is not an S3 bucket name/],
    ['existingBucketName', 'a..b', /is not an S3 bucket name/],
    [
      'existingBucketKeyPrefix',
      '/org',
      /must not start with '\/'/,
      { existingBucketName: 'my-trail-logs' },
    ],
    [
      'existingBucketKeyPrefix',
      'org//x',
      /not a trail key prefix/,
      { existingBucketName: 'my-trail-logs' },
    ],
    ['existingBucketKeyPrefix', 'org', /only applies with existingBucketName/],
    [
      'existingTrailKmsKeyArn',
      'alias/aws/s3',
      /is not a KMS key ARN/,
      { existingBucketName: 'my-trail-logs' },
    ],
    ['existingTrailKmsKeyArn', KEY_ARN, /only applies with existingBucketName/],
    ['trigger', 'sqs', /'sqs' is not one of: s3, eventbridge, cloudtrail-sns/],
    ['managementEvents', 'read-only', /'read-only' is not one of: write-only, all/],
    [
      'managementEvents',
      'all',
      /only applies when the stack creates its own trail/,
      { existingBucketName: 'my-trail-logs' },
    ],
    ['logRetentionDays', '8', /one of the CloudWatch Logs retention periods/],
    ['logRetentionDays', 'forever', /one of the CloudWatch Logs retention periods/],
    ['logExpirationDays', '0', /from 1 to 3650/],
    ['logExpirationDays', 365.5, /from 1 to 3650/],
    [
      'logExpirationDays',
      '365',
      /only applies when the stack creates its own trail/,
      { existingBucketName: 'my-trail-logs' },
    ],
    ['functionMemoryMb', '64', /from 128 to 10240/],
    ['functionMemoryMb', '1e3', /from 128 to 10240/],
    ['functionTimeoutSeconds', '901', /from 10 to 900/],
    ['reservedConcurrency', '0', /'0' is not a whole number of concurrent executions, 1 or more/],
    ['reservedConcurrency', -5, /-5 is not a whole number of concurrent executions, 1 or more/],
    ['reservedConcurrency', '2.5', /is not a whole number of concurrent executions/],
    ['maxInflatedMb', '0', /'0' is not a whole number of MB from 1 to 102400/],
    ['maxInflatedMb', 102_401, /102401 is not a whole number of MB from 1 to 102400/],
    ['maxInflatedMb', '2GB', /'2GB' is not a whole number of MB from 1 to 102400/],
    [
      'alertPublisherArns',
      'arn:aws:sts::111122223333:assumed-role/MediaOperator/bob',
      /is a role session; give the role's ARN, with its path/,
    ],
    [
      'alertPublisherArns',
      'arn:aws:iam::111122223333:role/Media*',
      /has a wildcard; name each role or user exactly/,
    ],
    ['alertPublisherArns', 'MediaOperator', /'MediaOperator' is not an IAM role or user ARN/],
    [
      'alertPublisherArns',
      'arn:aws:iam::111122223333:root',
      /'arn:aws:iam::111122223333:root' is not an IAM role or user ARN/,
    ],
    ['extraSubscriberQueueArns', 'my-queue', /is not an SQS queue ARN/],
    [
      'extraSubscriberQueueArns',
      'arn:aws:sqs:eu-west-1:111122223333:alerts.fifo',
      /is a FIFO queue/,
    ],
    [
      'extraSubscriberTopicArns',
      'arn:aws:sns:eu-west-1:111122223333:central',
      /was removed: SNS cannot subscribe a topic to a topic/,
    ],
    ['operationsEmails', 'ops', /'ops' is not an email address/],
    ['errorsAlarmThreshold', '0', /from 1 to 1000000/],
    ['throttlesAlarmThreshold', 'many', /from 1 to 1000000/],
    ['durationAlarmPercent', '120', /percentage of the function timeout from 1 to 100/],
    ['noLogFilesAlarmMinutes', '62', /a multiple of 5 minutes from 10 to 1440/],
    ['noLogFilesAlarmMinutes', '5', /a multiple of 5 minutes from 10 to 1440/],
    ['noLogFilesAlarmMinutes', 1445, /a multiple of 5 minutes from 10 to 1440/],
    ['alertSpikeThreshold', '2.5', /from 1 to 1000000/],
    ['alertSpikeMinutes', '0', /minutes from 1 to 1440/],
    ['badRecordRateAlarmPercent', '0', /a percentage above 0 and at most 100/],
    ['badRecordRateAlarmPercent', '150', /a percentage above 0 and at most 100/],
    ['badRecordRateAlarmPercent', '1%', /a percentage above 0 and at most 100/],
    ['athena', 'yes', /'yes' is not true or false/],
    [
      'organizationId',
      'o-short',
      /'o-short' is not an AWS Organizations ID/,
      { existingBucketName: 'my-trail-logs' },
    ],
    ['organizationId', 'o-a1b2c3d4e5', /only applies with existingBucketName/],
    [
      'organizationId',
      'o-a1b2c3d4e5',
      /only applies to the Athena history/,
      { existingBucketName: 'my-trail-logs', athena: 'false' },
    ],
    [
      'athenaAccountIds',
      '111122223333,12345',
      /'12345' is not an AWS account ID \(12 digits\)/,
      { existingBucketName: 'my-trail-logs' },
    ],
    ['athenaAccountIds', '111122223333', /only applies with existingBucketName/],
    ['athenaRegions', 'eu-west-1,Ireland', /'Ireland' is not a Region name/],
    ['athenaRegions', 'eu-west-1', /only applies to the Athena history/, { athena: false }],
    ['fastPath', 'off', /'off' is not true or false/],
    ['fastPath', 1, /1 is not true or false/],
    ['regions', 'us-east-1,Virginia', /'Virginia' is not a Region name such as eu-west-1/],
    ['regions', 'us-east-1, eu_west_1', /'eu_west_1' is not a Region name/],
    ['regions', ['us-east-1', 7], /expected a list of strings, found 7/],
    ['regions', 'us-east-1', /only applies to the fast path/, { fastPath: 'false' }],
    [
      'cloudTrailTopicArn',
      'arn:aws:sqs:eu-west-1:444455556666:log-files',
      /'arn:aws:sqs:eu-west-1:444455556666:log-files' is not an SNS topic ARN/,
      { existingBucketName: 'org-archive-logs', trigger: 'cloudtrail-sns' },
    ],
    [
      'cloudTrailTopicArn',
      'arn:aws:sns:eu-west-1:444455556666:log-files.fifo',
      /CloudTrail does not publish to FIFO topics/,
      { existingBucketName: 'org-archive-logs', trigger: 'cloudtrail-sns' },
    ],
    [
      'cloudTrailTopicArn',
      undefined,
      /^is required with trigger=cloudtrail-sns: the SNS topic your trail announces/,
      { existingBucketName: 'org-archive-logs', trigger: 'cloudtrail-sns' },
    ],
    [
      'cloudTrailTopicArn',
      TOPIC_ARN,
      /^only applies with trigger=cloudtrail-sns/,
      { existingBucketName: 'org-archive-logs', trigger: 'eventbridge' },
    ],
    [
      'trigger',
      'cloudtrail-sns',
      /^'cloudtrail-sns' only applies with existingBucketName .*the stack's own trail uses s3 or eventbridge/,
      { cloudTrailTopicArn: TOPIC_ARN },
    ],
    [
      'trigger',
      's3',
      /^'s3' cannot work with a bucket in another account \(existingBucketAccount\).*trigger=cloudtrail-sns with cloudTrailTopicArn.*trigger=eventbridge/,
      { existingBucketName: 'org-archive-logs', existingBucketAccount: '444455556666' },
    ],
    [
      'trigger',
      undefined,
      /^'s3' cannot work with a bucket in another account/,
      { existingBucketName: 'org-archive-logs', existingBucketAccount: '444455556666' },
    ],
    [
      'existingBucketAccount',
      '4444-5555-6666',
      /'4444-5555-6666' is not an AWS account ID \(12 digits\)/,
      { existingBucketName: 'org-archive-logs', trigger: 'eventbridge' },
    ],
    [
      'existingBucketAccount',
      '444455556666',
      /only applies with existingBucketName/,
      { trigger: 'eventbridge' },
    ],
  ])('with %s = %p', (key, value, message, others = {}) => {
    it('stops with a message that names the key and what is expected', () => {
      // Prepare
      const context = { ...others, ...(value === undefined ? {} : { [key]: value }) };
      // Act
      const error = configErrorOf(context);
      // Assess
      expect(error.problems).toEqual([{ key, message: expect.stringMatching(message) as unknown }]);
      expect(error.message).toContain(`  - ${key}: `);
      expect(error.name).toBe('ConfigError');
    });
  });

  it('reads the three Teams IDs as one Teams channel', () => {
    // Act
    const config = parseConfig({
      teamsTeamId: TEAMS.teamId,
      teamsChannelId: TEAMS.channelId,
      teamsTenantId: TEAMS.tenantId,
    });
    // Assess
    expect(config.teams).toEqual(TEAMS);
    expect(config.slack).toBeUndefined();
  });

  it('names each missing Teams ID when only some are given', () => {
    // Act
    const error = configErrorOf({ teamsTeamId: TEAMS.teamId });
    // Assess
    expect(error.problems).toEqual([
      {
        key: 'teamsChannelId',
        message: 'is required when teamsTeamId is set (give all three or none)',
      },
      {
        key: 'teamsTenantId',
        message: 'is required when teamsTeamId is set (give all three or none)',
      },
    ]);
  });

  it('lists every bad key in one error', () => {
    // Act
    const error = configErrorOf({
      alertEmails: 'not-an-email',
      trigger: 'lambda',
      functionMemoryMb: 'lots',
      existingBucketName: 'UPPER',
    });
    // Assess
    expect(error.problems.map((p) => p.key).sort()).toEqual(
      ['alertEmails', 'existingBucketName', 'functionMemoryMb', 'trigger'].sort(),
    );
    expect(error.message).toMatch(/^Invalid CDK context \(4 problems\):/);
  });

  it('reads the watched Regions as a comma-separated list, each kept once, and the fast path as a boolean', () => {
    // Act
    const config = parseConfig({
      regions: ' us-east-1,eu-west-1 , us-east-1,ap-northeast-1',
      fastPath: true,
    });
    // Assess
    expect(config.regions).toEqual(['us-east-1', 'eu-west-1', 'ap-northeast-1']);
    expect(config.fastPath).toBe(true);
  });

  it('documents every key in the context table of docs/infrastructure.md', () => {
    // Prepare
    const docs = fs.readFileSync(
      path.join(__dirname, '..', '..', 'docs', 'infrastructure.md'),
      'utf8',
    );
    // Assess
    for (const key of CONTEXT_KEYS) {
      expect(docs).toMatch(new RegExp(`^\\| \`${key}\`\\s+\\|`, 'm'));
    }
  });

  it('knows the removed extraSubscriberTopicArns only to refuse it', () => {
    // Act
    const error = configErrorOf({ extraSubscriberTopicArns: 'arn:aws:sns:eu-west-1:1:x' });
    // Assess: its own message, not "unknown context key".
    expect(CONTEXT_KEYS).not.toContain('extraSubscriberTopicArns');
    expect(error.problems).toEqual([
      {
        key: 'extraSubscriberTopicArns',
        message: expect.stringMatching(/^was removed/) as unknown,
      },
    ]);
    expect(parseConfig({})).not.toHaveProperty('extraSubscriberTopicArns');
  });

  it('accepts an absolute rules file path as given', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-audit-config-'));
    const file = path.join(dir, 'rules.json');
    fs.writeFileSync(file, '{"version":1}');
    // Act
    const config = parseConfig({ rulesFile: file });
    fs.rmSync(dir, { recursive: true, force: true });
    // Assess
    expect(config.rulesFile).toBe(file);
  });
});

describe('Function: parseConfig with keys it does not know', () => {
  it('refuses a misspelt key, naming the closest known key', () => {
    // Act
    const error = configErrorOf({ alertEmail: 'x@y.z' });
    // Assess
    expect(error.problems).toEqual([
      { key: 'alertEmail', message: 'unknown context key; did you mean alertEmails?' },
    ]);
    expect(error.message).toContain(
      '  - alertEmail: unknown context key; did you mean alertEmails?',
    );
  });

  it.each([
    ['slackChannelID', 'slackChannelId'],
    ['ALERTEMAILS', 'alertEmails'],
    ['athenaRegion', 'athenaRegions'],
    ['logRetention', 'logRetentionDays'],
    ['functionMemory', 'functionMemoryMb'],
    ['pagerEmail', 'pagerEmails'],
    ['region', 'regions'],
    ['fastpath', 'fastPath'],
  ])('suggests %s -> %s (edit distance, any case)', (key, closest) => {
    // Act
    const error = configErrorOf({ [key]: 'x' });
    // Assess
    expect(error.problems[0]).toEqual({
      key,
      message: `unknown context key; did you mean ${closest}?`,
    });
  });

  it.each(['email', 'foo', 'x', 'stage'])(
    'suggests nothing for %s, which is close to no known key',
    (key) => {
      // Act
      const error = configErrorOf({ [key]: 'x' });
      // Assess
      expect(error.problems).toEqual([{ key, message: 'unknown context key' }]);
    },
  );

  it('refuses an unknown key even when its value is empty', () => {
    // Act
    const error = configErrorOf({ alertEmail: '' });
    // Assess
    expect(error.problems.map((p) => p.key)).toEqual(['alertEmail']);
  });

  it('lists unknown keys first, then every invalid value, in one error', () => {
    // Act: the misspelt channel key is why the workspace ID seems to lack its channel.
    const error = configErrorOf({
      slackWorkspaceId: 'T0123ABCD',
      slackChannelID: 'C0123ABCD',
      trigger: 'sqs',
      stage: 'prod',
    });
    // Assess
    expect(error.problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      'slackChannelID: unknown context key; did you mean slackChannelId?',
      'stage: unknown context key',
      "trigger: 'sqs' is not one of: s3, eventbridge, cloudtrail-sns",
      'slackChannelId: is required when slackWorkspaceId is set (give both or neither)',
    ]);
    expect(error.message).toMatch(/^Invalid CDK context \(4 problems\):/);
  });

  it("accepts every key of this repository's cdk.json", () => {
    // Act / Assess
    expect(() => parseConfig(CDK_JSON_CONTEXT)).not.toThrow();
  });

  it.each([
    '@aws-cdk/core:newStyleStackSynthesis',
    '@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver',
    'aws:cdk:bundling-stacks',
    'aws:cdk:enable-path-metadata',
    'aws-cdk:enableDiffNoFail',
    'aws-cdk-private:0.123:core/defaultStackSynthesizer',
    'cdk-bootstrap-qualifier',
    'acknowledged-issue-numbers',
    'availability-zones:account=111122223333:region=eu-west-1',
    'ssm:account=111122223333:parameterName=/x:region=eu-west-1',
    'hosted-zone:account=111122223333:domainName=example.com:region=eu-west-1',
  ])("leaves the CDK's own key %s alone", (key) => {
    // Act / Assess
    expect(isCdkContextKey(key)).toBe(true);
    expect(() => parseConfig({ [key]: ['anything'] })).not.toThrow();
  });

  it('treats none of its own keys as the CDK’s', () => {
    // Assess
    for (const key of CONTEXT_KEYS) expect(isCdkContextKey(key)).toBe(false);
  });
});

describe('Function: editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['alertemail', 'alertemails', 1],
    ['abc', 'abc', 0],
    ['ab', 'ba', 2],
  ])('%p to %p is %p', (a, b, distance) => {
    // Act / Assess
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('Function: closestContextKey', () => {
  it('returns a key that is known, or nothing', () => {
    // Assess
    for (const key of CONTEXT_KEYS) expect(closestContextKey(key)).toBe(key);
    expect(closestContextKey('zzzzzzzzzzzzzzzz')).toBeUndefined();
  });
});

describe('Function: parseConfig with the canary keys', () => {
  it('leaves the canary off by default', () => {
    // Act / Assess
    expect(parseConfig({})).not.toHaveProperty('canary');
    expect(parseConfig({ canary: 'false' })).not.toHaveProperty('canary');
  });

  it('turns it on hourly with canary=true, as a string or a JSON boolean', () => {
    // Act / Assess
    expect(parseConfig({ canary: 'true' }).canary).toEqual({ scheduleMinutes: 60 });
    expect(parseConfig({ canary: true }).canary).toEqual({ scheduleMinutes: 60 });
  });

  it('takes its schedule in minutes', () => {
    // Act / Assess
    expect(parseConfig({ canary: 'TRUE', canaryScheduleMinutes: '15' }).canary).toEqual({
      scheduleMinutes: 15,
    });
    expect(parseConfig({ canary: true, canaryScheduleMinutes: 1440 }).canary).toEqual({
      scheduleMinutes: 1440,
    });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['not a boolean', { canary: 'yes' }, 'canary', /'yes' is not true or false/],
    [
      'a schedule under 5 minutes',
      { canary: true, canaryScheduleMinutes: '4' },
      'canaryScheduleMinutes',
      /'4' is not a whole number of minutes from 5 to 1440/,
    ],
    [
      'a schedule over a day',
      { canary: true, canaryScheduleMinutes: 1441 },
      'canaryScheduleMinutes',
      /1441 is not a whole number of minutes from 5 to 1440/,
    ],
    [
      'a schedule without the canary',
      { canaryScheduleMinutes: '30' },
      'canaryScheduleMinutes',
      /only applies to the canary: set canary=true too/,
    ],
  ])('refuses %s', (_name, context, key, message) => {
    // Act
    const error = configErrorOf(context);
    // Assess
    expect(error.problems).toEqual([{ key, message: expect.stringMatching(message) as unknown }]);
  });

  it.each([
    ['canery', 'canary'],
    ['Canary', 'canary'],
    ['canaryScheduleMinute', 'canaryScheduleMinutes'],
  ])('suggests %s -> %s', (key, closest) => {
    // Act / Assess
    expect(configErrorOf({ [key]: 'true' }).problems[0]).toEqual({
      key,
      message: `unknown context key; did you mean ${closest}?`,
    });
  });
});
