/**
 * Alert storms, the state: which alerts people get and which a storm collapses, decided once per
 * eventID and kept in the idempotency table (DynamoDB), so every invocation, retry and replay,
 * on either path, gives an event the same answer, and concurrent invocations count one storm
 * together. Also finds the windows whose digest is due.
 *
 * Items (partition key `id`, TTL `expiration`), beside Powertools' idempotency records:
 * - `storm-window#<storm>#<start>`: the window's alert counter (an atomic `ADD`), what the storm
 *   is (caller, event name), and, once something was collapsed and until its digest is sent,
 *   the index keys that list it as due;
 * - `storm-event#<eventID>`: the event's decision; a collapsed event also carries what its
 *   digest lists and the index keys that list it under its window.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { STORM_DIGESTS_DUE, STORM_INDEX } from '../contract';
import { forEachConcurrently } from './concurrency';
import type { MediaPackageAlert } from '../alert/alert';
import type { CollapsedEvent, StormDigest, StormKey, StormSettings } from '../alert/storm';
import { buildDigest, collapsedEventOf, isCollapsible, stormKeyOf, windowOf } from '../alert/storm';

/** What people get of an alert. */
export type StormDecision = 'deliver' | 'collapsed';

/** A window whose digest is due, with the digest to send. */
export interface DueDigest {
  readonly windowId: string;
  readonly digest: StormDigest;
}

export interface StormGate {
  /**
   * Whether people get each alert (by eventID): the first `threshold` alerts of a caller and
   * event name in a window are delivered, the rest collapsed; self-protection alerts always
   * delivered. Asked again for an eventID, the answer is the same.
   */
  decide(alerts: readonly MediaPackageAlert[], now: Date): Promise<Map<string, StormDecision>>;
  /** Digests of windows that ended at least `graceMs` ago and were not sent, oldest first. */
  dueDigests(now: Date, limit: number): Promise<DueDigest[]>;
  /** Records that a window's digest was published. */
  markDigestSent(windowId: string): Promise<void>;
}

export interface DynamoDbStormGateOptions {
  readonly tableName: string;
  readonly settings: StormSettings;
  /** How long an event's decision is kept: as long as its idempotency record. */
  readonly decisionTtlSeconds: number;
  /** @default a client with the SDK's standard settings */
  readonly dynamoDb?: DynamoDBClient;
  /** Decisions made at once. @default 8 */
  readonly concurrency?: number;
  /**
   * How long after its window ends a digest waits, so that an invocation that decided just
   * before the end has written its decision. @default 60 s
   */
  readonly graceMs?: number;
  /** Collapsed events read back for one digest, at most. @default 5,000 */
  readonly maxEventsRead?: number;
}

/** A window's state is kept a day past its end: long enough to send its digest late. */
const WINDOW_KEPT_SECONDS = 24 * 60 * 60;

