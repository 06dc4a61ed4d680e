/**
 * Alert storms, the pure part: which alerts count together (one caller, one event name), the
 * window they fall in, and the digest people get instead of the rest. The state (counts, which
 * event was collapsed) lives in DynamoDB: see deliver/storm-gate.ts.
 */
import type { MediaPackageAlert } from './alert';
import { jsonDigest } from './alert';
import type { Severity } from '../match/matcher';
import { SEVERITIES } from '../match/rules-schema';

/** The storm settings of the rules file (`storms`). */
export interface StormSettings {
  readonly enabled: boolean;
  /** People get this many alerts of one caller and event name per window; the rest collapse. */
  readonly threshold: number;
  readonly windowMinutes: number;
}

/** What alerts of one storm share: the caller and the event name, in one account. */
export interface StormKey {
  /** A digest of the caller and event name: safe in a DynamoDB key. */
  readonly id: string;
  /** The caller in a few words, e.g. `role Deployer`. */
  readonly callerLabel: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly service: string;
  readonly accountId: string | null;
}

/**
 * The caller a storm is counted by. A role is the same caller whatever its session is called
 * (a pipeline names each run's session differently), so an assumed role counts by its role.
 */
function callerOf(alert: MediaPackageAlert): string {
  const { actor } = alert;
  return actor.sessionIssuerArn ?? actor.arn ?? actor.principalId ?? `${actor.kind}/${actor.via}`;
}

/** `role Deployer`, `user alice`, `the root user`, or the caller's description. */
export function callerLabel(alert: MediaPackageAlert): string {
  const { actor } = alert;
  const name = (arn: string | null): string | undefined =>
    arn === null ? undefined : arn.split('/').pop();
  if (actor.kind === 'Root') return 'the root user';
  const role = actor.sessionIssuerType === 'Role' ? name(actor.sessionIssuerArn) : undefined;
  if (role !== undefined && role !== '') return `role ${role}`;
  if (actor.kind === 'IAMUser' && actor.userName !== null) return `user ${actor.userName}`;
  return actor.description;
}

/** Whether a storm may collapse the alert: never a change to the pipeline itself. */
export function isCollapsible(alert: MediaPackageAlert): boolean {
  return alert.category !== 'self-protection';
}

export function stormKeyOf(alert: MediaPackageAlert): StormKey {
  const caller = callerOf(alert);
  return {
    id: jsonDigest([alert.accountId ?? '', caller, alert.eventSource, alert.eventName]).slice(
      0,
      32,
    ),
    callerLabel: callerLabel(alert),
    eventName: alert.eventName,
    eventSource: alert.eventSource,
    service: alert.service,
    accountId: alert.accountId,
  };
}

/**
 * The window `at` falls in: windows are aligned to the clock (every 5 minutes from midnight
 * UTC, for 5-minute windows), so every invocation, wherever it runs, agrees on them without
 * talking to the others.
 */
export function windowOf(at: Date, windowMinutes: number): { start: number; end: number } {
  const length = windowMinutes * 60_000;
  const start = Math.floor(at.getTime() / length) * length;
  return { start, end: start + length };
}

/** One collapsed event as the digest lists it: a few words each, all from the redacted alert. */
export interface CollapsedEvent {
  readonly eventID: string;
  readonly eventTime: string | null;
  readonly awsRegion: string;
  readonly resource: string;
  readonly severity: Severity;
  readonly failed: boolean;
  readonly link: string;
}

export function collapsedEventOf(alert: MediaPackageAlert): CollapsedEvent {
  return {
    eventID: alert.eventID,
    eventTime: alert.eventTime,
    awsRegion: alert.awsRegion,
    resource: `${alert.resource.type} ${alert.resource.id ?? alert.resource.arn ?? '-'}`,
    severity: alert.severity,
    failed: alert.outcome === 'failed',
    link: alert.links.cloudTrailEvent,
  };
}

