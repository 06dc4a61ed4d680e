import type { MediaPackageAlert } from '../alert/alert';
import { buildAlert } from '../alert/alert';
import type { LogObjectRef, ReadRecord } from '../read/cloudtrail-record';
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
  /** Suppressed events, when no `onSuppressed` was given (at most SUPPRESSED_KEPT). */
  readonly suppressed: SuppressedDecision[];
  /** Events a suppression silenced, each eventID once, whether collected or handed on. */
  readonly suppressedCount: number;
  /**
   * How many of `suppressedCount` each suppression silenced, by its index in the rules'
   * `suppressions` (same length): a suppression at 0 silenced nothing in this object.
   */
  readonly suppressedBySuppression: readonly number[];
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
   * instead of piling alerts up in memory. Without it, alerts are collected in `alerts`. The
   * record the alert was built from comes with it, for what the alert does not carry (the
   * response, which tells what changed).
   */
  readonly onAlert?: (alert: MediaPackageAlert, record: ReadRecord) => void | Promise<void>;
  /** Receives each suppressed event. Without it, the first few are collected in `suppressed`. */
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
/** Suppressed events kept when they are collected rather than handed on; all are counted. */
export const SUPPRESSED_KEPT = 100;
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
  const stats = emptyReadStats();
  const found = new Findings(options, rules.suppressions.length);
  let readError: LogReadError | null = null;
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
      onBadRecord: (error) => found.badRecord(error),
    })) {
      let alert: MediaPackageAlert | undefined;
      try {
        alert = alertOf(record, rules, now, object, found, options.now);
      } catch (error) {
        // A record no rule or format anticipated must cost itself, never the file.
        found.badRecord(
          new BadRecordError(
            objectName,
            stats.yieldedIndex,
            `could not be turned into an alert (${(error as Error).name})`,
            true,
          ),
        );
        continue;
      }
      if (alert !== undefined) await found.alert(alert, record);
    }
  } catch (error) {
    if (!(error instanceof LogReadError)) throw error;
    readError = error;
  }
  return { ...found.result(), object, stats, readError };
}

/** The record's alert, or undefined when it is ignored, suppressed or a repeat (counted). */
function alertOf(
  record: ReadRecord,
  rules: CompiledRules,
  now: Date,
  object: LogObjectRef,
  found: Findings,
  /** When the alert is built (its detection delay): the caller's clock, else now. */
  builtAt?: Date,
): MediaPackageAlert | undefined {
  const decision = evaluateRecord(record, rules, now);
  if (decision.kind === 'ignored') return undefined;
  // A repeat of a suppressed event is a repeat too: suppressedCount counts events, not copies.
  if (found.isRepeat(decision.match.record.eventID)) return undefined;
  if (decision.kind === 'suppressed') {
    found.suppressed(decision);
    return undefined;
  }
  return buildAlert(decision.match, object, builtAt ?? new Date());
}

/**
 * What one object's read found: counted always; handed to the caller's callbacks as found, or
 * collected (bounded) when there is none.
 */
class Findings {
  private readonly alerts: MediaPackageAlert[] = [];
  private readonly badRecords: BadRecordError[] = [];
  private readonly suppressedDecisions: SuppressedDecision[] = [];
  private readonly seenEventIds = new Set<string>();
  private alertCount = 0;
  private badRecordCount = 0;
  private suppressedCount = 0;
  /** One counter per suppression, so memory follows the rules, not the events. */
  private readonly suppressedBySuppression: number[];
  private duplicateEvents = 0;

  public constructor(
    private readonly options: LogObjectScanOptions,
    suppressions: number,
  ) {
    this.suppressedBySuppression = new Array<number>(suppressions).fill(0);
  }

  public badRecord(error: BadRecordError): void {
    this.badRecordCount += 1;
    if (this.options.onBadRecord !== undefined) {
      this.options.onBadRecord(error, this.badRecordCount);
    } else if (this.badRecords.length < BAD_RECORDS_KEPT) {
      this.badRecords.push(error);
    }
  }

  public suppressed(decision: SuppressedDecision): void {
    this.suppressedCount += 1;
    this.suppressedBySuppression[decision.suppressionIndex] =
      (this.suppressedBySuppression[decision.suppressionIndex] ?? 0) + 1;
    if (this.options.onSuppressed !== undefined) {
      this.options.onSuppressed(decision);
    } else if (this.suppressedDecisions.length < SUPPRESSED_KEPT) {
      this.suppressedDecisions.push(decision);
    }
  }

  /** Whether an event with this eventID was already found (CloudTrail can repeat one). */
  public isRepeat(eventID: unknown): boolean {
    // Without an eventID two records cannot be told to be the same event: keep both.
    if (typeof eventID !== 'string' || eventID.length === 0) return false;
    if (this.seenEventIds.has(eventID)) {
      this.duplicateEvents += 1;
      return true;
    }
    if (this.seenEventIds.size >= SEEN_EVENT_IDS_MAX) {
      this.seenEventIds.delete(this.seenEventIds.values().next().value as string);
    }
    this.seenEventIds.add(eventID);
    return false;
  }

  public async alert(alert: MediaPackageAlert, record: ReadRecord): Promise<void> {
    this.alertCount += 1;
    if (this.options.onAlert !== undefined) await this.options.onAlert(alert, record);
    else this.alerts.push(alert);
  }

  public result(): Omit<LogObjectScan, 'object' | 'stats' | 'readError'> {
    return {
      alerts: this.alerts,
      alertCount: this.alertCount,
      badRecords: this.badRecords,
      badRecordCount: this.badRecordCount,
      duplicateEvents: this.duplicateEvents,
      suppressed: this.suppressedDecisions,
      suppressedCount: this.suppressedCount,
      suppressedBySuppression: this.suppressedBySuppression,
    };
  }
}