export function dynamoDbStormGate(options: DynamoDbStormGateOptions): StormGate {
  const { tableName, settings } = options;
  const documents = DynamoDBDocumentClient.from(options.dynamoDb ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const graceMs = options.graceMs ?? 60_000;
  const maxEventsRead = options.maxEventsRead ?? 5_000;
  const concurrency = options.concurrency ?? 8;

  const markerId = (eventID: string): string => `storm-event#${eventID}`;

  async function readDecision(eventID: string): Promise<StormDecision | undefined> {
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { id: markerId(eventID) },
        ConsistentRead: true,
      }),
    );
    const decision: unknown = Item?.decision;
    return decision === 'deliver' || decision === 'collapsed' ? decision : undefined;
  }

  async function decideOne(alert: MediaPackageAlert, now: Date): Promise<StormDecision> {
    if (!settings.enabled || !isCollapsible(alert)) return 'deliver';
    const known = await readDecision(alert.eventID);
    if (known !== undefined) return known;
    const key = stormKeyOf(alert);
    const window = windowOf(now, settings.windowMinutes);
    const windowId = `storm-window#${key.id}#${window.start}`;
    const count = await countAlert(windowId, key, window);
    let decision: StormDecision = count > settings.threshold ? 'collapsed' : 'deliver';
    const expiration = Math.floor(now.getTime() / 1000) + options.decisionTtlSeconds;
    const collapsed = collapsedEventOf(alert);
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            id: markerId(alert.eventID),
            decision,
            windowId,
            expiration,
            ...(decision === 'collapsed'
              ? {
                  [STORM_INDEX.partitionKey]: windowId,
                  [STORM_INDEX.sortKey]: `${collapsed.eventTime ?? ''}#${alert.eventID}`,
                  event: JSON.stringify(collapsed),
                }
              : {}),
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another invocation decided first (a duplicate, the other path): its answer stands.
      return (await readDecision(alert.eventID)) ?? decision;
    }
    if (decision === 'collapsed' && !(await scheduleDigest(windowId, window.end))) {
      // The window's digest already went out (this invocation decided just before the window
      // ended and wrote just after the digest): no digest will list it, so people get it.
      decision = 'deliver';
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { id: markerId(alert.eventID), decision, windowId, expiration },
        }),
      );
    }
    return decision;
  }

  /** Counts the alert in its window (atomically) and returns the window's count with it. */
  async function countAlert(
    windowId: string,
    key: StormKey,
    window: { start: number; end: number },
  ): Promise<number> {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id: windowId },
        UpdateExpression:
          'ADD alerts :one SET stormKey = if_not_exists(stormKey, :key), windowStart = :start, windowEnd = :end, windowMinutes = :minutes, threshold = :threshold, expiration = :expiration',
        ExpressionAttributeValues: {
          ':one': 1,
          ':key': JSON.stringify(key),
          ':start': window.start,
          ':end': window.end,
          ':minutes': settings.windowMinutes,
          ':threshold': settings.threshold,
          ':expiration': Math.floor(window.end / 1000) + WINDOW_KEPT_SECONDS,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const count: unknown = Attributes?.alerts;
    return typeof count === 'number' ? count : Number.POSITIVE_INFINITY;
  }

  /** Lists the window as due for a digest; false if its digest was already sent. */
  async function scheduleDigest(windowId: string, windowEnd: number): Promise<boolean> {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: windowId },
          UpdateExpression: 'SET #partition = :due, #sort = :sort, digest = :pending',
          ConditionExpression: 'attribute_not_exists(digest) OR digest = :pending',
          ExpressionAttributeNames: {
            '#partition': STORM_INDEX.partitionKey,
            '#sort': STORM_INDEX.sortKey,
          },
          ExpressionAttributeValues: {
            ':due': STORM_DIGESTS_DUE,
            ':sort': `${new Date(windowEnd).toISOString()}#${windowId}`,
            ':pending': 'pending',
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function collapsedEvents(
    windowId: string,
  ): Promise<{ events: CollapsedEvent[]; complete: boolean }> {
    const events: CollapsedEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: STORM_INDEX.name,
          KeyConditionExpression: '#partition = :window',
          ExpressionAttributeNames: { '#partition': STORM_INDEX.partitionKey },
          ExpressionAttributeValues: { ':window': windowId },
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        const event = parseCollapsedEvent(item.event);
        if (event !== undefined) events.push(event);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined && events.length < maxEventsRead);
    return { events, complete: start === undefined };
  }

  return {
    decide: async (alerts, now) => {
      const decisions = new Map<string, StormDecision>();
      await forEachConcurrently(alerts, concurrency, async (alert) => {
        decisions.set(alert.eventID, await decideOne(alert, now));
      });
      return decisions;
    },
    dueDigests: async (now, limit) => {
      const { Items } = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: STORM_INDEX.name,
          KeyConditionExpression: '#partition = :due AND #sort < :until',
          ExpressionAttributeNames: {
            '#partition': STORM_INDEX.partitionKey,
            '#sort': STORM_INDEX.sortKey,
          },
          ExpressionAttributeValues: {
            ':due': STORM_DIGESTS_DUE,
            ':until': new Date(now.getTime() - graceMs).toISOString(),
          },
          Limit: limit,
        }),
      );
      const due: DueDigest[] = [];
      for (const item of Items ?? []) {
        const windowId = typeof item.id === 'string' ? item.id : undefined;
        const key = parseStormKey(item.stormKey);
        if (windowId === undefined || key === undefined) continue;
        const { events, complete } = await collapsedEvents(windowId);
        const alerts = numberOr(item.alerts, 0);
        const threshold = numberOr(item.threshold, settings.threshold);
        due.push({
          windowId,
          digest: buildDigest(
            {
              key,
              windowStart: numberOr(item.windowStart, 0),
              windowEnd: numberOr(item.windowEnd, 0),
              windowMinutes: numberOr(item.windowMinutes, settings.windowMinutes),
              delivered: Math.min(threshold, alerts),
              collapsedCount: complete ? events.length : Math.max(0, alerts - threshold),
            },
            events,
          ),
        });
      }
      return due;
    },
    markDigestSent: async (windowId) => {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: windowId },
          UpdateExpression: 'SET digest = :sent REMOVE #partition, #sort',
          ExpressionAttributeNames: {
            '#partition': STORM_INDEX.partitionKey,
            '#sort': STORM_INDEX.sortKey,
          },
          ExpressionAttributeValues: { ':sent': 'sent' },
        }),
      );
    },
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseStormKey(value: unknown): StormKey | undefined {
  const key = parseJsonObject(value);
  if (key === undefined) return undefined;
  const text = (name: string): string | undefined =>
    typeof key[name] === 'string' ? key[name] : undefined;
  const id = text('id');
  const callerLabel = text('callerLabel');
  const eventName = text('eventName');
  const eventSource = text('eventSource');
  const service = text('service');
  if (
    id === undefined ||
    callerLabel === undefined ||
    eventName === undefined ||
    eventSource === undefined ||
    service === undefined
  ) {
    return undefined;
  }
  return { id, callerLabel, eventName, eventSource, service, accountId: text('accountId') ?? null };
}

function parseCollapsedEvent(value: unknown): CollapsedEvent | undefined {
  const event = parseJsonObject(value);
  if (event === undefined) return undefined;
  const text = (name: string): string | null =>
    typeof event[name] === 'string' ? event[name] : null;
  const eventID = text('eventID');
  const severity = text('severity');
  if (eventID === null || !['high', 'medium', 'low', 'info'].includes(severity ?? '')) {
    return undefined;
  }
  return {
    eventID,
    eventTime: text('eventTime'),
    awsRegion: text('awsRegion') ?? 'unknown-region',
    resource: text('resource') ?? '-',
    severity: severity as CollapsedEvent['severity'],
    failed: event.failed === true,
    link: text('link') ?? '',
  };
}
