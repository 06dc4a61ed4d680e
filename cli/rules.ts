import { createReadStream } from 'node:fs';
import { loadRulesFile } from '../lib/rules-file';
import type { CompiledRules } from '../lambda/match/matcher';
import { compileRules, suppressionExpiresAt } from '../lambda/match/matcher';
import type { RulesConfig } from '../lambda/match/rules-schema';
import { RulesValidationError, SUPPRESSION_CONDITIONS } from '../lambda/match/rules-schema';
import { DEFAULT_MAX_INFLATED_BYTES } from '../lambda/read/read-budget';
import { redactText } from '../lambda/alert/redact';
import type { MediaPackageAlert } from '../lambda/alert/alert';
import type { SuppressedDecision } from '../lambda/pipeline/scan-log-object';
import { scanLogObject } from '../lambda/pipeline/scan-log-object';
import type { CommandIo } from './io';
import { countText, expandPaths, localSkipReason } from './scan';

/** The default rules file, relative to the working directory. */
export const DEFAULT_RULES_PATH = 'config/rules.json';

function list(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.join(', ');
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
          ]
            .filter((part) => part !== '')
            .join(', ') || 'any event'
        } -> ${rule.severity}`,
    ),
    `suppressions:   ${rules.suppressions.length}`,
    ...rules.suppressions.map((suppression, index) => {
      const expiresAt = suppressionExpiresAt(suppression.expires);
      const expired = expiresAt !== null && now.getTime() >= expiresAt;
      const conditions = SUPPRESSION_CONDITIONS.filter((key) => suppression[key] !== undefined)
        .map((key) => `${key} ${(suppression[key] ?? []).join('|')}`)
        .join(', ');
      return `  [${index}] ${conditions}${suppression.expires === undefined ? '' : `, until ${suppression.expires}${expired ? ' (EXPIRED: no longer applies)' : ''}`} - ${suppression.reason}`;
    }),
    `self-protection: ${rules.selfProtection.enabled ? `on, at ${rules.selfProtection.severity}` : 'OFF: tampering with the pipeline will not alert'}`,
  ];
  return lines;
}

/**
 * Reads, validates and compiles a rules file for `--rules` of `scan` and `replay`.
 * @throws RulesValidationError naming the file and every problem
 */
export function loadCompiledRules(path: string): CompiledRules {
  return compileRules(loadRulesFile(path));
}

/** `mp-audit rules check [file]`: validates a rules file and prints a summary. */
export function runRulesCheck(path: string, io: CommandIo): number {
  try {
    const rules = loadRulesFile(path);
    io.out(`${path}: valid`);
    for (const line of describeRules(rules)) io.out(line);
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
    config = loadRulesFile(options.rulesPath);
  } catch (error) {
    if (error instanceof RulesValidationError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
  const rules = compileRules(config);
  const { files, missing } = await expandPaths(options.paths);
  let failed = missing.length;
  for (const { path, reason } of missing) io.err(`mp-audit: cannot read ${path}: ${reason}`);
  let alerts = 0;
  let suppressed = 0;
  let read = 0;
  const skipped = new Map<string, number>();
  for (const file of files) {
    const skipReason = localSkipReason(file);
    if (skipReason !== undefined) {
      skipped.set(skipReason, (skipped.get(skipReason) ?? 0) + 1);
      continue;
    }
    read += 1;
    // Decisions are printed as they are found: memory does not grow with their number.
    const scan = await scanLogObject(
      createReadStream(file),
      { bucket: '', key: file },
      {
        objectName: file,
        rules,
        maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
        ...(options.now === undefined ? {} : { now: options.now }),
        onAlert: (alert) => {
          alerts += 1;
          io.out(alertDecisionLine(alert, file, options.json));
          return io.drained?.();
        },
        onSuppressed: (decision) => {
          suppressed += 1;
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
  io.err(
    `mp-audit rules test: files ${read}, alerts ${alerts}, suppressed ${suppressed}, skipped ${countText(skipped)}, unreadable ${failed}`,
  );
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
