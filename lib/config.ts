/**
 * Deployment configuration read from CDK context (`-c key=value` or `cdk.json`), validated at
 * synth time so that a wrong value stops `cdk synth` before anything reaches CloudFormation.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MAX_INFLATED_MB } from '../lambda/contract';

/** How new CloudTrail log files reach the function. */
export type TriggerKind = 's3' | 'eventbridge';

/** Which management events the stack's own trail records. */
export type ManagementEventsMode = 'write-only' | 'all';

/** Slack delivery through AWS Chatbot (Amazon Q Developer in chat applications). */
export interface SlackConfig {
  /** Slack workspace (team) ID, e.g. `T0123ABCD`, as shown by Chatbot after authorisation. */
  readonly workspaceId: string;
  /** Slack channel ID, e.g. `C0123ABCD`. */
  readonly channelId: string;
}

/** An existing trail's log bucket to read instead of creating a trail. */
export interface ExistingTrailBucketConfig {
  readonly bucketName: string;
  /** The trail's S3 key prefix, normalised to end with `/`; empty when the trail has none. */
  readonly keyPrefix: string;
  /** ARN of the KMS key the trail encrypts its log files with, if it uses SSE-KMS. */
  readonly kmsKeyArn?: string;
}

/** The validated configuration of one deployment. */
export interface MediaPackageAuditConfig {
  /** Receive every alert. */
  readonly alertEmails: readonly string[];
  /** Receive only `high` alerts (an SNS filter policy on the `severity` attribute). */
  readonly pagerEmails: readonly string[];
  readonly slack?: SlackConfig;
  readonly existingTrailBucket?: ExistingTrailBucketConfig;
  readonly trigger: TriggerKind;
  readonly managementEvents: ManagementEventsMode;
  readonly logRetentionDays: number;
  readonly logExpirationDays: number;
  readonly functionMemoryMb: number;
  readonly functionTimeoutSeconds: number;
  /** Reserved concurrency of the function; unset: none (the account's unreserved pool). */
  readonly reservedConcurrency?: number;
  /** How many MB (MiB) of uncompressed text the function reads from one log file at most. */
  readonly maxInflatedMb: number;
  /**
   * IAM roles and users besides the function that may publish to the alert topic (e.g. the
   * operators who run `mp-audit replay`); everyone else is denied by the topic policy.
   */
  readonly alertPublisherArns: readonly string[];
  readonly extraSubscriberQueueArns: readonly string[];
  /** Absolute path of the rules file to bake into the function; the construct's default if unset. */
  readonly rulesFile?: string;
  /** Receive the alarms on the pipeline's health (a separate topic); empty: the alert topic does. */
  readonly operationsEmails: readonly string[];
  readonly alarms: AlarmConfig;
  /** Create the Athena history (Glue table, workgroup, saved queries). */
  readonly athena: boolean;
  /** Organization ID of the existing bucket's organization trail. */
  readonly organizationId?: string;
  /** Accounts the Athena table projects; empty: its default. */
  readonly athenaAccountIds: readonly string[];
  /** Regions the Athena table projects; empty: its default. */
  readonly athenaRegions: readonly string[];
}

/** Thresholds and periods of the alarms on the pipeline's health. */
export interface AlarmConfig {
  /** Function errors in 5 minutes that raise the alarm. */
  readonly errorsThreshold: number;
  /** Throttled invocations in 5 minutes that raise the alarm. */
  readonly throttlesThreshold: number;
  /** Longest invocation, in percent of the timeout, that raises the alarm. */
  readonly durationPercent: number;
  /** Minutes without a processed log file before the alarm fires. */
  readonly noLogFilesMinutes: number;
  /** Alerts within `alertSpikeMinutes` that raise the alert-spike alarm. */
  readonly alertSpikeThreshold: number;
  readonly alertSpikeMinutes: number;
  /** Percentage of bad records (over 15 minutes) that raises the alarm. */
  readonly badRecordRatePercent: number;
}

