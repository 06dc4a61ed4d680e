import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import type { MediaPackageAlert } from '../lambda/alert/alert';
import { formatSubject, logObjectName } from '../lambda/alert/alert-formats';
import type { CompiledRules } from '../lambda/match/matcher';
import { classifyObjectKey } from '../lambda/pipeline/log-object-key';
import { DEFAULT_MAX_INFLATED_BYTES } from '../lambda/read/read-budget';
import { redactText } from '../lambda/alert/redact';
import { scanLogObject } from '../lambda/pipeline/scan-log-object';
import type { CommandIo } from './io';
import type { Progress } from './progress';
import { formatBytes, formatRate, startProgress } from './progress';
import { colourSeverityTag, errorLine } from './terminal';

/** Options of `mp-audit scan`. */
export interface ScanCommandOptions {
  readonly paths: readonly string[];
  readonly json: boolean;
  /** @default the default rules (MediaPackage write calls) */
  readonly rules?: CompiledRules;
  /** Most bytes inflated from one file. @default DEFAULT_MAX_INFLATED_BYTES, as the function */
  readonly maxInflatedBytes?: number;
}

/** Bad records printed one by one; the rest are counted in the summary. */
const BAD_RECORDS_SHOWN = 20;

/** One alert as a line of JSON: the alert plus flat fields for quick filtering (jq, grep). */
export function alertJsonLine(alert: MediaPackageAlert): string {
  return JSON.stringify({
    eventID: alert.eventID,
    eventSource: alert.eventSource,
    eventName: alert.eventName,
    severity: alert.severity,
    outcome: alert.outcome,
    awsRegion: alert.awsRegion,
    userArn: alert.actor.arn,
    identity: {
      type: alert.actor.kind,
      via: alert.actor.via,
      description: alert.actor.description,
    },
    sourceFile: alert.logObject?.key ?? null,
    eventTime: alert.eventTime,
    accountId: alert.accountId,
    alert,
  });
}

/** A short human-readable block for one alert; its severity tag coloured when `colour`. */
export function alertText(alert: MediaPackageAlert, colour = false): string {
  const { actor } = alert;
  const mfa = actor.mfaAuthenticated === null ? 'unknown' : actor.mfaAuthenticated ? 'yes' : 'no';
  return [
    colourSeverityTag(formatSubject(alert), alert.severity, colour),
    `  who:   ${actor.description}`,
    `         ${actor.arn ?? '-'} (${actor.identityType}, MFA ${mfa})${actor.sessionIssuerArn === null ? '' : ` via ${actor.sessionIssuerArn}`}`,
    `  when:  ${alert.eventTime ?? '-'}   where: ${alert.awsRegion} from ${alert.sourceIPAddress ?? '-'}`,
    ...(alert.error === null
      ? []
      : [
          `  error: ${alert.error.code}${alert.error.message === null ? '' : ` - ${alert.error.message}`}`,
        ]),
    `  event: ${alert.eventID}   file: ${logObjectName(alert)}`,
  ].join('\n');
}

/** The path that stands for standard input. */
export const STDIN_PATH = '-';

/** Why something found inside a folder is not read (files named explicitly always are). */
export type FolderSkipReason = 'not-a-log-file-name' | 'ignored-folder';

/** What {@link expandPaths} found. */
export interface ExpandedPaths {
  /** Files to read, each folder's sorted; STDIN_PATH (once) for standard input. */
  readonly files: string[];
  /** Paths that could not be listed or do not exist, with the error code. */
  readonly missing: { path: string; reason: string }[];
  /** Files and folders found inside folders and left unread, counted by reason. */
  readonly skipped: Map<FolderSkipReason, number>;
  /** Bytes in `files` (standard input unknown, not counted). */
  readonly bytes: number;
}

/**
 * CloudTrail's log file name, `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`,
 * or the `.json` a user gunzipped by hand.
 */
const LOG_FILE_NAME =
  /^\d{12}_CloudTrail_[a-z]{2}(?:-[a-z]+)+-\d+_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json(?:\.gz)?$/;
/** Digest and Insights file names: listed only so that they are counted as skipped. */
const DIGEST_NAME = /^\d{12}_CloudTrail-Digest_[^/]*\.json(?:\.gz)?$/;
const INSIGHTS_NAME = /^\d{12}_CloudTrail-Insight_[^/]*\.json(?:\.gz)?$/;
/** Dependencies and dot-folders (.git, .cache) never hold a trail's logs, and can be huge. */
const IGNORED_FOLDER = /^(?:node_modules|\..+)$/;

/**
 * Expands folders (recursively) into the CloudTrail log, digest and Insights files they hold,
 * by CloudTrail's file names; anything else inside a folder, and node_modules and dot-folders,
 * is counted in `skipped`. Paths named explicitly are kept whatever their name, and `-` stands
 * for standard input. `onEntry` is told of each entry found in a folder (progress while a big
 * tree is listed).
 */
