import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { LogObjectRef } from './cloudtrail-record';
import { classifyObjectKey } from './log-object-key';
import type { CompiledRules } from './matcher';
import type { PipelineLogger, PipelineMetrics } from './ports';
import type { AlertDelivery } from './delivery';
import { batchDelivery } from './delivery';
import type { PublishOptions } from './publisher';
import { scanLogObject } from './scan-log-object';
import { buildAlertMessage } from './sns-message';
import type { CreatedObject } from './trigger-event';
import { parseTriggerEvent } from './trigger-event';

/** Everything the pipeline talks to, passed in so tests can use local or mocked clients. */
export interface PipelineDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
  readonly publishOptions?: PublishOptions;
  /** What alerts. @default the default rules: MediaPackage write calls */
  readonly rules?: CompiledRules;
  /** How alerts reach the topic. @default batched PublishBatch, at least once */
  readonly delivery?: AlertDelivery;
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
      await processLogObject(object, deps, summary);
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

/**
 * Reads one created object and publishes its alerts, adding to `summary`. Skips (and says why)
 * objects that are not log files, are gone, or are unreadable; throws what a retry can fix.
 */
export async function processLogObject(
  object: CreatedObject,
  deps: PipelineDeps,
  summary: TriggerSummary,
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
  const scan = await scanLogObject(body.stream, object, {
    ...(deps.rules === undefined ? {} : { rules: deps.rules }),
  }).finally(body.release);
  summary.logFiles += 1;
  summary.records += scan.stats.records;
  metrics.add('LogFilesProcessed', 1, 'Count');
  metrics.add('RecordsScanned', scan.stats.records, 'Count');
  metrics.add('BytesRead', scan.stats.bytesRead, 'Bytes');
  for (const bad of scan.badRecords) {
    const detail = { ...where, recordIndex: bad.recordIndex, reason: bad.message };
    if (bad.mayBeMediaPackage) {
      logger.error(
        'Bad record skipped; it mentions MediaPackage, so an alert may be missing: check the log file',
        detail,
      );
    } else {
      logger.warn('Bad record skipped', detail);
    }
  }
  for (const { match, suppression, suppressionIndex } of scan.suppressed) {
    logger.info('Alert suppressed by a rule', {
      ...where,
      eventID: match.record.eventID,
      eventName: match.eventName,
      eventSource: match.eventSource,
      suppression: suppressionIndex,
      reason: suppression.reason,
    });
  }
  if (scan.suppressed.length > 0) {
    metrics.add('AlertsSuppressed', scan.suppressed.length, 'Count');
    summary.alertsSuppressed += scan.suppressed.length;
  }
  if (scan.badRecords.length > 0) {
    metrics.add('BadRecords', scan.badRecords.length, 'Count');
    summary.badRecords += scan.badRecords.length;
  }
  if (scan.readError !== null) {
    logger.error(
      'Log object could not be read to the end; alerts found before the error are still sent',
      {
        ...where,
        reason: scan.readError.reason,
        detail: scan.readError.message,
        recordsRead: scan.stats.records,
        alertsFound: scan.alerts.length,
      },
    );
    metrics.add('ObjectsUnreadable', 1, 'Count', { reason: scan.readError.reason });
    summary.unreadableObjects += 1;
  }
  if (scan.alerts.length > 0) {
    const delivery = deps.delivery ?? batchDelivery(deps.sns, deps.topicArn);
    const result = await delivery.deliver(scan.alerts.map(buildAlertMessage), {
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
    for (const alert of scan.alerts.filter((candidate) => !skipped.has(candidate.eventID))) {
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
  metrics.add('ProcessingDuration', Date.now() - started, 'Milliseconds');
  logger.info('Log file processed', {
    ...where,
    records: scan.stats.records,
    bytesRead: scan.stats.bytesRead,
    // `exact` or `fast-then-exact` on a CloudTrail file explains a slow read.
    cutPath: scan.stats.cutPath,
    alerts: scan.alerts.length,
    duplicateEvents: scan.duplicateEvents,
    durationMs: Date.now() - started,
  });
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
