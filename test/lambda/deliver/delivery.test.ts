/**
 * The two deliveries: batched (at least once) and idempotent (once per eventID, with
 * Powertools' idempotency records in DynamoDB). SNS is mocked; DynamoDB is dynalite, in memory
 * in this process, with the table laid out as the stack creates it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import { buildAlertMessage } from '../../../lambda/alert/sns-message';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS } from '../../../lambda/contract';
import type { AlertDelivery, IdempotentDeliveryOptions } from '../../../lambda/deliver/delivery';
import { batchDelivery, deliveryFor, idempotentDelivery } from '../../../lambda/deliver/delivery';
import { PublishError } from '../../../lambda/errors';
import { cloudTrailRecord } from '../../../scripts/cloudtrail-factory';
import { alertFor } from '../../support/alerts';
import { TOPIC_ARN, acceptAll, publishedAlerts } from '../../support/aws-doubles';
import type { LocalDynamoDb } from '../../support/local-dynamodb';
import { startLocalDynamoDb } from '../../support/local-dynamodb';

const snsMock = mockClient(SNSClient);
const sns = new SNSClient({});
const FAST = { baseDelayMs: 1 } as const;
/** What the handler's context says is left of the invocation. */
const REMAINING_MS = 45_000;

let dynamoDb: LocalDynamoDb;
let tables = 0;

/** Alert messages of new MediaPackage writes, each with its own eventID. */
function messages(count: number): AlertMessage[] {
  return Array.from({ length: count }, () => buildAlertMessage(alertFor(cloudTrailRecord())));
}

const ids = (list: readonly AlertMessage[]): string[] => list.map((message) => message.eventID);

/** The eventIDs SNS was sent, in order, over every PublishBatch call. */
function sentIds(): unknown[] {
  return snsMock
    .commandCalls(PublishBatchCommand)
    .flatMap((call) => publishedAlerts(call.args[0].input).map((alert) => alert.eventID));
}

/** SNS accepts every entry except the alerts with these eventIDs, which it rejects for good. */
function snsRejects(eventIds: readonly string[]): void {
  snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    const rejected = new Set(
      publishedAlerts(input).flatMap((alert, index) =>
        eventIds.includes(String(alert.eventID)) ? [`alert-${index}`] : [],
      ),
    );
    const accepted = acceptAll(input);
    return {
      ...accepted,
      Successful: accepted.Successful?.filter((entry) => !rejected.has(entry.Id ?? '')),
      Failed: [...rejected].map((Id) => ({ Id, Code: 'InvalidParameter', SenderFault: true })),
    };
  });
}

/** A fresh idempotency table, for a test of its own. */
async function newTable(): Promise<string> {
  tables += 1;
  const name = `delivery-test-${tables}`;
  await dynamoDb.createIdempotencyTable(name);
  return name;
}

/** An idempotent delivery on `tableName`, registered with an invocation as the handler does. */
function exactlyOnce(
  tableName: string,
  options: Partial<IdempotentDeliveryOptions> = {},
): AlertDelivery {
  const delivery = idempotentDelivery(sns, TOPIC_ARN, {
    tableName,
    dynamoDb: dynamoDb.client,
    ...options,
  });
  delivery.registerContext?.({ getRemainingTimeInMillis: () => REMAINING_MS } as Context);
  return delivery;
}

async function records(tableName: string): Promise<Record<string, AttributeValue>[]> {
  const scan = await dynamoDb.client.send(new ScanCommand({ TableName: tableName }));
  return scan.Items ?? [];
}

beforeAll(async () => {
  dynamoDb = await startLocalDynamoDb();
});

afterAll(async () => {
  await dynamoDb.stop();
});

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishBatchCommand).callsFake(acceptAll);
});

describe('Function: batchDelivery', () => {
  it('publishes every alert each time it is asked, counting the entries SNS made it retry', async () => {
    // Prepare: SNS fails one entry of the first call with a retryable error.
    const alerts = messages(3);
    snsMock
      .on(PublishBatchCommand)
      .callsFakeOnce((input: PublishBatchCommandInput) => {
        const accepted = acceptAll(input);
        return {
          ...accepted,
          Successful: accepted.Successful?.slice(1),
          Failed: [{ Id: 'alert-0', Code: 'InternalError', SenderFault: false }],
        };
      })
      .callsFake(acceptAll);
    const delivery = batchDelivery(sns, TOPIC_ARN);

    // Act
    const first = await delivery.deliver(alerts, FAST);
    const second = await delivery.deliver(alerts, FAST);

    // Assess
    expect(first).toEqual({
      published: 3,
      alreadyPublished: 0,
      alreadyPublishedEventIds: [],
      retried: 1,
    });
    expect(second).toMatchObject({ published: 3, retried: 0 });
    expect(sentIds()).toEqual([...ids(alerts), ...ids(alerts.slice(0, 1)), ...ids(alerts)]);
  });
});

