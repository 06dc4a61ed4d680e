/**
 * Deployment configuration read from CDK context (`-c key=value` or `cdk.json`), checked at synth
 * time so that a wrong value stops `cdk synth` before anything reaches CloudFormation.
 *
 * This module only turns context into the stack's configuration. What a value may be is the
 * business of the construct that takes it: every rule (ranges, patterns, defaults, which props go
 * together) is imported from that construct's module, never written here. Only what exists in
 * context alone is checked here: how a value is spelled (`-c` strings, `cdk.json` types), the
 * bucket name and key ARN the stack turns into references, the rules file's path, the Slack IDs
 * that must come in pairs and the Teams IDs that must come in threes.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as z from 'zod/mini';
import {
  checkPagerEmail,
  checkPublisherArn,
  checkQueueArn,
  checkSlackChannelId,
  checkSlackWorkspaceId,
  checkTeamsChannelId,
  checkTeamsTeamId,
  checkTeamsTenantId,
  isEmailAddress,
} from './alert-topic';
import type { TeamsConfig } from './alert-topic';
import { AUDIT_FUNCTION_DEFAULTS, AUDIT_FUNCTION_LIMITS } from './audit-function';
import { checkAccountId, checkOrganizationId, checkRegion } from './audit-history';
import { AUDIT_TRAIL_DEFAULTS, AUDIT_TRAIL_LIMITS, MANAGEMENT_EVENTS_MODES } from './audit-trail';
import { CANARY_DEFAULTS, CANARY_LIMITS } from './canary';
import { checkCloudTrailTopicArn } from './cloudtrail-sns-trigger';
import { MediaPackageAuditError } from './errors';
import { DEFAULT_WATCHED_REGIONS } from './mediapackage-regions';
import { TRIGGER_KINDS } from './log-file-trigger';
import type { MediaPackageAuditAlertsProp } from './mediapackage-audit-alerts';
import {
  MEDIAPACKAGE_AUDIT_DEFAULTS,
  checkKeyPrefix,
  conditionProblems,
  normaliseKeyPrefix,
  triggerProblems,
} from './mediapackage-audit-alerts';
import type { AlarmConfig, MediaPackageAuditConfig } from './mediapackage-audit-stack';
import { ALARM_DEFAULTS, ALARM_LIMITS } from './operations-alarms';
import type { NumberRule, TextCheck } from './prop-checks';
import { isWithin, patternCheck } from './prop-checks';

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

/**
 * Retention periods CloudWatch Logs accepts (`logs.RetentionDays` without `INFINITE`): the day
 * counts `logRetentionDays` may name.
 */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(logs.RetentionDays).filter(
  (days): days is number => typeof days === 'number' && days !== logs.RetentionDays.INFINITE,
);

/** Values used when a context key is absent: the defaults of the constructs that take them. */
export const CONFIG_DEFAULTS = {
  trigger: MEDIAPACKAGE_AUDIT_DEFAULTS.trigger,
  managementEvents: AUDIT_TRAIL_DEFAULTS.managementEvents,
  logRetentionDays: AUDIT_FUNCTION_DEFAULTS.logRetention,
  logExpirationDays: AUDIT_TRAIL_DEFAULTS.logExpiration.toDays(),
  functionMemoryMb: AUDIT_FUNCTION_DEFAULTS.memorySize,
  functionTimeoutSeconds: AUDIT_FUNCTION_DEFAULTS.timeout.toSeconds(),
  maxInflatedMb: AUDIT_FUNCTION_DEFAULTS.maxInflatedMb,
  athena: MEDIAPACKAGE_AUDIT_DEFAULTS.athena,
  fastPath: MEDIAPACKAGE_AUDIT_DEFAULTS.fastPath,
  regions: DEFAULT_WATCHED_REGIONS,
} as const satisfies Partial<MediaPackageAuditConfig>;

/** Unset: absent, `null`, or a blank string (`-c key=`). */
function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/** How a raw context value is quoted in a message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a value of type ${typeof value}`;
}

/** `schema`, or `undefined` when the key is unset. */
function optional<T extends z.ZodMiniType>(schema: T) {
  return z.pipe(
    z.transform((raw: unknown) => (isUnset(raw) ? undefined : raw)),
    z.optional(schema),
  );
}

