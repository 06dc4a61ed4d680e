/**
 * The memory behind "what changed": the last known, masked state of each MediaPackage
 * resource, so the next change to it can be shown old -> new. Kept in the idempotency table
 * (DynamoDB) beside Powertools' records, one item per resource:
 * `resource-state#<key>` (partition key `id`, TTL `expiration`), with the state as a JSON
 * string and the time of the event that produced it.
 *
 * Events arrive out of order (the EventBridge path and log files, retries, replays), so a
 * write only lands when its event is not older than the one already kept; a delete leaves a
 * tombstone with its time, so a create or update that happened before the delete and arrives
 * after it cannot bring the resource back. Only GetItem and PutItem are used (the function is
 * granted GetItem/PutItem/UpdateItem/DeleteItem on the table).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ResourceState } from '../alert/resource-changes';

/** What the memory holds of one resource. */
export interface StoredResourceState {
  readonly state: ResourceState;
  /** Time of the event the state came from (CloudTrail `eventTime`), null when unknown. */
  readonly eventTime: string | null;
  readonly eventID: string;
}

/** The event a write comes from: its time orders writes, its id is kept for the record. */
export interface ResourceStateMeta {
  readonly eventTime: string | null;
  readonly eventID: string;
}

/**
 * The memory. Keys are the caller's (a digest of account, Region, service, type and id).
 * Writes never replace a state kept from a newer event; an event without a time never
 * replaces one with a time. A write that loses that race is not an error.
 */
export interface ResourceStateStore {
  get(key: string): Promise<StoredResourceState | undefined>;
  put(key: string, state: ResourceState, meta: ResourceStateMeta): Promise<void>;
  /** Forgets the resource (it was deleted), unless a newer event already wrote it. */
  remove(key: string, meta: ResourceStateMeta): Promise<void>;
}

/** Prefix of the ids of resource-state items in the idempotency table. */
export const RESOURCE_STATE_ID_PREFIX = 'resource-state#';

export interface DynamoDbResourceStateStoreOptions {
  /** The idempotency table (partition key `id`, TTL attribute `expiration`). */
  readonly tableName: string;
  /** How long a state is kept after its last write. */
  readonly ttlSeconds: number;
  /** @default a client with the SDK's standard settings */
  readonly dynamoDb?: DynamoDBClient;
  /** Current time in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** Epoch milliseconds of an event time; null when absent or not a date. */
function eventTimeMs(eventTime: string | null): number | null {
  if (typeof eventTime !== 'string') return null;
  const ms = Date.parse(eventTime);
  return Number.isFinite(ms) ? ms : null;
}

/** Parses a kept state; anything that is not a JSON object reads as nothing kept. */
function parseState(text: unknown): ResourceState | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as ResourceState)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The memory in the idempotency table. Items:
 * `{ id: 'resource-state#<key>', state: '<JSON>' | absent (tombstone), eventTime, eventTimeMs,
 * eventID, expiration }`. A put or remove is conditional: it lands when no item exists, the
 * item has expired (TTL deletion lags), the item has no time, or its time is not after the
 * event's (`eventTimeMs <= :t`); an event without a time lands only in the first three cases.
 * A failed condition is swallowed; any other error is thrown, for the caller to log or retry.
 */
export function dynamoDbResourceStateStore(
  options: DynamoDbResourceStateStoreOptions,
): ResourceStateStore {
  const { tableName, ttlSeconds } = options;
  const now = options.now ?? Date.now;
  const documents = DynamoDBDocumentClient.from(options.dynamoDb ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const idOf = (key: string): string => `${RESOURCE_STATE_ID_PREFIX}${key}`;

  async function write(key: string, state: ResourceState | null, meta: ResourceStateMeta) {
    const nowSeconds = Math.floor(now() / 1000);
    const timeMs = eventTimeMs(meta.eventTime);
    const older =
      'attribute_not_exists(id) OR #expiration < :now OR attribute_not_exists(eventTimeMs)';
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            id: idOf(key),
            ...(state === null ? { deleted: true } : { state: JSON.stringify(state) }),
            eventTime: meta.eventTime ?? undefined,
            eventTimeMs: timeMs ?? undefined,
            eventID: meta.eventID,
            expiration: nowSeconds + ttlSeconds,
          },
          ConditionExpression: timeMs === null ? older : `${older} OR eventTimeMs <= :t`,
          ExpressionAttributeNames: { '#expiration': 'expiration' },
          ExpressionAttributeValues:
            timeMs === null ? { ':now': nowSeconds } : { ':now': nowSeconds, ':t': timeMs },
        }),
      );
    } catch (error) {
      // A newer event's state is already kept: it stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    async get(key) {
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: { id: idOf(key) }, ConsistentRead: true }),
      );
      if (Item === undefined) return undefined;
      const expiration: unknown = Item.expiration;
      if (typeof expiration === 'number' && expiration < Math.floor(now() / 1000)) return undefined;
      const state = parseState(Item.state);
      if (state === undefined) return undefined;
      const eventTime: unknown = Item.eventTime;
      const eventID: unknown = Item.eventID;
      return {
        state,
        eventTime: typeof eventTime === 'string' ? eventTime : null,
        eventID: typeof eventID === 'string' ? eventID : '',
      };
    },
    put: (key, state, meta) => write(key, state, meta),
    remove: (key, meta) => write(key, null, meta),
  };
}

export interface InMemoryResourceStateStoreOptions {
  /** How long a state is kept after its last write. @default 30 days */
  readonly ttlSeconds?: number;
  /** Current time in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

interface MemoryItem {
  readonly state: string | null;
  readonly eventTime: string | null;
  readonly eventTimeMs: number | null;
  readonly eventID: string;
  readonly expiresAtMs: number;
}

/**
 * The same memory in this process, with the same ordering rules (for the CLI and tests). The
 * state is kept as JSON text, as in DynamoDB, so a caller's later edits do not reach it.
 */
export function inMemoryResourceStateStore(
  options: InMemoryResourceStateStoreOptions = {},
): ResourceStateStore {
  const ttlMs = (options.ttlSeconds ?? 30 * 24 * 60 * 60) * 1000;
  const now = options.now ?? Date.now;
  const items = new Map<string, MemoryItem>();

  function write(key: string, state: ResourceState | null, meta: ResourceStateMeta): void {
    const at = now();
    const timeMs = eventTimeMs(meta.eventTime);
    const kept = items.get(key);
    const lands =
      kept === undefined ||
      kept.expiresAtMs < at ||
      kept.eventTimeMs === null ||
      (timeMs !== null && kept.eventTimeMs <= timeMs);
    if (!lands) return;
    items.set(key, {
      state: state === null ? null : JSON.stringify(state),
      eventTime: meta.eventTime,
      eventTimeMs: timeMs,
      eventID: meta.eventID,
      expiresAtMs: at + ttlMs,
    });
  }

  return {
    get(key) {
      const kept = items.get(key);
      if (kept === undefined || kept.expiresAtMs < now()) return Promise.resolve(undefined);
      const state = parseState(kept.state);
      return Promise.resolve(
        state === undefined
          ? undefined
          : { state, eventTime: kept.eventTime, eventID: kept.eventID },
      );
    },
    put(key, state, meta) {
      write(key, state, meta);
      return Promise.resolve();
    },
    remove(key, meta) {
      write(key, null, meta);
      return Promise.resolve();
    },
  };
}