describe('Function: deliveryFor', () => {
  it('delivers at least once without an idempotency table: a repeated delivery publishes again', async () => {
    // Prepare
    const alerts = messages(2);
    const delivery = deliveryFor(sns, TOPIC_ARN, undefined);

    // Act
    await delivery.deliver(alerts);
    const again = await delivery.deliver(alerts);

    // Assess
    expect(again.alreadyPublished).toBe(0);
    expect(sentIds()).toEqual([...ids(alerts), ...ids(alerts)]);
    expect(delivery.registerContext).toBeUndefined();
  });

  it('delivers once per eventID with a table: a repeated delivery publishes nothing and names them', async () => {
    // Prepare
    const alerts = messages(3);
    const delivery = deliveryFor(sns, TOPIC_ARN, {
      tableName: await newTable(),
      dynamoDb: dynamoDb.client,
    });
    delivery.registerContext?.({ getRemainingTimeInMillis: () => REMAINING_MS } as Context);

    // Act
    const first = await delivery.deliver(alerts);
    const again = await delivery.deliver(alerts);

    // Assess
    expect(first).toMatchObject({ published: 3, alreadyPublished: 0 });
    expect(again).toEqual({
      published: 0,
      alreadyPublished: 3,
      alreadyPublishedEventIds: ids(alerts),
      retried: 0,
    });
    expect([...sentIds()].sort()).toEqual(ids(alerts).sort());
  });
});

describe('Function: idempotentDelivery', () => {
  it('sends only the new alerts of a later delivery and names the old ones in their order', async () => {
    // Prepare
    const [a, b, c, d] = messages(4) as [AlertMessage, AlertMessage, AlertMessage, AlertMessage];
    const delivery = exactlyOnce(await newTable());
    await delivery.deliver([a, b]);
    snsMock.resetHistory();

    // Act
    const result = await delivery.deliver([b, c, a, d]);

    // Assess
    expect(result).toMatchObject({
      published: 2,
      alreadyPublished: 2,
      alreadyPublishedEventIds: [b.eventID, a.eventID],
    });
    expect([...sentIds()].sort()).toEqual([c.eventID, d.eventID].sort());
  });

  it('fails naming only the alert SNS rejected, and publishes it on the retry', async () => {
    // Prepare
    const [kept, rejected] = messages(2) as [AlertMessage, AlertMessage];
    const delivery = exactlyOnce(await newTable());
    snsRejects([rejected.eventID]);

    // Act
    const failure: unknown = await delivery
      .deliver([kept, rejected], FAST)
      .catch((error: unknown) => error);
    snsMock.reset();
    snsMock.on(PublishBatchCommand).callsFake(acceptAll);
    const retry = await delivery.deliver([kept, rejected], FAST);

    // Assess
    expect(failure).toBeInstanceOf(PublishError);
    expect((failure as PublishError).failedEventIds).toEqual([rejected.eventID]);
    expect(retry).toMatchObject({
      published: 1,
      alreadyPublishedEventIds: [kept.eventID],
    });
    expect(sentIds()).toEqual([rejected.eventID]);
  });

  it("shares its records with a replay run elsewhere, whatever the function's name", async () => {
    // Prepare: the deployed function has a name; `mp-audit replay` on a laptop has none.
    const alerts = messages(2);
    const tableName = await newTable();
    const saved = process.env.AWS_LAMBDA_FUNCTION_NAME;
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'mediapackage-audit-AlertFunction';
    await exactlyOnce(tableName).deliver(alerts);
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    snsMock.resetHistory();

    // Act
    const replay = await exactlyOnce(tableName)
      .deliver(alerts)
      .finally(() => {
        if (saved !== undefined) process.env.AWS_LAMBDA_FUNCTION_NAME = saved;
      });

    // Assess
    expect(replay).toMatchObject({ published: 0, alreadyPublished: 2 });
    expect(sentIds()).toEqual([]);
  });

  it.each([
    ['the lifetime it is given', 3_600, 3_600],
    ['15 days by default', undefined, DEFAULT_IDEMPOTENCY_TTL_SECONDS],
  ])(
    'keeps a record for %s, and lets it expire with its invocation while in progress',
    async (_name, given, seconds) => {
      // Prepare
      const tableName = await newTable();
      const delivery = exactlyOnce(
        tableName,
        given === undefined ? {} : { expiresAfterSeconds: given },
      );
      const before = Date.now();

      // Act
      await delivery.deliver(messages(1));

      // Assess
      const after = Date.now();
      const [record] = await records(tableName);
      const expiration = Number(record?.expiration?.N);
      const inProgressExpiration = Number(record?.in_progress_expiration?.N);
      expect(expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + seconds);
      expect(expiration).toBeLessThanOrEqual(Math.ceil(after / 1000) + seconds);
      expect(inProgressExpiration).toBeGreaterThanOrEqual(before + REMAINING_MS);
      expect(inProgressExpiration).toBeLessThanOrEqual(after + REMAINING_MS);
    },
  );

  it('publishes an alert once when two invocations deliver it at the same time', async () => {
    // Prepare: S3 can notify twice for one object; both invocations read the same alert.
    const alerts = messages(1);
    const tableName = await newTable();
    const [first, second] = [exactlyOnce(tableName), exactlyOnce(tableName)];

    // Act
    const outcomes = await Promise.allSettled([first.deliver(alerts), second.deliver(alerts)]);

    // Assess
    expect(sentIds()).toEqual(ids(alerts));
    expect(outcomes.some((outcome) => outcome.status === 'fulfilled')).toBe(true);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PublishError);
    }
  });
});
