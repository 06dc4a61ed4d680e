/**
 * End to end, alert storms (issue 16): bursts of calls through the built function bundle
 * (dist/function/index.js, one Node process per execution environment, configured only by the
 * environment the stack sets) against fauxqs (the log bucket, the alert topic and two subscriber
 * queues; SNS through the fault proxy) and dynalite (the idempotency table with its storm index,
 * so the real storm gate decides). `machines` subscribes without a filter; `people` with the
 * filter policy the stack gives people's endpoints. Machines get every event once, on whichever
 * path and however often it arrives; people get at most `threshold` events per caller and event
 * name in a window, every self-protection event, and threads stable per resource. Run
 * `npm run build -- --no-types` first.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { MESSAGE_ATTRIBUTES, PEOPLE_MESSAGE_KINDS, STORM_COLLAPSED } from '../../lambda/contract';
import type { TriggerSummary } from '../../lambda/pipeline/process-trigger';
import type { GeneratedRecord } from '../../scripts/cloudtrail-factory';
import {
  ACCOUNT_ID,
  OTHER_SERVICE_CALLS,
  REGION,
  apiCallEvent,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
  s3Event,
} from '../../scripts/cloudtrail-factory';
import type { BundledFunction } from '../support/bundled-function';
import { startBundledFunction } from '../support/bundled-function';
import type { LocalPipeline } from '../support/local-aws';
import { drainQueue } from '../support/local-aws';
import type { LocalStack } from '../support/local-stack';
import { startLocalStack, stackEnvironment } from '../support/local-stack';
import { OWN } from '../support/own-resources';

const SEED = 20_250_316;
const BUCKET = 'storms-trail-logs';
const TABLE = 'storms-idempotency';
const THRESHOLD = 5;
/**
 * Windows follow the wall clock: long ones make a test that must stay in one window rarely
 * wait for the next (see {@link awayFromWindowEdge}); digests are due only after the window.
 */
const WINDOW_MINUTES = 60;
const ENVIRONMENTS = 4;
const V2 = 'mediapackagev2.amazonaws.com';
const CHANNEL_GROUP = 'live-events';
/** The pipeline's own trail (trail tampering alerts on any trail, whatever the rules). */
const OWN_TRAIL = `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/mp-audit-trail`;
/** Other services' calls around the storm: none of them touches the pipeline (OWN). */
const NOISE = OTHER_SERVICE_CALLS.filter((call) => call !== 'lambda:UpdateFunctionCode');

/** The stack's filter policy on people's subscriptions (email): see lib/alert-topic.ts. */
const PEOPLE_FILTER = {
  [MESSAGE_ATTRIBUTES.kind]: [...PEOPLE_MESSAGE_KINDS],
  [MESSAGE_ATTRIBUTES.storm]: [{ exists: false }],
};

/** The alert JSON (the `sqs` key) as far as these tests read it. */
interface AlertJson {
  readonly eventID: string;
  readonly eventName: string;
  readonly category: string;
  readonly resource: { readonly arn: string | null; readonly id: string | null };
  readonly actor: { readonly sessionIssuerArn: string | null };
}

/** One message a subscriber queue got: SNS's envelope, opened. */
interface Received {
  readonly subject: string | null;
  readonly kind: string | undefined;
  readonly storm: string | undefined;
  /** The event's alert; null for a digest. */
  readonly alert: AlertJson | null;
  /** The Chatbot notification's thread; null when the `https` text is no notification. */
  readonly threadId: string | null;
}

interface Envelope {
  readonly Subject?: string | null;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { readonly Value?: string }>;
}

function opened(message: Message): Received {
  const envelope = JSON.parse(message.Body ?? '') as Envelope;
  const structure = JSON.parse(envelope.Message) as { https: string; sqs: string };
  const attribute = (name: string): string | undefined => envelope.MessageAttributes?.[name]?.Value;
  const kind = attribute(MESSAGE_ATTRIBUTES.kind);
  const https = JSON.parse(structure.https) as {
    source?: string;
    metadata?: { threadId?: string };
  };
  return {
    subject: envelope.Subject ?? null,
    kind,
    storm: attribute(MESSAGE_ATTRIBUTES.storm),
    alert: kind === 'digest' ? null : (JSON.parse(structure.sqs) as AlertJson),
    threadId: https.source === 'custom' ? (https.metadata?.threadId ?? null) : null,
  };
}

const roleArn = (roleName: string): string => `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`;
const eventIdsOf = (records: readonly GeneratedRecord[]): string[] =>
  records.map((record) => record.eventID).sort();
