import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { HistoryDeps, HistoryOptions } from '../../cli/history';
import {
  backoffDelay,
  BACKOFF_MAX_MS,
  historyWindow,
  LOOKUP_MAX_ATTEMPTS,
  lookupSources,
  parseCloudTrailEvent,
  parseTimeArgument,
  runHistory,
  TokenBucket,
} from '../../cli/history';
import { main } from '../../cli/main';
import { loadCompiledRules } from '../../cli/rules';
import { MEDIAPACKAGE_EVENT_SOURCES } from '../../lambda/contract';
import { compileRules } from '../../lambda/match/matcher';
import { DEFAULT_RULES } from '../../lambda/match/rules-schema';
import type { MediaPackageSource } from '../../scripts/cloudtrail-factory';
import { createRng, mediaPackageRecord } from '../../scripts/cloudtrail-factory';
import { captureIo } from '../support/captured-io';

const cloudTrail = mockClient(CloudTrailClient);
const sns = mockClient(SNSClient);

const NOW = new Date('2026-12-01T12:00:00Z');
const START = new Date('2026-11-30T12:00:00Z');

interface LookupEvent {
  readonly EventId?: string;
  readonly CloudTrailEvent?: string;
}

/** A LookupEvents event for a generated MediaPackage call in `region`. */
function event(
  name: string,
  region = 'us-east-1',
  source: MediaPackageSource = 'mediapackagev2.amazonaws.com',
  seed = 1,
): LookupEvent & { readonly eventID: string } {
  const record = mediaPackageRecord(createRng(seed), {
    source,
    eventName: name,
    region,
    eventTime: new Date(NOW.getTime() - 60_000),
  });
  const eventID = String(record.eventID);
  return { eventID, EventId: eventID, CloudTrailEvent: JSON.stringify(record) };
}

/** Deps that never wait: sleeps are recorded, the clock moves by them. */
function testDeps(): HistoryDeps & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  let now = NOW.getTime();
  return {
    sleeps,
    cloudTrail: (region) => new CloudTrailClient({ region: region ?? 'us-east-1' }),
    sns: (region) => new SNSClient({ region: region ?? 'us-east-1' }),
    dynamoDb: (region) => new DynamoDBClient({ region: region ?? 'us-east-1' }),
    clock: {
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    },
    random: () => 0.5,
  };
}

function options(overrides: Partial<HistoryOptions> = {}): HistoryOptions {
  return {
    start: START,
    end: NOW,
    regions: ['us-east-1'],
    json: true,
    publish: false,
    ...overrides,
  };
}

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
}

function alertedIds(stdout: readonly string[]): string[] {
  return stdout.map((line) => (JSON.parse(line) as { eventID: string }).eventID);
}

function lookupInputs(): LookupEventsCommandInput[] {
  return cloudTrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input);
}

/** The mock's answers for MediaPackage v2 lookups; the other sources have no events. */
function v2Lookups(): ReturnType<typeof cloudTrail.on> {
  cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
  return cloudTrail.on(LookupEventsCommand, {
    LookupAttributes: [
      { AttributeKey: 'EventSource', AttributeValue: 'mediapackagev2.amazonaws.com' },
    ],
  });
}

beforeEach(() => {
  cloudTrail.reset();
  sns.reset();
});

