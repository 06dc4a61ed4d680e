/**
 * What changed, wired: before an alert goes out, the resource's last known state is read from
 * the memory and the alert gets the fields its call changed; after the alert is delivered, the
 * state after the call is kept (or, when the call does not say it, read once with a read-only
 * describe), so the next change has something to compare with. The pure parts are in
 * alert/resource-changes.ts; the memory in deliver/resource-state.ts.
 */
import type { MediaPackageAlert } from '../alert/alert';
import { jsonDigest, resourceIdentity } from '../alert/alert';
import type { ResourceState } from '../alert/resource-changes';
import { changeFamilyOf, changesFor, stateAfterEvent } from '../alert/resource-changes';
import type { ResourceDescriber } from '../aws/resource-describer';
import { PIPELINE_METRIC_NAMES } from '../contract';
import { forEachConcurrently } from '../deliver/concurrency';
import type { ResourceStateStore } from '../deliver/resource-state';
import type { CloudTrailRecord } from '../read/cloudtrail-record';
import type { PipelineLogger, PipelineMetrics } from './ports';

/** The memory and how to read a resource when it has nothing. */
export interface ResourceMemory {
  readonly states: ResourceStateStore;
  /** @default no describe: an unknown resource stays unknown until its next response */
  readonly describer?: ResourceDescriber;
}

/** A write to the memory, made once the alert it belongs to is delivered. */
export type StateWrite =
  | { readonly kind: 'put'; readonly key: string; readonly state: ResourceState }
  | { readonly kind: 'remove'; readonly key: string }
  | { readonly kind: 'describe'; readonly key: string };

/** An alert with what changed, and what to remember once it is delivered. */
export interface RememberedAlert {
  readonly alert: MediaPackageAlert;
  readonly write?: StateWrite & { readonly eventTime: string | null; readonly eventID: string };
}

interface Ports {
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
}

/**
 * The memory's key of the alert's resource: a digest of its identity (resourceIdentity), the
 * one its thread is made of; null when the alert names no resource.
 */
export function resourceStateKey(alert: MediaPackageAlert): string | null {
  const identity = resourceIdentity(alert);
  return identity === null ? null : jsonDigest(identity);
}

/** Whether the record's call is one whose state the memory follows (a record is then kept). */
export function followsState(alert: MediaPackageAlert): boolean {
  return (
    alert.category === 'watched' &&
    alert.outcome === 'success' &&
    changeFamilyOf(alert.eventName) !== 'other'
  );
}

/**
 * Adds `changes` to each alert whose call changed a known kind of state, in order, so two
 * changes to one resource in one batch compare with each other. A memory that cannot be read
 * costs the diff, never the alert.
 */
export async function rememberChanges(
  entries: readonly { readonly alert: MediaPackageAlert; readonly record?: CloudTrailRecord }[],
  memory: ResourceMemory,
  ports: Ports,
): Promise<RememberedAlert[]> {
  const latest = new Map<string, ResourceState | undefined>();
  const remembered: RememberedAlert[] = [];
  for (const { alert, record } of entries) {
    const key = record === undefined ? null : resourceStateKey(alert);
    if (record === undefined || key === null) {
      remembered.push({ alert });
      continue;
    }
    const before = latest.has(key) ? latest.get(key) : await readState(key, memory, ports);
    const changes = changesFor(record, before);
    const family = changeFamilyOf(alert.eventName);
    const after = family === 'delete' ? undefined : stateAfterEvent(record, before);
    latest.set(key, after);
    if (changes?.basis === 'unknown') {
      ports.metrics.add(PIPELINE_METRIC_NAMES.previousStateUnknown, 1, 'Count', {
        reason: before === undefined ? 'first-seen' : 'unreadable',
      });
    }
    const meta = { eventTime: alert.eventTime, eventID: alert.eventID };
    const write: StateWrite =
      family === 'delete'
        ? { kind: 'remove', key }
        : after !== undefined
          ? { kind: 'put', key, state: after }
          : { kind: 'describe', key };
    remembered.push({
      alert: changes === null ? alert : { ...alert, changes },
      write: { ...write, ...meta },
    });
  }
  return remembered;
}

async function readState(
  key: string,
  memory: ResourceMemory,
  { logger, metrics }: Ports,
): Promise<ResourceState | undefined> {
  try {
    return (await memory.states.get(key))?.state;
  } catch (error) {
    logger.warn('Resource memory unreadable; the alert says the previous state is unknown', {
      error: (error as Error).message,
    });
    metrics.add(PIPELINE_METRIC_NAMES.previousStateUnknown, 1, 'Count', { reason: 'unreadable' });
    return undefined;
  }
}

/** Describe calls made at once, and the time all of one batch's may take together. */
export const DESCRIBE_CONCURRENCY = 4;
export const DESCRIBE_BUDGET_MS = 3_000;

/**
 * Keeps what the delivered alerts' calls left behind. Failures are logged, never thrown: the
 * alerts are out, and the worst a lost write does is a "previous state unknown" later. The
 * describes of resources the memory does not know run a few at a time within a time budget,
 * so a storm of tag calls on new resources (or an endpoint that does not answer) cannot hold
 * the invocation: what the budget leaves undescribed stays unknown until its next change.
 */
export async function keepStates(
  delivered: readonly RememberedAlert[],
  memory: ResourceMemory,
  { logger }: Ports,
): Promise<void> {
  const describes: RememberedAlert[] = [];
  for (const entry of delivered) {
    const { alert, write } = entry;
    if (write === undefined) continue;
    if (write.kind === 'describe') {
      if (memory.describer !== undefined) describes.push(entry);
      continue;
    }
    const meta = { eventTime: write.eventTime, eventID: write.eventID };
    try {
      if (write.kind === 'remove') await memory.states.remove(write.key, meta);
      else await memory.states.put(write.key, write.state, meta);
    } catch (error) {
      logger.warn(
        'Resource state not kept; its next change may say the previous state is unknown',
        {
          eventID: alert.eventID,
          error: (error as Error).message,
        },
      );
    }
  }
  if (describes.length > 0 && memory.describer !== undefined) {
    await describeWithinBudget(describes, memory.describer, memory.states, logger);
  }
}

async function describeWithinBudget(
  entries: readonly RememberedAlert[],
  describer: ResourceDescriber,
  states: ResourceStateStore,
  logger: PipelineLogger,
): Promise<void> {
  const until = Date.now() + DESCRIBE_BUDGET_MS;
  let skipped = 0;
  await forEachConcurrently(entries, DESCRIBE_CONCURRENCY, async ({ alert, write }) => {
    if (write === undefined) return;
    if (Date.now() >= until) {
      skipped += 1;
      return;
    }
    try {
      const described = await describer.describe({
        eventSource: alert.eventSource,
        awsRegion: alert.awsRegion,
        resourceType: alert.resource.type,
        resourceId: alert.resource.id,
        resourceArn: alert.resource.arn,
      });
      if (described !== undefined) {
        await states.put(write.key, described, {
          eventTime: write.eventTime,
          eventID: write.eventID,
        });
      }
    } catch (error) {
      logger.warn(
        'Resource state not kept; its next change may say the previous state is unknown',
        {
          eventID: alert.eventID,
          error: (error as Error).message,
        },
      );
    }
  });
  if (skipped > 0) {
    logger.info('Resources not described: the batch used its describe budget', {
      skipped,
      budgetMs: DESCRIBE_BUDGET_MS,
    });
  }
}