const eventIdsIn = (messages: readonly Received[]): string[] =>
  messages.map((message) => message.alert?.eventID ?? 'digest').sort();
const sum = (summaries: readonly TriggerSummary[], field: keyof TriggerSummary): number =>
  summaries.reduce((total, summary) => total + Number(summary[field]), 0);

/** The items by `keyOf`, each group in order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

/**
 * People's messages thread by resource: every message about a resource has the same Chatbot
 * thread and the same email subject, and no two resources share either. Returns the messages
 * by resource.
 */
function expectThreadPerResource(people: readonly Received[]): Map<string, Received[]> {
  const byResource = groupBy(
    people,
    (message) => message.alert?.resource.arn ?? message.alert?.resource.id ?? '-',
  );
  const one = (values: ReadonlySet<string | null>): string | null =>
    values.size === 1 ? ([...values][0] ?? null) : `${values.size} different`;
  const threads = [...byResource.values()].map((messages) =>
    one(new Set(messages.map((message) => message.threadId))),
  );
  const subjects = [...byResource.values()].map((messages) =>
    one(new Set(messages.map((message) => message.subject))),
  );
  expect(threads.filter((thread) => thread === null || thread.endsWith(' different'))).toEqual([]);
  expect(subjects.filter((subject) => subject === null || subject.endsWith(' different'))).toEqual(
    [],
  );
  expect(new Set(threads).size).toBe(byResource.size);
  expect(new Set(subjects).size).toBe(byResource.size);
  return byResource;
}

/**
 * Windows follow the wall clock and the function decides with its own clock: a scenario that
 * must stay in one window starts only when at least 30 s of the current one are left.
 */
