import type { MediaPackageAlert } from './alert';
import { buildAlert } from './alert';
import type { LogObjectRef } from './cloudtrail-record';
import type { BadRecordError } from './errors';
import { LogReadError } from './errors';
import type { ReadStats } from './log-reader';
import { emptyReadStats, readCloudTrailRecords } from './log-reader';
import type { CompiledRules, Decision } from './matcher';
import { DEFAULT_COMPILED_RULES, evaluateRecord, rawRecordFilter } from './matcher';

/** What reading one log object produced. */
export interface LogObjectScan {
  readonly object: LogObjectRef;
  /** One alert per distinct eventID, in file order. */
  readonly alerts: MediaPackageAlert[];
  readonly stats: ReadStats;
  readonly badRecords: BadRecordError[];
  /** Set when the object could not be read to the end; the alerts found before stay valid. */
  readonly readError: LogReadError | null;
  /** Records repeated in the same file with an eventID already seen (CloudTrail can repeat). */
  readonly duplicateEvents: number;
  /** Events that matched but an active suppression silenced, with the suppression. */
  readonly suppressed: Extract<Decision, { kind: 'suppressed' }>[];
}

export interface ScanOptions {
  /** Names the object in errors. @default `s3://bucket/key` */
  readonly objectName?: string;
  /** @default the default rules: MediaPackage write calls */
  readonly rules?: CompiledRules;
  /** The time suppressions' expiry dates are judged at. @default now */
  readonly now?: Date;
}

/**
 * Reads one log object and returns an alert for each MediaPackage write call in it. Pure apart
 * from reading `body`: callers supply the bytes and decide what to do with the alerts.
 * Errors of the object itself (corrupt, truncated, not CloudTrail) are returned, not thrown;
 * errors of the source (network, permissions) are thrown.
 */
export async function scanLogObject(
  body: AsyncIterable<Uint8Array>,
  object: LogObjectRef,
  options: ScanOptions = {},
): Promise<LogObjectScan> {
  const objectName = options.objectName ?? `s3://${object.bucket}/${object.key}`;
  const rules = options.rules ?? DEFAULT_COMPILED_RULES;
  const now = options.now ?? new Date();
  const prefilter = rawRecordFilter(rules);
  const suppressed: Extract<Decision, { kind: 'suppressed' }>[] = [];
  const stats = emptyReadStats();
  const badRecords: BadRecordError[] = [];
  const alerts: MediaPackageAlert[] = [];
  const seen = new Set<string>();
  let duplicateEvents = 0;
  let readError: LogReadError | null = null;
  try {
    for await (const record of readCloudTrailRecords(body, {
      objectName,
      stats,
      // Only records whose raw text names a watched source can match: skip parsing the rest.
      prefilter,
      sourcePrefilter: prefilter.bySource,
      onBadRecord: (error) => badRecords.push(error),
    })) {
      const decision = evaluateRecord(record, rules, now);
      if (decision.kind === 'ignored') continue;
      if (decision.kind === 'suppressed') {
        suppressed.push(decision);
        continue;
      }
      const alert = buildAlert(decision.match, object);
      // Without an eventID two records cannot be told to be the same event: keep both.
      const eventID = decision.match.record.eventID;
      if (typeof eventID === 'string' && eventID.length > 0) {
        if (seen.has(eventID)) {
          duplicateEvents += 1;
          continue;
        }
        seen.add(eventID);
      }
      alerts.push(alert);
    }
  } catch (error) {
    if (!(error instanceof LogReadError)) throw error;
    readError = error;
  }
  return { object, alerts, stats, badRecords, readError, duplicateEvents, suppressed };
}
