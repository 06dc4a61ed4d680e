import { loadRulesFile, RulesFileError } from '../lib/rules-file';
import type { CompiledRules } from '../lambda/match/matcher';
import { compileRules, suppressionExpired, suppressionExpiresAt } from '../lambda/match/matcher';
import type { RulesConfig, SuppressionConfig } from '../lambda/match/rules-schema';
import {
  ROOT_SEVERITY,
  RulesValidationError,
  SUPPRESSION_CONDITIONS,
} from '../lambda/match/rules-schema';
import { DEFAULT_MAX_INFLATED_BYTES } from '../lambda/read/read-budget';
import { redactText } from '../lambda/alert/redact';
import type { MediaPackageAlert } from '../lambda/alert/alert';
import type { SuppressedDecision } from '../lambda/pipeline/scan-log-object';
import { scanLogObject } from '../lambda/pipeline/scan-log-object';
import type { CommandIo } from './io';
import { countText, expandPaths, localSkipReason, openLocalFile } from './scan';

/** The default rules file, relative to the working directory. */
export const DEFAULT_RULES_PATH = 'config/rules.json';

/** What to do about a missing rules file, per command (after "not found"). */
const WHEN_MISSING = {
  option: 'create one: see README "Rules", or run without --rules for the defaults',
  check: 'create one: see README "Rules", or name another: mp-audit rules check <file>',
  test: 'create one: see README "Rules"',
} as const;

/** A suppression expiring this soon is pointed out, so it can be extended before it lapses. */
const EXPIRY_NOTICE_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

function list(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.join(', ');
}

function days(count: number): string {
  return `${count} day${count === 1 ? '' : 's'}`;
}

/** Where a suppression stands at `now`: for ever, until later, expiring soon, or expired. */
type SuppressionState =
  | { readonly kind: 'open' | 'live' | 'expired' }
  | { readonly kind: 'expiring'; readonly days: number };

function suppressionState(suppression: SuppressionConfig, now: Date): SuppressionState {
  const expiresAt = suppressionExpiresAt(suppression.expires);
  if (expiresAt === null) return { kind: 'open' };
  if (suppressionExpired(expiresAt, now.getTime())) return { kind: 'expired' };
  const days = Math.ceil((expiresAt - now.getTime()) / DAY_MS);
  return days <= EXPIRY_NOTICE_DAYS ? { kind: 'expiring', days } : { kind: 'live' };
}

/**
 * A warning line per expired suppression and a note per one expiring within a week, judged at
 * `now`; `#N` is the index the other lines use (`[N]`, `suppressions[N]`).
 */
export function suppressionNotices(rules: RulesConfig, now: Date): string[] {
  return rules.suppressions.flatMap((suppression, index) => {
    const state = suppressionState(suppression, now);
    const which = `suppression #${index} (${suppression.reason})`;
    if (state.kind === 'expired') {
      return [
        `warning: ${which} expired on ${suppression.expires}; it no longer silences anything - remove it or extend "expires"`,
      ];
    }
    if (state.kind === 'expiring') {
      return [
        `note: ${which} expires on ${suppression.expires}, in ${days(state.days)}; extend "expires" if it is still needed`,
      ];
    }
    return [];
  });
}

/** What a change made as root gets: ROOT_SEVERITY unless a rule names Root itself. */
function rootText(rules: RulesConfig): string {
  const own = rules.severityRules.findIndex((rule) => rule.identityType?.includes('Root'));
  return own === -1
    ? `${ROOT_SEVERITY}, whatever the severity rules say (a rule naming identityType Root overrides it)`
    : `as severity rule [${own}] says when it matches, else ${ROOT_SEVERITY}`;
}