describe('Function: runHistory', () => {
  it('follows NextToken to the last page and alerts on each write call once', async () => {
    // Prepare
    const [first, second, third] = [
      event('UpdateChannel', 'us-east-1', 'mediapackagev2.amazonaws.com', 1),
      event('DeleteChannel', 'us-east-1', 'mediapackagev2.amazonaws.com', 2),
      event('CreateOriginEndpoint', 'us-east-1', 'mediapackagev2.amazonaws.com', 3),
    ];
    v2Lookups()
      .resolvesOnce({ Events: [first], NextToken: 't1' })
      .resolvesOnce({ Events: [second], NextToken: 't2' })
      .resolvesOnce({ Events: [third] });
    const io = captureIo();

    // Act
    const code = await runHistory(options(), io, testDeps());

    // Assess
    expect(code).toBe(0);
    expect(alertedIds(io.stdout)).toEqual([first.eventID, second.eventID, third.eventID]);
    const v2 = lookupInputs().filter(
      (input) => input.LookupAttributes?.[0]?.AttributeValue === 'mediapackagev2.amazonaws.com',
    );
    expect(v2.map((input) => input.NextToken)).toEqual([undefined, 't1', 't2']);
    expect(v2[0]).toMatchObject({ StartTime: START, EndTime: NOW, MaxResults: 50 });
    expect(io.stderr.at(-1)).toContain('events 3');
    expect(io.stderr.at(-1)).toContain('alerts 3');
  });

  it('backs off on ThrottlingException, says so on the progress line, then succeeds', async () => {
    // Prepare
    const write = event('UpdateChannel');
    v2Lookups()
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolves({ Events: [write] });
    const deps = testDeps();
    const io = captureIo({ terminal: true });

    // Act
    const code = await runHistory(options(), io, deps);

    // Assess
    expect(code).toBe(0);
    expect(alertedIds(io.stdout)).toEqual([write.eventID]);
    // Three backoffs (doubling), besides the spacing of the token bucket.
    expect(deps.sleeps).toEqual(expect.arrayContaining([375, 750, 1500]));
    // The line is drawn from a second in: the third throttle is the first it shows.
    expect(io.statusLines).toContain(
      `regions 0/1, requests 4, events 0, alerts 0; us-east-1 throttled: retrying in 1.5 s (attempt 4 of ${LOOKUP_MAX_ATTEMPTS})`,
    );
    expect(io.stderr.at(-1)).toContain('throttled 3 (retried)');
  });

  it('gives a Region up after the last attempt, says so, and exits 1', async () => {
    // Prepare
    cloudTrail.on(LookupEventsCommand).rejects(throttling());
    const io = captureIo();

    // Act
    const code = await runHistory(options({ regions: ['eu-west-1'] }), io, testDeps());

    // Assess
    expect(code).toBe(1);
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(LOOKUP_MAX_ATTEMPTS);
    expect(io.stderr).toContain('mp-audit history: eu-west-1: Rate exceeded');
    expect(io.stderr.at(-1)).toContain('regions failed 1');
  });

  it('looks up each watched source in each Region, one EventSource attribute a call', async () => {
    // Prepare
    const byRegion: Record<string, LookupEvent[]> = {
      'us-east-1': [event('UpdateChannel', 'us-east-1', 'mediapackage.amazonaws.com', 4)],
      'eu-west-1': [event('DeleteAsset', 'eu-west-1', 'mediapackage-vod.amazonaws.com', 5)],
    };
    cloudTrail
      .on(LookupEventsCommand)
      .callsFake(async (input: LookupEventsCommandInput, getClient) => {
        const region = await (getClient() as CloudTrailClient).config.region();
        const source = input.LookupAttributes?.[0]?.AttributeValue;
        return {
          Events: (byRegion[region] ?? []).filter(
            (found) =>
              (JSON.parse(found.CloudTrailEvent ?? '{}') as { eventSource?: string })
                .eventSource === source,
          ),
        };
      });
    const io = captureIo();

    // Act
    const code = await runHistory(options({ regions: ['us-east-1', 'eu-west-1'] }), io, testDeps());

    // Assess
    expect(code).toBe(0);
    const inputs = lookupInputs();
    expect(inputs).toHaveLength(2 * 4);
    for (const input of inputs) expect(input.LookupAttributes).toHaveLength(1);
    expect(new Set(inputs.map((input) => input.LookupAttributes?.[0]?.AttributeValue))).toEqual(
      new Set([...MEDIAPACKAGE_EVENT_SOURCES, 'cloudtrail.amazonaws.com']),
    );
    expect(
      io.stdout.map((line) => (JSON.parse(line) as { awsRegion: string }).awsRegion).sort(),
    ).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('ignores the read calls mixed into the results and counts them', async () => {
    // Prepare
    const write = event('UpdateChannel', 'us-east-1', 'mediapackagev2.amazonaws.com', 6);
    const get = event('GetChannel', 'us-east-1', 'mediapackagev2.amazonaws.com', 7);
    const list = event('ListChannels', 'us-east-1', 'mediapackagev2.amazonaws.com', 8);
    v2Lookups().resolves({ Events: [get, write, list] });
    const io = captureIo();

    // Act
    await runHistory(options(), io, testDeps());

    // Assess
    expect(alertedIds(io.stdout)).toEqual([write.eventID]);
    expect(io.stderr.at(-1)).toContain('events 3 (ignored 2');
  });

  it('skips a malformed or oversized CloudTrailEvent with a line and goes on', async () => {
    // Prepare
    const write = event('UpdateChannel');
    v2Lookups().resolves({
      Events: [
        { EventId: 'broken-1', CloudTrailEvent: '{"eventSource": "mediapackagev2.amaz' },
        { EventId: 'array-1', CloudTrailEvent: '[1, 2]' },
        { EventId: 'none-1' },
        { EventId: 'huge-1', CloudTrailEvent: `{"x":"${'a'.repeat(1024 * 1024)}"}` },
        write,
      ],
    });
    const io = captureIo();

    // Act
    const code = await runHistory(options(), io, testDeps());

    // Assess
    expect(code).toBe(0);
    expect(alertedIds(io.stdout)).toEqual([write.eventID]);
    expect(io.stderr).toEqual(
      expect.arrayContaining([
        'mp-audit history: skipped a bad event broken-1 in us-east-1: CloudTrailEvent is not valid JSON',
        'mp-audit history: skipped a bad event array-1 in us-east-1: CloudTrailEvent is not a JSON object',
        'mp-audit history: skipped a bad event none-1 in us-east-1: no CloudTrailEvent',
        'mp-audit history: skipped a bad event huge-1 in us-east-1: CloudTrailEvent larger than 1 MB',
      ]),
    );
    expect(io.stderr.at(-1)).toContain('bad events skipped 4');
  });

  it('alerts once on an event found twice', async () => {
    // Prepare
    const write = event('UpdateChannel');
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [write, write] });
    const io = captureIo();

    // Act
    await runHistory(options(), io, testDeps());

    // Assess
    expect(alertedIds(io.stdout)).toEqual([write.eventID]);
  });

  it('prints text like scan without --json, and nothing but alerts with --quiet', async () => {
    // Prepare
    v2Lookups().resolves({ Events: [event('DeleteChannel')] });
    const io = captureIo({ quiet: true });

    // Act
    await runHistory(options({ json: false }), io, testDeps());

    // Assess
    expect(io.stdout).toHaveLength(1);
    expect(io.stdout[0]).toMatch(/^\[HIGH\] /);
    expect(io.stdout[0]).toContain('file: CloudTrail Event history (us-east-1)');
    expect(io.stderr).toEqual([]);
  });

  it('publishes the alerts through the topic with --publish', async () => {
    // Prepare
    const write = event('UpdateChannel');
    v2Lookups().resolves({ Events: [write] });
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((entry) => ({
          Id: entry.Id,
          MessageId: 'm',
        })),
        Failed: [],
      }));
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:alerts';
    const io = captureIo();

    // Act
    const code = await runHistory(options({ publish: true, topicArn }), io, testDeps());

    // Assess
    expect(code).toBe(0);
    const published = sns.commandCalls(PublishBatchCommand);
    expect(published).toHaveLength(1);
    expect(published[0]?.args[0].input.TopicArn).toBe(topicArn);
    // The topic's Region, whatever Regions were read.
    expect(await (published[0]?.thisValue as SNSClient).config.region()).toBe('eu-west-1');
    expect(io.stderr.at(-1)).toContain('published 1, already sent 0');
  });

  it('refuses --publish without a topic (exit 2)', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await runHistory(options({ publish: true }), io, testDeps());

    // Assess
    expect(code).toBe(2);
    expect(io.stderr.at(-1)).toContain('--publish needs --topic-arn');
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });
});

