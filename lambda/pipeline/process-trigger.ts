import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { MediaPackageAlert } from '../alert/alert';
import type { LogObjectRef } from '../read/cloudtrail-record';
import type { BadRecordError, LogReadError } from '../errors';
import { BUDGET_FAILURES } from '../errors';
import { classifyObjectKey } from './log-object-key';
import type { CompiledRules } from '../match/matcher';
import type { PipelineLogger, PipelineMetrics } from './ports';
import type { AlertDelivery } from '../deliver/delivery';
import { batchDelivery } from '../deliver/delivery';
import type { PublishOptions } from '../deliver/publisher';
import { INCOMPLETE_READ_MESSAGE } from '../read/read-budget';
import type { LogObjectScan } from './scan-log-object';
import { scanLogObject } from './scan-log-object';
import { buildAlertMessage } from '../alert/sns-message';
import type { CreatedObject } from './trigger-event';
import { parseTriggerEvent } from './trigger-event';

/** Everything the pipeline talks to, passed in so tests can use local or mocked clients. */
export interface PipelineDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  /** Where the default delivery publishes; not needed when `delivery` is given. */
  readonly topicArn?: string;
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
  readonly publishOptions?: PublishOptions;
  /** What alerts. @default the default rules: MediaPackage write calls */
  readonly rules?: CompiledRules;
  /** How alerts reach the topic. @default batched PublishBatch, at least once */
  readonly delivery?: AlertDelivery;
  /**
   * Most bytes to inflate from one object (a gzip bomb stops there).
   * @default no limit
   */
  readonly maxInflatedBytes?: number;
  /** The idempotency table, named in the replay command logged for an unfinished read. */
  readonly idempotencyTableName?: string;
}

/** What one invocation did, returned for tests and logged for operators. */
export interface TriggerSummary {
  logFiles: number;
  skippedObjects: number;
  records: number;
  alertsPublished: number;
  alertsSuppressed: number;
  /** Alerts an earlier invocation already published (idempotent delivery). */
  alertsAlreadyPublished: number;
  badRecords: number;
  unreadableObjects: number;
  /** Objects not read to the end because a read budget ran out. */
  incompleteObjects: number;
}

/** One or more objects could not be processed for a reason worth retrying the invocation. */
export class TriggerProcessingError extends Error {
  public readonly failures: readonly { readonly object: LogObjectRef; readonly error: unknown }[];