/** A short account of what a rules file does, for `mp-audit rules check`. */
export function describeRules(rules: RulesConfig, now = new Date()): string[] {
  const lines = [
    `watches:        ${list(rules.eventSources)}`,
    `event names:    include ${list(rules.eventNames.include)}; exclude ${list(rules.eventNames.exclude)}`,
    `read-only:      ${rules.alertOnReadOnly ? 'alert' : 'ignored'}; failed attempts: ${rules.alertOnFailed ? 'alert' : 'ignored'}`,
    `severity rules: ${rules.severityRules.length} (first match wins), otherwise ${rules.defaultSeverity}`,
    ...rules.severityRules.map(
      (rule, index) =>
        `  [${index}] ${
          [
            rule.eventSource === undefined ? '' : `source ${rule.eventSource}`,
            rule.eventName === undefined ? '' : `name ${rule.eventName}`,
            rule.outcome === undefined ? '' : `outcome ${rule.outcome}`,
            rule.identityType === undefined ? '' : `identity ${rule.identityType.join('|')}`,
            rule.via === undefined ? '' : `via ${rule.via.join('|')}`,
          ]
            .filter((part) => part !== '')
            .join(', ') || 'any event'
        } -> ${rule.severity}`,
    ),
    `root user:      ${rootText(rules)}`,
    `suppressions:   ${rules.suppressions.length}${expiredText(rules, now)}`,
    ...rules.suppressions.map((suppression, index) => {
      const state = suppressionState(suppression, now);
      const conditions = SUPPRESSION_CONDITIONS.filter((key) => suppression[key] !== undefined)
        .map((key) => `${key} ${(suppression[key] ?? []).join('|')}`)
        .join(', ');
      const tampering = suppression.includeSelfProtection ? ', self-protection alerts too' : '';
      const until =
        suppression.expires === undefined
          ? ''
          : `, until ${suppression.expires}${state.kind === 'expired' ? ' (EXPIRED: no longer applies)' : state.kind === 'expiring' ? ` (expires in ${days(state.days)})` : ''}`;
      return `  [${index}] ${conditions}${tampering}${until} - ${suppression.reason}`;
    }),
    `self-protection: ${rules.selfProtection.enabled ? `on, at ${rules.selfProtection.severity}` : 'OFF: tampering with the pipeline will not alert'}`,
  ];
  return lines;
}

/** How many suppressions have expired at `now`. */
function expiredCount(rules: RulesConfig, now: Date): number {
  return rules.suppressions.filter(
    (suppression) => suppressionState(suppression, now).kind === 'expired',
  ).length;
}

/** ` (1 expired)` when suppressions have expired at `now`, else nothing. */
function expiredText(rules: RulesConfig, now: Date): string {
  const expired = expiredCount(rules, now);
  return expired === 0 ? '' : ` (${expired} expired)`;
}

/**
 * Reads a rules file for a command: a file that cannot be taken in is one `mp-audit:` line,
 * like the CLI's other errors (the stack's synth prints the same text without the prefix).
 */
function readRulesFile(path: string, whenMissing: string): RulesConfig {
  try {
    return loadRulesFile(path, { whenMissing });
  } catch (error) {
    if (!(error instanceof RulesFileError)) throw error;
    throw new RulesFileError(path, error.problem, `mp-audit: ${error.message}`, error.cause);
  }
}

/**
 * Reads, validates and compiles a rules file for `--rules` of `scan` and `replay`.
 * @throws RulesValidationError naming the file and every problem
 */
export function loadCompiledRules(path: string): CompiledRules {
  return compileRules(readRulesFile(path, WHEN_MISSING.option));
}

/**
 * `mp-audit rules check [file]`: validates a rules file and prints a summary, then warns of
 * expired suppressions. These leave the file valid (exit 0): lapsing is what `expires` is for
 * (README: "let it lapse, so it is reviewed"), the event alerts again, which is the safe side,
 * and the schema and synth accept a past date, so CI would otherwise break on a calendar day.
 */
