import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { MediaPackageAlert } from '../alert/alert';
import { buildAlert } from '../alert/alert';
import type { LogObjectRef } from '../read/cloudtrail-record';
import type { BadRecordError, LogReadError } from '../errors';
import type { PipelineMetricName } from '../contract';
import {
  FAST_PATH_EVENT_SOURCES,
  INCOMPLETE_READ_MESSAGE,
  eventBridgeSource,
  isBudgetFailure,
  MediaPackageAuditError,
  PIPELINE_METRIC_NAMES,
} from '../contract';
import { isReadOnlyCall } from '../read/cloudtrail-record';
import { DEFAULT_COMPILED_RULES, evaluateRecord } from '../match/matcher';
import { classifyObjectKey } from './log-object-key';
import type { CompiledRules } from '../match/matcher';
import type { PipelineLogger, PipelineMetrics } from './ports';
import type { AlertDelivery } from '../deliver/delivery';
import type { PublishOptions } from '../deliver/publisher';
import type { LogObjectScan, SuppressedDecision } from './scan-log-object';
import { scanLogObject } from './scan-log-object';
import { buildAlertMessage, buildDigestMessage } from '../alert/sns-message';
import type { StormDecision, StormGate } from '../deliver/storm-gate';
import type { RememberedAlert, ResourceMemory } from './resource-memory';
import { followsState, keepStates, rememberChanges } from './resource-memory';
import type { CloudTrailRecord } from '../read/cloudtrail-record';
import type { ApiCall, CreatedObject } from './trigger-event';
import { parseTriggerEvent } from './trigger-event';

/** Where the command logged for an unfinished read sends what is left (see replayCommand). */
export interface ReplayTarget {
  readonly topicArn?: string;
  readonly idempotencyTableName?: string;
}

/** Everything the pipeline talks to, passed in so tests can use local or mocked clients. */
export interface PipelineDeps {
  readonly s3: S3Client;
  /** How alerts reach the topic: see deliveryFor (deliver/delivery.ts). */
  readonly delivery: AlertDelivery;
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
  readonly publishOptions?: PublishOptions;
  /** What alerts. @default the default rules: MediaPackage write calls */
  readonly rules?: CompiledRules;
  /**
   * Most bytes to inflate from one object (a gzip bomb stops there).
   * @default no limit
   */
  readonly maxInflatedBytes?: number;
  /** Named in the replay command logged for an unfinished read. @default none named */
  readonly replayTarget?: ReplayTarget;
  /**
   * The Regions whose calls reach the function through EventBridge: an alert the log file path
   * sends for one of them counts as `FastPathMissed`. @default no fast path
   */
  readonly fastPathRegions?: ReadonlySet<string>;
  /**
   * Alert storms: which alerts people get (see deliver/storm-gate.ts).
   * @default none: people get every alert
   */
  readonly storms?: StormGate;
  /**
   * Whether a record is the canary's own call (`-c canary=true`): it is published for machines
   * only and counted as `CanarySeen`, never alerted to a person.
   * @default no canary
   */
  readonly isCanaryCall?: (record: CloudTrailRecord) => boolean;
  /**
   * What changed: the resources' last known states, and how to read one that is unknown.
   * @default none: alerts do not say what changed
   */
  readonly memory?: ResourceMemory;
}

/** What one invocation did (or one object: see processLogObject), returned and logged. */
export interface TriggerSummary {
  /** `AWS API Call via CloudTrail` events decided on (the fast path). */
  readonly apiCalls: number;
  readonly logFiles: number;
  readonly skippedObjects: number;
  readonly records: number;
  readonly alertsPublished: number;
  readonly alertsSuppressed: number;
  /** Alerts an earlier invocation already published (idempotent delivery). */
  readonly alertsAlreadyPublished: number;
  readonly badRecords: number;
  readonly unreadableObjects: number;
  /** Objects not read to the end because a read budget ran out. */
  readonly incompleteObjects: number;
  /** Of the alerts published, those a storm collapsed (machines only). */
  readonly alertsCollapsed: number;
  /** Storm digests published. */
  readonly digestsPublished: number;
  /** The canary's calls seen (published for machines only, never alerted). */
  readonly canariesSeen: number;
}

/** One or more objects could not be processed for a reason worth retrying the invocation. */
export class TriggerProcessingError extends MediaPackageAuditError {
  public readonly failures: readonly { readonly object: LogObjectRef; readonly error: unknown }[];

