import ipaddr from 'ipaddr.js';
import type { CloudTrailRecord } from '../read/cloudtrail-record';
import { isReadOnlyCall } from '../read/cloudtrail-record';
import type { MediaPackageEventSource } from './event-sources';
import type { CallVia, CallerIdentity, IdentityType } from './identity';
import { classifyIdentity } from './identity';
import { MEDIAPACKAGE_EVENT_SOURCES } from './event-sources';
import { wildcardToRegExp } from './patterns';
import type { RulesConfig, Severity, SuppressionConfig } from './rules-schema';
import { DEFAULT_RULES, ROOT_SEVERITY } from './rules-schema';
import type { OwnResources } from './self-protection';
import { SELF_PROTECTED_SOURCES, selfProtectionMarkers, tamperedResource } from './self-protection';

/** The read-only rule the matcher applies (see `alertOnReadOnly`). */
export { isReadOnlyCall };

export { MEDIAPACKAGE_EVENT_SOURCES };
export type { MediaPackageEventSource, Severity };

export type Outcome = 'success' | 'failed';

/** Why an event alerts: a watched service's call, or tampering with the pipeline itself. */
export type MatchCategory = 'watched' | 'self-protection';

/** A record that must alert, with what the matcher concluded about it. */
export interface MatchedEvent {
  readonly record: CloudTrailRecord;
  readonly eventSource: string;
  readonly eventName: string;
  readonly severity: Severity;
  readonly outcome: Outcome;
  readonly category: MatchCategory;
  /** For self-protection: what was touched, e.g. `trail management-trail`. */
  readonly target?: string;
  /**
   * Who called and how, classified once for the rules and the alert. Optional so that a match
   * built by hand (a test alert) still works: the alert classifies the record itself then.
   */
  readonly identity?: CallerIdentity;
}

/** What the rules decided for one record. */
export type Decision =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'alert'; readonly match: MatchedEvent }
  | {
      readonly kind: 'suppressed';
      readonly match: MatchedEvent;
      readonly suppression: SuppressionConfig;
      readonly suppressionIndex: number;
    };

interface CompiledSuppression {
  readonly config: SuppressionConfig;
  readonly expiresAt: number | null;
  readonly principalArn?: RegExp[];
  readonly account?: RegExp[];
  readonly region?: RegExp[];
  readonly userAgent?: RegExp[];
  readonly eventName?: RegExp[];
  readonly eventSource?: RegExp[];
  readonly identityType?: ReadonlySet<IdentityType>;
  readonly via?: ReadonlySet<CallVia>;
  readonly sourceIp?: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

/** A severity rule ready to test. */
export interface CompiledSeverityRule {
  readonly eventName?: RegExp;
  readonly eventSource?: RegExp;
  readonly outcome?: Outcome;
  readonly identityType?: ReadonlySet<IdentityType>;
  readonly via?: ReadonlySet<CallVia>;
  readonly severity: Severity;
}

/** Rules turned into matchers once, so each record costs only the tests it needs. */
export interface CompiledRules {
  readonly config: RulesConfig;
  readonly own: OwnResources;
  readonly sources: readonly RegExp[];
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
  readonly severityRules: readonly CompiledSeverityRule[];
  readonly suppressions: readonly CompiledSuppression[];
  /** The pipeline's own resource identifiers, which a tampering record must mention. */
  readonly ownMarkers: readonly Buffer[];
}

function patterns(values: readonly string[] | undefined): RegExp[] | undefined {
  return values?.map(wildcardToRegExp);
}

/** Expiry instant: a date alone means the suppression still applies through that day (UTC). */
export function suppressionExpiresAt(value: string | undefined): number | null {
  if (value === undefined) return null;
  const instant = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return value.length === 10 ? instant + 24 * 60 * 60 * 1000 : instant;
}

/**
 * Whether a suppression ending at `expiresAt` (from {@link suppressionExpiresAt}) no longer
 * applies at `now` (epoch ms). One rule for the matcher and for `mp-audit rules check`.
 */
export function suppressionExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && now >= expiresAt;
}

export function compileRules(config: RulesConfig, own: OwnResources = {}): CompiledRules {
  const ownMarkers = config.selfProtection.enabled
    ? selfProtectionMarkers(own).map((marker) => Buffer.from(marker))
    : [];
  return {
    config,
    own,
    sources: config.eventSources.map(wildcardToRegExp),
    include: config.eventNames.include.map(wildcardToRegExp),
    exclude: config.eventNames.exclude.map(wildcardToRegExp),
    severityRules: config.severityRules.map((rule) => ({
      ...(rule.eventName === undefined ? {} : { eventName: wildcardToRegExp(rule.eventName) }),
      ...(rule.eventSource === undefined
        ? {}
        : { eventSource: wildcardToRegExp(rule.eventSource) }),
      ...(rule.outcome === undefined ? {} : { outcome: rule.outcome }),
      ...optional('identityType', enumSet(rule.identityType)),
      ...optional('via', enumSet(rule.via)),
      severity: rule.severity,
    })),
    suppressions: config.suppressions.map((suppression) => {
      const compiled: CompiledSuppression = {
        config: suppression,
        expiresAt: suppressionExpiresAt(suppression.expires),
        ...optional('principalArn', patterns(suppression.principalArn)),
        ...optional('account', patterns(suppression.account)),
        ...optional('region', patterns(suppression.region)),
        ...optional('userAgent', patterns(suppression.userAgent)),
        ...optional('eventName', patterns(suppression.eventName)),
        ...optional('eventSource', patterns(suppression.eventSource)),
        ...optional('identityType', enumSet(suppression.identityType)),
        ...optional('via', enumSet(suppression.via)),
        ...optional(
          'sourceIp',
          suppression.sourceIp?.map((value) =>
            value.includes('/') ? ipaddr.parseCIDR(value) : hostRange(ipaddr.parse(value)),
          ),
        ),
      };
      return compiled;
    }),
    ownMarkers,
  };
}

