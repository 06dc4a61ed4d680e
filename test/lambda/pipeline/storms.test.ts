/**
 * Alert storms through the pipeline (issue 16): processApiCalls / processTriggerEvent with the
 * real storm gate on dynalite (the idempotency table with its storm index). Machines get every
 * event once; people (messages without the `storm` attribute) get the first `threshold` of a
 * caller and event name per window, then one digest per window, even when invocations run at
 * once, repeat a batch, or the storm state cannot be reached (then people get everything).
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import type { StormSettings } from '../../../lambda/alert/storm';
import { MESSAGE_ATTRIBUTES, PIPELINE_METRIC_NAMES } from '../../../lambda/contract';
import type { AlertDelivery } from '../../../lambda/deliver/delivery';
import { idempotentDelivery } from '../../../lambda/deliver/delivery';
import type { StormGate } from '../../../lambda/deliver/storm-gate';
import { dynamoDbStormGate } from '../../../lambda/deliver/storm-gate';
import {
  processApiCalls,
  processTriggerEvent,
  sendDueDigests,
} from '../../../lambda/pipeline/process-trigger';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';
import {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  ROLE_ARN,
  apiCallEvent,
  cloudTrailRecord,
  logFileBody,
  logFileKey,
  s3Event,
} from '../../../scripts/cloudtrail-factory';
import { alertFor } from '../../support/alerts';
import { TOPIC_ARN, acceptAll, s3Body } from '../../support/aws-doubles';
import type { LocalDynamoDb } from '../../support/local-dynamodb';
import { startLocalDynamoDb } from '../../support/local-dynamodb';
import { onceDelivery, recordedDeps } from '../../support/once-delivery';

const THRESHOLD = 10;
const WINDOW_MINUTES = 5;
const SETTINGS: StormSettings = {
  enabled: true,
  threshold: THRESHOLD,
  windowMinutes: WINDOW_MINUTES,
};
const OTHER_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/NightlyDeploy`;

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
let dynamo: LocalDynamoDb;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});

afterAll(async () => {
  await dynamo.stop();
});

beforeEach(async () => {
  s3Mock.reset();
  snsMock.reset();
  snsMock.on(PublishBatchCommand).callsFake(acceptAll);
  await awayFromWindowEdge();
});

/**
 * Windows follow the wall clock and the pipeline decides with `new Date()`: a test that must
 * stay in one window starts only when at least 40 s of the current window are left.
 */