  public constructor(failures: readonly { object: LogObjectRef; error: unknown }[]) {
    super(
      `${failures.length} object(s) failed: ${failures
        .map(
          ({ object, error }) => `s3://${object.bucket}/${object.key}: ${(error as Error).message}`,
        )
        .join('; ')}`,
      { cause: failures[0]?.error },
    );
    this.name = 'TriggerProcessingError';
    this.failures = failures;
  }
}

export const EMPTY_SUMMARY: TriggerSummary = {
  apiCalls: 0,
  logFiles: 0,
  skippedObjects: 0,
  records: 0,
  alertsPublished: 0,
  alertsSuppressed: 0,
  alertsAlreadyPublished: 0,
  badRecords: 0,
  unreadableObjects: 0,
  incompleteObjects: 0,
  alertsCollapsed: 0,
  digestsPublished: 0,
  canariesSeen: 0,
};

/** The two summaries added up, field by field. */
export function addSummaries(a: TriggerSummary, b: Partial<TriggerSummary>): TriggerSummary {
  const sum = { ...a };
  for (const key of Object.keys(sum) as (keyof TriggerSummary)[]) sum[key] += b[key] ?? 0;
  return sum;
}

/** One message of an SQS batch to be received again: its `messageId`. */
export interface BatchItemFailure {
  readonly itemIdentifier: string;
}

/**
 * What an invocation with an SQS batch returns: the summary, and the messages Lambda should
 * leave in the queue to be received again (`ReportBatchItemFailures` on the event source
 * mapping); the others are deleted. Lambda reads only `batchItemFailures`.
 */
export interface SqsBatchResult extends TriggerSummary {
  readonly batchItemFailures: readonly BatchItemFailure[];
}

/** Whether an invocation's result is an SQS batch's (it lists the messages that failed). */
export function isSqsBatchResult(result: TriggerSummary): result is SqsBatchResult {
  return Array.isArray((result as Partial<SqsBatchResult>).batchItemFailures);
}

/**
 * Handles one trigger event: each created log object is read, matched and its alerts are
 * published. Objects that are not log files, are gone, or cannot be read as CloudTrail are
 * logged, counted and skipped: retrying cannot fix them. Failures that a retry can fix
 * (S3 or SNS errors) are collected and the other objects still processed. Then, for an SQS
 * batch, the messages that named a failed object are returned as `batchItemFailures`, so only
 * they are received again; for any other event the failures are thrown together, so Lambda
 * retries the event and, after that, sends it to the dead-letter queue.
 */
export async function processTriggerEvent(
  event: unknown,
  deps: PipelineDeps,
  limits: InvocationLimits = {},
): Promise<TriggerSummary | SqsBatchResult> {
  const { logger, metrics } = deps;
  let summary = EMPTY_SUMMARY;
  const trigger = parseTriggerEvent(event);
  for (const ignored of trigger.ignored) {
    logger.info('Event part ignored: it names no log object to read', { ...ignored });
    metrics.add(PIPELINE_METRIC_NAMES.eventsIgnored, 1, 'Count', { reason: ignored.reason });
  }
  if (trigger.apiCalls.length > 0) {
    summary = addSummaries(summary, await processApiCalls(trigger.apiCalls, deps));
  }
  const failures: { object: LogObjectRef; error: unknown }[] = [];
  const failedMessages = new Set<string>();
  for (const object of trigger.objects) {
    try {
      summary = addSummaries(summary, await processLogObject(object, deps, limits));
    } catch (error) {
      const messageIds = object.sqsMessageIds ?? [];
      logger.error(
        trigger.sqsBatch === true
          ? 'Log object failed; the SQS messages that named it are reported for another try'
          : 'Log object failed; the invocation will fail so Lambda retries it',
        {
          bucket: object.bucket,
          s3Key: object.key,
          ...(trigger.sqsBatch === true ? { sqsMessageIds: messageIds } : {}),
          error: describeError(error),
        },
      );
      metrics.add(PIPELINE_METRIC_NAMES.objectsFailed, 1, 'Count');
      failures.push({ object, error });
      for (const id of messageIds) failedMessages.add(id);
    }
  }
  summary = addSummaries(summary, { digestsPublished: await sendDueDigests(deps, limits) });
  if (trigger.sqsBatch === true) {
    const batchItemFailures = [...failedMessages].map((id) => ({ itemIdentifier: id }));
    logger.info('Invocation summary', {
      ...summary,
      failedObjects: failures.length,
      failedMessages: batchItemFailures.length,
    });
    return { ...summary, batchItemFailures };
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

type ObjectWhere = { readonly bucket: string; readonly s3Key: string };
/** What log lines about an alert's delivery name: its object, or its EventBridge event. */
type DeliveryWhere = Readonly<Record<string, string>>;

/**
 * The fast path: decides on each call EventBridge delivered, with the same rules as a log file,
 * and delivers its alert at once through the same idempotency record (keyed on the eventID), so
 * whichever path sees an event first alerts and the other sends nothing. A delivery failure is
 * thrown: Lambda retries the event, then sends it to the dead-letter queue; the log file path
 * still has the event either way.
 */
export async function processApiCalls(
  calls: readonly ApiCall[],
  deps: PipelineDeps,
): Promise<TriggerSummary> {
  const alerts: PendingAlert[] = [];
  let suppressed = 0;
  let badRecords = 0;
  for (const call of calls) {
    const where = apiCallWhere(call);
    const now = new Date();
    try {
      const decision = evaluateRecord(call.record, deps.rules ?? DEFAULT_COMPILED_RULES, now);
      if (decision.kind === 'alert') {
        alerts.push(pendingAlert(buildAlert(decision.match, null, now), call.record, deps));
      } else if (decision.kind === 'suppressed') {
        suppressed += 1;
        logSuppressed(decision, deps, where);
      } else {
        const reason = isReadOnlyCall(call.record) ? 'read-only-call' : 'not-watched';
        deps.logger.info('API call event ignored: the rules do not alert on it', {
          ...where,
          reason,
        });
        deps.metrics.add(PIPELINE_METRIC_NAMES.eventsIgnored, 1, 'Count', { reason });
      }
    } catch (error) {
      // A record no rule or format anticipated costs only itself; its log file is read later.
      badRecords += 1;
      deps.logger.error(
        'API call event could not be turned into an alert; the log file path reads it again',
        { ...where, error: describeError(error) },
      );
      deps.metrics.add(PIPELINE_METRIC_NAMES.badRecords, 1, 'Count');
    }
  }
  if (suppressed > 0) deps.metrics.add(PIPELINE_METRIC_NAMES.alertsSuppressed, suppressed, 'Count');
  const delivered = new DeliveryTally();
  if (alerts.length > 0) {
    await deliverBatch(alerts, deps, { path: 'eventbridge' }, delivered);
  }
  return {
    ...EMPTY_SUMMARY,
    apiCalls: calls.length,
    alertsPublished: delivered.published,
    alertsAlreadyPublished: delivered.alreadyPublished,
    alertsCollapsed: delivered.collapsed,
    canariesSeen: delivered.canaries,
    alertsSuppressed: suppressed,
    badRecords,
  };
}

/** How log lines name an API call event: its ids and what was called, cut to a sane length. */
function apiCallWhere(call: ApiCall): DeliveryWhere {
  const field = (name: string): string => {
    const value = (call.record as Record<string, unknown>)[name];
    return typeof value === 'string' ? value.slice(0, 200) : '-';
  };
  return {
    path: 'eventbridge',
    eventBridgeId: call.eventBridgeId ?? '-',
    eventID: field('eventID'),
    eventSource: field('eventSource'),
    eventName: field('eventName'),
    awsRegion: field('awsRegion'),
  };
}

/** Whether the fast path should have delivered this alert's event (its source and Region). */
export function fastPathCovers(
  alert: MediaPackageAlert,
  fastPathRegions: ReadonlySet<string> | undefined,
): boolean {
  if (fastPathRegions === undefined || !fastPathRegions.has(alert.awsRegion)) return false;
  return (FAST_PATH_EVENT_SOURCES as readonly string[]).includes(
    eventBridgeSource(alert.eventSource),
  );
}

/**
 * Processes one created object: open → read and match → deliver (in batches, as alerts are
 * found, so a later error, budget or crash never costs what was already delivered) → report.
 * Returns what it did; skips (and says why) objects that are not log files, are gone, or are
 * unreadable; throws what a retry can fix.
 */
export async function processLogObject(
  object: CreatedObject,
  deps: PipelineDeps,
  limits: InvocationLimits = {},
): Promise<TriggerSummary> {
  const where = { bucket: object.bucket, s3Key: object.key };
  const opened = await openLogObject(object, deps, limits, where);
  if (opened.kind === 'skipped') return { ...EMPTY_SUMMARY, skippedObjects: 1 };
  const started = Date.now();
  const delivered = new DeliveryTally();
  const batcher = new AlertBatcher((alerts) => deliverBatch(alerts, deps, where, delivered));
  const scan = await scanLogObject(opened.body.stream, object, {
    ...(deps.rules === undefined ? {} : { rules: deps.rules }),
    ...(limits.deadline === undefined ? {} : { deadline: limits.deadline }),
    ...(deps.maxInflatedBytes === undefined ? {} : { maxInflatedBytes: deps.maxInflatedBytes }),
    onAlert: (alert, record) => batcher.add(pendingAlert(alert, record, deps)),
    onSuppressed: (decision) => logSuppressed(decision, deps, where),
    onBadRecord: (bad, seen) => logBadRecord(bad, seen, deps, where),
  }).finally(opened.body.release);
  // What the read found before it ended, however it ended, goes out now.
  await batcher.flush();
  return reportLogObject(scan, delivered, deps, where, started);
}

/** The object's body to read, or why it is skipped (logged and counted here). */
async function openLogObject(
  object: CreatedObject,
  deps: PipelineDeps,
  limits: InvocationLimits,
  where: ObjectWhere,
): Promise<{ kind: 'opened'; body: ObjectBody } | { kind: 'skipped' }> {
  const { logger, metrics } = deps;
  const keyClass = classifyObjectKey(object.key);
  if (keyClass.kind === 'skip') {
    logger.info('Object skipped: not a CloudTrail log file', { ...where, reason: keyClass.reason });
    metrics.add(PIPELINE_METRIC_NAMES.objectsSkipped, 1, 'Count', { reason: keyClass.reason });
    return { kind: 'skipped' };
  }
  if (limits.deadline !== undefined && Date.now() >= limits.deadline) {
    // Not started: a retry (a new invocation, with its own time) reads it whole.
    throw new Error('the invocation ran out of time before this object could be read');
  }
  const body = await getObjectBody(deps.s3, object);
  if (body === 'object-not-found') {
    logger.warn('Object skipped: it was deleted before it could be read', {
      ...where,
      reason: body,
    });
    metrics.add(PIPELINE_METRIC_NAMES.objectsSkipped, 1, 'Count', { reason: body });
    return { kind: 'skipped' };
  }
  if (body === 'bucket-not-found') {
    // Only a message naming a bucket that never existed or was deleted gets here: a retry
    // finds no bucket either. (A bucket the function may not read answers AccessDenied.)
    logger.error('Object skipped: its bucket does not exist', { ...where, reason: body });
    metrics.add(PIPELINE_METRIC_NAMES.objectsSkipped, 1, 'Count', { reason: body });
    return { kind: 'skipped' };
  }
  return { kind: 'opened', body };
}

/** Counts, logs and returns what reading one object did, once its alerts are delivered. */
function reportLogObject(
  scan: LogObjectScan,
  delivered: DeliveryTally,
  deps: PipelineDeps,
  where: ObjectWhere,
  started: number,
): TriggerSummary {
  const { logger, metrics } = deps;
  const { stats } = scan;
  metrics.add(PIPELINE_METRIC_NAMES.logFilesProcessed, 1, 'Count');
  metrics.add(PIPELINE_METRIC_NAMES.recordsScanned, stats.records, 'Count');
  metrics.add(PIPELINE_METRIC_NAMES.bytesRead, stats.bytesRead, 'Bytes');
  const counted: [PipelineMetricName, number][] = [
    [PIPELINE_METRIC_NAMES.alertsSuppressed, scan.suppressedCount],
    [PIPELINE_METRIC_NAMES.badRecords, scan.badRecordCount],
    [PIPELINE_METRIC_NAMES.oversizedRecords, stats.oversizedRecords],
  ];
  for (const [name, count] of counted) if (count > 0) metrics.add(name, count, 'Count');
  const readEnd = scan.readError === null ? 'whole' : reportReadError(scan, deps, where);
  metrics.add(PIPELINE_METRIC_NAMES.processingDuration, Date.now() - started, 'Milliseconds');
  logger.info('Log file processed', {
    ...where,
    records: stats.records,
    bytesRead: stats.bytesRead,
    // `exact` or `fast-then-exact` on a CloudTrail file explains a slow read.
    cutPath: stats.cutPath,
    alerts: scan.alertCount,
    badRecords: scan.badRecordCount,
    oversizedRecords: stats.oversizedRecords,
    recoveredRecords: stats.recoveredRecords,
    duplicateEvents: scan.duplicateEvents,
    durationMs: Date.now() - started,
  });
  return {
    ...EMPTY_SUMMARY,
    logFiles: 1,
    records: stats.records,
    alertsPublished: delivered.published,
    alertsAlreadyPublished: delivered.alreadyPublished,
    alertsCollapsed: delivered.collapsed,
    canariesSeen: delivered.canaries,
    alertsSuppressed: scan.suppressedCount,
    badRecords: scan.badRecordCount,
    unreadableObjects: readEnd === 'unreadable' ? 1 : 0,
    incompleteObjects: readEnd === 'incomplete' ? 1 : 0,
  };
}

function logSuppressed(
  { match, suppression, suppressionIndex }: SuppressedDecision,
  deps: PipelineDeps,
  where: DeliveryWhere,
): void {
  deps.logger.info('Alert suppressed by a rule', {
    ...where,
    eventID: typeof match.record.eventID === 'string' ? match.record.eventID : null,
    eventName: match.eventName,
    eventSource: match.eventSource,
    suppression: suppressionIndex,
    reason: suppression.reason,
  });
}

/** Bad records logged one by one per object; the rest are only counted. */
const BAD_RECORDS_LOGGED = 20;

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
): 'incomplete' | 'unreadable' {
  const error = scan.readError as LogReadError;
  const detail = {
    ...where,
    reason: error.reason,
    detail: error.message,
    recordsRead: scan.stats.records,
    bytesRead: scan.stats.bytesRead,
    alertsFound: scan.alertCount,
  };
  if (isBudgetFailure(error.reason)) {
    deps.logger.error(INCOMPLETE_READ_MESSAGE, {
      ...detail,
      replayCommand: replayCommand(where, deps.replayTarget),
    });
    deps.metrics.add(PIPELINE_METRIC_NAMES.objectsIncomplete, 1, 'Count', { reason: error.reason });
    return 'incomplete';
  }
  deps.logger.error(
    'Log object could not be read to the end; alerts found before the error are still sent',
    detail,
  );
  deps.metrics.add(PIPELINE_METRIC_NAMES.objectsUnreadable, 1, 'Count', { reason: error.reason });
  return 'unreadable';
}

/**
 * The command that reads the rest of an object from a machine with no time limit, sending
 * only what was not sent (same topic, same idempotency table).
 */
export function replayCommand(where: ObjectWhere, target: ReplayTarget = {}): string {
  return [
    'npx mp-audit replay',
    `--bucket ${shellWord(where.bucket)}`,
    `--prefix ${shellWord(where.s3Key)}`,
    ...(target.topicArn === undefined ? [] : [`--topic-arn ${shellWord(target.topicArn)}`]),
    ...(target.idempotencyTableName === undefined
      ? []
      : [`--idempotency-table ${shellWord(target.idempotencyTableName)}`]),
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
  private batch: PendingAlert[] = [];
  private firstAt = 0;

  public constructor(private readonly deliver: (alerts: PendingAlert[]) => Promise<void>) {}

  public async add(alert: PendingAlert): Promise<void> {
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

/** Alerts delivered so far from one object. */
class DeliveryTally {
  public published = 0;
  public alreadyPublished = 0;
  public collapsed = 0;
  public canaries = 0;
}

/** An alert on its way to the topic, with what delivering it needs beyond the alert. */
interface PendingAlert {
  readonly alert: MediaPackageAlert;
  /** `canary`: the canary's own call, published for machines only. */
  readonly kind: 'event' | 'canary';
  /** The record, kept only for a call whose resource state the memory follows. */
  readonly record?: CloudTrailRecord;
}

function pendingAlert(
  alert: MediaPackageAlert,
  record: CloudTrailRecord,
  deps: PipelineDeps,
): PendingAlert {
  if (deps.isCanaryCall?.(record) === true) return { alert, kind: 'canary' };
  return deps.memory !== undefined && followsState(alert)
    ? { alert, kind: 'event', record }
    : { alert, kind: 'event' };
}

/**
 * Whether people get each alert, from the storm state. If the state cannot be reached, people
 * get every alert: a storm is noise, a lost alert is worse.
 */
async function stormDecisions(
  alerts: readonly MediaPackageAlert[],
  deps: PipelineDeps,
  where: DeliveryWhere,
): Promise<ReadonlyMap<string, StormDecision>> {
  if (deps.storms === undefined || alerts.length === 0) return new Map();
  try {
    return await deps.storms.decide(alerts, new Date());
  } catch (error) {
    deps.logger.warn('Storm state unavailable; people get every alert of this batch', {
      ...where,
      alerts: alerts.length,
      error: describeError(error),
    });
    deps.metrics.add(PIPELINE_METRIC_NAMES.digestFailures, 1, 'Count');
    return new Map();
  }
}

/** Digests sent at the end of one invocation, at most; the next sends the rest. */
export const DIGESTS_PER_INVOCATION = 10;

/**
 * Sends the digests of storm windows that have ended: at the end of every invocation, and on
 * the digests' own schedule, so a storm's digest goes out within about a minute of its window
 * even when nothing else happens. Each digest is delivered through the idempotency record of
 * its window, so two invocations that find the same window send it once. Failures are logged
 * and counted, never thrown: the events themselves are delivered already.
 */
export async function sendDueDigests(
  deps: PipelineDeps,
  limits: InvocationLimits = {},
): Promise<number> {
  const { storms, logger, metrics } = deps;
  if (storms === undefined) return 0;
  if (limits.deadline !== undefined && Date.now() >= limits.deadline) return 0;
  let due;
  try {
    due = await storms.dueDigests(new Date(), DIGESTS_PER_INVOCATION);
  } catch (error) {
    logger.error('Storm digests could not be read; the next invocation tries again', {
      error: describeError(error),
    });
    metrics.add(PIPELINE_METRIC_NAMES.digestFailures, 1, 'Count');
    return 0;
  }
  let sent = 0;
  for (const { windowId, digest } of due) {
    if (limits.deadline !== undefined && Date.now() >= limits.deadline) break;
    try {
      const result = await deps.delivery.deliver([buildDigestMessage(digest)], deps.publishOptions);
      await storms.markDigestSent(windowId);
      if (result.published > 0) {
        sent += 1;
        logger.info('Storm digest published', {
          digestID: digest.digestID,
          eventName: digest.eventName,
          caller: digest.callerLabel,
          collapsed: digest.collapsed,
          windowStart: digest.windowStart,
        });
        metrics.add(PIPELINE_METRIC_NAMES.digestsPublished, 1, 'Count');
      }
    } catch (error) {
      logger.error('Storm digest not sent; the next invocation tries again', {
        digestID: digest.digestID,
        error: describeError(error),
      });
      metrics.add(PIPELINE_METRIC_NAMES.digestFailures, 1, 'Count');
    }
  }
  return sent;
}

async function deliverBatch(
  pending: readonly PendingAlert[],
  deps: PipelineDeps,
  where: DeliveryWhere,
  tally: DeliveryTally,
): Promise<void> {
  const { logger, metrics } = deps;
  const remembered: RememberedAlert[] =
    deps.memory === undefined
      ? pending.filter((entry) => entry.kind === 'event').map(({ alert }) => ({ alert }))
      : await rememberChanges(
          pending.filter((entry) => entry.kind === 'event'),
          deps.memory,
          deps,
        );
  const events = remembered.map((entry) => entry.alert);
  const canaries = pending.filter((entry) => entry.kind === 'canary').map((entry) => entry.alert);
  const decisions = await stormDecisions(events, deps, where);
  const isCollapsed = (alert: MediaPackageAlert): boolean =>
    decisions.get(alert.eventID) === 'collapsed';
  const result = await deps.delivery.deliver(
    [
      ...events.map((alert) => buildAlertMessage(alert, { collapsed: isCollapsed(alert) })),
      ...canaries.map((alert) => buildAlertMessage(alert, { kind: 'canary' })),
    ],
    {
      ...deps.publishOptions,
      onRetry: (failed, round) => {
        logger.warn('SNS rejected some alerts; retrying them', { ...where, round, failed });
        metrics.add(PIPELINE_METRIC_NAMES.publishRetries, failed.length, 'Count');
      },
    },
  );
  if (deps.memory !== undefined) await keepStates(remembered, deps.memory, deps);
  const skipped = new Set(result.alreadyPublishedEventIds);
  // The canary is seen on each path, whichever published it first.
  for (const canary of canaries) reportCanary(canary, deps, where);
  tally.canaries += canaries.length;
  const canariesPublished = canaries.filter((canary) => !skipped.has(canary.eventID)).length;
  tally.published += result.published - canariesPublished;
  tally.alreadyPublished += result.alreadyPublished - (canaries.length - canariesPublished);
  if (result.alreadyPublished > 0) {
    logger.info('Alerts already published by an earlier invocation were not sent again', {
      ...where,
      alreadyPublished: result.alreadyPublished,
    });
    metrics.add(PIPELINE_METRIC_NAMES.alertsAlreadyPublished, result.alreadyPublished, 'Count');
  }
  for (const alert of events) {
    if (skipped.has(alert.eventID)) continue;
    const collapsed = isCollapsed(alert);
    logger.info(
      collapsed ? 'Alert published for machines; a storm collapsed it' : 'Alert published',
      {
        ...where,
        eventID: alert.eventID,
        eventName: alert.eventName,
        eventSource: alert.eventSource,
        severity: alert.severity,
        outcome: alert.outcome,
        detection: alert.detection.path,
        delaySeconds: alert.detection.delaySeconds,
        ...(collapsed ? { storm: 'collapsed' } : {}),
      },
    );
    metrics.add(PIPELINE_METRIC_NAMES.alertsPublished, 1, 'Count', { severity: alert.severity });
    reportDetection(alert, deps, where);
    metrics.add(PIPELINE_METRIC_NAMES.alertsByEventName, 1, 'Count', {
      eventName: alert.eventName,
    });
    if (collapsed) {
      tally.collapsed += 1;
      metrics.add(PIPELINE_METRIC_NAMES.alertsCollapsed, 1, 'Count');
    }
  }
}

/** Milliseconds from the call (`eventTime`) to now, never below 0; undefined without a time. */
function millisecondsSinceCall(alert: MediaPackageAlert): number | undefined {
  const called = alert.eventTime === null ? Number.NaN : Date.parse(alert.eventTime);
  return Number.isNaN(called) ? undefined : Math.max(0, Date.now() - called);
}

/** `CanarySeen`: the delay from the canary's call to this path seeing it, in milliseconds. */
function reportCanary(alert: MediaPackageAlert, deps: PipelineDeps, where: DeliveryWhere): void {
  const delayMs = millisecondsSinceCall(alert) ?? 0;
  deps.logger.info('Canary seen: the trail, delivery, function, rules and topic work', {
    ...where,
    eventID: alert.eventID,
    detection: alert.detection.path,
    delayMs,
  });
  deps.metrics.add(PIPELINE_METRIC_NAMES.canarySeen, delayMs, 'Milliseconds', {
    path: alert.detection.path,
  });
}

/**
 * Publication by path, the delay from the call to it, and `FastPathMissed` when the log file
 * path had to send what EventBridge should have delivered first.
 */
function reportDetection(alert: MediaPackageAlert, deps: PipelineDeps, where: DeliveryWhere): void {
  const { path } = alert.detection;
  deps.metrics.add(PIPELINE_METRIC_NAMES.alertsPublished, 1, 'Count', { path });
  const delayMs = millisecondsSinceCall(alert);
  if (delayMs !== undefined) {
    deps.metrics.add(PIPELINE_METRIC_NAMES.detectionDelay, delayMs, 'Milliseconds', { path });
  }
  if (path === 'log-file' && fastPathCovers(alert, deps.fastPathRegions)) {
    deps.logger.info('Alert sent from the log file: EventBridge had not delivered the event', {
      ...where,
      eventID: alert.eventID,
      awsRegion: alert.awsRegion,
      delaySeconds: alert.detection.delaySeconds,
    });
    deps.metrics.add(PIPELINE_METRIC_NAMES.fastPathMissed, 1, 'Count');
  }
}

interface ObjectBody {
  readonly stream: AsyncIterable<Uint8Array>;
  /** Stops the download when the reader gives up early (a corrupt file, say). */
  readonly release: () => void;
}

/** The object's body as a stream, or why there is none: the object or its bucket is gone. */
async function getObjectBody(
  s3: S3Client,
  object: CreatedObject,
): Promise<ObjectBody | 'object-not-found' | 'bucket-not-found'> {
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
    return { stream: body, release: () => body.destroy?.() };
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return 'object-not-found';
    if (name === 'NoSuchBucket') return 'bucket-not-found';
    throw error;
  }
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }
  return { message: String(error) };
}
