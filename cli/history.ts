/**
 * `mp-audit history`: CloudTrail's Event history (LookupEvents: the last 90 days of management
 * events in a Region, with or without a trail) through the same rules as `scan`, so what
 * changed before the stack existed, or while it was down, can be seen and, with --publish,
 * alerted through the deployed topic exactly once.
 */
import type { LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { MediaPackageAlert } from '../lambda/alert/alert';
import { buildAlert } from '../lambda/alert/alert';
import { redactText } from '../lambda/alert/redact';
import { buildAlertMessage } from '../lambda/alert/sns-message';
import {
  FUNCTION_ENV,
  MEDIAPACKAGE_EVENT_SOURCES,
  OPT_IN_MEDIAPACKAGE_REGIONS,
} from '../lambda/contract';
import type { AlertDelivery } from '../lambda/deliver/delivery';
import type { CompiledRules } from '../lambda/match/matcher';
import { DEFAULT_COMPILED_RULES, evaluateRecord } from '../lambda/match/matcher';
import { wildcardToRegExp } from '../lambda/match/patterns';
import type { CloudTrailRecord } from '../lambda/read/cloudtrail-record';
import { RECORD_MAX_BYTES } from '../lambda/read/record-cutter';
import { describeCliError } from './errors';
import type { CommandIo } from './io';
import { startProgress } from './progress';
import { publishingDelivery } from './replay';
import { alertJsonLine, alertText } from './scan';
import { errorLine } from './terminal';

/** How far back Event history reaches. */
export const HISTORY_DAYS = 90;
/** `--since` when none is given. */
export const DEFAULT_SINCE = '24h';
/** LookupEvents' largest page. */
export const LOOKUP_PAGE_SIZE = 50;
/** LookupEvents' quota: requests a second per account and Region. */
export const LOOKUP_REQUESTS_PER_SECOND = 2;
/** Attempts at one request before its Region is given up (throttling, 5xx, network). */
export const LOOKUP_MAX_ATTEMPTS = 10;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 20_000;
/** Regions read at once: each has its own quota, so they do not slow each other. */
export const REGION_CONCURRENCY = 4;
/** Bad events printed one by one; the rest are counted in the summary. */
const BAD_EVENTS_SHOWN = 20;
/**
 * EventIDs remembered so an event found twice (CloudTrail can repeat one) alerts once; bounded
 * so memory does not grow with the events read. A repeat further apart is caught by idempotent
 * delivery when publishing.
 */
const SEEN_EVENT_IDS_MAX = 100_000;

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS: Readonly<Record<string, number>> = { d: DAY_MS, h: 60 * 60 * 1000, m: 60 * 1000 };
const DURATION = /^(\d{1,6})([dhm])$/;
/** A date, or a date and time; without an offset it is UTC. */
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A `--since`/`--until` value: `7d`, `36h` or `90m` before `now`, or an ISO 8601 date or time
 * (UTC unless it names an offset). Undefined when it is neither.
 */
export function parseTimeArgument(value: string, now: Date): Date | undefined {
  const duration = DURATION.exec(value);
  if (duration !== null) {
    const [, amount, unit] = duration;
    return new Date(now.getTime() - Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN));
  }
  const iso = ISO_DATE.exec(value);
  if (iso === null) return undefined;
  const hasTime = value.includes('T');
  const date = new Date(hasTime && iso[1] === undefined ? `${value}Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The time window to read, or the problem with the arguments. */
export type HistoryWindow =
  | { readonly start: Date; readonly end: Date; readonly notes: readonly string[] }
  | { readonly problem: string };

/**
 * The window `[since, until)` from the arguments: since defaults to 24 hours ago, until to now
 * (and never later). A start older than Event history reaches is kept, with a note saying that
 * what is older is not there.
 */
export function historyWindow(
  since: string | undefined,
  until: string | undefined,
  now: Date = new Date(),
): HistoryWindow {
  const forms = 'e.g. 7d, 36h, 90m or a date like 2026-11-01 or 2026-11-01T12:00Z';
  const start = parseTimeArgument(since ?? DEFAULT_SINCE, now);
  if (start === undefined) return { problem: `--since expects a time (${forms})` };
  const asked = until === undefined ? now : parseTimeArgument(until, now);
  if (asked === undefined) return { problem: `--until expects a time (${forms})` };
  const end = asked > now ? now : asked;
  if (start >= end) {
    return {
      problem: `--since (${start.toISOString()}) must be before --until (${end.toISOString()})`,
    };
  }
  const oldest = new Date(now.getTime() - HISTORY_DAYS * DAY_MS);
  if (start >= oldest) return { start, end, notes: [] };
  return {
    start,
    end,
    notes: [
      `CloudTrail Event history keeps ${HISTORY_DAYS} days: nothing before ${oldest.toISOString()} is there (a trail's log files keep it: mp-audit replay)`,
    ],
  };
}

