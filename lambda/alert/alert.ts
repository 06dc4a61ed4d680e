import { createHash } from 'node:crypto';
import type { DetectionPath } from '../contract';
import type { CloudTrailRecord, LogObjectRef, ReadRecord } from '../read/cloudtrail-record';
import { OMITTED_PARTS } from '../read/cloudtrail-record';
import { consolePath, serviceName } from '../match/event-sources';
import type { CallVia, IdentityType } from '../match/identity';
import { classifyIdentity, describeIdentity } from '../match/identity';
import type { MatchCategory, MatchedEvent, Outcome, Severity } from '../match/matcher';
import { RECORD_MAX_BYTES } from '../read/record-cutter';
import type { AlertChanges } from './resource-changes';
import { findSecrets, redactSecrets, redactText, wellFormed } from './redact';

/** Identifies the alert JSON layout, so consumers can tell versions apart. */
export const ALERT_SCHEMA = 'mediapackage-audit-alert/v1';

/** Who made the call. */
export interface AlertActor {
  /** CloudTrail's own `userIdentity.type`, as written (`Unknown` when absent). */
  readonly identityType: string;
  /**
   * The caller's type as classified: one of CloudTrail's documented types, `Unknown` for any
   * other. Added to v1, like `via` and `description`.
   */
  readonly kind: IdentityType;
  /** How the call was made: console, aws-cli, sdk, cloudformation, iac, aws-service, unknown. */
  readonly via: CallVia;
  /**
   * The caller in plain words, e.g. `root user, from the console, without MFA`: one line,
   * built from this module's words and the actor's redacted fields.
   */
  readonly description: string;
  readonly arn: string | null;
  readonly accountId: string | null;
  readonly principalId: string | null;
  readonly userName: string | null;
  readonly sessionIssuerArn: string | null;
  readonly sessionIssuerType: string | null;
  /** From the session's `mfaAuthenticated`; null when CloudTrail did not say. */
  readonly mfaAuthenticated: boolean | null;
  readonly invokedBy: string | null;
}

/** What the call acted on, as far as the record tells. */
export interface AlertResource {
  /** e.g. `channel`, `origin endpoint`, `packaging group`. */
  readonly type: string;
  readonly id: string | null;
  readonly arn: string | null;
}

/** How and how fast the event was found. */
export interface AlertDetection {
  /** `eventbridge`: its `AWS API Call via CloudTrail` event; `log-file`: the log file in S3. */
  readonly path: DetectionPath;
  /**
   * Whole seconds from the call (`eventTime`) to when the alert was built; null when the record
   * gives no readable time. Clocks differ a little: never below 0.
   */
  readonly delaySeconds: number | null;
}

/**
 * One MediaPackage change, ready to format for email, Slack or machines. Every text in it has
 * already been through the redactor (`redactText`, `redactSecrets`): formats only lay it out.
 */
export interface MediaPackageAlert {
  readonly schema: typeof ALERT_SCHEMA;
  readonly severity: Severity;
  readonly outcome: Outcome;
  readonly eventID: string;
  readonly requestID: string | null;
  readonly eventTime: string | null;
  readonly eventName: string;
  readonly eventSource: string;
  /** e.g. `MediaPackage v2`, or `CloudTrail` for a self-protection alert. */
  readonly service: string;
  /** `watched` for the rules' event sources, `self-protection` for tampering with the pipeline. */
  readonly category: MatchCategory;
  readonly awsRegion: string;
  readonly accountId: string | null;
  readonly actor: AlertActor;
  readonly resource: AlertResource;
  /** The call's parameters with secret-like values masked. */
  readonly requestParameters: unknown;
  readonly error: { readonly code: string; readonly message: string | null } | null;
  readonly sourceIPAddress: string | null;
  readonly userAgent: string | null;
  /** The log file the event was read from; null when it was found on EventBridge. */
  readonly logObject: LogObjectRef | null;
  /** Added to v1: consumers that ignore it lose nothing. */
  readonly detection: AlertDetection;
  readonly links: { readonly cloudTrailEvent: string; readonly console: string };
  /**
   * What the alert could not show, e.g. request parameters the reader dropped from an oversized
   * record. Empty when nothing is missing. Added to v1: consumers that ignore it lose nothing.
   */
  readonly notes: readonly string[];
  /**
   * What the call changed, from the resource's last known state (see
   * pipeline/resource-memory.ts): set on updates, policy, tag and reset calls when the pipeline
   * keeps a memory; absent otherwise. Added to v1: consumers that ignore it lose nothing.
   */
  readonly changes?: AlertChanges;
}