/** Every context key `parseConfig` reads; `bin/app.ts` looks each one up. */
export const CONTEXT_KEYS = [
  'alertEmails',
  'pagerEmails',
  'slackWorkspaceId',
  'slackChannelId',
  'existingBucketName',
  'existingBucketKeyPrefix',
  'existingTrailKmsKeyArn',
  'trigger',
  'managementEvents',
  'logRetentionDays',
  'logExpirationDays',
  'functionMemoryMb',
  'functionTimeoutSeconds',
  'reservedConcurrency',
  'maxInflatedMb',
  'alertPublisherArns',
  'extraSubscriberQueueArns',
  'rulesFile',
  'operationsEmails',
  'errorsAlarmThreshold',
  'throttlesAlarmThreshold',
  'durationAlarmPercent',
  'noLogFilesAlarmMinutes',
  'alertSpikeThreshold',
  'alertSpikeMinutes',
  'badRecordRateAlarmPercent',
  'athena',
  'organizationId',
  'athenaAccountIds',
  'athenaRegions',
] as const;

/** A context key `parseConfig` understands. */
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/**
 * Keys that earlier versions read, with what to do instead. `parseConfig` refuses them rather
 * than ignore them, so nobody keeps relying on a delivery that no longer exists.
 */
export const REMOVED_CONTEXT_KEYS = {
  extraSubscriberTopicArns:
    'was removed: SNS cannot subscribe a topic to a topic and the function publishes only to its own topic. Subscribe the other team\'s SQS queue (extraSubscriberQueueArns) or endpoint instead (see "Routing alerts by severity" in docs/infrastructure.md)',
} as const;

/** A context key `parseConfig` refuses because it was removed. */
export type RemovedContextKey = keyof typeof REMOVED_CONTEXT_KEYS;

/** Every context key `bin/app.ts` must look up: the ones read and the removed ones. */
export const CONTEXT_KEYS_TO_READ: readonly (ContextKey | RemovedContextKey)[] = [
  ...CONTEXT_KEYS,
  ...(Object.keys(REMOVED_CONTEXT_KEYS) as RemovedContextKey[]),
];

/** Values used when a context key is absent. */
export const CONFIG_DEFAULTS = {
  trigger: 's3',
  managementEvents: 'write-only',
  logRetentionDays: 90,
  logExpirationDays: 365,
  functionMemoryMb: 512,
  functionTimeoutSeconds: 300,
  maxInflatedMb: DEFAULT_MAX_INFLATED_MB,
  athena: true,
} as const satisfies Partial<MediaPackageAuditConfig>;

/**
 * Limits of the inflated-bytes budget, in MB (MiB). The upper limit only catches typos (a value in
 * bytes or KB): at such sizes the invocation's time budget ends the read first.
 */
export const MAX_INFLATED_MB_LIMITS = { min: 1, max: 102_400 } as const;

/**
 * An IAM role or user ARN, with its path: what `aws:PrincipalArn` holds for requests of that role
 * (whatever the session) or user.
 */
export const IAM_PRINCIPAL_ARN_PATTERN =
  /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/**
 * Why `arn` cannot name a principal allowed to publish alerts, or `undefined` when it can: an IAM
 * role or user ARN, exactly (no wildcards, not a role session).
 */
export function checkPublisherArn(arn: string): string | undefined {
  if (/^arn:aws[a-z-]*:sts::\d{12}:assumed-role\//.test(arn)) {
    return `'${arn}' is a role session; give the role's ARN, with its path (aws iam get-role --role-name <name> --query Role.Arn)`;
  }
  if (/[*?]/.test(arn)) {
    return `'${arn}' has a wildcard; name each role or user exactly`;
  }
  return IAM_PRINCIPAL_ARN_PATTERN.test(arn)
    ? undefined
    : `'${arn}' is not an IAM role or user ARN (expected e.g. arn:aws:iam::111122223333:role/MediaOperator)`;
}

/** Alarm values used when a context key is absent (the construct's defaults). */
export const ALARM_CONFIG_DEFAULTS = {
  errorsThreshold: 1,
  throttlesThreshold: 1,
  durationPercent: 80,
  noLogFilesMinutes: 60,
  alertSpikeThreshold: 25,
  alertSpikeMinutes: 5,
  badRecordRatePercent: 1,
} as const satisfies AlarmConfig;