export async function expandPaths(
  paths: readonly string[],
  onEntry?: () => void,
): Promise<ExpandedPaths> {
  const files: string[] = [];
  const missing: { path: string; reason: string }[] = [];
  const skipped = new Map<FolderSkipReason, number>();
  let bytes = 0;
  async function walk(path: string, explicit: boolean): Promise<void> {
    let info;
    let entries;
    try {
      info = await stat(path);
      if (info.isDirectory()) {
        if (!explicit && IGNORED_FOLDER.test(basename(path))) {
          addCount(skipped, 'ignored-folder');
          return;
        }
        entries = await readdir(path, { withFileTypes: true });
      }
    } catch (error) {
      missing.push({ path, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
      return;
    }
    if (entries !== undefined) {
      for (const entry of entries.sort(byName)) {
        onEntry?.();
        // A plain file's name is enough to skip it: no stat per file of a big tree.
        if (entry.isFile() && localFileKind(entry.name) === undefined) {
          addCount(skipped, 'not-a-log-file-name');
        } else {
          await walk(join(path, entry.name), false);
        }
      }
    } else if (explicit || localFileKind(basename(path)) !== undefined) {
      files.push(path);
      bytes += info.size;
    } else {
      addCount(skipped, 'not-a-log-file-name');
    }
  }
  for (const path of paths) {
    if (path !== STDIN_PATH) await walk(path, true);
    else if (!files.includes(STDIN_PATH)) files.push(STDIN_PATH);
  }
  return { files, missing, skipped, bytes };
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** What a file's name says it is, or undefined when it is none of CloudTrail's. */
function localFileKind(name: string): 'log-file' | 'digest-file' | 'insights-file' | undefined {
  if (LOG_FILE_NAME.test(name)) return 'log-file';
  if (DIGEST_NAME.test(name)) return 'digest-file';
  if (INSIGHTS_NAME.test(name)) return 'insights-file';
  return undefined;
}

/**
 * Why a local file found by {@link expandPaths} is not read, if it is not: digest and Insights
 * files (by name or by folder) are never log files. Shared by `scan` and `rules test`.
 */
export function localSkipReason(file: string): 'digest-file' | 'insights-file' | undefined {
  if (file === STDIN_PATH) return undefined;
  const kind = localFileKind(basename(file));
  if (kind === 'digest-file' || kind === 'insights-file') return kind;
  const keyClass = classifyObjectKey(file.split(sep).join('/'));
  return keyClass.kind === 'skip' &&
    (keyClass.reason === 'digest-file' || keyClass.reason === 'insights-file')
    ? keyClass.reason
    : undefined;
}

/** The bytes of a file from {@link expandPaths}: standard input for STDIN_PATH. */
export function openLocalFile(file: string, io: CommandIo): AsyncIterable<Uint8Array> {
  if (file !== STDIN_PATH) return createReadStream(file);
  if (io.stdin === undefined) throw new Error('standard input is not available');
  return io.stdin();
}

/** How a file is named in messages. */
function displayName(file: string): string {
  return file === STDIN_PATH ? 'standard input' : file;
}

/** What a scan has done so far, for the progress line and the summary. */
interface ScanTally {
  readonly startedAt: number;
  readonly skipped: Map<string, number>;
  readonly unreadable: Map<string, number>;
  filesDone: number;
  scanned: number;
  records: number;
  alerts: number;
  /** Events the rules' suppressions silenced. */
  suppressed: number;
  badRecords: number;
  badRecordsShown: number;
  bytesRead: number;
}

/**
 * `mp-audit scan`: runs the Lambda's reader and matcher over local log files and prints
 * the alerts. Returns the exit code: 0 when every file was read, 1 when one was not.
 */
export async function runScan(options: ScanCommandOptions, io: CommandIo): Promise<number> {
  let listed = 0;
  let progressText = (): string => `listing: ${listed} entries`;
  // One line from the start: listing a big tree takes a while before any file is read.
  const progress = startProgress(io, () => progressText());
  const expanded = await expandPaths(options.paths, () => {
    listed += 1;
    progress.tick();
  });
  const tally: ScanTally = {
    startedAt: Date.now(),
    skipped: new Map(expanded.skipped),
    unreadable: new Map(),
    filesDone: 0,
    scanned: 0,
    records: 0,
    alerts: 0,
    suppressed: 0,
    badRecords: 0,
    badRecordsShown: 0,
    bytesRead: 0,
  };
  progressText = () => scanProgressText(tally, expanded);
  for (const { path, reason } of expanded.missing) {
    io.err(errorLine(io, `cannot read ${path}: ${reason}`));
    addCount(tally.unreadable, reason);
  }
  for (const file of expanded.files) {
    const skipReason = localSkipReason(file);
    if (skipReason === undefined) await scanFile(file, options, io, tally, progress);
    else addCount(tally.skipped, skipReason);
    tally.filesDone += 1;
    progress.tick();
  }
  progress.end();
  const unreadableCount = total(tally.unreadable);
  if (tally.scanned === 0 && unreadableCount === 0) {
    // Not an error (an empty folder is a fine thing to scan), but silence would look like one.
    const skippedCount = total(tally.skipped);
    io.err(
      `mp-audit scan: no CloudTrail log files found in ${pathsText(options.paths)}` +
        (skippedCount === 0 ? '' : ` (${skippedCount} skipped: ${reasonsText(tally.skipped)})`),
    );
  } else if (io.quiet !== true) {
    io.err(
      `mp-audit scan: files ${tally.scanned}, records ${tally.records}, ` +
        `${tally.alerts === 0 ? 'no changes that alert' : `alerts ${tally.alerts}`}, ` +
        suppressedText(tally.suppressed, options.rules !== undefined) +
        `bad records ${tally.badRecords}, skipped ${countText(tally.skipped)}, ` +
        `unreadable ${countText(tally.unreadable)}`,
    );
  }
  return unreadableCount > 0 ? 1 : 0;
}

/**
 * `suppressed 3 (...), ` when the rules silenced events, so a quiet scan is not mistaken for a
 * quiet account; said as `suppressed 0` too when the user gave rules.
 */
function suppressedText(suppressed: number, customRules: boolean): string {
  if (suppressed === 0) return customRules ? 'suppressed 0, ' : '';
  return `suppressed ${suppressed} (mp-audit rules test shows which), `;
}

/** Reads one file into the tally; a file that cannot be read is said and counted, not thrown. */
async function scanFile(
  file: string,
  options: ScanCommandOptions,
  io: CommandIo,
  tally: ScanTally,
  progress: Progress,
): Promise<void> {
  let scan;
  try {
    // Alerts are printed as they are found: memory does not grow with their number, and
    // what a file held is out before anything later in it can stop the read.
    scan = await scanLogObject(
      countingBytes(openLocalFile(file, io), (bytes) => {
        tally.bytesRead += bytes;
        progress.tick();
      }),
      { bucket: '', key: file },
      {
        objectName: displayName(file),
        maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
        ...(options.rules === undefined ? {} : { rules: options.rules }),
        onAlert: (alert) => {
          tally.alerts += 1;
          io.out(options.json ? alertJsonLine(alert) : `${alertText(alert, io.colour?.out)}\n`);
          return io.drained?.();
        },
        // Counted, not kept: `rules test` shows which suppression silenced which event.
        onSuppressed: () => undefined,
        onBadRecord: (bad) => {
          tally.badRecordsShown += 1;
          if (tally.badRecordsShown <= BAD_RECORDS_SHOWN) {
            io.err(`mp-audit: skipped a bad record: ${bad.message}`);
          } else if (tally.badRecordsShown === BAD_RECORDS_SHOWN + 1) {
            io.err('mp-audit: more bad records skipped; see the summary for their number');
          }
        },
      },
    );
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'read-error';
    io.err(
      errorLine(io, `cannot read ${displayName(file)}: ${redactText((error as Error).message)}`),
    );
    addCount(tally.unreadable, reason);
    return;
  }
  tally.scanned += 1;
  tally.records += scan.stats.records;
  tally.suppressed += scan.suppressedCount;
  tally.badRecords += scan.badRecordCount;
  if (scan.readError !== null) {
    io.err(errorLine(io, redactText(scan.readError.message)));
    addCount(tally.unreadable, scan.readError.reason);
  }
}

/** Passes `source` through, telling `onChunk` each chunk's size (bytes read, for progress). */
async function* countingBytes(
  source: AsyncIterable<Uint8Array>,
  onChunk: (bytes: number) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    onChunk(chunk.length);
    yield chunk;
  }
}

/** `files 12/340, 1.20 GB of 9.80 GB, 85.3 MB/s, alerts 4`. */
function scanProgressText(tally: ScanTally, expanded: ExpandedPaths): string {
  const now = Date.now();
  const size = expanded.bytes > 0 ? ` of ${formatBytes(expanded.bytes)}` : '';
  return (
    `files ${tally.filesDone}/${expanded.files.length}, ${formatBytes(tally.bytesRead)}${size}, ` +
    `${formatRate(tally.bytesRead, tally.startedAt, now)}, alerts ${tally.alerts}`
  );
}

/** The paths a user named, redacted, the first few only. */
function pathsText(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).map((path) => redactText(displayName(path)));
  return paths.length > shown.length
    ? `${shown.join(', ')} and ${paths.length - shown.length} more`
    : shown.join(', ');
}

function addCount<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function total(counts: ReadonlyMap<unknown, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

/** Each reason's count: `digest-file: 1, ENOENT: 1`. */
function reasonsText(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()].map(([reason, n]) => `${reason}: ${n}`).join(', ');
}

/** `0`, or the total and each reason's count: `2 (digest-file: 1, ENOENT: 1)`. */
export function countText(counts: ReadonlyMap<string, number>): string {
  const sum = total(counts);
  return sum === 0 ? '0' : `${sum} (${reasonsText(counts)})`;
}