function enumSet<T extends string>(values: readonly T[] | undefined): ReadonlySet<T> | undefined {
  return values === undefined ? undefined : new Set(values);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function hostRange(address: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/** The rules in force when none are configured: MediaPackage writes, today's severities. */
export const DEFAULT_COMPILED_RULES: CompiledRules = compileRules(DEFAULT_RULES);

const SOURCE_CACHE_LIMIT = 1_000;

/**
 * A prefilter for the log reader: false only for records that cannot match these rules, told
 * without parsing from the record's top-level `eventSource`, which the reader reads exactly as
 * it scans. It keeps records of a watched source, of CloudTrail itself, and of the services
 * whose calls can tamper with the pipeline when their raw text names one of its resources.
 * A source the reader could not read exactly (null) is always parsed.
 */
export function rawRecordFilter(rules: CompiledRules): RecordFilter {
  const decisions = new Map<string, 'parse' | 'skip' | 'own-resources'>();
  const selfProtection = rules.config.selfProtection.enabled;
  const decide = (source: string): 'parse' | 'skip' | 'own-resources' => {
    if (rules.sources.some((pattern) => pattern.test(source))) return 'parse';
    if (!selfProtection) return 'skip';
    if (source === 'cloudtrail.amazonaws.com') return 'parse';
    return SELF_PROTECTED_SOURCES.has(source) && rules.ownMarkers.length > 0
      ? 'own-resources'
      : 'skip';
  };
  const bySource = (eventSource: string | null | undefined): boolean | undefined => {
    if (eventSource === null) return true;
    // No string eventSource: evaluateRecord ignores such a record.
    if (eventSource === undefined) return false;
    let decision = decisions.get(eventSource);
    if (decision === undefined) {
      decision = decide(eventSource);
      if (decisions.size < SOURCE_CACHE_LIMIT) decisions.set(eventSource, decision);
    }
    return decision === 'own-resources' ? undefined : decision === 'parse';
  };
  const filter = (raw: Buffer, eventSource: string | null | undefined): boolean =>
    bySource(eventSource) ?? rules.ownMarkers.some((marker) => raw.indexOf(marker) !== -1);
  return Object.assign(filter, { bySource });
}

/** The reader's prefilter: the raw bytes and the record's top-level eventSource. */
export interface RecordFilter {
  (raw: Buffer, eventSource: string | null | undefined): boolean;
  /** From the eventSource alone: true to parse, false to skip, undefined to look at the bytes. */
  readonly bySource: (eventSource: string | null | undefined) => boolean | undefined;
}

/**
 * How loud an alert is: the first severity rule that fits wins, else the default. The default
 * rules make failed attempts, credential rotations, deletions and policy changes `high` (each
 * can cut a live channel or hide an intrusion), tagging `low`, every other change `medium`.
 *
 * Precedence for the root user: a change made as Root is ROOT_SEVERITY (`high`) whatever the
 * rules say, because root bypasses every guardrail and a rule written for the deploy role
 * (`TagResource` is `low`) must not quietly cover it. Only a rule whose `identityType` names
 * Root says otherwise: the first matching rule that names Root wins; other rules are ignored.
 * Without `identity` (the older call shape) a rule with an identityType or via condition never
 * fits.
 */
export function severityOf(
  eventName: string,
  outcome: Outcome,
  eventSource = 'mediapackage.amazonaws.com',
  rules: CompiledRules = DEFAULT_COMPILED_RULES,
  identity?: Pick<CallerIdentity, 'type' | 'via'>,
): Severity {
  const fits = (candidate: CompiledSeverityRule): boolean =>
    (candidate.eventName === undefined || candidate.eventName.test(eventName)) &&
    (candidate.eventSource === undefined || candidate.eventSource.test(eventSource)) &&
    (candidate.outcome === undefined || candidate.outcome === outcome) &&
    (candidate.identityType === undefined ||
      (identity !== undefined && candidate.identityType.has(identity.type))) &&
    (candidate.via === undefined || (identity !== undefined && candidate.via.has(identity.via)));
  if (identity?.type === 'Root') {
    const explicit = rules.severityRules.find(
      (candidate) => candidate.identityType?.has('Root') === true && fits(candidate),
    );
    return explicit?.severity ?? ROOT_SEVERITY;
  }
  return rules.severityRules.find(fits)?.severity ?? rules.config.defaultSeverity;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function anyMatches(tests: readonly RegExp[] | undefined, value: string): boolean {
  return tests === undefined || tests.some((test) => test.test(value));
}

function ipMatches(ranges: CompiledSuppression['sourceIp'], value: string): boolean {
  if (ranges === undefined) return true;
  if (!ipaddr.isValid(value)) return false;
  const address = ipaddr.process(value);
  return ranges.some(
    ([range, bits]) => address.kind() === range.kind() && address.match(range, bits),
  );
}

function inSet<T>(allowed: ReadonlySet<T> | undefined, value: T): boolean {
  return allowed === undefined || allowed.has(value);
}

function identityOf(match: MatchedEvent): CallerIdentity {
  return match.identity ?? classifyIdentity(match.record);
}

function suppressionApplies(
  suppression: CompiledSuppression,
  match: MatchedEvent,
  now: number,
): boolean {
  const { record } = match;
  if (suppressionExpired(suppression.expiresAt, now)) return false;
  if (match.category === 'self-protection' && !suppression.config.includeSelfProtection)
    return false;
  return (
    anyMatches(suppression.principalArn, text(record.userIdentity?.arn)) &&
    anyMatches(
      suppression.account,
      text(record.recipientAccountId) || text(record.userIdentity?.accountId),
    ) &&
    anyMatches(suppression.region, text(record.awsRegion)) &&
    anyMatches(suppression.userAgent, text(record.userAgent)) &&
    anyMatches(suppression.eventName, match.eventName) &&
    anyMatches(suppression.eventSource, match.eventSource) &&
    inSet(suppression.identityType, identityOf(match).type) &&
    inSet(suppression.via, identityOf(match).via) &&
    ipMatches(suppression.sourceIp, text(record.sourceIPAddress))
  );
}

function outcomeOf(record: CloudTrailRecord): Outcome {
  return typeof record.errorCode === 'string' && record.errorCode.length > 0 ? 'failed' : 'success';
}

/** Finds the match before suppressions: a tampering call or a watched write call. */
function findMatch(record: CloudTrailRecord, rules: CompiledRules): MatchedEvent | undefined {
  const { eventSource, eventName } = record;
  if (typeof eventSource !== 'string' || typeof eventName !== 'string' || eventName.length === 0) {
    return undefined;
  }
  if (record.eventType !== undefined && record.eventType !== 'AwsApiCall') return undefined;
  const outcome = outcomeOf(record);
  if (rules.config.selfProtection.enabled) {
    const target = tamperedResource(record, rules.own);
    if (target !== undefined) {
      const identity = classifyIdentity(record);
      return {
        record,
        eventSource,
        eventName,
        outcome,
        // Root tampering with the pipeline is high even when selfProtection.severity is lower.
        severity: identity.type === 'Root' ? ROOT_SEVERITY : rules.config.selfProtection.severity,
        category: 'self-protection',
        target,
        identity,
      };
    }
  }
  if (!rules.sources.some((source) => source.test(eventSource))) return undefined;
  if (!rules.include.some((name) => name.test(eventName))) return undefined;
  if (rules.exclude.some((name) => name.test(eventName))) return undefined;
  if (!rules.config.alertOnReadOnly && isReadOnlyCall(record)) return undefined;
  if (!rules.config.alertOnFailed && outcome === 'failed') return undefined;
  // Classified only for records that alert: the cost stays off the hot path.
  const identity = classifyIdentity(record);
  return {
    record,
    eventSource,
    eventName,
    outcome,
    severity: severityOf(eventName, outcome, eventSource, rules, identity),
    category: 'watched',
    identity,
  };
}

/**
 * Decides what to do with one CloudTrail record: ignore it, alert, or stay silent because an
 * active suppression covers it. Other services never match unless the rules watch them, even
 * with the same event name (MediaLive's `UpdateChannel`), and Insights records never match.
 */
export function evaluateRecord(
  record: CloudTrailRecord,
  rules: CompiledRules = DEFAULT_COMPILED_RULES,
  now: Date = new Date(),
): Decision {
  const match = findMatch(record, rules);
  if (match === undefined) return { kind: 'ignored' };
  const at = now.getTime();
  const index = rules.suppressions.findIndex((suppression) =>
    suppressionApplies(suppression, match, at),
  );
  const suppression = rules.suppressions[index];
  if (suppression !== undefined) {
    return { kind: 'suppressed', match, suppression: suppression.config, suppressionIndex: index };
  }
  return { kind: 'alert', match };
}

/** The match when the record must alert, else undefined (ignored or suppressed). */
export function matchEvent(
  record: CloudTrailRecord,
  rules: CompiledRules = DEFAULT_COMPILED_RULES,
  now?: Date,
): MatchedEvent | undefined {
  const decision = evaluateRecord(record, rules, now);
  return decision.kind === 'alert' ? decision.match : undefined;
}
