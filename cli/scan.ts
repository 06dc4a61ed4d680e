import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { MediaPackageAlert } from '../lambda/alert/alert';
import { logObjectName } from '../lambda/alert/alert-formats';
import { formatSubject } from '../lambda/alert/alert-formats';
import type { CompiledRules } from '../lambda/match/matcher';
import { classifyObjectKey } from '../lambda/pipeline/log-object-key';
import { DEFAULT_MAX_INFLATED_BYTES } from '../lambda/read/read-budget';
import { redactText } from '../lambda/alert/redact';
import { scanLogObject } from '../lambda/pipeline/scan-log-object';
import type { CommandIo } from './io';

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
    sourceFile: alert.logObject.key,
    eventTime: alert.eventTime,
    accountId: alert.accountId,
    alert,
  });
}

/** A short human-readable block for one alert. */
export function alertText(alert: MediaPackageAlert): string {
  const { actor } = alert;
  const mfa = actor.mfaAuthenticated === null ? 'unknown' : actor.mfaAuthenticated ? 'yes' : 'no';
  return [
    formatSubject(alert),
    `  who:   ${actor.arn ?? '-'} (${actor.identityType}, MFA ${mfa})${actor.sessionIssuerArn === null ? '' : ` via ${actor.sessionIssuerArn}`}`,
    `  when:  ${alert.eventTime ?? '-'}   where: ${alert.awsRegion} from ${alert.sourceIPAddress ?? '-'}`,
    ...(alert.error === null
      ? []
      : [
          `  error: ${alert.error.code}${alert.error.message === null ? '' : ` - ${alert.error.message}`}`,
        ]),
    `  event: ${alert.eventID}   file: ${logObjectName(alert)}`,
  ].join('\n');
}

const LOG_FILE_NAME = /\.json(\.gz)?$/;
/** Expands folders (recursively) into their `.json.gz` and `.json` files, sorted. */
export async function expandPaths(
  paths: readonly string[],
): Promise<{ files: string[]; missing: { path: string; reason: string }[] }> {
  const files: string[] = [];
  const missing: { path: string; reason: string }[] = [];
  async function walk(path: string, explicit: boolean): Promise<void> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      missing.push({ path, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
      return;
    }
    if (info.isDirectory()) {
      const entries = await readdir(path);
      for (const entry of entries.sort()) {
        await walk(join(path, entry), false);
      }
    } else if (explicit || LOG_FILE_NAME.test(path)) {
      files.push(path);
    }
  }
  for (const path of paths) {
    await walk(path, true);
  }
  return { files, missing };
}

/**
 * Why a local file found by {@link expandPaths} is not read, if it is not: local files may have
 * any name, but digest and Insights files are never log files. Shared by `scan` and `rules test`.
 */
export function localSkipReason(file: string): 'digest-file' | 'insights-file' | undefined {
  const keyClass = classifyObjectKey(file.split(sep).join('/'));
  return keyClass.kind === 'skip' &&
    (keyClass.reason === 'digest-file' || keyClass.reason === 'insights-file')
    ? keyClass.reason
    : undefined;
}

/**
 * `mp-audit scan`: runs the Lambda's reader and matcher over local log files and prints
 * the alerts. Returns the exit code: 0 when every file was read, 1 when one was not.
 */
export async function runScan(options: ScanCommandOptions, io: CommandIo): Promise<number> {
  const { files, missing } = await expandPaths(options.paths);
  const skipped = new Map<string, number>();
  const unreadable = new Map<string, number>();
  let records = 0;
  let alerts = 0;
  let badRecords = 0;
  let badRecordsShown = 0;
  let scanned = 0;
  for (const { path, reason } of missing) {
    io.err(`mp-audit: cannot read ${path}: ${reason}`);
    unreadable.set(reason, (unreadable.get(reason) ?? 0) + 1);
  }
  for (const file of files) {
    const skipReason = localSkipReason(file);
    if (skipReason !== undefined) {
      skipped.set(skipReason, (skipped.get(skipReason) ?? 0) + 1);
      continue;
    }
    let scan;
    try {
      // Alerts are printed as they are found: memory does not grow with their number, and
      // what a file held is out before anything later in it can stop the read.
      scan = await scanLogObject(
        createReadStream(file),
        { bucket: '', key: file },
        {
          objectName: file,
          maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
          ...(options.rules === undefined ? {} : { rules: options.rules }),
          onAlert: (alert) => {
            alerts += 1;
            io.out(options.json ? alertJsonLine(alert) : `${alertText(alert)}\n`);
            return io.drained?.();
          },
          onBadRecord: (bad) => {
            badRecordsShown += 1;
            if (badRecordsShown <= BAD_RECORDS_SHOWN) {
              io.err(`mp-audit: skipped a bad record: ${bad.message}`);
            } else if (badRecordsShown === BAD_RECORDS_SHOWN + 1) {
              io.err('mp-audit: more bad records skipped; see the summary for their number');
            }
          },
        },
      );
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'read-error';
      io.err(`mp-audit: cannot read ${file}: ${redactText((error as Error).message)}`);
      unreadable.set(reason, (unreadable.get(reason) ?? 0) + 1);
      continue;
    }
    scanned += 1;
    records += scan.stats.records;
    badRecords += scan.badRecordCount;
    if (scan.readError !== null) {
      io.err(`mp-audit: ${redactText(scan.readError.message)}`);
      unreadable.set(scan.readError.reason, (unreadable.get(scan.readError.reason) ?? 0) + 1);
    }
  }
  const unreadableCount = [...unreadable.values()].reduce((a, b) => a + b, 0);
  io.err(
    `mp-audit scan: files ${scanned}, records ${records}, alerts ${alerts}, bad records ${badRecords}, ` +
      `skipped ${countText(skipped)}, unreadable ${countText(unreadable)}`,
  );
  return unreadableCount > 0 ? 1 : 0;
}

/** `0`, or the total and each reason's count: `2 (digest-file: 1, ENOENT: 1)`. */
export function countText(counts: Map<string, number>): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return '0';
  return `${total} (${[...counts.entries()].map(([reason, n]) => `${reason}: ${n}`).join(', ')})`;
}