/** Resource types by the noun in the event name, longest first so `ChannelGroup` wins. */
const RESOURCE_NOUNS: readonly [RegExp, string][] = [
  [/ChannelGroup/, 'channel group'],
  [/ChannelPolicy/, 'channel policy'],
  [/OriginEndpointPolicy/, 'origin endpoint policy'],
  // An ingest endpoint belongs to a channel: the rotation is "on channel X".
  [/IngestEndpoint/, 'channel'],
  [/OriginEndpoint/, 'origin endpoint'],
  [/PackagingConfiguration/, 'packaging configuration'],
  [/PackagingGroup/, 'packaging group'],
  [/HarvestJob/, 'harvest job'],
  [/Asset/, 'asset'],
  [/Channel/, 'channel'],
  [/Logs/, 'logging configuration'],
  [/Resource/, 'resource'],
];

/**
 * Builds the alert for a matched event, found in `logObject` or, when that is null, on
 * EventBridge. Pure: everything comes from the record, and the delay from `builtAt`. This is where
 * redaction happens, once for every format: each text field goes through `redactText` (then is
 * cut to FIELD_MAX_CHARS), the request parameters through `redactSecrets`.
 */
export function buildAlert(
  match: MatchedEvent,
  logObject: LogObjectRef | null,
  builtAt: Date = new Date(),
): MediaPackageAlert {
  const { record } = match;
  const known = findSecrets(withoutIdentity(record));
  const text = (value: unknown): string | null => fieldText(value, known);
  const region = text(record.awsRegion) ?? 'unknown-region';
  const eventID = eventIdOf(record);
  const eventSource = text(match.eventSource) ?? 'unknown';
  return {
    schema: ALERT_SCHEMA,
    severity: match.severity,
    outcome: match.outcome,
    eventID,
    requestID: text(record.requestID),
    eventTime: text(record.eventTime),
    eventName: text(match.eventName) ?? 'Unknown',
    eventSource,
    service: text(serviceName(eventSource)) ?? eventSource,
    category: match.category,
    awsRegion: region,
    accountId: text(record.recipientAccountId) ?? text(record.userIdentity?.accountId),
    actor: actorOf(match, text),
    resource: resourceOf(match, text),
    requestParameters: redactSecrets(record.requestParameters ?? null, { knownSecrets: known }),
    error:
      match.outcome === 'failed'
        ? { code: text(record.errorCode) ?? 'Unknown', message: text(record.errorMessage) }
        : null,
    sourceIPAddress: text(record.sourceIPAddress),
    userAgent: text(record.userAgent),
    logObject:
      logObject === null
        ? null
        : { bucket: text(logObject.bucket) ?? '', key: text(logObject.key) ?? '' },
    detection: {
      path: logObject === null ? 'eventbridge' : 'log-file',
      delaySeconds: delaySeconds(record.eventTime, builtAt),
    },
    links: {
      cloudTrailEvent: `https://console.aws.amazon.com/cloudtrail/home?region=${encodeURIComponent(region)}#/events/${encodeURIComponent(eventID)}`,
      console: `https://console.aws.amazon.com/${encodeURIComponent(consolePath(eventSource))}/home?region=${encodeURIComponent(region)}`,
    },
    notes: omittedNotes(record, text),
  };
}