/** Reports what `check` finds wrong with a (trimmed, non-empty) text. */
function reportProblem(check: TextCheck) {
  return z.superRefine((value: string, context) => {
    const problem = value === '' ? undefined : check(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
  });
}

/** A trimmed string; `notAString` words the problem with anything else. */
function trimmed(notAString: (input: unknown) => string) {
  return z.pipe(
    z.string({ error: (issue) => notAString(issue.input) }),
    z.transform((value: string) => value.trim()),
  );
}

/** A string that `check` accepts. */
function text(check?: TextCheck) {
  const value = trimmed((input) => `expected a string, got ${describe(input)}`);
  return check === undefined ? value : value.check(reportProblem(check));
}

/** One of `values`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.pipe(
    text(),
    z.enum(values, {
      error: (issue) => `${describe(issue.input)} is not one of: ${values.join(', ')}`,
    }),
  );
}

/** A number within `rule`: a JSON number, or a string of digits (with decimals if allowed). */
function number(rule: NumberRule) {
  const spelling = rule.whole ? /^\s*\d+\s*$/ : /^\s*\d+(\.\d+)?\s*$/;
  const toNumber = (raw: unknown): number =>
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && spelling.test(raw)
        ? Number(raw)
        : NaN;
  return z.pipe(
    z.unknown().check(
      z.refine((raw) => isWithin(toNumber(raw), rule), {
        error: (issue) => `${describe(issue.input)} is not ${rule.expected}`,
      }),
    ),
    z.transform(toNumber),
  );
}

/** `true`/`false`, as a JSON boolean or a string in any case. */
function boolean() {
  return z.union(
    [
      z.boolean(),
      z.pipe(
        z.string().check(z.regex(/^\s*(true|false)\s*$/i)),
        z.transform((value: string) => value.trim().toLowerCase() === 'true'),
      ),
    ],
    { error: (issue) => `${describe(issue.input)} is not true or false` },
  );
}

/** A comma-separated string or a list of strings; each item trimmed, checked, kept once. */
function list(check: TextCheck) {
  const item = trimmed((input) => `expected a list of strings, found ${describe(input)}`).check(
    reportProblem(check),
  );
  return z.pipe(
    z.union(
      [
        z.pipe(
          z.string(),
          z.transform((value: string) => value.split(',')),
        ),
        z.array(z.unknown()),
      ],
      {
        error: (issue) =>
          `expected a comma-separated string or a list, got ${describe(issue.input)}`,
      },
    ),
    z.pipe(
      z.array(item),
      z.transform((items: string[]) => [...new Set(items.filter((value) => value !== ''))]),
    ),
  );
}

/** A key that must not be set, with what to do instead. */
function removed(message: string) {
  return z.pipe(
    z.transform((raw: unknown) => (isUnset(raw) ? undefined : raw)),
    z.undefined({ error: message }),
  );
}

const checkEmail: TextCheck = (email) =>
  isEmailAddress(email)
    ? undefined
    : `'${email}' is not an email address (expected e.g. ops@example.com; separate several with commas)`;

const checkBucketName: TextCheck = (name) =>
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
  !name.includes('..') &&
  !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name)
    ? undefined
    : `'${name}' is not an S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit`;

const checkKmsKeyArn = patternCheck(
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
  'a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)',
);

/** Only that the file is there: the construct validates its content when it loads it. */
const checkRulesFile: TextCheck = (file) => {
  const absolute = path.resolve(file);
  const shown = absolute === file ? `'${file}'` : `'${file}' (${absolute})`;
  try {
    if (statSync(absolute).isFile()) return undefined;
    return `${shown} is not a file (expected a rules JSON file such as config/rules.json)`;
  } catch {
    return `${shown} does not exist (expected a rules JSON file such as config/rules.json; a relative path is read from the directory cdk runs in)`;
  }
};

