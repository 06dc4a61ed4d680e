/**
 * Recognises the canary's own call (`-c canary=true`): the one harmless write the scheduled
 * canary function makes, so the pipeline can record `CanarySeen` instead of alerting a person.
 *
 * The tag alone proves nothing: anyone allowed to tag can write `mp-audit:canary`. A record is
 * the canary only when every part matches at once: the service and call, success, the canary's
 * own resource, exactly one tag and that one, and the canary's own role as the caller. Anything
 * else alerts as usual, so an attacker who adds the tag to a real channel, tags the canary's
 * group as someone else, or slips a second tag into the call is still reported.
 *
 * Pure and total: a record is untrusted input, so nothing here throws on any shape of it.
 */
import { CANARY_TAG_KEY, FUNCTION_ENV, MediaPackageAuditError } from '../contract';
import type { CloudTrailRecord } from '../read/cloudtrail-record';

/** Who the canary is: the resource it writes to and the role it writes with. */
export interface CanaryIdentity {
  /** ARN of the canary's MediaPackage v2 channel group. */
  readonly resourceArn: string;
  /** ARN of the IAM role the canary function runs as (with its path, if any). */
  readonly roleArn: string;
}

/** CloudTrail's `eventSource` of the canary's call. */
export const CANARY_EVENT_SOURCE = 'mediapackagev2.amazonaws.com';
/** CloudTrail's `eventName` of the canary's call. */
export const CANARY_EVENT_NAME = 'TagResource';

/** Any ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`, region and account may be empty. */
const ARN_PATTERN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property of `value`, never one from its prototype (`__proto__`, `constructor`). */
function field(value: unknown, name: string): unknown {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, name)
    ? value[name]
    : undefined;
}

/** The first of `names` that `value` has as its own property. */
function firstField(value: unknown, names: readonly string[]): unknown {
  for (const name of names) {
    const found = field(value, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The request's tags, `undefined` when they are not a map of strings. */
function requestTags(record: CloudTrailRecord): Record<string, string> | undefined {
  const tags = firstField(field(record, 'requestParameters'), ['tags', 'Tags']);
  if (!isObject(tags)) return undefined;
  return Object.values(tags).every((value) => typeof value === 'string')
    ? (tags as Record<string, string>)
    : undefined;
}

/**
 * The canary tag's value when the request sets that tag and no other, `undefined` otherwise.
 */
function canaryTagValue(record: CloudTrailRecord): string | undefined {
  const tags = requestTags(record);
  if (tags === undefined) return undefined;
  const keys = Object.keys(tags);
  return keys.length === 1 && keys[0] === CANARY_TAG_KEY ? tags[CANARY_TAG_KEY] : undefined;
}

/** Whether the caller is a session of exactly `roleArn`. */
function isCalledBy(record: CloudTrailRecord, roleArn: string): boolean {
  const identity: unknown = record.userIdentity;
  if (field(identity, 'type') !== 'AssumedRole') return false;
  const issuer = field(field(identity, 'sessionContext'), 'sessionIssuer');
  return field(issuer, 'arn') === roleArn;
}

/**
 * Whether `record` is the canary's own call: a successful MediaPackage v2 `TagResource` on
 * `canary.resourceArn` that sets exactly one tag, {@link CANARY_TAG_KEY}, made by a session of
 * `canary.roleArn`. ARNs are compared exactly. `false` for anything else, and always `false`
 * without a canary.
 */
export function isCanaryCall(
  record: CloudTrailRecord,
  canary: CanaryIdentity | undefined,
): boolean {
  if (canary === undefined || !isObject(record)) return false;
  const errorCode: unknown = field(record, 'errorCode');
  return (
    field(record, 'eventSource') === CANARY_EVENT_SOURCE &&
    field(record, 'eventName') === CANARY_EVENT_NAME &&
    (errorCode === undefined || errorCode === null) &&
    firstField(field(record, 'requestParameters'), ['resourceArn', 'ResourceArn']) ===
      canary.resourceArn &&
    canaryTagValue(record) !== undefined &&
    isCalledBy(record, canary.roleArn)
  );
}

/** Epoch milliseconds of an ISO 8601 time, `undefined` when it is not one. */
function epochMillis(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const millis = Date.parse(value);
  return Number.isFinite(millis) ? millis : undefined;
}

/**
 * When the canary's call was made, in epoch milliseconds: the record's `eventTime`, or else the
 * time the canary wrote as the tag's value; `undefined` when neither is a time. The delay
 * `CanarySeen` records is measured from it.
 */
export function canaryCallTime(record: CloudTrailRecord): number | undefined {
  if (!isObject(record)) return undefined;
  return epochMillis(field(record, 'eventTime')) ?? epochMillis(canaryTagValue(record));
}

/** Thrown when the canary's environment variables are set wrongly. */
export class CanaryConfigurationError extends MediaPackageAuditError {
  /** The (first) variable at fault. */
  public readonly variable: string;

  public constructor(variable: string, message: string) {
    super(message);
    this.name = 'CanaryConfigurationError';
    this.variable = variable;
  }
}

/**
 * The canary's identity from its two environment variables ({@link FUNCTION_ENV}
 * `canaryResourceArn` and `canaryRoleArn`): `undefined` when neither is set (no canary).
 *
 * @throws CanaryConfigurationError naming the variable when only one is set or one is not an ARN
 */
export function parseCanaryIdentity(
  resourceArn: string | undefined,
  roleArn: string | undefined,
): CanaryIdentity | undefined {
  const given = (value: string | undefined): value is string =>
    value !== undefined && value.trim() !== '';
  const variables = [
    [FUNCTION_ENV.canaryResourceArn, resourceArn],
    [FUNCTION_ENV.canaryRoleArn, roleArn],
  ] as const;
  const set = variables.filter(([, value]) => given(value));
  if (set.length === 0) return undefined;
  const problems = variables.flatMap(([name, value]) => {
    if (!given(value)) {
      const other = set[0]?.[0] ?? '';
      return [{ name, message: `${name} is not set but ${other} is (set both or neither)` }];
    }
    return ARN_PATTERN.test(value.trim())
      ? []
      : [{ name, message: `${name} is not an ARN: '${value}'` }];
  });
  const [first] = problems;
  if (first !== undefined) {
    throw new CanaryConfigurationError(
      first.name,
      `Invalid canary configuration: ${problems.map((p) => p.message).join('; ')}`,
    );
  }
  return { resourceArn: (resourceArn ?? '').trim(), roleArn: (roleArn ?? '').trim() };
}