/**
 * Retention periods CloudWatch Logs accepts (`logs.RetentionDays` without `INFINITE`).
 */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** One invalid context value. */
export interface ConfigProblem {
  readonly key: ContextKey | RemovedContextKey;
  readonly message: string;
}

/** Thrown by `parseConfig` with every invalid key, so one synth reports them all. */
export class ConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];

  public constructor(problems: readonly ConfigProblem[]) {
    super(
      [
        `Invalid CDK context (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  - ${p.key}: ${p.message}`),
        'See docs/infrastructure.md for every context key.',
      ].join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** What `parseConfig` and the construct accept as an email address. */
export const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const SLACK_WORKSPACE_ID = /^T[A-Z0-9]{8,20}$/;
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{8,20}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]+$/;
const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const SQS_QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
/** What an AWS Organizations organization ID looks like. */
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
/** What an AWS account ID looks like. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** What a Region name looks like (`eu-west-1`, `us-gov-west-1`). */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Validates raw CDK context values and fills defaults.
 *
 * Values may be strings (from `-c key=value`) or typed JSON values (from `cdk.json`): numbers
 * may be given as numbers or digit strings, lists as arrays or comma-separated strings. An empty
 * string counts as "not set".
 *
 * @throws ConfigError listing every key whose value is invalid
 */