describe('Function: parseTimeArgument', () => {
  it.each([
    ['7d', '2026-11-24T12:00:00.000Z'],
    ['36h', '2026-11-30T00:00:00.000Z'],
    ['90m', '2026-12-01T10:30:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T12:00', '2026-11-01T12:00:00.000Z'],
    ['2026-11-01T12:00Z', '2026-11-01T12:00:00.000Z'],
    ['2026-11-01T12:00:00+02:00', '2026-11-01T10:00:00.000Z'],
  ])('reads %s', (value, expected) => {
    // Act
    const date = parseTimeArgument(value, NOW);

    // Assess
    expect(date?.toISOString()).toBe(expected);
  });

  it.each([['yesterday'], ['7'], ['7 d'], ['-7d'], ['7w'], ['2026-13-01'], ['2026/11/01'], ['']])(
    'rejects %p',
    (value) => {
      // Act & Assess
      expect(parseTimeArgument(value, NOW)).toBeUndefined();
    },
  );
});

describe('Function: historyWindow', () => {
  it('defaults to the last 24 hours', () => {
    // Act & Assess
    expect(historyWindow(undefined, undefined, NOW)).toEqual({
      start: START,
      end: NOW,
      notes: [],
    });
  });

  it('says that Event history keeps 90 days when asked for more', () => {
    // Act
    const window = historyWindow('120d', undefined, NOW);

    // Assess
    expect(window).toMatchObject({ start: new Date('2026-08-03T12:00:00Z'), end: NOW });
    expect('notes' in window && window.notes[0]).toBe(
      "CloudTrail Event history keeps 90 days: nothing before 2026-09-02T12:00:00.000Z is there (a trail's log files keep it: mp-audit replay)",
    );
  });

  it.each([
    ['bad', undefined, '--since expects a time'],
    ['1d', 'soon', '--until expects a time'],
    ['1h', '2d', 'must be before --until'],
  ])('refuses --since %p --until %p', (since, until, problem) => {
    // Act
    const window = historyWindow(since, until, NOW);

    // Assess
    expect('problem' in window && window.problem).toContain(problem);
  });
});

