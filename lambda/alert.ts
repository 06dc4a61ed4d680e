import { createHash } from 'node:crypto';
import type { CloudTrailRecord, LogObjectRef } from './cloudtrail-record';
import { consolePath, serviceName } from './event-sources';
import type { MatchCategory, MatchedEvent, Outcome, Severity } from './matcher';
import { redactSecrets } from './redact';

/** Identifies the alert JSON layout, so consumers can tell versions apart. */
export const ALERT_SCHEMA = 'mediapackage-audit-alert/v1';

/** Who made the call. */
export interface AlertActor {
  readonly identityType: string;
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

/** One MediaPackage change, ready to format for email, Slack or machines. */
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
  readonly logObject: LogObjectRef;
  readonly links: { readonly cloudTrailEvent: string; readonly console: string };
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

/** Builds the alert for a matched event. Pure: everything comes from the record. */
export function buildAlert(match: MatchedEvent, logObject: LogObjectRef): MediaPackageAlert {
  const { record } = match;
  const region = text(record.awsRegion) ?? 'unknown-region';
  const eventID = eventIdOf(record);
  return {
    schema: ALERT_SCHEMA,
    severity: match.severity,
    outcome: match.outcome,
    eventID,
    requestID: text(record.requestID),
    eventTime: text(record.eventTime),
    eventName: text(match.eventName) ?? match.eventName,
    eventSource: text(match.eventSource) ?? match.eventSource,
    service: serviceName(text(match.eventSource) ?? match.eventSource),
    category: match.category,
    awsRegion: region,
    accountId: text(record.recipientAccountId) ?? text(record.userIdentity?.accountId),
    actor: actorOf(record),
    resource: resourceOf(match),
    requestParameters: redactSecrets(record.requestParameters ?? null),
    error:
      match.outcome === 'failed'
        ? { code: text(record.errorCode) ?? 'Unknown', message: text(record.errorMessage) }
        : null,
    sourceIPAddress: text(record.sourceIPAddress),
    userAgent: text(record.userAgent),
    logObject,
    links: {
      cloudTrailEvent: `https://console.aws.amazon.com/cloudtrail/home?region=${encodeURIComponent(region)}#/events/${encodeURIComponent(eventID)}`,
      console: `https://console.aws.amazon.com/${consolePath(match.eventSource)}/home?region=${encodeURIComponent(region)}`,
    },
  };
}

function actorOf(record: CloudTrailRecord): AlertActor {
  const identity = record.userIdentity ?? {};
  const issuer = identity.sessionContext?.sessionIssuer;
  const mfa = identity.sessionContext?.attributes?.mfaAuthenticated;
  return {
    identityType: text(identity.type) ?? 'Unknown',
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

function resourceOf(match: MatchedEvent): AlertResource {
  const params = asObject(match.record.requestParameters);
  const response = asObject(match.record.responseElements);
  if (match.target !== undefined) {
    const space = match.target.indexOf(' ');
    return { type: match.target.slice(0, space), id: match.target.slice(space + 1), arn: null };
  }
  const type = RESOURCE_NOUNS.find(([pattern]) => pattern.test(match.eventName))?.[1] ?? 'resource';
  const v2Path = [params.channelGroupName, params.channelName, params.originEndpointName]
    .map(text)
    .filter((part): part is string => part !== null)
    .join('/');
  const id =
    text(params.id) ??
    (v2Path.length > 0 ? v2Path : null) ??
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

function text(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  return wellFormed(
    value.length <= FIELD_MAX_CHARS
      ? value
      : `${value.slice(0, FIELD_MAX_CHARS)}...[cut: ${value.length} characters]`,
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates (from bad input or a cut pair), which URL encoding rejects. */
function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD');
}

/** CloudTrail's eventIDs are UUIDs; anything longer would be cut like other fields. */
const EVENT_ID_MAX_CHARS = 128;

/**
 * The alert's eventID, which is also its idempotency key, so it must be stable across retries
 * and distinct for distinct events: the record's own eventID when it is an ordinary one, else a
 * digest of the whole record (an absent, empty, huge or malformed eventID).
 */
function eventIdOf(record: CloudTrailRecord): string {
  const id = record.eventID;
  if (
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= EVENT_ID_MAX_CHARS &&
    wellFormed(id) === id
  ) {
    return id;
  }
  return `sha256-${createHash('sha256').update(JSON.stringify(record)).digest('hex')}`;
}