  public constructor(failures: readonly { object: LogObjectRef; error: unknown }[]) {
    super(
      `${failures.length} object(s) failed: ${failures
        .map(
          ({ object, error }) => `s3://${object.bucket}/${object.key}: ${(error as Error).message}`,
        )
        .join('; ')}`,
    );
    this.name = 'TriggerProcessingError';
    this.failures = failures;
  }
}

export function emptySummary(): TriggerSummary {
  return {
    logFiles: 0,
    skippedObjects: 0,
    records: 0,
    alertsPublished: 0,
    alertsSuppressed: 0,
    alertsAlreadyPublished: 0,
    badRecords: 0,
    unreadableObjects: 0,
    incompleteObjects: 0,
  };
}

/**
 * Handles one trigger event: each created log object is read, matched and its alerts are
 * published. Objects that are not log files, are gone, or cannot be read as CloudTrail are
 * logged, counted and skipped: retrying cannot fix them. Failures that a retry can fix
 * (S3 or SNS errors) are collected, the other objects still processed, then thrown together
 * so Lambda retries the event and, after that, sends it to the dead-letter queue.
 */
export async function processTriggerEvent(
  event: unknown,
  deps: PipelineDeps,
  limits: InvocationLimits = {},
): Promise<TriggerSummary> {
  const { logger, metrics } = deps;
  const summary = emptySummary();
  const trigger = parseTriggerEvent(event);
  for (const ignored of trigger.ignored) {
    logger.info('Event part ignored: it names no log object to read', { ...ignored });
    metrics.add('EventsIgnored', 1, 'Count', { reason: ignored.reason });
  }
  const failures: { object: LogObjectRef; error: unknown }[] = [];
  for (const object of trigger.objects) {
    try {
      await processLogObject(object, deps, summary, limits);
    } catch (error) {
      logger.error('Log object failed; the invocation will fail so Lambda retries it', {
        bucket: object.bucket,
        s3Key: object.key,
        error: describeError(error),
      });
      metrics.add('ObjectsFailed', 1, 'Count');
      failures.push({ object, error });
    }
  }
  logger.info('Invocation summary', { ...summary, failedObjects: failures.length });
  if (failures.length > 0) {
    throw new TriggerProcessingError(failures);
  }
  return summary;
}

/** What bounds the work of one invocation. */
export interface InvocationLimits {
  /**
   * When reading must stop (epoch ms) so what was found can still be delivered: the
   * invocation's deadline less a margin (see readDeadline).
   * @default no limit
   */
  readonly deadline?: number;
}

/** Alerts delivered together while a file is read: small, so little waits when a read stops. */
export const DELIVERY_BATCH_ALERTS = 25;
/** A batch is also delivered once its first alert has waited this long. */
export const DELIVERY_BATCH_MAX_WAIT_MS = 1_000;

/**
 * Reads one created object and publishes its alerts in batches as they are found, adding to
 * `summary`: a later error, budget or crash never costs what was already delivered. Skips
 * (and says why) objects that are not log files, are gone, or are unreadable; throws what a
 * retry can fix.
 */
export async function processLogObject(
  object: CreatedObject,
  deps: PipelineDeps,
  summary: TriggerSummary,
  limits: InvocationLimits = {},
): Promise<void> {
  const { logger, metrics } = deps;
  const where = { bucket: object.bucket, s3Key: object.key };
  const keyClass = classifyObjectKey(object.key);
  if (keyClass.kind === 'skip') {
    logger.info('Object skipped: not a CloudTrail log file', { ...where, reason: keyClass.reason });
    metrics.add('ObjectsSkipped', 1, 'Count', { reason: keyClass.reason });
    summary.skippedObjects += 1;
    return;
  }
  if (limits.deadline !== undefined && Date.now() >= limits.deadline) {
    // Not started: a retry (a new invocation, with its own time) reads it whole.
    throw new Error('the invocation ran out of time before this object could be read');
  }
  const started = Date.now();
  const body = await getObjectBody(deps.s3, object);
  if (body === undefined) {
    logger.warn('Object skipped: it was deleted before it could be read', {
      ...where,
      reason: 'object-not-found',
    });
    metrics.add('ObjectsSkipped', 1, 'Count', { reason: 'object-not-found' });
    summary.skippedObjects += 1;
    return;
  }
  const delivery = deps.delivery ?? batchDelivery(deps.sns, requireTopicArn(deps));
  const batcher = new AlertBatcher(async (alerts) => {
    await deliverBatch(alerts, delivery, deps, where, summary);
  });
  const scan = await scanLogObject(body.stream, object, {
    ...(deps.rules === undefined ? {} : { rules: deps.rules }),
    ...(limits.deadline === undefined ? {} : { deadline: limits.deadline }),
    ...(deps.maxInflatedBytes === undefined ? {} : { maxInflatedBytes: deps.maxInflatedBytes }),
    onAlert: (alert) => batcher.add(alert),
    onSuppressed: ({ match, suppression, suppressionIndex }) => {
      logger.info('Alert suppressed by a rule', {
        ...where,
        eventID: typeof match.record.eventID === 'string' ? match.record.eventID : null,
        eventName: match.eventName,
        eventSource: match.eventSource,
        suppression: suppressionIndex,
        reason: suppression.reason,
      });
    },
    onBadRecord: (bad, seen) => logBadRecord(bad, seen, deps, where),
  }).finally(body.release);
  // What the read found before it ended, however it ended, goes out now.
  await batcher.flush();
  summary.logFiles += 1;
  summary.records += scan.stats.records;
  metrics.add('LogFilesProcessed', 1, 'Count');
  metrics.add('RecordsScanned', scan.stats.records, 'Count');
  metrics.add('BytesRead', scan.stats.bytesRead, 'Bytes');
  if (scan.suppressedCount > 0) {
    metrics.add('AlertsSuppressed', scan.suppressedCount, 'Count');
    summary.alertsSuppressed += scan.suppressedCount;
  }
  if (scan.badRecordCount > 0) {
    metrics.add('BadRecords', scan.badRecordCount, 'Count');
    summary.badRecords += scan.badRecordCount;
  }
  if (scan.stats.oversizedRecords > 0) {
    metrics.add('OversizedRecords', scan.stats.oversizedRecords, 'Count');
  }
  if (scan.readError !== null) reportReadError(scan, deps, where, summary);
  metrics.add('ProcessingDuration', Date.now() - started, 'Milliseconds');
  logger.info('Log file processed', {
    ...where,
    records: scan.stats.records,
    bytesRead: scan.stats.bytesRead,
    // `exact` or `fast-then-exact` on a CloudTrail file explains a slow read.
    cutPath: scan.stats.cutPath,
    alerts: scan.alertCount,
    badRecords: scan.badRecordCount,
    oversizedRecords: scan.stats.oversizedRecords,
    recoveredRecords: scan.stats.recoveredRecords,
    duplicateEvents: scan.duplicateEvents,
    durationMs: Date.now() - started,
  });
}

/** Bad records logged one by one per object; the rest are only counted. */
const BAD_RECORDS_LOGGED = 20;

type ObjectWhere = { readonly bucket: string; readonly s3Key: string };

/** Logs a bad record: always when it may hide an alert, else the first few of the object. */
function logBadRecord(
  bad: BadRecordError,
  seen: number,
  deps: PipelineDeps,
  where: ObjectWhere,
): void {
  const detail = { ...where, recordIndex: bad.recordIndex, reason: bad.message };
  if (bad.mayBeMediaPackage) {
    deps.logger.error(
      'Bad record skipped; it mentions MediaPackage, so an alert may be missing: check the log file',
      detail,
    );
  } else if (seen <= BAD_RECORDS_LOGGED) {
    deps.logger.warn('Bad record skipped', detail);
  }
}

/**
 * A read that ran out of budget is logged at ERROR with the command that reads the rest from
 * a machine with no time limit; damage is logged as unreadable. Neither is retried: a retry
 * would stop at the same place.
 */
function reportReadError(
  scan: LogObjectScan,
  deps: PipelineDeps,
  where: ObjectWhere,
  summary: TriggerSummary,
): void {
  const error = scan.readError as LogReadError;
  const detail = {
    ...where,
    reason: error.reason,
    detail: error.message,
    recordsRead: scan.stats.records,
    bytesRead: scan.stats.bytesRead,
    alertsFound: scan.alertCount,
  };
  if (BUDGET_FAILURES.has(error.reason)) {
    deps.logger.error(INCOMPLETE_READ_MESSAGE, {
      ...detail,
      replayCommand: replayCommand(where, deps),
    });
    deps.metrics.add('ObjectsIncomplete', 1, 'Count', { reason: error.reason });
    summary.incompleteObjects += 1;
    return;
  }
  deps.logger.error(
    'Log object could not be read to the end; alerts found before the error are still sent',
    detail,
  );
  deps.metrics.add('ObjectsUnreadable', 1, 'Count', { reason: error.reason });
  summary.unreadableObjects += 1;
}

/**
 * The command that reads the rest of an object from a machine with no time limit, sending
 * only what was not sent (same topic, same idempotency table).
 */
export function replayCommand(where: ObjectWhere, deps: PipelineDeps): string {
  return [
    'npx mp-audit replay',
    `--bucket ${shellWord(where.bucket)}`,
    `--prefix ${shellWord(where.s3Key)}`,
    ...(deps.topicArn === undefined ? [] : [`--topic-arn ${shellWord(deps.topicArn)}`]),
    ...(deps.idempotencyTableName === undefined
      ? []
      : [`--idempotency-table ${shellWord(deps.idempotencyTableName)}`]),
  ].join(' ');
}

/** A word a POSIX shell reads back as it is: quoted unless plainly safe. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Collects alerts into small batches and hands each to `deliver` when it is full or its first
 * alert has waited long enough. `add` waits for a delivery it starts, so memory holds one batch.
 */
class AlertBatcher {
  private batch: MediaPackageAlert[] = [];
  private firstAt = 0;

  public constructor(private readonly deliver: (alerts: MediaPackageAlert[]) => Promise<void>) {}

  public async add(alert: MediaPackageAlert): Promise<void> {
    if (this.batch.length === 0) this.firstAt = Date.now();
    this.batch.push(alert);
    if (
      this.batch.length >= DELIVERY_BATCH_ALERTS ||
      Date.now() - this.firstAt >= DELIVERY_BATCH_MAX_WAIT_MS
    ) {
      await this.flush();
    }
  }

  public async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const alerts = this.batch;
    this.batch = [];
    await this.deliver(alerts);
  }
}

async function deliverBatch(
  alerts: readonly MediaPackageAlert[],
  delivery: AlertDelivery,
  deps: PipelineDeps,
  where: ObjectWhere,
  summary: TriggerSummary,
): Promise<void> {
  const { logger, metrics } = deps;
  const result = await delivery.deliver(alerts.map(buildAlertMessage), {
    ...deps.publishOptions,
    onRetry: (failed, round) => {
      logger.warn('SNS rejected some alerts; retrying them', { ...where, round, failed });
      metrics.add('PublishRetries', failed.length, 'Count');
    },
  });
  summary.alertsPublished += result.published;
  summary.alertsAlreadyPublished += result.alreadyPublished;
  if (result.alreadyPublished > 0) {
    logger.info('Alerts already published by an earlier invocation were not sent again', {
      ...where,
      alreadyPublished: result.alreadyPublished,
    });
    metrics.add('AlertsAlreadyPublished', result.alreadyPublished, 'Count');
  }
  const skipped = new Set(result.alreadyPublishedEventIds);
  for (const alert of alerts) {
    if (skipped.has(alert.eventID)) continue;
    logger.info('Alert published', {
      ...where,
      eventID: alert.eventID,
      eventName: alert.eventName,
      eventSource: alert.eventSource,
      severity: alert.severity,
      outcome: alert.outcome,
    });
    metrics.add('AlertsPublished', 1, 'Count', { severity: alert.severity });
    metrics.add('AlertsByEventName', 1, 'Count', { eventName: alert.eventName });
  }
}

function requireTopicArn(deps: PipelineDeps): string {
  if (deps.topicArn === undefined) {
    throw new Error('PipelineDeps needs a topicArn or a delivery to publish alerts');
  }
  return deps.topicArn;
}

/** The object's body as a stream, or undefined when it no longer exists. */
async function getObjectBody(
  s3: S3Client,
  object: CreatedObject,
): Promise<{ stream: AsyncIterable<Uint8Array>; release: () => void } | undefined> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key }),
    );
    const body = response.Body as
      (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (body === undefined || typeof body[Symbol.asyncIterator] !== 'function') {
      throw new Error(
        `GetObject returned no readable body for s3://${object.bucket}/${object.key}`,
      );
    }
    // Stop the download when the reader gives up early (a corrupt file, say).
    return { stream: body, release: () => body.destroy?.() };
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw error;
  }
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }
  return { message: String(error) };
}