describe('Function: lookupSources', () => {
  it('looks up the rules sources and CloudTrail; a wildcard stands for the MediaPackage sources it matches', () => {
    // Prepare
    const rules = compileRules({
      ...DEFAULT_RULES,
      eventSources: ['mediapackage*.amazonaws.com', 'medialive.amazonaws.com', 'nothing*'],
    });

    // Act
    const { sources, unmatched } = lookupSources(rules);

    // Assess
    expect(sources).toEqual([
      'mediapackage.amazonaws.com',
      'mediapackagev2.amazonaws.com',
      'mediapackage-vod.amazonaws.com',
      'medialive.amazonaws.com',
      'cloudtrail.amazonaws.com',
    ]);
    expect(unmatched).toEqual(['nothing*']);
  });

  it('leaves CloudTrail out when self-protection is off', () => {
    // Prepare
    const rules = compileRules({
      ...DEFAULT_RULES,
      selfProtection: { ...DEFAULT_RULES.selfProtection, enabled: false },
    });

    // Act & Assess
    expect(lookupSources(rules).sources).toEqual([...MEDIAPACKAGE_EVENT_SOURCES]);
  });

  it('reads the sources of a rules file', () => {
    // Act & Assess
    expect(lookupSources(loadCompiledRules('config/rules.json')).sources).toContain(
      'cloudtrail.amazonaws.com',
    );
  });
});

describe('Function: TokenBucket', () => {
  it('spaces requests so no second sees more than the rate', async () => {
    // Prepare
    let now = 0;
    const taken: number[] = [];
    const bucket = new TokenBucket(2, 1, {
      now: () => now,
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
    });

    // Act
    for (let i = 0; i < 5; i += 1) {
      await bucket.take();
      taken.push(now);
    }

    // Assess
    expect(taken).toEqual([0, 500, 1000, 1500, 2000]);
  });
});

describe('Method: TokenBucket.slowDown', () => {
  it('halves the rate on throttling and wins it back a tenth a success', () => {
    // Prepare
    const bucket = new TokenBucket(2);

    // Act
    bucket.slowDown();
    bucket.slowDown();
    const slowed = bucket.currentRate;
    bucket.speedUp();

    // Assess
    expect(slowed).toBe(0.5);
    expect(bucket.currentRate).toBeCloseTo(0.7);
  });
});

describe('Function: backoffDelay', () => {
  it('doubles with jitter and stays under the cap', () => {
    // Act & Assess
    expect(backoffDelay(1, () => 0)).toBe(250);
    expect(backoffDelay(1, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(2000);
    expect(backoffDelay(30, () => 1)).toBe(BACKOFF_MAX_MS);
  });
});

describe('Function: parseCloudTrailEvent', () => {
  it('returns the record of a JSON object', () => {
    // Act & Assess
    expect(parseCloudTrailEvent('{"eventName":"UpdateChannel"}')).toEqual({
      record: { eventName: 'UpdateChannel' },
    });
  });
});

describe('Function: main (history)', () => {
  it('reads each Region of --region, repeated or with commas, once', async () => {
    // Prepare
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    const io = captureIo();

    // Act
    const code = await main(
      ['history', '--region', 'us-east-1,eu-west-1', '--region', 'us-east-1', '--json'],
      io,
    );

    // Assess
    expect(code).toBe(0);
    expect(lookupInputs()).toHaveLength(2 * 4);
    expect(io.stderr.at(-1)).toContain('regions 2, event sources 4');
  });

  it.each([
    [['history', '--since', 'yesterday'], '--since expects a time'],
    [['history', '--until', '5x'], '--until expects a time'],
    [['history', 'extra'], 'history takes no arguments'],
    [['history', '--region', 'us-east-1', '--all-regions'], 'not both'],
    [['history', '--region', 'Mars'], '--region expects a Region name'],
    [['history', '--topic-arn', 'arn:aws:sns:us-east-1:1:t'], 'go with --publish'],
  ])('refuses %p with exit 2', async (argv, problem) => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr[0]).toContain(problem);
    expect(io.stderr[1]).toBe("Try 'mp-audit history --help'.");
  });
});
