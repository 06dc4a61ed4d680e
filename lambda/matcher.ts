import type { CloudTrailRecord } from './cloudtrail-record';

/** The event sources of AWS Elemental MediaPackage: live v1, v2 and VOD. */
export const MEDIAPACKAGE_EVENT_SOURCES = [
  'mediapackage.amazonaws.com',
  'mediapackagev2.amazonaws.com',
  'mediapackage-vod.amazonaws.com',
] as const;

export type MediaPackageEventSource = (typeof MEDIAPACKAGE_EVENT_SOURCES)[number];

export type Severity = 'high' | 'medium' | 'low';
export type Outcome = 'success' | 'failed';

/** A record that must alert, with what the matcher concluded about it. */
export interface MatchedEvent {
  readonly record: CloudTrailRecord;
  readonly eventSource: MediaPackageEventSource;
  readonly eventName: string;
  readonly severity: Severity;
  readonly outcome: Outcome;
}

const SOURCES: ReadonlySet<string> = new Set(MEDIAPACKAGE_EVENT_SOURCES);
const READ_NAME = /^(Describe|List|Get)/;
const TAGGING_NAME = /^(TagResource|UntagResource)$/;
const HIGH_NAME = /^(Rotate|Delete)|Policy$/;

export function isMediaPackageEventSource(value: unknown): value is MediaPackageEventSource {
  return typeof value === 'string' && SOURCES.has(value);
}

/**
 * Whether the call only reads. CloudTrail's `readOnly` decides when present (it is a boolean,
 * but tolerate the string form); without it, the name does: Describe*, List*, Get* are reads.
 */
export function isReadOnlyCall(record: CloudTrailRecord): boolean {
  const flag = record.readOnly;
  if (flag === true || flag === 'true') return true;
  if (flag === false || flag === 'false') return false;
  return READ_NAME.test(typeof record.eventName === 'string' ? record.eventName : '');
}

/**
 * How loud an alert is: failed attempts, credential rotations, deletions and policy changes
 * are `high` (each can cut a live channel or hide an intrusion); tagging is `low`; every
 * other change (create, update, configure, reset, harvest) is `medium`.
 */
export function severityOf(eventName: string, outcome: Outcome): Severity {
  if (outcome === 'failed' || HIGH_NAME.test(eventName)) return 'high';
  if (TAGGING_NAME.test(eventName)) return 'low';
  return 'medium';
}

/**
 * Decides whether a CloudTrail record is a MediaPackage write call that must alert.
 * Other services never match, even with the same event name (MediaLive's `UpdateChannel`),
 * and neither do Insights records.
 */
export function matchEvent(record: CloudTrailRecord): MatchedEvent | undefined {
  const { eventSource, eventName } = record;
  if (!isMediaPackageEventSource(eventSource)) return undefined;
  if (typeof eventName !== 'string' || eventName.length === 0) return undefined;
  if (record.eventType !== undefined && record.eventType !== 'AwsApiCall') return undefined;
  if (isReadOnlyCall(record)) return undefined;
  const outcome: Outcome =
    typeof record.errorCode === 'string' && record.errorCode.length > 0 ? 'failed' : 'success';
  return { record, eventSource, eventName, outcome, severity: severityOf(eventName, outcome) };
}