/** Every context key `parseConfig` reads, with what its value may be. */
const CONTEXT_SHAPE = {
  alertEmails: optional(list(checkEmail)),
  pagerEmails: optional(list(checkEmail)),
  slackWorkspaceId: optional(text(checkSlackWorkspaceId)),
  slackChannelId: optional(text(checkSlackChannelId)),
  teamsTeamId: optional(text(checkTeamsTeamId)),
  teamsChannelId: optional(text(checkTeamsChannelId)),
  teamsTenantId: optional(text(checkTeamsTenantId)),
  existingBucketName: optional(text(checkBucketName)),
  existingBucketKeyPrefix: optional(text(checkKeyPrefix)),
  existingTrailKmsKeyArn: optional(text(checkKmsKeyArn)),
  existingBucketAccount: optional(text(checkAccountId)),
  trigger: optional(oneOf(TRIGGER_KINDS)),
  cloudTrailTopicArn: optional(text(checkCloudTrailTopicArn)),
  managementEvents: optional(oneOf(MANAGEMENT_EVENTS_MODES)),
  logRetentionDays: optional(
    number({
      whole: true,
      allowed: LOG_RETENTION_DAYS,
      expected: `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    }),
  ),
  logExpirationDays: optional(number(AUDIT_TRAIL_LIMITS.logExpiration)),
  functionMemoryMb: optional(number(AUDIT_FUNCTION_LIMITS.memorySize)),
  functionTimeoutSeconds: optional(number(AUDIT_FUNCTION_LIMITS.timeout)),
  reservedConcurrency: optional(number(AUDIT_FUNCTION_LIMITS.reservedConcurrentExecutions)),
  maxInflatedMb: optional(number(AUDIT_FUNCTION_LIMITS.maxInflatedMb)),
  alertPublisherArns: optional(list(checkPublisherArn)),
  extraSubscriberQueueArns: optional(list(checkQueueArn)),
  rulesFile: optional(text(checkRulesFile)),
  operationsEmails: optional(list(checkEmail)),
  errorsAlarmThreshold: optional(number(ALARM_LIMITS.errorsThreshold)),
  throttlesAlarmThreshold: optional(number(ALARM_LIMITS.throttlesThreshold)),
  durationAlarmPercent: optional(number(ALARM_LIMITS.durationThresholdPercent)),
  noLogFilesAlarmMinutes: optional(number(ALARM_LIMITS.noLogFilesPeriod)),
  alertSpikeThreshold: optional(number(ALARM_LIMITS.alertSpikeThreshold)),
  alertSpikeMinutes: optional(number(ALARM_LIMITS.alertSpikePeriod)),
  badRecordRateAlarmPercent: optional(number(ALARM_LIMITS.badRecordRateThresholdPercent)),
  athena: optional(boolean()),
  organizationId: optional(text(checkOrganizationId)),
  athenaAccountIds: optional(list(checkAccountId)),
  athenaRegions: optional(list(checkRegion)),
  fastPath: optional(boolean()),
  regions: optional(list(checkRegion)),
  canary: optional(boolean()),
  canaryScheduleMinutes: optional(number(CANARY_LIMITS.schedule)),
};

/** A context key `parseConfig` understands. */
export type ContextKey = keyof typeof CONTEXT_SHAPE;

/** Every context key `parseConfig` reads. */
export const CONTEXT_KEYS = Object.keys(CONTEXT_SHAPE) as readonly ContextKey[];

/** Every key `parseConfig` knows: the ones it reads and the removed ones it refuses by name. */
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  ...CONTEXT_KEYS,
  ...Object.keys(REMOVED_CONTEXT_KEYS),
]);

/**
 * Whether `key` belongs to the CDK rather than to this app, so `parseConfig` leaves it alone:
 * feature flags (`@aws-cdk/...`), aws-cdk-lib's and the CLI's settings (`aws:cdk:...`,
 * `aws-cdk:...`, `cdk-...`, `acknowledged-issue-numbers`) and cached lookups
 * (`availability-zones:account=...`, `ssm:...`). A key of your own that holds a ':' is left alone
 * too.
 */
export function isCdkContextKey(key: string): boolean {
  return (
    key.includes(':') ||
    key.startsWith('@') ||
    key.startsWith('cdk-') ||
    key.startsWith('aws-cdk') ||
    key === 'acknowledged-issue-numbers'
  );
}

/**
 * The Levenshtein distance between `a` and `b`: the fewest one-character insertions, deletions
 * and substitutions that turn one into the other. Written here rather than imported: one small
 * pure function is not worth a dependency.
 */
export function editDistance(a: string, b: string): number {
  // One row of the dynamic-programming table at a time: row[j] is the distance of a[0, i) to b[0, j).
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min(substitute, (row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * The context key `parseConfig` reads that is closest to `key` by edit distance, ignoring case,
 * or `undefined` when none is within a third of `key`'s length (at least one edit). The first
 * key of {@link CONTEXT_KEYS} wins a tie.
 */
export function closestContextKey(key: string): ContextKey | undefined {
  const wanted = key.toLowerCase();
  let closest: { readonly key: ContextKey; readonly distance: number } | undefined;
  for (const known of CONTEXT_KEYS) {
    const distance = editDistance(wanted, known.toLowerCase());
    if (closest === undefined || distance < closest.distance) closest = { key: known, distance };
  }
  const tolerance = Math.max(1, Math.floor(key.length / 3));
  return closest !== undefined && closest.distance <= tolerance ? closest.key : undefined;
}

/**
 * A problem for each key of `context` that is neither known nor the CDK's: a misspelt key would
 * otherwise be ignored silently (`alertEmail` and no subscription).
 */
function unknownKeyProblems(context: Record<string, unknown>): ConfigProblem[] {
  return Object.keys(context)
    .filter((key) => !KNOWN_KEYS.has(key) && !isCdkContextKey(key))
    .map((key) => {
      const closest = closestContextKey(key);
      return {
        key,
        message:
          closest === undefined
            ? 'unknown context key'
            : `unknown context key; did you mean ${closest}?`,
      };
    });
}

/** The values of the keys that are set, each valid (the keys of invalid ones hold their input). */
type ContextValues = z.output<z.ZodMiniObject<typeof CONTEXT_SHAPE>>;

/** The context key that sets each prop the cross-prop rules (`PROP_CONDITIONS`) name. */
const PROP_KEYS: Partial<Record<MediaPackageAuditAlertsProp, ContextKey>> = {
  existingLogBucket: 'existingBucketName',
  existingLogKeyPrefix: 'existingBucketKeyPrefix',
  existingLogKey: 'existingTrailKmsKeyArn',
  existingLogBucketAccount: 'existingBucketAccount',
  trigger: 'trigger',
  cloudTrailTopic: 'cloudTrailTopicArn',
  managementEvents: 'managementEvents',
  logExpiration: 'logExpirationDays',
  organizationId: 'organizationId',
  athenaAccountIds: 'athenaAccountIds',
  athenaRegions: 'athenaRegions',
  athena: 'athena',
  fastPath: 'fastPath',
  fastPathRegions: 'regions',
};

/** A problem of `key`, added by a rule that reads several keys. */
type AddProblem = (key: ContextKey, message: string) => void;

/** The construct's cross-prop rules, in terms of context keys. */
function checkConditions(values: ContextValues, add: AddProblem): void {
  const given = Object.fromEntries(
    Object.entries(PROP_KEYS).map(([prop, key]) => [prop, values[key]]),
  ) as Partial<Record<MediaPackageAuditAlertsProp, unknown>>;
  given.athena = values.athena ?? CONFIG_DEFAULTS.athena;
  given.fastPath = values.fastPath ?? CONFIG_DEFAULTS.fastPath;
  given.trigger = values.trigger ?? CONFIG_DEFAULTS.trigger;
  const keyOf = (prop: MediaPackageAuditAlertsProp): string => PROP_KEYS[prop] ?? prop;
  for (const { prop, message } of [
    ...conditionProblems(given, keyOf),
    ...triggerProblems(given, keyOf),
  ]) {
    add(keyOf(prop) as ContextKey, message);
  }
}

/** Rules between keys that no prop has: two keys that make one prop, one list against another. */
function checkPairs(values: ContextValues, add: AddProblem): void {
  if (values.slackWorkspaceId === undefined && values.slackChannelId !== undefined) {
    add('slackWorkspaceId', 'is required when slackChannelId is set (give both or neither)');
  }
  if (values.slackChannelId === undefined && values.slackWorkspaceId !== undefined) {
    add('slackChannelId', 'is required when slackWorkspaceId is set (give both or neither)');
  }
  const teamsKeys = ['teamsTeamId', 'teamsChannelId', 'teamsTenantId'] as const;
  const givenTeamsKeys = teamsKeys.filter((key) => values[key] !== undefined);
  if (givenTeamsKeys.length > 0) {
    for (const key of teamsKeys.filter((k) => values[k] === undefined)) {
      add(
        key,
        `is required when ${givenTeamsKeys.join(' and ')} ${givenTeamsKeys.length === 1 ? 'is' : 'are'} set (give all three or none)`,
      );
    }
  }
  const { alertEmails, pagerEmails } = values;
  if (Array.isArray(alertEmails) && Array.isArray(pagerEmails)) {
    for (const email of pagerEmails) {
      const problem = checkPagerEmail(email, alertEmails);
      if (problem !== undefined) add('pagerEmails', problem);
    }
  }
}

/** The canary's settings apply only with the canary on. */
function checkCanary(values: ContextValues, add: AddProblem): void {
  if (values.canaryScheduleMinutes !== undefined && values.canary !== true) {
    add('canaryScheduleMinutes', 'only applies to the canary: set canary=true too');
  }
}

/** The schema of the whole context: each key, then the rules between keys. */
const contextSchema = z
  .object({
    ...CONTEXT_SHAPE,
    ...(Object.fromEntries(
      Object.entries(REMOVED_CONTEXT_KEYS).map(([key, message]) => [key, removed(message)]),
    ) as Record<RemovedContextKey, ReturnType<typeof removed>>),
  })
  .check(
    // Also when a key is invalid, so that one synth lists every problem.
    z.superRefine(
      (values, context) => {
        const add: AddProblem = (key, message) =>
          context.addIssue({ code: 'custom', path: [key], message, input: values[key] });
        checkConditions(values, add);
        checkPairs(values, add);
        checkCanary(values, add);
      },
      { when: () => true },
    ),
  );

/** One invalid context value, or a context key `parseConfig` does not know. */
export interface ConfigProblem {
  /** A {@link ContextKey}, a {@link RemovedContextKey} or an unknown key as the user spelt it. */
  readonly key: string;
  readonly message: string;
}

/** Thrown by `parseConfig` with every invalid or unknown key, so one synth reports them all. */
export class ConfigError extends MediaPackageAuditError {
  public readonly problems: readonly ConfigProblem[];

  public constructor(problems: readonly ConfigProblem[], options?: { readonly cause?: unknown }) {
    super(
      [
        `Invalid CDK context (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  - ${p.key}: ${p.message}`),
        'See docs/infrastructure.md for every context key.',
      ].join('\n'),
      options,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The alarm settings, each key's value or the alarm construct's default, in context units. */
function alarmConfig(values: Partial<ContextValues>): AlarmConfig {
  return {
    errorsThreshold: values.errorsAlarmThreshold ?? ALARM_DEFAULTS.errorsThreshold,
    throttlesThreshold: values.throttlesAlarmThreshold ?? ALARM_DEFAULTS.throttlesThreshold,
    durationPercent: values.durationAlarmPercent ?? ALARM_DEFAULTS.durationThresholdPercent,
    noLogFilesMinutes: values.noLogFilesAlarmMinutes ?? ALARM_DEFAULTS.noLogFilesPeriod.toMinutes(),
    alertSpikeThreshold: values.alertSpikeThreshold ?? ALARM_DEFAULTS.alertSpikeThreshold,
    alertSpikeMinutes: values.alertSpikeMinutes ?? ALARM_DEFAULTS.alertSpikePeriod.toMinutes(),
    badRecordRatePercent:
      values.badRecordRateAlarmPercent ?? ALARM_DEFAULTS.badRecordRateThresholdPercent,
  };
}

/** Alarm values used when a context key is absent: the alarm construct's defaults. */
export const ALARM_CONFIG_DEFAULTS: AlarmConfig = alarmConfig({});

/** The `teams` setting when all three Teams keys are set (checkPairs refuses some of them). */
function teamsConfig(values: ContextValues): { teams?: TeamsConfig } {
  const { teamsTeamId, teamsChannelId, teamsTenantId } = values;
  return teamsTeamId === undefined || teamsChannelId === undefined || teamsTenantId === undefined
    ? {}
    : { teams: { teamId: teamsTeamId, channelId: teamsChannelId, tenantId: teamsTenantId } };
}

/**
 * The canary's settings (`-c canary=true`), in context units; the stack passes them to the
 * facade's `canary` prop as `{ schedule: Duration.minutes(scheduleMinutes) }`.
 */
export interface CanaryConfig {
  /** Present only when the canary is on. @default - no canary */
  readonly canary?: { readonly scheduleMinutes: number };
}

/** What `parseConfig` returns: the stack's configuration and the canary's. */
export type AppConfig = MediaPackageAuditConfig & CanaryConfig;

/** The canary's settings from valid context values: none unless `canary` is true. */
function canaryConfig(values: ContextValues): CanaryConfig {
  return values.canary === true
    ? {
        canary: {
          scheduleMinutes: values.canaryScheduleMinutes ?? CANARY_DEFAULTS.schedule.toMinutes(),
        },
      }
    : {};
}

/** The deployment's configuration from valid context values, defaults filled in. */
function toConfig(values: ContextValues): AppConfig {
  const { slackWorkspaceId, slackChannelId, existingBucketName, existingTrailKmsKeyArn } = values;
  const { existingBucketAccount, cloudTrailTopicArn } = values;
  return {
    alertEmails: values.alertEmails ?? [],
    pagerEmails: values.pagerEmails ?? [],
    ...(slackWorkspaceId !== undefined && slackChannelId !== undefined
      ? { slack: { workspaceId: slackWorkspaceId, channelId: slackChannelId } }
      : {}),
    ...teamsConfig(values),
    ...(existingBucketName === undefined
      ? {}
      : {
          existingTrailBucket: {
            bucketName: existingBucketName,
            keyPrefix: normaliseKeyPrefix(values.existingBucketKeyPrefix),
            ...(existingTrailKmsKeyArn === undefined ? {} : { kmsKeyArn: existingTrailKmsKeyArn }),
            ...(existingBucketAccount === undefined ? {} : { account: existingBucketAccount }),
          },
        }),
    trigger: values.trigger ?? CONFIG_DEFAULTS.trigger,
    ...(cloudTrailTopicArn === undefined ? {} : { cloudTrailTopicArn }),
    managementEvents: values.managementEvents ?? CONFIG_DEFAULTS.managementEvents,
    logRetentionDays: values.logRetentionDays ?? CONFIG_DEFAULTS.logRetentionDays,
    logExpirationDays: values.logExpirationDays ?? CONFIG_DEFAULTS.logExpirationDays,
    functionMemoryMb: values.functionMemoryMb ?? CONFIG_DEFAULTS.functionMemoryMb,
    functionTimeoutSeconds: values.functionTimeoutSeconds ?? CONFIG_DEFAULTS.functionTimeoutSeconds,
    ...(values.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: values.reservedConcurrency }),
    maxInflatedMb: values.maxInflatedMb ?? CONFIG_DEFAULTS.maxInflatedMb,
    alertPublisherArns: values.alertPublisherArns ?? [],
    extraSubscriberQueueArns: values.extraSubscriberQueueArns ?? [],
    ...(values.rulesFile === undefined ? {} : { rulesFile: path.resolve(values.rulesFile) }),
    operationsEmails: values.operationsEmails ?? [],
    alarms: alarmConfig(values),
    athena: values.athena ?? CONFIG_DEFAULTS.athena,
    ...(values.organizationId === undefined ? {} : { organizationId: values.organizationId }),
    athenaAccountIds: values.athenaAccountIds ?? [],
    athenaRegions: values.athenaRegions ?? [],
    fastPath: values.fastPath ?? CONFIG_DEFAULTS.fastPath,
    regions: values.regions ?? CONFIG_DEFAULTS.regions,
    ...canaryConfig(values),
  };
}

/**
 * Turns raw CDK context values into the stack's configuration, defaults filled in.
 *
 * Values may be strings (from `-c key=value`) or typed JSON values (from `cdk.json`): numbers
 * may be given as numbers or digit strings, lists as arrays or comma-separated strings. An empty
 * string counts as "not set".
 *
 * `context` is the whole context (`app.node.getAllContext()`): a key that is neither one of
 * {@link CONTEXT_KEYS} nor the CDK's own ({@link isCdkContextKey}) is refused, naming the closest
 * known key.
 *
 * @throws ConfigError listing every unknown key and every key whose value is invalid
 */
export function parseConfig(context: Record<string, unknown>): AppConfig {
  const unknown = unknownKeyProblems(context);
  const result = contextSchema.safeParse(context);
  if (!result.success || unknown.length > 0) {
    throw new ConfigError(
      [
        // First: a misspelt key often explains a problem of another (a Slack ID "missing").
        ...unknown,
        ...(result.error?.issues ?? []).map((issue) => ({
          key: String(issue.path[0]),
          message: issue.message,
        })),
      ],
      result.error === undefined ? {} : { cause: result.error },
    );
  }
  return toConfig(result.data);
}
