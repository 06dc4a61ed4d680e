/**
 * An in-process DynamoDB emulator (dynalite, in memory) on loopback, with the idempotency
 * table laid out as the construct creates it: partition key `id` (String), TTL `expiration`, and
 * the storm index (STORM_INDEX).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STORM_INDEX } from '../../lambda/contract';

// dynalite ships no types: it exports a function that returns an http.Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  createIdempotencyTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    endpoint,
    client,
    createIdempotencyTable: async (name) => {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [
            { AttributeName: 'id', AttributeType: 'S' },
            { AttributeName: STORM_INDEX.partitionKey, AttributeType: 'S' },
            { AttributeName: STORM_INDEX.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: STORM_INDEX.name,
              KeySchema: [
                { AttributeName: STORM_INDEX.partitionKey, KeyType: 'HASH' },
                { AttributeName: STORM_INDEX.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