/** Resources and links a digest lists, at most: the count says how many more there were. */
export const DIGEST_MAX_RESOURCES = 20;
export const DIGEST_MAX_LINKS = 10;

/** Identifies the digest JSON layout. */
export const DIGEST_SCHEMA = 'mediapackage-audit-digest/v1';

/** The summary people get for a storm window, instead of its collapsed alerts. */
export interface StormDigest {
  readonly schema: typeof DIGEST_SCHEMA;
  readonly kind: 'digest';
  /** Stable per window: the digest's idempotency key, so it is sent once. */
  readonly digestID: string;
  readonly callerLabel: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly service: string;
  readonly accountId: string | null;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly windowMinutes: number;
  /** Alerts people got individually in this window before the storm collapsed the rest. */
  readonly delivered: number;
  /** Events the storm collapsed. */
  readonly collapsed: number;
  /** True when more were collapsed than were read back (`collapsed` is then a lower bound). */
  readonly collapsedAtLeast: boolean;
  readonly failed: number;
  /** The loudest of the collapsed alerts. */
  readonly severity: Severity;
  readonly firstEventTime: string | null;
  readonly lastEventTime: string | null;
  readonly regions: readonly string[];
  readonly resources: readonly string[];
  readonly moreResources: number;
  readonly links: readonly string[];
}

/** What the window state says about a window, for its digest. */
export interface StormWindowState {
  readonly key: StormKey;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly windowMinutes: number;
  readonly delivered: number;
  /** Collapsed events counted by the window (may exceed `events` when not all were read). */
  readonly collapsedCount: number;
}

/** Builds a window's digest from its state and the collapsed events read back. */
export function buildDigest(
  window: StormWindowState,
  events: readonly CollapsedEvent[],
): StormDigest {
  const times = events
    .map((event) => event.eventTime)
    .filter((time): time is string => time !== null && !Number.isNaN(Date.parse(time)))
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const resources = [...new Set(events.map((event) => event.resource))].sort();
  const severity =
    SEVERITIES.find((level) => events.some((event) => event.severity === level)) ?? 'info';
  const collapsed = Math.max(window.collapsedCount, events.length);
  return {
    schema: DIGEST_SCHEMA,
    kind: 'digest',
    digestID: `digest-${jsonDigest([window.key.id, window.windowStart]).slice(0, 40)}`,
    callerLabel: window.key.callerLabel,
    eventName: window.key.eventName,
    eventSource: window.key.eventSource,
    service: window.key.service,
    accountId: window.key.accountId,
    windowStart: new Date(window.windowStart).toISOString(),
    windowEnd: new Date(window.windowEnd).toISOString(),
    windowMinutes: window.windowMinutes,
    delivered: window.delivered,
    collapsed,
    collapsedAtLeast: collapsed > events.length,
    failed: events.filter((event) => event.failed).length,
    severity,
    firstEventTime: times[0] ?? null,
    lastEventTime: times[times.length - 1] ?? null,
    regions: [...new Set(events.map((event) => event.awsRegion))].sort(),
    resources: resources.slice(0, DIGEST_MAX_RESOURCES),
    moreResources: Math.max(0, resources.length - DIGEST_MAX_RESOURCES),
    links: events.slice(0, DIGEST_MAX_LINKS).map((event) => event.link),
  };
}

/**
 * `143 more TagResource calls by role Deployer in the last 5 minutes` (the first `threshold`
 * were sent one by one).
 */
export function digestHeadline(digest: StormDigest): string {
  const count = `${digest.collapsedAtLeast ? 'at least ' : ''}${digest.collapsed}`;
  const calls = digest.collapsed === 1 ? 'call' : 'calls';
  return `${count} more ${digest.eventName} ${calls} by ${digest.callerLabel} in the last ${digest.windowMinutes} minute${digest.windowMinutes === 1 ? '' : 's'}`;
}