/** Whole seconds from `eventTime` to `at`, or null when the time cannot be read. */
function delaySeconds(eventTime: unknown, at: Date): number | null {
  if (typeof eventTime !== 'string') return null;
  const called = Date.parse(eventTime);
  if (Number.isNaN(called)) return null;
  return Math.max(0, Math.round((at.getTime() - called) / 1000));
}

/** A field as the alert shows it: redacted and cut, or null when absent or empty. */
type FieldText = (value: unknown) => string | null;

/**
 * The record without its caller's identity, to look for secrets in: user names there name the
 * caller (shown in every alert), unlike the ingest user names of MediaPackage parameters.
 */
function withoutIdentity(record: CloudTrailRecord): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...record };
  delete rest.userIdentity;
  return rest;
}

/** Readable names for the members the reader drops most often. */
const MEMBER_NAMES: ReadonlyMap<string, string> = new Map([
  ['requestParameters', 'request parameters'],
  ['responseElements', 'response elements'],
  ['additionalEventData', 'additional event data'],
  ['serviceEventDetails', 'service event details'],
]);
/** Dropped member names listed in a note, at most. */
const NOTE_MEMBERS_MAX = 16;

/**
 * A note for a record the reader could not keep whole (over its size cap): what was dropped
 * and why, so a reader of the alert knows the parameters are missing, not empty.
 */
function omittedNotes(record: CloudTrailRecord, text: FieldText): string[] {
  const omitted = (record as ReadRecord)[OMITTED_PARTS] as unknown;
  if (typeof omitted !== 'object' || omitted === null) return [];
  const { recordBytes, members } = omitted as { recordBytes?: unknown; members?: unknown };
  const names = (Array.isArray(members) ? (members as unknown[]) : [])
    .slice(0, NOTE_MEMBERS_MAX)
    .map((member) =>
      typeof member === 'string' ? (MEMBER_NAMES.get(member) ?? text(member)) : null,
    )
    .filter((name): name is string => name !== null);
  const what = names.length === 0 ? 'parts of the record' : names.join(', ');
  const size =
    typeof recordBytes === 'number' && Number.isFinite(recordBytes) && recordBytes >= 0
      ? `the record is ${groupDigits(Math.round(recordBytes))} bytes, over`
      : 'the record is over';
  return [
    `${what} omitted: ${size} the reader's ${RECORD_MAX_BYTES / (1024 * 1024)} MiB limit; see the CloudTrail event`,
  ];
}

/** `523456789` -> `523,456,789`, without depending on the runtime's locale data. */
function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function actorOf(match: MatchedEvent, text: FieldText): AlertActor {
  const { record } = match;
  const caller = match.identity ?? classifyIdentity(record);
  const identity = record.userIdentity ?? {};
  const issuer = identity.sessionContext?.sessionIssuer;
  const mfa = identity.sessionContext?.attributes?.mfaAuthenticated;
  return {
    identityType: text(identity.type) ?? 'Unknown',
    kind: caller.type,
    via: caller.via,
    // Every record text in it goes through the same redaction as the other fields.
    description: describeIdentity(caller, text),
    arn: text(identity.arn),
    accountId: text(identity.accountId),
    principalId: text(identity.principalId),
    userName: text(identity.userName) ?? text(issuer?.userName),
    sessionIssuerArn: text(issuer?.arn),
    sessionIssuerType: text(issuer?.type),
    mfaAuthenticated:
      mfa === true || mfa === 'true' ? true : mfa === false || mfa === 'false' ? false : null,
    invokedBy: text(identity.invokedBy),
  };
}