export function runRulesCheck(path: string, io: CommandIo, now = new Date()): number {
  try {
    const rules = readRulesFile(path, WHEN_MISSING.check);
    io.out(`${path}: valid`);
    for (const line of describeRules(rules, now)) io.out(line);
    for (const line of suppressionNotices(rules, now)) io.err(line);
    return 0;
  } catch (error) {
    if (error instanceof RulesValidationError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

/**
 * `mp-audit rules test <rules> <logs>...`: shows, for local log files, which events alert and
 * at which severity, and which suppression silenced which event, with its reason.
 */
export async function runRulesTest(
  options: { rulesPath: string; paths: readonly string[]; json: boolean; now?: Date },
  io: CommandIo,
): Promise<number> {
  let config: RulesConfig;
  try {
    config = readRulesFile(options.rulesPath, WHEN_MISSING.test);
  } catch (error) {
    if (error instanceof RulesValidationError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
  const rules = compileRules(config);
  const now = options.now ?? new Date();
  // Before the decisions: an expired suppression explains an alert the user expected silenced.
  for (const line of suppressionNotices(config, now)) io.err(line);
  const { files, missing, skipped: skippedInFolders } = await expandPaths(options.paths);
  let failed = missing.length;
  for (const { path, reason } of missing) io.err(`mp-audit: cannot read ${path}: ${reason}`);
  let alerts = 0;
  const suppressedBy = new Map<string, number>();
  let read = 0;
  // Exactly what scan skips: names that are not CloudTrail's in folders, then digest and
  // Insights files.
  const skipped = new Map<string, number>(skippedInFolders);
  for (const file of files) {
    const skipReason = localSkipReason(file);
    if (skipReason !== undefined) {
      skipped.set(skipReason, (skipped.get(skipReason) ?? 0) + 1);
      continue;
    }
    read += 1;
    // Decisions are printed as they are found: memory does not grow with their number.
    const scan = await scanLogObject(
      openLocalFile(file, io),
      { bucket: '', key: file },
      {
        objectName: file,
        rules,
        maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
        now,
        onAlert: (alert) => {
          alerts += 1;
          io.out(alertDecisionLine(alert, file, options.json));
          return io.drained?.();
        },
        onSuppressed: (decision) => {
          const which = `suppressions[${decision.suppressionIndex}]`;
          suppressedBy.set(which, (suppressedBy.get(which) ?? 0) + 1);
          io.out(suppressedDecisionLine(decision, file, options.json));
        },
        onBadRecord: () => undefined,
      },
    ).catch((error: unknown) => {
      io.err(`mp-audit: cannot read ${file}: ${redactText((error as Error).message)}`);
      return undefined;
    });
    if (scan === undefined || scan.readError !== null) {
      if (scan?.readError) io.err(`mp-audit: ${redactText(scan.readError.message)}`);
      failed += 1;
    }
  }
  if (io.quiet !== true) {
    io.err(
      `mp-audit rules test: files ${read}, alerts ${alerts}, suppressed ${countText(suppressedBy)}, ` +
        `expired suppressions ${expiredCount(config, now)}, ` +
        `skipped ${countText(skipped)}, unreadable ${failed}`,
    );
  }
  return failed > 0 ? 1 : 0;
}

/** An `ALERT` line of `rules test` (alerts are redacted when built). */
function alertDecisionLine(alert: MediaPackageAlert, file: string, json: boolean): string {
  if (!json) {
    const by = alert.actor.arn ?? alert.actor.identityType;
    const category = alert.category === 'self-protection' ? ' [self-protection]' : '';
    return `ALERT      ${alert.severity.padEnd(6)} ${alert.eventName} (${alert.eventSource}) ${alert.eventID} by ${by}${category}`;
  }
  return JSON.stringify({
    decision: 'alert',
    eventID: alert.eventID,
    eventSource: alert.eventSource,
    eventName: alert.eventName,
    severity: alert.severity,
    outcome: alert.outcome,
    category: alert.category,
    userArn: alert.actor.arn,
    sourceFile: file,
  });
}

/** A `SUPPRESSED` line of `rules test`: fields quoted from the record are redacted as alerts are. */
function suppressedDecisionLine(
  { match, suppression, suppressionIndex }: SuppressedDecision,
  file: string,
  json: boolean,
): string {
  const eventID = typeof match.record.eventID === 'string' ? match.record.eventID : '-';
  const userArn = match.record.userIdentity?.arn;
  const line = json
    ? JSON.stringify({
        decision: 'suppressed',
        eventID,
        eventSource: match.eventSource,
        eventName: match.eventName,
        severity: match.severity,
        outcome: match.outcome,
        suppression: suppressionIndex,
        reason: suppression.reason,
        userArn: typeof userArn === 'string' ? userArn : null,
        sourceFile: file,
      })
    : `SUPPRESSED ${match.severity.padEnd(6)} ${match.eventName} (${match.eventSource}) ${eventID} by suppressions[${suppressionIndex}]: ${suppression.reason}`;
  return redactText(line);
}