async function awayFromWindowEdge(): Promise<void> {
  const length = WINDOW_MINUTES * 60_000;
  const left = length - (Date.now() % length);
  if (left < 40_000) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

async function freshTable(): Promise<string> {
  const name = `storms-${randomUUID()}`;
  await dynamo.createIdempotencyTable(name);
  return name;
}

function gateOn(tableName: string, dynamoDb: DynamoDBClient = dynamo.client): StormGate {
  return dynamoDbStormGate({ tableName, settings: SETTINGS, decisionTtlSeconds: 3600, dynamoDb });
}

/** The gate, but asked for due digests as if `aheadMs` had passed. */
function later(gate: StormGate, aheadMs: number): StormGate {
  return {
    decide: (alerts, now) => gate.decide(alerts, now),
    dueDigests: (now, limit) => gate.dueDigests(new Date(now.getTime() + aheadMs), limit),
    markDigestSent: (windowId) => gate.markDigestSent(windowId),
  };
}

/** What reached the topic: each message SNS accepted (or the double kept), in order. */
type Recorder = AlertDelivery & { readonly sent: AlertMessage[] };

/** The real idempotent delivery on dynalite (SNS mocked), recording what it published. */
function exactlyOnce(tableName: string): Recorder {
  const delivery = idempotentDelivery(new SNSClient({ region: REGION }), TOPIC_ARN, {
    tableName,
    dynamoDb: dynamo.client,
  });
  delivery.registerContext?.({ getRemainingTimeInMillis: () => 45_000 } as Context);
  const sent: AlertMessage[] = [];
  return {
    sent,
    deliver: async (messages, options) => {
      const result = await delivery.deliver(messages, options);
      const skipped = new Set(result.alreadyPublishedEventIds);
      sent.push(...messages.filter((message) => !skipped.has(message.eventID)));
      return result;
    },
  };
}

function depsWith(delivery: AlertDelivery, storms: StormGate) {
  return recordedDeps(delivery, { storms });
}

/** A TagResource by a session of `role` on `channel`, with a new eventID, made just now. */
function tagRecord(channel: string, role: string = ROLE_ARN, session = 'run-1'): CloudTrailRecord {
  return cloudTrailRecord({
    eventName: 'TagResource',
    eventTime: new Date(Date.now() - 5_000).toISOString(),
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${session}`,
      arn: `${role.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${session}`,
      accountId: ACCOUNT_ID,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: role,
          accountId: ACCOUNT_ID,
          userName: role.split('/').pop(),
        },
      },
    },
    requestParameters: {
      'resource-arn': `arn:aws:mediapackage:${REGION}:${ACCOUNT_ID}:channels/${channel}`,
      tags: { team: 'live' },
    },
    responseElements: null,
  });
}

const calls = (records: readonly CloudTrailRecord[]) =>
  records.map((record) => ({ eventBridgeId: null, record }));

const idsOf = (records: readonly CloudTrailRecord[]): string[] =>
  records.map((record) => String(record.eventID)).sort();

const attribute = (message: AlertMessage, name: string): string | undefined =>
  message.attributes[name]?.StringValue;

/** People's messages: what the filter policy {kind: [event, digest], storm: absent} lets by. */
const forPeople = (messages: readonly AlertMessage[]): AlertMessage[] =>
  messages.filter(
    (message) =>
      ['event', 'digest'].includes(attribute(message, MESSAGE_ATTRIBUTES.kind) ?? '') &&
      attribute(message, MESSAGE_ATTRIBUTES.storm) === undefined,
  );

const events = (messages: readonly AlertMessage[]): AlertMessage[] =>
  messages.filter((message) => attribute(message, MESSAGE_ATTRIBUTES.kind) === 'event');

function expectEachOnce(messages: readonly AlertMessage[], records: readonly CloudTrailRecord[]) {
  const ids = events(messages).map((message) => message.eventID);
  expect(ids.sort()).toEqual(idsOf(records));
  expect(new Set(ids).size).toBe(ids.length);
}

/** The caller label of an event message's alert. */
function roleOf(message: AlertMessage): string {
  const alert = JSON.parse((JSON.parse(message.message) as { default: string }).default) as {
    actor: { sessionIssuerArn: string | null };
  };
  return alert.actor.sessionIssuerArn ?? '-';
}

function emailOf(message: AlertMessage): string {
  return (JSON.parse(message.message) as { email: string }).email;
}

describe('Storms through the pipeline', () => {
  it('a storm of 143 TagResource by one role: machines get 143 events once each, people exactly the threshold, then one digest', async () => {
    // Prepare
    const table = await freshTable();
    const gate = gateOn(table);
    const delivery = exactlyOnce(table);
    const { deps, metrics } = depsWith(delivery, gate);
    const records = Array.from({ length: 143 }, (_, index) => tagRecord(`channel-${index % 7}`));

    // Act: eleven invocations of 13 events each, one after the other.
    const summaries = [];
    for (let start = 0; start < records.length; start += 13) {
      summaries.push(await processApiCalls(calls(records.slice(start, start + 13)), deps));
    }

    // Assess: machines, people, counts.
    expect(delivery.sent).toHaveLength(143);
    expectEachOnce(delivery.sent, records);
    const people = forPeople(delivery.sent);
    expect(people).toHaveLength(THRESHOLD);
    expect(people.map((message) => message.eventID).sort()).toEqual(
      idsOf(records.slice(0, THRESHOLD)),
    );
    expect(summaries.reduce((sum, summary) => sum + summary.alertsCollapsed, 0)).toBe(133);
    expect(summaries.reduce((sum, summary) => sum + summary.alertsPublished, 0)).toBe(143);
    const collapsedMetric = metrics.points
      .filter((point) => point.name === PIPELINE_METRIC_NAMES.alertsCollapsed)
      .reduce((sum, point) => sum + point.value, 0);
    expect(collapsedMetric).toBe(133);
    for (const message of delivery.sent) {
      const collapsed = attribute(message, MESSAGE_ATTRIBUTES.storm) === 'collapsed';
      // A collapsed event never reaches Chatbot: its https text is the alert JSON, not a notification.
      expect(
        (JSON.parse(message.message) as { https: string }).https.includes('"source":"custom"'),
      ).toBe(!collapsed);
    }

    // Act: the window's digest, as an invocation after the window and its grace would send it.
    const early = await sendDueDigests(deps);
    const digestsDeps = { ...deps, storms: later(gate, (WINDOW_MINUTES + 2) * 60_000) };
    const sent = await sendDueDigests(digestsDeps);
    const again = await sendDueDigests(digestsDeps);

    // Assess: one digest for people, naming the count, the caller, times, resources and links.
    expect([early, sent, again]).toEqual([0, 1, 0]);
    const digests = delivery.sent.filter(
      (message) => attribute(message, MESSAGE_ATTRIBUTES.kind) === 'digest',
    );
    expect(digests).toHaveLength(1);
    expect(forPeople(delivery.sent)).toHaveLength(THRESHOLD + 1);
    const email = emailOf(digests[0] as AlertMessage);
    expect(email).toContain('133 more TagResource calls by role MediaOpsAdmin');
    expect(email).toContain(`You got the first ${THRESHOLD} of them one by one`);
    const times = records
      .slice(THRESHOLD)
      .map((record) => String(record.eventTime))
      .sort();
    expect(email).toContain(`First call:      ${times[0]}`);
    expect(email).toContain(`Last call:       ${times[times.length - 1]}`);
    expect(email).toMatch(/RESOURCES \(7\)/);
    for (let channel = 0; channel < 7; channel += 1) {
      expect(email).toContain(`channel-${channel}`);
    }
    expect(email).toContain('https://');
    expect(email).toMatch(/cloudtrail\/home\?region=us-west-2#\/events\//);
    expect(email).toContain('... and 123 more');
  });

  it('interleaved resources and two callers: each caller is its own storm', async () => {
    // Prepare: 25 calls of each role, alternating, over 5 channels.
    const table = await freshTable();
    const delivery = onceDelivery();
    const { deps } = depsWith(delivery, gateOn(table));
    const records = Array.from({ length: 50 }, (_, index) =>
      tagRecord(`channel-${index % 5}`, index % 2 === 0 ? ROLE_ARN : OTHER_ROLE_ARN, `s${index}`),
    );

    // Act: in invocations of 4, each a mix of both callers.
    for (let start = 0; start < records.length; start += 4) {
      await processApiCalls(calls(records.slice(start, start + 4)), deps);
    }

    // Assess: people get 10 of each caller (sessions of a role count together), machines all.
    expectEachOnce(delivery.sent, records);
    const people = forPeople(delivery.sent);
    expect(people.filter((message) => roleOf(message) === ROLE_ARN)).toHaveLength(THRESHOLD);
    expect(people.filter((message) => roleOf(message) === OTHER_ROLE_ARN)).toHaveLength(THRESHOLD);
    expect(people).toHaveLength(2 * THRESHOLD);
  });

  it('several invocations at once, disjoint: people exactly the threshold, machines each event once', async () => {
    // Prepare: 60 events split over 6 invocations running at once.
    const table = await freshTable();
    const delivery = onceDelivery();
    const { deps } = depsWith(delivery, gateOn(table));
    const records = Array.from({ length: 60 }, (_, index) => tagRecord(`channel-${index % 3}`));

    // Act
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((part) =>
        processApiCalls(calls(records.slice(part * 10, part * 10 + 10)), deps),
      ),
    );

    // Assess
    expectEachOnce(delivery.sent, records);
    expect(forPeople(delivery.sent)).toHaveLength(THRESHOLD);
  });

  it('several invocations at once, overlapping, on both paths: duplicates change nothing', async () => {
    // Prepare: 40 events; 4 fast-path invocations each take 10 and their neighbour's first 5,
    // and the log file holding all 40 is read at the same time.
    const table = await freshTable();
    const delivery = onceDelivery();
    const { deps } = depsWith(delivery, gateOn(table));
    const records = Array.from({ length: 40 }, (_, index) => tagRecord(`channel-${index % 4}`));
    const key = logFileKey({ suffix: 'StormOverlap0001' });
    const bytes = logFileBody(records);
    s3Mock
      .on(GetObjectCommand, { Bucket: BUCKET, Key: key })
      .callsFake(() => ({ Body: s3Body(bytes) }));
    const slices = [0, 1, 2, 3].map((part) => [
      ...records.slice(part * 10, part * 10 + 10),
      ...records.slice(((part + 1) % 4) * 10, ((part + 1) % 4) * 10 + 5),
    ]);

    // Act
    await Promise.all([
      ...slices.map((slice) => processApiCalls(calls(slice), deps)),
      processTriggerEvent(s3Event([key]), deps),
    ]);

    // Assess
    expectEachOnce(delivery.sent, records);
    expect(forPeople(delivery.sent)).toHaveLength(THRESHOLD);
  });

  it('a retry of the same batch publishes nothing new and changes no decision', async () => {
    // Prepare
    const table = await freshTable();
    const gate = gateOn(table);
    const delivery = exactlyOnce(table);
    const { deps } = depsWith(delivery, gate);
    const records = Array.from({ length: 15 }, (_, index) => tagRecord(`channel-${index}`));
    const first = await processApiCalls(calls(records), deps);
    const sentBefore = delivery.sent.length;

    // Act: Lambda retries the whole batch, and then the event once more on its own.
    const retry = await processApiCalls(calls(records), deps);
    const single = await processTriggerEvent(apiCallEvent(records[3] as CloudTrailRecord), deps);

    // Assess
    expect(first).toMatchObject({ alertsPublished: 15, alertsCollapsed: 5 });
    expect(retry).toMatchObject({ alertsPublished: 0, alertsAlreadyPublished: 15 });
    expect(single).toMatchObject({ alertsPublished: 0, alertsAlreadyPublished: 1 });
    expect(delivery.sent).toHaveLength(sentBefore);
    expect(snsMock.commandCalls(PublishBatchCommand)).toHaveLength(15);
    // The decisions stand: the same 10 people's, the same 5 collapsed, asked again.
    const again = await gate.decide(
      records.map((record) => alertFor(record)),
      new Date(),
    );
    const people = forPeople(delivery.sent).map((message) => message.eventID);
    expect(
      [...again]
        .filter(([, decision]) => decision === 'deliver')
        .map(([id]) => id)
        .sort(),
    ).toEqual(people.sort());
  });

  it('self-protection alerts are never collapsed, however many', async () => {
    // Prepare: 25 StopLogging calls by one role (trail tampering alerts on any trail).
    const table = await freshTable();
    const delivery = onceDelivery();
    const { deps } = depsWith(delivery, gateOn(table));
    const records = Array.from({ length: 25 }, (_, index) =>
      cloudTrailRecord({
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        requestParameters: { name: `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/t${index}` },
        responseElements: null,
      }),
    );

    // Act
    const summary = await processApiCalls(calls(records), deps);

    // Assess
    expect(summary).toMatchObject({ alertsPublished: 25, alertsCollapsed: 0 });
    expectEachOnce(delivery.sent, records);
    expect(forPeople(delivery.sent)).toHaveLength(25);
  });

  it('exactly one digest per window when four invocations send due digests at once', async () => {
    // Prepare: a storm of 30 in one window, delivered exactly once through dynalite.
    const table = await freshTable();
    const gate = gateOn(table);
    const delivery = exactlyOnce(table);
    const { deps } = depsWith(delivery, gate);
    const records = Array.from({ length: 30 }, (_, index) => tagRecord(`channel-${index % 2}`));
    await processApiCalls(calls(records), deps);
    snsMock.resetHistory();
    const invocations = [1, 2, 3, 4].map(() =>
      depsWith(exactlyOnce(table), later(gateOn(table), (WINDOW_MINUTES + 2) * 60_000)),
    );

    // Act
    const sent = await Promise.all(invocations.map(({ deps: each }) => sendDueDigests(each)));
    const afterwards = await Promise.all(invocations.map(({ deps: each }) => sendDueDigests(each)));

    // Assess: SNS got one digest in all; nothing is due any more.
    const published = snsMock
      .commandCalls(PublishBatchCommand)
      .flatMap((call) => call.args[0].input.PublishBatchRequestEntries ?? []);
    expect(published).toHaveLength(1);
    expect(published[0]?.MessageAttributes?.kind?.StringValue).toBe('digest');
    expect(sent.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(afterwards).toEqual([0, 0, 0, 0]);
    const digest = invocations.flatMap(({ deps: each }) => (each.delivery as Recorder).sent);
    expect(digest).toHaveLength(1);
    expect(emailOf(digest[0] as AlertMessage)).toContain('20 more TagResource calls');
  });

  it('DynamoDB unreachable: people get every alert (fail open), and it is logged and counted', async () => {
    // Prepare: the storm state on a port nothing listens on.
    const unreachable = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const delivery = onceDelivery();
    const { deps, logger, metrics } = depsWith(delivery, gateOn('unreachable', unreachable));
    const records = Array.from({ length: 25 }, (_, index) => tagRecord(`channel-${index}`));

    // Act
    const result = await processApiCalls(calls(records), deps);
    const digests = await sendDueDigests(deps);

    // Assess
    expect(result).toMatchObject({ alertsPublished: 25, alertsCollapsed: 0 });
    expectEachOnce(delivery.sent, records);
    expect(forPeople(delivery.sent)).toHaveLength(25);
    expect(digests).toBe(0);
    expect(
      logger.entries.filter(
        (entry) => entry.level === 'warn' && entry.message.startsWith('Storm state unavailable'),
      ),
    ).toHaveLength(1);
    expect(
      metrics.points.filter((point) => point.name === PIPELINE_METRIC_NAMES.digestFailures).length,
    ).toBeGreaterThanOrEqual(2);
    unreachable.destroy();
  });
});