function resourceOf(match: MatchedEvent, text: FieldText): AlertResource {
  const params = asObject(match.record.requestParameters);
  const response = asObject(match.record.responseElements);
  if (match.target !== undefined) {
    const space = match.target.indexOf(' ');
    return {
      type: text(match.target.slice(0, space)) ?? 'resource',
      id: text(match.target.slice(space + 1)),
      arn: null,
    };
  }
  const type = RESOURCE_NOUNS.find(([pattern]) => pattern.test(match.eventName))?.[1] ?? 'resource';
  if (type === 'resource') {
    // Tag calls name their resource by ARN only: read the type and id from it where the ARN
    // holds them (v2, VOD), so a tag change lands in the same thread as the resource's updates.
    const arn =
      text(params.resourceArn) ?? text(params['resource-arn']) ?? text(params.ResourceArn);
    const named = arn === null ? undefined : resourceOfArn(arn);
    if (named !== undefined) return { type: named.type, id: text(named.id), arn };
  }
  const v2Path = [params.channelGroupName, params.channelName, params.originEndpointName]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join('/');
  const id =
    text(params.id) ??
    text(v2Path) ??
    text(params.packagingGroupId) ??
    text(params.channelId) ??
    text(params.resourceArn) ??
    text(params['resource-arn']) ??
    text(response.id);
  const arn =
    text(response.arn) ??
    text(response.Arn) ??
    text(params.resourceArn) ??
    text(params['resource-arn']) ??
    text(match.record.resources?.[0]?.ARN);
  return { type, id, arn };
}

/** Resource ARNs whose resource part holds the resource's own id, and how to read it. */
const ARN_RESOURCES: readonly [RegExp, string][] = [
  [
    /^arn:[\w-]+:mediapackagev2:[\w-]*:\d*:channelGroup\/([^/]+)\/channel\/([^/]+)\/originEndpoint\/([^/]+)$/,
    'origin endpoint',
  ],
  [/^arn:[\w-]+:mediapackagev2:[\w-]*:\d*:channelGroup\/([^/]+)\/channel\/([^/]+)$/, 'channel'],
  [/^arn:[\w-]+:mediapackagev2:[\w-]*:\d*:channelGroup\/([^/]+)$/, 'channel group'],
  [/^arn:[\w-]+:mediapackage-vod:[\w-]*:\d*:packaging-groups\/([^/]+)$/, 'packaging group'],
  [
    /^arn:[\w-]+:mediapackage-vod:[\w-]*:\d*:packaging-configurations\/([^/]+)$/,
    'packaging configuration',
  ],
  [/^arn:[\w-]+:mediapackage-vod:[\w-]*:\d*:assets\/([^/]+)$/, 'asset'],
];

/**
 * The type and id an ARN names, as the resource's own calls name them (v2 ids are
 * `group/channel/endpoint`); undefined for ARNs that do not hold the id (v1 live ARNs end in an
 * internal hex id, not the channel's).
 */
export function resourceOfArn(arn: string): { type: string; id: string } | undefined {
  if (arn.length > 2048) return undefined;
  for (const [pattern, type] of ARN_RESOURCES) {
    const parts = pattern.exec(arn);
    if (parts !== null) return { type, id: parts.slice(1).join('/') };
  }
  return undefined;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * Longest text kept from any one field. CloudTrail fields can be huge (a 90 KB id, a long error
 * message): cut here so every format, and the SNS message, stays within its limits.
 */
export const FIELD_MAX_CHARS = 1_024;
/** Characters scanned past the cut, so a secret that straddles it is still recognised. */
const FIELD_SCAN_EXTRA_CHARS = 2_048;

/**
 * A record's text field as an alert may show it: redacted (also of the record's own secrets,
 * `known`), then cut to FIELD_MAX_CHARS (after redaction, so a cut never leaves half a secret
 * unrecognised), with well-formed UTF-16.
 */
function fieldText(value: unknown, known: readonly string[]): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const redacted = redactText(value, {
    maxChars: FIELD_MAX_CHARS + FIELD_SCAN_EXTRA_CHARS,
    knownSecrets: known,
  });
  return wellFormed(
    redacted.length <= FIELD_MAX_CHARS
      ? redacted
      : `${redacted.slice(0, FIELD_MAX_CHARS)}...[cut: ${value.length} characters]`,
  );
}

