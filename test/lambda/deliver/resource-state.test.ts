/**
 * The memory of resource states: item layout and conditions with DynamoDB mocked, the real
 * ordering behaviour on dynalite (the table laid out as the stack creates it), and the
 * in-memory store used by the CLI.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { mockClient } from 'aws-sdk-client-mock';
import type { ResourceStateStore } from '../../../lambda/deliver/resource-state';
import {
  dynamoDbResourceStateStore,
  inMemoryResourceStateStore,
} from '../../../lambda/deliver/resource-state';
import type { LocalDynamoDb } from '../../support/local-dynamodb';
import { startLocalDynamoDb } from '../../support/local-dynamodb';

const NOW = Date.parse('2025-03-14T10:00:00Z');
const TTL = 86_400;
const T1 = '2025-03-14T09:00:00Z';
const T2 = '2025-03-14T09:05:00Z';

describe('Function: dynamoDbResourceStateStore (mocked DynamoDB)', () => {
  // The store sends through a document client; the stub is removed after these tests so the
  // dynalite tests below reach the emulator.
  let ddbMock: AwsClientStub<DynamoDBDocumentClient>;
  beforeAll(() => {
    ddbMock = mockClient(DynamoDBDocumentClient);
  });
  afterAll(() => ddbMock.restore());
  beforeEach(() => ddbMock.reset());
  const store = (): ResourceStateStore =>
    dynamoDbResourceStateStore({
      tableName: 'idem',
      ttlSeconds: TTL,
      dynamoDb: new DynamoDBClient({}),
      now: () => NOW,
    });

  it('writes the state as JSON under resource-state#<key>, with a TTL and an older-event condition', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});
    // Act
    await store().put('abc', { description: 'x' }, { eventTime: T1, eventID: 'e1' });
    // Assess
    const input = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.TableName).toBe('idem');
    expect(input?.Item).toEqual({
      id: 'resource-state#abc',
      state: '{"description":"x"}',
      eventTime: T1,
      eventTimeMs: Date.parse(T1),
      eventID: 'e1',
      expiration: NOW / 1000 + TTL,
    });
    expect(input?.ConditionExpression).toBe(
      'attribute_not_exists(id) OR #expiration < :now OR attribute_not_exists(eventTimeMs) OR eventTimeMs <= :t',
    );
    expect(input?.ExpressionAttributeValues).toEqual({
      ':now': NOW / 1000,
      ':t': Date.parse(T1),
    });
  });

  it('lets an event without a time replace only a state without one', async () => {
    ddbMock.on(PutCommand).resolves({});
    await store().put('abc', {}, { eventTime: null, eventID: 'e1' });
    const input = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).not.toContain(':t');
    expect(input?.Item?.eventTimeMs).toBeUndefined();
  });

  it('writes a tombstone on remove', async () => {
    ddbMock.on(PutCommand).resolves({});
    await store().remove('abc', { eventTime: T2, eventID: 'e2' });
    const item = ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(item?.deleted).toBe(true);
    expect(item?.state).toBeUndefined();
  });

  it('swallows a failed condition (a newer state is kept) and throws other errors', async () => {
    ddbMock
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))
      .rejectsOnce(new Error('ProvisionedThroughputExceeded'));
    await expect(store().put('k', {}, { eventTime: T1, eventID: 'e' })).resolves.toBeUndefined();
    await expect(store().put('k', {}, { eventTime: T1, eventID: 'e' })).rejects.toThrow(
      'ProvisionedThroughputExceeded',
    );
  });

  it('reads a state back, and nothing from an expired item, a tombstone or a corrupt one', async () => {
    const item = (extra: Record<string, unknown>) => ({
      Item: {
        id: 'resource-state#k',
        eventID: 'e1',
        eventTime: T1,
        expiration: NOW / 1000 + 10,
        ...extra,
      },
    });
    ddbMock
      .on(GetCommand)
      .resolvesOnce(item({ state: '{"a":1}' }))
      .resolvesOnce(item({ state: '{"a":1}', expiration: NOW / 1000 - 1 }))
      .resolvesOnce(item({ deleted: true }))
      .resolvesOnce(item({ state: '{not json' }))
      .resolvesOnce({});
    const memory = store();
    await expect(memory.get('k')).resolves.toEqual({
      state: { a: 1 },
      eventTime: T1,
      eventID: 'e1',
    });
    for (let i = 0; i < 4; i += 1) await expect(memory.get('k')).resolves.toBeUndefined();
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'idem',
      Key: { id: 'resource-state#k' },
      ConsistentRead: true,
    });
  });
});

/** The ordering rules, the same for both stores. */
function orderingRules(make: () => Promise<ResourceStateStore>): void {
  it('never lets an older event overwrite a newer state', async () => {
    const store = await make();
    await store.put('k', { v: 2 }, { eventTime: T2, eventID: 'e2' });
    await store.put('k', { v: 1 }, { eventTime: T1, eventID: 'e1' });
    expect((await store.get('k'))?.state).toEqual({ v: 2 });
    await store.put('k', { v: 3 }, { eventTime: T2, eventID: 'e3' });
    expect(await store.get('k')).toEqual({ state: { v: 3 }, eventTime: T2, eventID: 'e3' });
  });

  it('forgets a deleted resource, and an older create does not bring it back', async () => {
    const store = await make();
    await store.put('k', { v: 1 }, { eventTime: T1, eventID: 'e1' });
    await store.remove('k', { eventTime: T2, eventID: 'e2' });
    expect(await store.get('k')).toBeUndefined();
    await store.put('k', { v: 0 }, { eventTime: T1, eventID: 'e0' });
    expect(await store.get('k')).toBeUndefined();
    await store.put('k', { v: 4 }, { eventTime: '2025-03-14T09:10:00Z', eventID: 'e4' });
    expect((await store.get('k'))?.state).toEqual({ v: 4 });
  });

  it('does not let an event without a time replace a dated state', async () => {
    const store = await make();
    await store.put('k', { v: 1 }, { eventTime: T1, eventID: 'e1' });
    await store.put('k', { v: 9 }, { eventTime: null, eventID: 'e9' });
    expect((await store.get('k'))?.state).toEqual({ v: 1 });
  });
}

describe('Function: dynamoDbResourceStateStore (dynalite)', () => {
  let dynamoDb: LocalDynamoDb;
  let tables = 0;
  beforeAll(async () => {
    dynamoDb = await startLocalDynamoDb();
  });
  afterAll(async () => {
    await dynamoDb.stop();
  });
  orderingRules(async () => {
    tables += 1;
    const tableName = `idem-${tables}`;
    await dynamoDb.createIdempotencyTable(tableName);
    return dynamoDbResourceStateStore({ tableName, ttlSeconds: TTL, dynamoDb: dynamoDb.client });
  });
});

describe('Function: inMemoryResourceStateStore', () => {
  orderingRules(() => Promise.resolve(inMemoryResourceStateStore()));

  it('expires a state after its TTL and keeps a copy, not the caller object', async () => {
    let now = NOW;
    const store = inMemoryResourceStateStore({ ttlSeconds: 60, now: () => now });
    const state = { tags: { a: '1' } };
    await store.put('k', state, { eventTime: T1, eventID: 'e1' });
    state.tags.a = 'changed';
    expect((await store.get('k'))?.state).toEqual({ tags: { a: '1' } });
    now += 61_000;
    expect(await store.get('k')).toBeUndefined();
    await store.put('k', { v: 0 }, { eventTime: '2020-01-01T00:00:00Z', eventID: 'old' });
    expect((await store.get('k'))?.state).toEqual({ v: 0 });
  });
});
