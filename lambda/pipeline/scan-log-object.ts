import type { MediaPackageAlert } from '../alert/alert';
import { buildAlert } from '../alert/alert';
import type { LogObjectRef } from '../read/cloudtrail-record';
import { BadRecordError, LogReadError } from '../errors';
import type { ReadStats } from '../read/log-reader';
import { emptyReadStats, readCloudTrailRecords } from '../read/log-reader';
import type { CompiledRules, Decision } from '../match/matcher';
import { DEFAULT_COMPILED_RULES, evaluateRecord, rawRecordFilter } from '../match/matcher';

/** An event that matched but an active suppression silenced, with the suppression. */
export type SuppressedDecision = Extract<Decision, { kind: 'suppressed' }>;

/** What reading one log object produced. */
export interface LogObjectScan {
  readonly object: LogObjectRef;
  /**
   * One alert per distinct eventID, in file order, when no `onAlert` was given; empty
   * otherwise (the alerts went to `onAlert` as they were found).
   */
  readonly alerts: MediaPackageAlert[];
  /** Alerts found, whether collected or handed to `onAlert`. */
  readonly alertCount: number;
  readonly stats: ReadStats;
  /** Bad records, when no `onBadRecord` was given (at most BAD_RECORDS_KEPT). */
  readonly badRecords: BadRecordError[];
  readonly badRecordCount: number;
  /** Set when the object could not be read to the end; the alerts found before stay valid. */
  readonly readError: LogReadError | null;
  /** Records repeated in the same file with an eventID already seen (CloudTrail can repeat). */
  readonly duplicateEvents: number;
  /** Suppressed events, when no `onSuppressed` was given. */
  readonly suppressed: SuppressedDecision[];
  readonly suppressedCount: number;
}

export interface LogObjectScanOptions {
  /** Names the object in errors. @default `s3://bucket/key` */
  readonly objectName?: string;
  /** @default the default rules: MediaPackage write calls */
  readonly rules?: CompiledRules;
  /** The time suppressions' expiry dates are judged at. @default now */
  readonly now?: Date;
  /** Stop reading at this time (epoch ms); see ReadOptions.deadline. @default no limit */
  readonly deadline?: number;
  /** Stop after inflating this many bytes; see ReadOptions.maxInflatedBytes. @default no limit */
  readonly maxInflatedBytes?: number;
  /**
   * Receives each alert as soon as it is found; awaited, so a slow consumer slows the read
   * instead of piling alerts up in memory. Without it, alerts are collected in `alerts`.
   */
  readonly onAlert?: (alert: MediaPackageAlert) => void | Promise<void>;
  /** Receives each suppressed event. Without it, they are collected in `suppressed`. */
  readonly onSuppressed?: (decision: SuppressedDecision) => void;
  /**
   * Receives each bad record with how many the object has had so far (1 for the first), so
   * a caller can show the first few and count the rest. Without it, the first few are
   * collected in `badRecords`.
   */
  readonly onBadRecord?: (error: BadRecordError, seen: number) => void;
}

/** Bad records kept when they are collected rather than handed on. */
export const BAD_RECORDS_KEPT = 100;
/**
 * EventIDs remembered to drop CloudTrail's repeats within one file. Bounded so memory does
 * not grow with the file; a repeat further apart is caught by idempotent delivery.
 */
const SEEN_EVENT_IDS_MAX = 10_000;

/**
 * Reads one log object and finds an alert for each MediaPackage write call in it. Pure apart
 * from reading `body`: callers supply the bytes and decide what to do with the alerts.
 * Errors of the object itself (corrupt, truncated, not CloudTrail, a read budget run out) are
 * returned, not thrown, after everything found before them; errors of the source (network,
 * permissions) and of `onAlert` are thrown.
 */
export async function scanLogObject(
  body: AsyncIterable<Uint8Array>,
  object: LogObjectRef,
  options: LogObjectScanOptions = {},
): Promise<LogObjectScan> {
  const objectName = options.objectName ?? `s3://${object.bucket}/${object.key}`;
  const rules = options.rules ?? DEFAULT_COMPILED_RULES;
  const now = options.now ?? new Date();
  const prefilter = rawRecordFilter(rules);
  const suppressed: SuppressedDecision[] = [];
  const stats = emptyReadStats();
  const badRecords: BadRecordError[] = [];
  const alerts: MediaPackageAlert[] = [];
  const seen = new Set<string>();
  let alertCount = 0;
  let suppressedCount = 0;
  let badRecordCount = 0;
  let duplicateEvents = 0;
  let readError: LogReadError | null = null;
  const reportBad = (error: BadRecordError): void => {
    badRecordCount += 1;
    if (options.onBadRecord !== undefined) options.onBadRecord(error, badRecordCount);
    else if (badRecords.length < BAD_RECORDS_KEPT) badRecords.push(error);
  };
  try {
    for await (const record of readCloudTrailRecords(body, {
      objectName,
      stats,
      // Only records whose raw text names a watched source can match: skip parsing the rest.
      prefilter,
      sourcePrefilter: prefilter.bySource,
      skipReadOnly: !rules.config.alertOnReadOnly,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(options.maxInflatedBytes === undefined
        ? {}
        : { maxInflatedBytes: options.maxInflatedBytes }),
      onBadRecord: reportBad,
    })) {
      let alert: MediaPackageAlert;
      try {
        const decision = evaluateRecord(record, rules, now);
        if (decision.kind === 'ignored') continue;
        if (decision.kind === 'suppressed') {
          suppressedCount += 1;
          if (options.onSuppressed !== undefined) options.onSuppressed(decision);
          else suppressed.push(decision);
          continue;
        }
        // Without an eventID two records cannot be told to be the same event: keep both.
        const eventID = decision.match.record.eventID;
        if (typeof eventID === 'string' && eventID.length > 0) {
          if (seen.has(eventID)) {
            duplicateEvents += 1;
            continue;
          }
          if (seen.size >= SEEN_EVENT_IDS_MAX) seen.delete(seen.values().next().value as string);
          seen.add(eventID);
        }
        alert = buildAlert(decision.match, object);
      } catch (error) {
        // A record no rule or format anticipated must cost itself, never the file.
        reportBad(
          new BadRecordError(
            objectName,
            stats.records - 1,
            `could not be turned into an alert (${(error as Error).name})`,
            true,
          ),
        );
        continue;
      }
      alertCount += 1;
      if (options.onAlert !== undefined) await options.onAlert(alert);
      else alerts.push(alert);
    }
  } catch (error) {
    if (!(error instanceof LogReadError)) throw error;
    readError = error;
  }
  return {
    object,
    alerts,
    alertCount,
    stats,
    badRecords,
    badRecordCount,
    readError,
    duplicateEvents,
    suppressed,
    suppressedCount,
  };
}