/**
 * The event sources to look up: each source the rules watch, and CloudTrail itself when
 * self-protection is on. LookupEvents takes exact values only, so a wildcard pattern stands
 * for the MediaPackage sources it matches; `unmatched` lists patterns that match none.
 */
export function lookupSources(rules: CompiledRules): {
  readonly sources: readonly string[];
  readonly unmatched: readonly string[];
} {
  const sources = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of rules.config.eventSources) {
    if (!pattern.includes('*')) {
      sources.add(pattern);
      continue;
    }
    const test = wildcardToRegExp(pattern);
    const known = MEDIAPACKAGE_EVENT_SOURCES.filter((source) => test.test(source));
    if (known.length === 0) unmatched.push(pattern);
    for (const source of known) sources.add(source);
  }
  if (rules.config.selfProtection.enabled) sources.add('cloudtrail.amazonaws.com');
  return { sources: [...sources], unmatched };
}

/** Waits between requests so one Region's requests keep to its quota. */
export interface Clock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const REAL_CLOCK: Clock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket: `perSecond` tokens a second, holding at most `burst`. With a burst of 1,
 * requests are spaced 1/perSecond apart, so no second ever sees more than `perSecond`. When
 * the service throttles anyway (another tool spends the same quota), `slowDown` halves the
 * rate and each success wins a little of it back.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private rate: number;

  public constructor(
    private readonly perSecond: number,
    private readonly burst: number = 1,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.tokens = burst;
    this.refilledAt = clock.now();
    this.rate = perSecond;
  }

  /** Requests a second now. */
  public get currentRate(): number {
    return this.rate;
  }

  /** Halves the rate (to a request every 4 seconds at the least). */
  public slowDown(): void {
    this.rate = Math.max(0.25, this.rate / 2);
  }

  /** Wins back a tenth of the full rate, up to it. */
  public speedUp(): void {
    this.rate = Math.min(this.perSecond, this.rate + this.perSecond / 10);
  }

  /** Resolves when a request may go; takes its token. */
  public async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((now - this.refilledAt) / 1000) * this.rate,
      );
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    }
  }
}