async function awayFromWindowEdge(): Promise<void> {
  const length = WINDOW_MINUTES * 60_000;
  const left = length - (Date.now() % length);
  if (left < 30_000) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

describe('End to end: alert storms through the built function, machines and people', () => {
  let stack: LocalStack;
  let pipeline: LocalPipeline;
  let peopleQueueUrl: string;
  const environments: BundledFunction[] = [];
  const rng = createRng(SEED);
  /** Invocations that failed and were retried (a lost race); their summaries are lost. */
  let failedAttempts = 0;

  beforeAll(async () => {
    stack = await startLocalStack({
      seed: SEED,
      bucket: BUCKET,
      topic: 'storms-alerts',
      queue: 'machines',
      idempotencyTable: TABLE,
    });
    ({ pipeline } = stack);
    peopleQueueUrl = await subscribePeople('people');
    const env = stackEnvironment(stack, {
      MP_AUDIT_FAST_PATH_REGIONS: REGION,
      MP_AUDIT_OWN_RESOURCES: JSON.stringify(OWN),
      MP_AUDIT_RULES: JSON.stringify({
        version: 1,
        storms: { threshold: THRESHOLD, windowMinutes: WINDOW_MINUTES },
      }),
    });
    environments.push(
      ...(await Promise.all(Array.from({ length: ENVIRONMENTS }, () => startBundledFunction(env)))),
    );
  });

  afterAll(async () => {
    await Promise.all(environments.map((environment) => environment.stop()));
    await stack?.stop();
  });

  /** A queue subscribed to the alert topic with people's filter policy. */
  async function subscribePeople(name: string): Promise<string> {
    const { sqs, sns, topicArn } = pipeline;
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: { FilterPolicy: JSON.stringify(PEOPLE_FILTER) },
      }),
    );
    return QueueUrl;
  }

  /** A v2 tag call by a session of `roleName` on `channel`, made seconds ago. */
  function tagCall(roleName: string, eventName: string, channel: string, session: string) {
    return mediaPackageRecord(rng, {
      source: V2,
      eventName,
      identity: { type: 'AssumedRole', roleName, sessionName: session },
      client: 'sdk',
      names: { channelGroup: CHANNEL_GROUP, channel },
      eventTime: new Date(Date.now() - rng.int(2, 8) * 1000),
    });
  }

  /** CloudTrail StopLogging on the pipeline's own trail by `roleName`. */
  function stopLogging(roleName: string): GeneratedRecord {
    return otherServiceRecord(rng, {
      call: 's3:CreateBucket',
      identity: { type: 'AssumedRole', roleName, sessionName: 'cleanup' },
      client: 'cli',
      eventTime: new Date(Date.now() - rng.int(2, 8) * 1000),
      overrides: {
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        readOnly: false,
        requestParameters: { name: OWN_TRAIL },
        responseElements: null,
      },
    });
  }

  /** Uploads a log file holding `records` among other calls; returns its S3 notification. */
  async function logFile(records: readonly GeneratedRecord[]): Promise<S3Event> {
    const noise = Array.from({ length: 5 }, () =>
      otherServiceRecord(rng, { call: rng.pick(NOISE) }),
    );
    const key = logObjectKey({ accountId: ACCOUNT_ID, region: REGION, date: new Date(), rng });
    const body = logFileBody(rng.shuffle([...records, ...noise]));
    await pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return s3Event([key], { bucket: BUCKET, size: body.length });
  }

  /**
   * Lambda's asynchronous invocation: a failed attempt (one that lost a race for an eventID to
   * a concurrent invocation, say) is retried twice.
   */
  async function withRetries(fn: BundledFunction, event: unknown): Promise<TriggerSummary> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await fn.invoke(event);
      } catch (error) {
        failedAttempts += 1;
        if (attempt === 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /**
   * Runs each environment's events one after the other, as one execution environment does,
   * and all environments at once. Returns every invocation's summary.
   */
  async function runConcurrently(
    lanes: readonly (readonly unknown[])[],
  ): Promise<TriggerSummary[]> {
    const results = await Promise.all(
      lanes.map(async (events, lane) => {
        const fn = environments[lane % environments.length] as BundledFunction;
        const summaries: TriggerSummary[] = [];
        for (const event of events) summaries.push(await withRetries(fn, event));
        return summaries;
      }),
    );
    return results.flat();
  }

  /** `events` dealt round-robin onto the environments' lanes. */
  const dealt = (events: readonly unknown[]): unknown[][] =>
    Array.from({ length: ENVIRONMENTS }, (_, lane) =>
      events.filter((_event, index) => index % ENVIRONMENTS === lane),
    );

  /** Every message now in a queue, hidden from later drains. */
  async function received(queueUrl: string): Promise<Received[]> {
    const messages = await drainQueue(pipeline.sqs, queueUrl, { visibilityTimeout: 3600 });
    return messages.map(opened);
  }

  it('a storm on both paths, with a retry: machines get all 40 once, people at most the threshold, and trail tampering amid it', async () => {
    // Prepare: 40 TagResource by sessions of one role on 8 channels, interleaved; amid them
    // the same role stops the pipeline's trail, more times than the threshold.
    await awayFromWindowEdge();
    const storm = Array.from({ length: 40 }, (_, index) =>
      tagCall('StormTagger', 'TagResource', `channel-${index % 8}`, `run-${index % 3}`),
    );
    const tampering = Array.from({ length: THRESHOLD + 2 }, () => stopLogging('StormTagger'));
    const [first, second] = [
      await logFile([...storm.slice(0, 20), ...tampering]),
      await logFile(storm.slice(20)),
    ];
    // EventBridge misses every fourth call of the storm; the log files hold them all.
    const fast = [...storm.filter((_record, index) => index % 4 !== 3), ...tampering];
    const lanes = dealt(rng.shuffle(fast.map((record) => apiCallEvent(record))));
    lanes[0]?.splice(3, 0, first);
    lanes[2]?.splice(5, 0, second);

    // Act: four environments at once; then Lambda retries one whole event of each kind.
    const startedAt = Date.now();
    const summaries = await runConcurrently(lanes);
    const retries = [
      await withRetries(environments[1] as BundledFunction, first),
      await withRetries(
        environments[3] as BundledFunction,
        apiCallEvent(storm[7] as GeneratedRecord),
      ),
    ];
    const machines = await received(pipeline.queueUrl);
    const people = await received(peopleQueueUrl);
    const elapsedMs = Date.now() - startedAt;

    // Assess: machines get every event exactly once, on whichever path came first.
    const stormIds = new Set(eventIdsOf(storm));
    const tamperingIds = new Set(eventIdsOf(tampering));
    expect(eventIdsIn(machines)).toEqual(eventIdsOf([...storm, ...tampering]));
    expect(machines.filter((message) => stormIds.has(message.alert?.eventID ?? ''))).toHaveLength(
      40,
    );
    // An invocation that fails after publishing some alerts returns no summary: its retry
    // counts them as already published, so the summaries may count fewer.
    expect(sum(summaries, 'alertsPublished')).toBeLessThanOrEqual(40 + tampering.length);
    expect(retries.map((summary) => summary.alertsPublished)).toEqual([0, 0]);
    expect(retries.map((summary) => summary.alertsAlreadyPublished)).toEqual([
      20 + tampering.length,
      1,
    ]);

    // People: at most the threshold of the storm, every tampering call, no digest yet.
    const peopleStorm = people.filter((message) => stormIds.has(message.alert?.eventID ?? ''));
    expect(peopleStorm.length).toBeGreaterThanOrEqual(1);
    expect(peopleStorm.length).toBeLessThanOrEqual(THRESHOLD);
    expect(
      eventIdsIn(people.filter((message) => tamperingIds.has(message.alert?.eventID ?? ''))),
    ).toEqual(eventIdsOf(tampering));
    expect(people).toHaveLength(peopleStorm.length + tampering.length);
    expect(people.filter((message) => message.kind === 'digest')).toEqual([]);
    expect(people.every((message) => message.kind === 'event')).toBe(true);
    expect(people.filter((message) => message.storm !== undefined)).toEqual([]);

    // `storm` marks exactly the machines' messages people did not get, and those never reach
    // Chatbot; every people's message is a Chatbot notification.
    const collapsed = machines.filter((message) => message.storm !== undefined);
    expect(collapsed.every((message) => message.storm === STORM_COLLAPSED)).toBe(true);
    expect(eventIdsIn(collapsed)).toEqual(
      [...stormIds].filter((id) => !eventIdsIn(peopleStorm).includes(id)).sort(),
    );
    expect(sum([...summaries, ...retries], 'alertsCollapsed')).toBeLessThanOrEqual(
      collapsed.length,
    );
    expect(collapsed.every((message) => message.threadId === null)).toBe(true);
    expect(people.every((message) => message.threadId !== null)).toBe(true);
    expect(sum([...summaries, ...retries], 'digestsPublished')).toBe(0);
    // Threads: the trail's tampering in one thread, each channel's calls in its own.
    const threads = expectThreadPerResource(people);
    expect(threads.get(OWN_TRAIL)).toHaveLength(tampering.length);
    // One line for whoever reads the run: what the storm came to.
    process.stdout.write(
      `storm A: ${summaries.length + retries.length} invocations in ${elapsedMs} ms; machines ${machines.length}, people ${people.length} (${peopleStorm.length} of the storm), collapsed ${collapsed.length}, failed attempts retried ${failedAttempts}\n`,
    );
  });

  it('interleaved resources, two callers and two event names: the threshold applies per caller and event name', async () => {
    // Prepare: 8 calls of each caller and event name, alternating, over 3 channels.
    await awayFromWindowEdge();
    const callers = ['NightlyTagger', 'ReleaseTagger'];
    const eventNames = ['TagResource', 'UntagResource'];
    const records = Array.from({ length: 32 }, (_, index) =>
      tagCall(
        callers[index % 2] as string,
        eventNames[Math.floor(index / 2) % 2] as string,
        `shared-${index % 3}`,
        `s${index}`,
      ),
    );

    // Act: each call once, on the fast path, four environments at once (no races, no retries).
    const failedBefore = failedAttempts;
    const summaries = await runConcurrently(dealt(records.map((record) => apiCallEvent(record))));
    const machines = await received(pipeline.queueUrl);
    const people = await received(peopleQueueUrl);

    // Assess: machines all; people exactly the threshold of each caller and event name.
    expect(failedAttempts).toBe(failedBefore);
    expect(eventIdsIn(machines)).toEqual(eventIdsOf(records));
    expect(sum(summaries, 'alertsPublished')).toBe(32);
    const storms = groupBy(
      people,
      (message) => `${message.alert?.actor.sessionIssuerArn ?? '-'} ${message.alert?.eventName}`,
    );
    expect(new Map([...storms].map(([storm, messages]) => [storm, messages.length]))).toEqual(
      new Map(
        callers.flatMap((caller) =>
          eventNames.map((eventName) => [`${roleArn(caller)} ${eventName}`, THRESHOLD]),
        ),
      ),
    );
    expect(people.filter((message) => message.storm !== undefined)).toEqual([]);
    const collapsed = machines.filter((message) => message.storm === STORM_COLLAPSED);
    expect(collapsed).toHaveLength(32 - 4 * THRESHOLD);
    expect(eventIdsIn(collapsed)).toEqual(
      eventIdsOf(records).filter((id) => !eventIdsIn(people).includes(id)),
    );
    expect(sum(summaries, 'alertsCollapsed')).toBe(32 - 4 * THRESHOLD);
    // Threads: 20 messages on 3 channels, so channels with several messages, of different
    // callers and event names, each in one thread.
    const threads = expectThreadPerResource(people);
    expect(threads.size).toBe(3);
    const eventNamesPerChannel = [...threads.values()].map(
      (messages) => new Set(messages.map((message) => message.alert?.eventName)).size,
    );
    expect(eventNamesPerChannel.filter((count) => count === 2).length).toBeGreaterThanOrEqual(1);
  });
});