/**
 * CloudTrail's eventIDs are UUIDs. Anything else (longer, other characters, credential-shaped)
 * is replaced by a digest, so the id is safe in a URL, a subject and Slack as it is.
 */
const ORDINARY_EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The alert's eventID, which is also its idempotency key, so it must be stable across retries
 * and distinct for distinct events: the record's own eventID when it is an ordinary one, else a
 * digest of the whole record (an absent, empty, huge or malformed eventID).
 */
function eventIdOf(record: CloudTrailRecord): string {
  const id = record.eventID;
  if (typeof id === 'string' && ORDINARY_EVENT_ID.test(id) && redactText(id) === id) {
    return id;
  }
  return `sha256-${jsonDigest(record)}`;
}

/**
 * What tells the alert's resource apart from every other: its account, Region, service, type
 * and id, as every event on a resource names them; its ARN only when there is no id (create and
 * tag calls carry one, deletes often do not, so preferring it would split a resource); null when
 * the record names neither. One thread (threadIdOf) and one remembered state per identity.
 */
export function resourceIdentity(alert: MediaPackageAlert): readonly string[] | null {
  const { resource } = alert;
  if (resource.id !== null) {
    return [
      'id',
      alert.accountId ?? '',
      alert.awsRegion,
      alert.service,
      resource.type,
      resource.id,
    ];
  }
  return resource.arn === null ? null : ['arn', resource.arn];
}

/** Values a digest walks before it stops; a 1 MiB record has far fewer. */
const DIGEST_MAX_VALUES = 4_000_000;
const DIGEST_FLUSH_CHARS = 64 * 1024;

/**
 * SHA-256 (hex) of `JSON.stringify(value)`, computed without recursion: an explicit stack, so a
 * record nested 100,000 levels deep is digested like any other instead of overflowing the call
 * stack. Key order and number formatting are JSON's, so the digest is the one
 * `JSON.stringify` would give (and earlier versions gave) for any JSON value. Bounded: past
 * DIGEST_MAX_VALUES values only the count of those left is hashed.
 */
export function jsonDigest(value: unknown): string {
  const hash = createHash('sha256');
  let pending = '';
  const emit = (chunk: string): void => {
    pending += chunk;
    if (pending.length >= DIGEST_FLUSH_CHARS) {
      hash.update(pending);
      pending = '';
    }
  };
  // Values to write are boxed; bare strings are JSON punctuation to write as they are.
  const stack: (string | { readonly value: unknown })[] = [{ value }];
  let values = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === 'string') {
      emit(item);
      continue;
    }
    values += 1;
    if (values > DIGEST_MAX_VALUES) {
      emit(`...${stack.length}`);
      break;
    }
    const current = item.value;
    if (Array.isArray(current)) {
      const elements = current as unknown[];
      emit('[');
      stack.push(']');
      for (let index = elements.length - 1; index >= 0; index -= 1) {
        const element = elements[index];
        stack.push(omittedByJson(element) ? 'null' : { value: element });
        if (index > 0) stack.push(',');
      }
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current).filter(([, inner]) => !omittedByJson(inner));
      emit('{');
      stack.push('}');
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, inner] = entries[index] as [string, unknown];
        stack.push({ value: inner });
        stack.push(`${JSON.stringify(key)}:`);
        if (index > 0) stack.push(',');
      }
    } else {
      emit(scalarJson(current));
    }
  }
  hash.update(pending);
  return hash.digest('hex');
}

/** Values JSON leaves out of objects (and writes as null in arrays). */
function omittedByJson(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function scalarJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // JSON.stringify throws on a BigInt; a digest must not.
  if (typeof value === 'bigint') return value.toString();
  return 'null';
}