export function parseConfig(context: Record<string, unknown>): MediaPackageAuditConfig {
  const problems: ConfigProblem[] = [];
  const reader = new ContextReader(context, problems);

  for (const [key, message] of Object.entries(REMOVED_CONTEXT_KEYS) as [
    RemovedContextKey,
    string,
  ][]) {
    if (reader.isSet(key)) reader.problem(key, message);
  }

  const alertEmails = reader.list('alertEmails', validateEmail);
  const pagerEmails = reader.list('pagerEmails', (email) =>
    alertEmails.includes(email)
      ? `'${email}' is also in alertEmails, which already receives every alert (SNS allows one subscription per address and topic)`
      : validateEmail(email),
  );

  const slackWorkspaceId = reader.pattern(
    'slackWorkspaceId',
    SLACK_WORKSPACE_ID,
    'a Slack workspace ID: T followed by 8-20 upper-case letters or digits, e.g. T0123ABCD',
  );
  const slackChannelId = reader.pattern(
    'slackChannelId',
    SLACK_CHANNEL_ID,
    'a Slack channel ID: C (or G for old private channels) followed by 8-20 upper-case letters or digits, e.g. C0123ABCD',
  );
  const slackGiven = reader.isSet('slackWorkspaceId') || reader.isSet('slackChannelId');
  if (slackGiven && !reader.isSet('slackWorkspaceId')) {
    reader.problem(
      'slackWorkspaceId',
      'is required when slackChannelId is set (give both or neither)',
    );
  }
  if (slackGiven && !reader.isSet('slackChannelId')) {
    reader.problem(
      'slackChannelId',
      'is required when slackWorkspaceId is set (give both or neither)',
    );
  }

  const existingBucketName = reader.custom('existingBucketName', validateBucketName);
  const existingBucketKeyPrefix = reader.custom('existingBucketKeyPrefix', validateKeyPrefix);
  const existingTrailKmsKeyArn = reader.pattern(
    'existingTrailKmsKeyArn',
    KMS_KEY_ARN,
    'a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)',
  );
  const bringsOwnTrail = reader.isSet('existingBucketName');
  for (const key of ['existingBucketKeyPrefix', 'existingTrailKmsKeyArn'] as const) {
    if (reader.isSet(key) && !bringsOwnTrail) {
      reader.problem(
        key,
        'only applies with existingBucketName (the bucket of your existing trail)',
      );
    }
  }
  for (const key of ['managementEvents', 'logExpirationDays'] as const) {
    if (reader.isSet(key) && bringsOwnTrail) {
      reader.problem(
        key,
        'only applies when the stack creates its own trail; remove it or remove existingBucketName',
      );
    }
  }

  const trigger = reader.oneOf('trigger', ['s3', 'eventbridge'], CONFIG_DEFAULTS.trigger);
  const managementEvents = reader.oneOf(
    'managementEvents',
    ['write-only', 'all'],
    CONFIG_DEFAULTS.managementEvents,
  );

  const logRetentionDays = reader.integer('logRetentionDays', CONFIG_DEFAULTS.logRetentionDays, {
    allowed: LOG_RETENTION_DAYS,
    expected: `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  });
  const logExpirationDays = reader.integer('logExpirationDays', CONFIG_DEFAULTS.logExpirationDays, {
    min: 1,
    max: 3650,
    expected: 'a whole number of days from 1 to 3650',
  });
  const functionMemoryMb = reader.integer('functionMemoryMb', CONFIG_DEFAULTS.functionMemoryMb, {
    min: 128,
    max: 10240,
    expected: 'a whole number of MB from 128 to 10240',
  });
  const functionTimeoutSeconds = reader.integer(
    'functionTimeoutSeconds',
    CONFIG_DEFAULTS.functionTimeoutSeconds,
    { min: 10, max: 900, expected: 'a whole number of seconds from 10 to 900' },
  );
  const reservedConcurrency = reader.isSet('reservedConcurrency')
    ? reader.integer('reservedConcurrency', 1, {
        min: 1,
        expected: 'a whole number of concurrent executions, 1 or more',
      })
    : undefined;
  const maxInflatedMb = reader.integer('maxInflatedMb', CONFIG_DEFAULTS.maxInflatedMb, {
    ...MAX_INFLATED_MB_LIMITS,
    expected: `a whole number of MB from ${MAX_INFLATED_MB_LIMITS.min} to ${MAX_INFLATED_MB_LIMITS.max}`,
  });
  const alertPublisherArns = reader.list('alertPublisherArns', checkPublisherArn);

  const extraSubscriberQueueArns = reader.list('extraSubscriberQueueArns', (arn) => {
    const match = SQS_QUEUE_ARN.exec(arn);
    if (match === null) {
      return `'${arn}' is not an SQS queue ARN (expected arn:aws:sqs:<region>:<account>:<queue>)`;
    }
    return match[1] === undefined
      ? undefined
      : `'${arn}' is a FIFO queue; standard SNS topics can only deliver to standard queues`;
  });
  const rulesFile = reader.custom('rulesFile', validateRulesFile);

  const operationsEmails = reader.list('operationsEmails', validateEmail);
  const alarms = readAlarms(reader);

  const athena = reader.boolean('athena', CONFIG_DEFAULTS.athena);
  const organizationId = reader.pattern(
    'organizationId',
    ORGANIZATION_ID_PATTERN,
    'an AWS Organizations ID: o- followed by 10-32 lower-case letters or digits, e.g. o-a1b2c3d4e5',
  );
  const athenaAccountIds = reader.list('athenaAccountIds', (id) =>
    ACCOUNT_ID_PATTERN.test(id) ? undefined : `'${id}' is not an AWS account ID (12 digits)`,
  );
  const athenaRegions = reader.list('athenaRegions', (region) =>
    REGION_PATTERN.test(region) ? undefined : `'${region}' is not a Region name such as eu-west-1`,
  );
  for (const key of ['organizationId', 'athenaAccountIds'] as const) {
    if (reader.isSet(key) && !bringsOwnTrail) {
      reader.problem(
        key,
        "only applies with existingBucketName: the stack's own trail holds this account's files only",
      );
    }
  }
  for (const key of ['organizationId', 'athenaAccountIds', 'athenaRegions'] as const) {
    if (reader.isSet(key) && !athena) {
      reader.problem(key, 'only applies to the Athena history; remove it or set athena=true');
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  return {
    alertEmails,
    pagerEmails,
    ...(slackWorkspaceId !== undefined && slackChannelId !== undefined
      ? { slack: { workspaceId: slackWorkspaceId, channelId: slackChannelId } }
      : {}),
    ...(existingBucketName !== undefined
      ? {
          existingTrailBucket: {
            bucketName: existingBucketName,
            keyPrefix: normaliseKeyPrefix(existingBucketKeyPrefix),
            ...(existingTrailKmsKeyArn !== undefined ? { kmsKeyArn: existingTrailKmsKeyArn } : {}),
          },
        }
      : {}),
    trigger,
    managementEvents,
    logRetentionDays,
    logExpirationDays,
    functionMemoryMb,
    functionTimeoutSeconds,
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    maxInflatedMb,
    alertPublisherArns,
    extraSubscriberQueueArns,
    ...(rulesFile !== undefined ? { rulesFile: path.resolve(rulesFile) } : {}),
    operationsEmails,
    alarms,
    athena,
    ...(organizationId !== undefined ? { organizationId } : {}),
    athenaAccountIds,
    athenaRegions,
  };
}

/** The alarm keys, each with its range; defaults from {@link ALARM_CONFIG_DEFAULTS}. */
function readAlarms(reader: ContextReader): AlarmConfig {
  const count = { min: 1, max: 1_000_000, expected: 'a whole number from 1 to 1000000' };
  return {
    errorsThreshold: reader.integer(
      'errorsAlarmThreshold',
      ALARM_CONFIG_DEFAULTS.errorsThreshold,
      count,
    ),
    throttlesThreshold: reader.integer(
      'throttlesAlarmThreshold',
      ALARM_CONFIG_DEFAULTS.throttlesThreshold,
      count,
    ),
    durationPercent: reader.integer('durationAlarmPercent', ALARM_CONFIG_DEFAULTS.durationPercent, {
      min: 1,
      max: 100,
      expected: 'a whole percentage of the function timeout from 1 to 100',
    }),
    noLogFilesMinutes: reader.integer(
      'noLogFilesAlarmMinutes',
      ALARM_CONFIG_DEFAULTS.noLogFilesMinutes,
      {
        min: 10,
        max: 1440,
        multipleOf: 5,
        expected: 'a multiple of 5 minutes from 10 to 1440 (24 hours)',
      },
    ),
    alertSpikeThreshold: reader.integer(
      'alertSpikeThreshold',
      ALARM_CONFIG_DEFAULTS.alertSpikeThreshold,
      count,
    ),
    alertSpikeMinutes: reader.integer(
      'alertSpikeMinutes',
      ALARM_CONFIG_DEFAULTS.alertSpikeMinutes,
      {
        min: 1,
        max: 1440,
        expected: 'a whole number of minutes from 1 to 1440 (24 hours)',
      },
    ),
    badRecordRatePercent: reader.decimal(
      'badRecordRateAlarmPercent',
      ALARM_CONFIG_DEFAULTS.badRecordRatePercent,
      { above: 0, max: 100, expected: 'a percentage above 0 and at most 100, e.g. 0.5' },
    ),
  };
}

function validateEmail(email: string): string | undefined {
  return email.length <= 254 && EMAIL_PATTERN.test(email)
    ? undefined
    : `'${email}' is not an email address (expected e.g. ops@example.com; separate several with commas)`;
}

/** Only that the file is there: the construct validates its content when it loads it. */
function validateRulesFile(file: string): string | undefined {
  const absolute = path.resolve(file);
  const shown = absolute === file ? `'${file}'` : `'${file}' (${absolute})`;
  try {
    if (statSync(absolute).isFile()) return undefined;
    return `${shown} is not a file (expected a rules JSON file such as config/rules.json)`;
  } catch {
    return `${shown} does not exist (expected a rules JSON file such as config/rules.json; a relative path is read from the directory cdk runs in)`;
  }
}

/** `org` and `org/` both become `org/`; no prefix becomes the empty string. */
function normaliseKeyPrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  return `${prefix.replace(/\/+$/, '')}/`;
}

function validateBucketName(name: string): string | undefined {
  const expected =
    'an S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit';
  if (!BUCKET_NAME.test(name) || name.includes('..') || IP_ADDRESS.test(name)) {
    return `'${name}' is not ${expected}`;
  }
  return undefined;
}

function validateKeyPrefix(prefix: string): string | undefined {
  if (prefix.startsWith('/')) {
    return `'${prefix}' must not start with '/' (write e.g. org or logs/cloudtrail)`;
  }
  if (prefix.length > 200 || !KEY_PREFIX.test(prefix) || prefix.includes('//')) {
    return `'${prefix}' is not a trail key prefix (letters, digits and !_.*'()-/ only, no '//', at most 200 characters)`;
  }
  return undefined;
}

/** Reads one kind of value per call and records a problem instead of throwing. */
class ContextReader {
  public constructor(
    private readonly context: Record<string, unknown>,
    private readonly problems: ConfigProblem[],
  ) {}

  public problem(key: ContextKey | RemovedContextKey, message: string): void {
    this.problems.push({ key, message });
  }

  public isSet(key: ContextKey | RemovedContextKey): boolean {
    const value = this.context[key];
    return (
      value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '')
    );
  }

  /** A trimmed string, or `undefined` when unset or not a string (then a problem is recorded). */
  public string(key: ContextKey): string | undefined {
    if (!this.isSet(key)) return undefined;
    const value = this.context[key];
    if (typeof value !== 'string') {
      this.problem(key, `expected a string, got ${describe(value)}`);
      return undefined;
    }
    return value.trim();
  }

  public pattern(key: ContextKey, pattern: RegExp, expected: string): string | undefined {
    return this.custom(key, (value) =>
      pattern.test(value) ? undefined : `'${value}' is not ${expected}`,
    );
  }

  public custom(key: ContextKey, check: (value: string) => string | undefined): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const message = check(value);
    if (message !== undefined) {
      this.problem(key, message);
      return undefined;
    }
    return value;
  }

  public oneOf<T extends string>(key: ContextKey, allowed: readonly T[], fallback: T): T {
    const value = this.string(key);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(key, `'${value}' is not one of: ${allowed.join(', ')}`);
    return fallback;
  }

  public integer(
    key: ContextKey,
    fallback: number,
    rule: {
      min?: number;
      max?: number;
      multipleOf?: number;
      allowed?: readonly number[];
      expected: string;
    },
  ): number {
    if (!this.isSet(key)) return fallback;
    const raw = this.context[key];
    const value =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)
          ? Number(raw)
          : Number.NaN;
    const valid =
      Number.isSafeInteger(value) &&
      (rule.min === undefined || value >= rule.min) &&
      (rule.max === undefined || value <= rule.max) &&
      (rule.multipleOf === undefined || value % rule.multipleOf === 0) &&
      (rule.allowed === undefined || rule.allowed.includes(value));
    if (!valid) {
      this.problem(key, `${describe(raw)} is not ${rule.expected}`);
      return fallback;
    }
    return value;
  }

  /** A number that may have decimals (`0.5`), as a JSON number or a decimal string. */
  public decimal(
    key: ContextKey,
    fallback: number,
    rule: { above: number; max: number; expected: string },
  ): number {
    if (!this.isSet(key)) return fallback;
    const raw = this.context[key];
    const value =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw)
          ? Number(raw)
          : Number.NaN;
    if (!Number.isFinite(value) || value <= rule.above || value > rule.max) {
      this.problem(key, `${describe(raw)} is not ${rule.expected}`);
      return fallback;
    }
    return value;
  }

  /** `true`/`false` as a JSON boolean or a string. */
  public boolean(key: ContextKey, fallback: boolean): boolean {
    if (!this.isSet(key)) return fallback;
    const raw = this.context[key];
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) {
      return raw.trim().toLowerCase() === 'true';
    }
    this.problem(key, `${describe(raw)} is not true or false`);
    return fallback;
  }

  /** A comma-separated string or an array of strings; each item is trimmed and checked. */
  public list(key: ContextKey, check: (item: string) => string | undefined): string[] {
    if (!this.isSet(key)) return [];
    const raw = this.context[key];
    let items: unknown[];
    if (typeof raw === 'string') {
      items = raw.split(',');
    } else if (Array.isArray(raw)) {
      items = raw;
    } else {
      this.problem(key, `expected a comma-separated string or a list, got ${describe(raw)}`);
      return [];
    }
    const values: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') {
        this.problem(key, `expected a list of strings, found ${describe(item)}`);
        continue;
      }
      const value = item.trim();
      if (value === '') continue;
      const message = check(value);
      if (message === undefined) {
        if (!values.includes(value)) values.push(value);
      } else {
        this.problem(key, message);
      }
    }
    return values;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a value of type ${typeof value}`;
}