/** Exponential backoff with jitter: half the doubled delay fixed, half random, capped. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ThrottledException',
]);

interface SdkErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: unknown };
}

/** Why a failed request is worth another attempt, or undefined when it is not. */
export function retryReason(error: unknown): 'throttled' | 'failed' | undefined {
  const fields: SdkErrorFields = typeof error === 'object' && error !== null ? error : {};
  const name = typeof fields.name === 'string' ? fields.name : '';
  if (THROTTLING_ERRORS.has(name) || fields.$retryable?.throttling === true) return 'throttled';
  const status = fields.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return 'failed';
  const code = typeof fields.code === 'string' ? fields.code : '';
  if (['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code)) return 'failed';
  return name === 'TimeoutError' ? 'failed' : undefined;
}

/** Errors that no Region can get past: stop the whole run. */
function isFatal(error: unknown): boolean {
  const message = describeCliError(error);
  return /^(no AWS credentials|your AWS session has expired|no AWS Region)/.test(message);
}

/** A CloudTrailEvent parsed, or why it cannot be. */
export type ParsedEvent =
  { readonly record: CloudTrailRecord } | { readonly problem: string; readonly record?: undefined };

/**
 * An event's `CloudTrailEvent` (the record as JSON text) as a record: bounded in size as the
 * log reader bounds a record, and an object, or the problem.
 */
export function parseCloudTrailEvent(text: unknown): ParsedEvent {
  if (typeof text !== 'string' || text.length === 0) return { problem: 'no CloudTrailEvent' };
  // Characters first: UTF-8 needs at least one byte for each, so most events skip the count.
  if (text.length > RECORD_MAX_BYTES || Buffer.byteLength(text) > RECORD_MAX_BYTES) {
    return { problem: `CloudTrailEvent larger than ${RECORD_MAX_BYTES / 1024 / 1024} MB` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'CloudTrailEvent is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: 'CloudTrailEvent is not a JSON object' };
  }
  return { record: parsed as CloudTrailRecord };
}

/** Options of `mp-audit history`. */
export interface HistoryOptions {
  readonly start: Date;
  readonly end: Date;
  /** Regions to read; empty: the SDK's (AWS_REGION, the profile's). */
  readonly regions: readonly string[];
  readonly json: boolean;
  /** @default the default rules (MediaPackage write calls) */
  readonly rules?: CompiledRules;
  /** Send the alerts through the deployed topic and idempotency table too. */
  readonly publish: boolean;
  readonly topicArn?: string;
  readonly idempotencyTable?: string;
  /** Set by Ctrl-C: the read stops after the page in hand. */
  readonly stopRequested?: () => boolean;
}

/** What the command talks to; tests replace any of it. */
export interface HistoryDeps {
  /** A CloudTrail client for a Region, or for the SDK's Region when undefined. */
  readonly cloudTrail: (region: string | undefined) => CloudTrailClient;
  /** The SNS client for the alert topic (in the topic's Region). */
  readonly sns: (region: string | undefined) => SNSClient;
  readonly dynamoDb: (region: string | undefined) => DynamoDBClient;
  readonly clock: Clock;
  readonly random: () => number;
}

/**
 * Clients with the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDTRAIL,
 * profiles). CloudTrail's own retries are off: this command retries, keeping to the quota and
 * saying so on the progress line.
 */
export const DEFAULT_HISTORY_DEPS: HistoryDeps = {
  cloudTrail: (region) =>
    withDocumentedTarget(
      new CloudTrailClient({ maxAttempts: 1, ...(region === undefined ? {} : { region }) }),
    ),
  sns: (region) =>
    new SNSClient({
      maxAttempts: 6,
      retryMode: 'standard',
      ...(region === undefined ? {} : { region }),
    }),
  dynamoDb: (region) => new DynamoDBClient(region === undefined ? {} : { region }),
  clock: REAL_CLOCK,
  random: Math.random,
};

/** The X-Amz-Target prefix CloudTrail's API reference documents (and the AWS CLI sends). */
export const CLOUDTRAIL_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.';

/**
 * Sends the documented `X-Amz-Target` (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.
 * LookupEvents`): this SDK version sends the short form, which AWS accepts too but a stricter
 * endpoint (a local stand-in, a proxy) may not. Added before signing, so it is signed.
 */
export function withDocumentedTarget(client: CloudTrailClient): CloudTrailClient {
  client.middlewareStack.add(
    (next) => (args) => {
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
      const target = headers?.['x-amz-target'];
      if (headers !== undefined && target?.startsWith('CloudTrail_20131101.') === true) {
        headers['x-amz-target'] = `${CLOUDTRAIL_TARGET_PREFIX}${target}`;
      }
      return next(args);
    },
    { step: 'build', name: 'mpAuditDocumentedTarget' },
  );
  return client;
}

/** The Region in an ARN (`arn:aws:sns:eu-west-1:...`), if it names one. */
export function regionOfArn(arn: string | undefined): string | undefined {
  const region = arn?.split(':')[3];
  return region === undefined || region === '' ? undefined : region;
}

/** What a run has done so far, for the progress line and the summary. */
interface HistoryTally {
  regionsDone: number;
  regionsFailed: number;
  requests: number;
  throttled: number;
  events: number;
  ignored: number;
  repeats: number;
  alerts: number;
  suppressed: number;
  badEvents: number;
  published: number;
  alreadyPublished: number;
  /** What a Region is waiting for, said on the progress line (`us-east-1 throttled: ...`). */
  readonly waiting: Map<string, string>;
}

/** A run in progress: its settings, its output and its counts. */
interface HistoryRun {
  readonly options: HistoryOptions;
  readonly io: CommandIo;
  readonly deps: HistoryDeps;
  readonly rules: CompiledRules;
  readonly sources: readonly string[];
  readonly delivery: AlertDelivery | undefined;
  readonly tally: HistoryTally;
  readonly seen: Set<string>;
  readonly tick: () => void;
  /** Set once an error ends the run, so the other Regions stop at their next request. */
  fatal: Error | undefined;
}

/**
 * `mp-audit history`: reads Event history for each watched event source in each Region, runs
 * the rules over every event and prints the alerts as they are found (publishing them too
 * with --publish). Returns the exit code: 0, or 1 when a Region could not be read to the end.
 */
export async function runHistory(
  options: HistoryOptions,
  io: CommandIo,
  deps: HistoryDeps = DEFAULT_HISTORY_DEPS,
): Promise<number> {
  const rules = options.rules ?? DEFAULT_COMPILED_RULES;
  const { sources, unmatched } = lookupSources(rules);
  for (const pattern of unmatched) {
    io.err(
      `warning: event source pattern '${redactText(pattern)}' is not looked up: LookupEvents needs exact event sources, name them in the rules`,
    );
  }
  let delivery: AlertDelivery | undefined;
  if (options.publish) {
    const topicRegion = regionOfArn(options.topicArn ?? process.env[FUNCTION_ENV.alertTopicArn]);
    delivery = publishingDelivery(options, io, {
      sns: deps.sns(topicRegion),
      dynamoDb: deps.dynamoDb(topicRegion),
    });
    if (delivery === undefined) {
      io.err(
        `mp-audit history: --publish needs --topic-arn (or ${FUNCTION_ENV.alertTopicArn}) set to the alert topic's ARN`,
      );
      return 2;
    }
  }
  const tally: HistoryTally = {
    regionsDone: 0,
    regionsFailed: 0,
    requests: 0,
    throttled: 0,
    events: 0,
    ignored: 0,
    repeats: 0,
    alerts: 0,
    suppressed: 0,
    badEvents: 0,
    published: 0,
    alreadyPublished: 0,
    waiting: new Map(),
  };
  const regions: readonly (string | undefined)[] =
    options.regions.length === 0 ? [undefined] : options.regions;
  const progress = startProgress(
    io,
    () => historyProgressText(tally, regions.length),
    deps.clock.now,
  );
  const run: HistoryRun = {
    options,
    io,
    deps,
    rules,
    sources,
    delivery,
    tally,
    seen: new Set(),
    tick: progress.tick,
    fatal: undefined,
  };
  const queue = [...regions];
  const workers = Array.from({ length: Math.min(REGION_CONCURRENCY, queue.length) }, async () => {
    while (queue.length > 0 && run.fatal === undefined) {
      await readRegionOrSay(queue.shift(), run);
    }
  });
  await Promise.all(workers);
  progress.end();
  if (run.fatal !== undefined) throw run.fatal;
  if (io.quiet !== true) io.err(historySummary(run, regions.length));
  return tally.regionsFailed > 0 ? 1 : 0;
}

/** Whether the run should stop before its next request. */
function stopping(run: HistoryRun): boolean {
  return run.fatal !== undefined || (run.options.stopRequested?.() ?? false);
}

/** Reads one Region; a failure is said and counted (or, when no Region can succeed, kept). */
async function readRegionOrSay(region: string | undefined, run: HistoryRun): Promise<void> {
  const client = run.deps.cloudTrail(region);
  let name = region ?? 'the default Region';
  try {
    name = region ?? (await client.config.region());
    await readRegion(name, client, run);
  } catch (error) {
    if (isFatal(error)) {
      run.fatal ??= error instanceof Error ? error : new Error(String(error));
      return;
    }
    run.tally.regionsFailed += 1;
    const hint = OPT_IN_MEDIAPACKAGE_REGIONS.includes(name)
      ? ` (${name} is an opt-in Region: is it enabled in this account?)`
      : '';
    run.io.err(
      errorLine(run.io, `${name}: ${describeCliError(error)}${hint}`, 'mp-audit history:'),
    );
  } finally {
    run.tally.waiting.delete(name);
    run.tally.regionsDone += 1;
    run.tick();
    client.destroy();
  }
}

/** Every page of every watched source in one Region, newest first (LookupEvents' order). */
async function readRegion(
  region: string,
  client: CloudTrailClient,
  run: HistoryRun,
): Promise<void> {
  // A little under the quota, so network jitter never makes requests arrive faster than it.
  const bucket = new TokenBucket(LOOKUP_REQUESTS_PER_SECOND * 0.9, 1, run.deps.clock);
  for (const source of run.sources) {
    let token: string | undefined;
    do {
      if (stopping(run)) return;
      const page = await lookupPage(client, bucket, region, source, token, run);
      await handleEvents(page.Events ?? [], region, run);
      const next = page.NextToken === '' ? undefined : page.NextToken;
      // A token handed back unchanged would loop for ever.
      if (next !== undefined && next === token) {
        throw new Error(`LookupEvents returned the same NextToken twice for ${source}`);
      }
      token = next;
    } while (token !== undefined);
  }
}

/** One page, within the quota; throttling and transient failures retried with backoff. */
async function lookupPage(
  client: CloudTrailClient,
  bucket: TokenBucket,
  region: string,
  source: string,
  token: string | undefined,
  run: HistoryRun,
): Promise<LookupEventsCommandOutput> {
  const { tally } = run;
  for (let attempt = 1; ; attempt += 1) {
    await bucket.take();
    tally.requests += 1;
    try {
      const page = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: source }],
          StartTime: run.options.start,
          EndTime: run.options.end,
          MaxResults: LOOKUP_PAGE_SIZE,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      tally.waiting.delete(region);
      bucket.speedUp();
      return page;
    } catch (error) {
      const reason = retryReason(error);
      if (reason === undefined || attempt >= LOOKUP_MAX_ATTEMPTS || stopping(run)) throw error;
      if (reason === 'throttled') {
        tally.throttled += 1;
        bucket.slowDown();
      }
      const delay = backoffDelay(attempt, run.deps.random);
      tally.waiting.set(
        region,
        `${region} ${reason === 'throttled' ? 'throttled' : 'request failed'}: retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${LOOKUP_MAX_ATTEMPTS})`,
      );
      run.tick();
      await run.deps.clock.sleep(delay);
    }
  }
}

/** Runs the rules over one page's events; prints (and publishes) its alerts. */
async function handleEvents(
  events: NonNullable<LookupEventsCommandOutput['Events']>,
  region: string,
  run: HistoryRun,
): Promise<void> {
  const { tally, io } = run;
  const now = new Date(run.deps.clock.now());
  const where = { bucket: '', key: `CloudTrail Event history (${region})` };
  const alerts: MediaPackageAlert[] = [];
  for (const event of events) {
    tally.events += 1;
    const parsed = parseCloudTrailEvent(event.CloudTrailEvent);
    if (parsed.record === undefined) {
      badEvent(event.EventId, region, parsed.problem, run);
      continue;
    }
    let alert: MediaPackageAlert | undefined;
    try {
      alert = alertOf(parsed.record, where, now, run);
    } catch (error) {
      // An event no rule or format anticipated costs only itself.
      badEvent(
        event.EventId,
        region,
        `could not be turned into an alert (${(error as Error).name})`,
        run,
      );
      continue;
    }
    if (alert !== undefined) alerts.push(alert);
  }
  for (const alert of alerts) {
    tally.alerts += 1;
    io.out(run.options.json ? alertJsonLine(alert) : `${alertText(alert, io.colour?.out)}\n`);
    await io.drained?.();
  }
  if (run.delivery !== undefined && alerts.length > 0) {
    const result = await run.delivery.deliver(alerts.map((alert) => buildAlertMessage(alert)));
    tally.published += result.published;
    tally.alreadyPublished += result.alreadyPublished;
  }
  run.tick();
}

/** The event's alert, or undefined when the rules ignore it, suppress it, or it is a repeat. */
function alertOf(
  record: CloudTrailRecord,
  where: { readonly bucket: string; readonly key: string },
  now: Date,
  run: HistoryRun,
): MediaPackageAlert | undefined {
  const decision = evaluateRecord(record, run.rules, now);
  if (decision.kind === 'ignored') {
    run.tally.ignored += 1;
    return undefined;
  }
  if (isRepeat(record.eventID, run)) return undefined;
  if (decision.kind === 'suppressed') {
    run.tally.suppressed += 1;
    return undefined;
  }
  return buildAlert(decision.match, where, now);
}

/** Whether an event with this eventID was already found in this run. */
function isRepeat(eventID: unknown, run: HistoryRun): boolean {
  if (typeof eventID !== 'string' || eventID.length === 0) return false;
  if (run.seen.has(eventID)) {
    run.tally.repeats += 1;
    return true;
  }
  if (run.seen.size >= SEEN_EVENT_IDS_MAX) {
    run.seen.delete(run.seen.values().next().value as string);
  }
  run.seen.add(eventID);
  return false;
}

/** Counts a bad event and says so, the first few one by one. */
function badEvent(
  eventId: string | undefined,
  region: string,
  problem: string,
  run: HistoryRun,
): void {
  run.tally.badEvents += 1;
  if (run.tally.badEvents <= BAD_EVENTS_SHOWN) {
    run.io.err(
      redactText(
        `mp-audit history: skipped a bad event ${(eventId ?? '(no EventId)').slice(0, 100)} in ${region}: ${problem}`,
      ),
    );
  } else if (run.tally.badEvents === BAD_EVENTS_SHOWN + 1) {
    run.io.err('mp-audit history: more bad events skipped; see the summary for their number');
  }
}

/** `regions 1/3, requests 14, events 620, alerts 3; us-east-1 throttled: retrying in 1.2 s ...`. */
function historyProgressText(tally: HistoryTally, regions: number): string {
  const waiting = [...tally.waiting.values()];
  return (
    `regions ${tally.regionsDone}/${regions}, requests ${tally.requests}, events ${tally.events}, alerts ${tally.alerts}` +
    (waiting.length === 0 ? '' : `; ${waiting.join('; ')}`)
  );
}

/** The summary line on standard error. */
function historySummary(run: HistoryRun, regions: number): string {
  const { tally, options } = run;
  const stopped = options.stopRequested?.() === true ? ' (interrupted)' : '';
  return (
    `mp-audit history${stopped}: ${options.start.toISOString()} to ${options.end.toISOString()}, ` +
    `regions ${regions}, event sources ${run.sources.length}: events ${tally.events} ` +
    `(ignored ${tally.ignored}: reads and calls the rules do not watch), ` +
    `${tally.alerts === 0 ? 'no changes that alert' : `alerts ${tally.alerts}`}, ` +
    (run.delivery === undefined
      ? ''
      : `published ${tally.published}, already sent ${tally.alreadyPublished}, `) +
    `suppressed ${tally.suppressed}, bad events skipped ${tally.badEvents}` +
    (tally.throttled === 0 ? '' : `, throttled ${tally.throttled} (retried)`) +
    (tally.regionsFailed === 0 ? '' : `, regions failed ${tally.regionsFailed}`)
  );
}
