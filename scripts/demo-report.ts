/**
 * What `npm run demo` prints, as pure functions of what the demo saw: what the EventBridge
 * events alerted on, a line per sample file, one email rendering per severity and the first
 * one's Slack rendering (every alert in full with `--verbose`), the threads (one email subject
 * and one Slack thread per resource), what an update changed, the storm and its digest, then
 * totals. Kept apart from the emulator and the handler so tests can check the selection and the
 * counts.
 */
import { basename } from 'node:path';
import type { StormSettings } from '../lambda/alert/storm';
import type { DetectionPath, MessageKind } from '../lambda/contract';
import { DETECTION_PATHS, MESSAGE_ATTRIBUTES, STORM_COLLAPSED } from '../lambda/contract';
import type { Severity } from '../lambda/match/rules-schema';
import { SEVERITIES } from '../lambda/match/rules-schema';
import { classifyObjectKey } from '../lambda/pipeline/log-object-key';

/** One uploaded sample file and what the handler's summary said about it. */
export interface DemoFile {
  readonly key: string;
  readonly records: number;
  readonly alertsPublished: number;
  readonly alertsSuppressed: number;
  /** Alerts idempotent delivery had already published (zero without an idempotency table). */
  readonly alertsAlreadyPublished: number;
  readonly badRecords: number;
  readonly skippedObjects: number;
  readonly unreadableObjects: number;
  readonly incompleteObjects: number;
}

/** The fast path's part of the run: one `AWS API Call via CloudTrail` event per invocation. */
export interface DemoApiCalls {
  /** Events sent to the handler. */
  readonly sent: number;
  /** Calls whose event the demo held back, as EventBridge (best effort) may never deliver one. */
  readonly withheld: number;
  readonly alertsPublished: number;
  readonly alertsAlreadyPublished: number;
}

/** One alert as the subscriber received it, with the texts each protocol gets. */
export interface DemoAlert {
  readonly eventID: string;
  readonly severity: Severity;
  /** The log file the alert came from (its S3 key); null when EventBridge was first. */
  readonly logKey: string | null;
  /** How the event was found, and how many seconds after the call. */
  readonly detection: { readonly path: DetectionPath; readonly delaySeconds: number | null };
  readonly eventName: string;
  /** What the call acted on, e.g. `channel sports-main`. */
  readonly resource: string;
  /** The message attribute `kind`: `event`, or `canary` (for machines only). */
  readonly kind: Exclude<MessageKind, 'digest'>;
  /** A storm collapsed it (attribute `storm` = `collapsed`): machines got it, people did not. */
  readonly collapsed: boolean;
  /** The SNS subject: the same for every alert on one resource (mail clients thread by it). */
  readonly subject: string;
  readonly email: string;
  /** The AWS Chatbot custom notification (JSON), which Slack renders. */
  readonly chatbot: string;
  /** The Slack thread (`metadata.threadId`); null when Chatbot does not post the message. */
  readonly threadId: string | null;
}

/** A storm digest as the subscriber received it. */
export interface DemoDigest {
  readonly digestID: string;
  readonly subject: string;
  readonly email: string;
  readonly chatbot: string;
  readonly threadId: string | null;
}

/** One message the subscriber received: an alert (event or canary) or a storm digest. */
export type DemoMessage =
  | { readonly kind: 'digest'; readonly digest: DemoDigest }
  | { readonly kind: Exclude<MessageKind, 'digest'>; readonly alert: DemoAlert };

/** The demo's storm: a burst of one caller's calls read from one log file, then its digest. */
export interface DemoStorm {
  readonly calls: number;
  readonly eventName: string;
  /** e.g. `role CostTagger`. */
  readonly caller: string;
  readonly settings: StormSettings;
  /** The messages the burst's alerts became, for people and for machines. */
  readonly alerts: readonly DemoAlert[];
  /** The digests the scheduled invocation published. */
  readonly digests: readonly DemoDigest[];
  /** How far ahead of the real clock the scheduled invocation looked for digests due. */
  readonly clockAheadMinutes: number;
}

/** Everything one demo run saw. */
export interface DemoRun {
  /** The EventBridge events, sent before the log files. */
  readonly apiCalls: DemoApiCalls;
  readonly files: readonly DemoFile[];
  /** The samples' alerts. */
  readonly alerts: readonly DemoAlert[];
  /** The alerts on the demo's own calls to one channel, after the samples, in call order. */
  readonly channel?: readonly DemoAlert[];
  /** The storm, when the demo made one. */
  readonly storm?: DemoStorm;
  readonly elapsedMs: number;
}

/** Options of {@link demoReport}. */
export interface DemoReportOptions {
  /** Every alert in full, as email and Slack show it, instead of one per severity. */
  readonly verbose: boolean;
}

/** Parameter lines a default (not verbose) rendering keeps: the rest is in `--verbose`. */
export const FOLDED_PARAMETER_LINES = 3;

/** Lines of the digest email a default rendering shows: its headline, who and what. */
export const FOLDED_DIGEST_LINES = 12;

const RULE = '='.repeat(78);
const EMAIL_PARAMETERS_HEADING = 'REQUEST PARAMETERS (secret-like values masked)';
const SLACK_PARAMETERS_START = '*Parameters:* ```';

interface SnsEnvelope {
  readonly Subject?: string;
  readonly Message: string;
  /** What SNS puts in the envelope of a message with attributes (raw delivery off). */
  readonly MessageAttributes?: Record<string, { readonly Type: string; readonly Value: string }>;
}

interface ProtocolTexts {
  readonly email: string;
  readonly https: string;
  readonly sqs: string;
}

/** The Slack thread of a Chatbot custom notification; null for any other text. */
function threadIdOf(chatbot: string): string | null {
  try {
    const notification = JSON.parse(chatbot) as {
      source?: unknown;
      metadata?: { threadId?: unknown };
    };
    // Only a custom notification is posted; a machine-only message names its thread too.
    const threadId = notification.source === 'custom' ? notification.metadata?.threadId : null;
    return typeof threadId === 'string' ? threadId : null;
  } catch {
    return null;
  }
}

/**
 * Reads an SQS message body that SNS delivered. Real SNS hands each protocol its own key of
 * the message structure; the emulator delivers the whole structure, so all are at hand here.
 */
export function demoMessageOf(body: string): DemoMessage {
  const envelope = JSON.parse(body) as SnsEnvelope;
  const structure = JSON.parse(envelope.Message) as ProtocolTexts;
  const attribute = (name: string): string | undefined => envelope.MessageAttributes?.[name]?.Value;
  const kind = attribute(MESSAGE_ATTRIBUTES.kind) ?? 'event';
  const common = {
    subject: envelope.Subject ?? '',
    email: structure.email,
    chatbot: structure.https,
    threadId: threadIdOf(structure.https),
  };
  if (kind === 'digest') {
    const digest = JSON.parse(structure.sqs) as { digestID: string };
    return { kind, digest: { digestID: digest.digestID, ...common } };
  }
  const alert = JSON.parse(structure.sqs) as Pick<
    DemoAlert,
    'eventID' | 'severity' | 'detection' | 'eventName'
  > & {
    logObject: { key: string } | null;
    resource: { type: string; id: string | null; arn: string | null };
  };
  const eventKind = kind === 'canary' ? 'canary' : 'event';
  return {
    kind: eventKind,
    alert: {
      eventID: alert.eventID,
      severity: alert.severity,
      logKey: alert.logObject?.key ?? null,
      detection: alert.detection,
      eventName: alert.eventName,
      resource: `${alert.resource.type} ${alert.resource.id ?? alert.resource.arn ?? '-'}`,
      kind: eventKind,
      collapsed: attribute(MESSAGE_ATTRIBUTES.storm) === STORM_COLLAPSED,
      ...common,
    },
  };
}

/** {@link demoMessageOf} for a message known to be an alert. */
export function demoAlertOf(body: string): DemoAlert {
  const message = demoMessageOf(body);
  if (message.kind === 'digest')
    throw new Error(`Expected an alert, got digest ${message.digest.digestID}`);
  return message.alert;
}

/**
 * The alerts in the order they were sent: EventBridge's first, then by the upload order of
 * their files (the queue may mix them).
 */
function inFileOrder(run: DemoRun): DemoAlert[] {
  const order = new Map(run.files.map((file, index) => [file.key, index]));
  const rank = (alert: DemoAlert): number =>
    alert.logKey === null ? -1 : (order.get(alert.logKey) ?? run.files.length);
  return [...run.alerts].sort((a, b) => rank(a) - rank(b));
}

/** The first alert of each severity present, most severe first. */
export function firstOfEachSeverity(run: DemoRun): DemoAlert[] {
  const alerts = inFileOrder(run);
  return SEVERITIES.flatMap((severity) => {
    const first = alerts.find((alert) => alert.severity === severity);
    return first === undefined ? [] : [first];
  });
}

/** `high 2, medium 3`: counts by severity, most severe first, only those present. */
export function severityCounts(alerts: readonly DemoAlert[]): string {
  return SEVERITIES.flatMap((severity) => {
    const count = alerts.filter((alert) => alert.severity === severity).length;
    return count === 0 ? [] : [`${severity} ${count}`];
  }).join(', ');
}

/** `==== TEXT ====...`, as wide as {@link RULE}. */
function heading(rule: '=' | '-', text: string): string {
  return `${rule.repeat(4)} ${text} `.padEnd(RULE.length, rule);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What the handler made of one file, on one line. */
export function fileLine(file: DemoFile, alerts: readonly DemoAlert[]): string {
  const name = basename(file.key);
  if (file.skippedObjects > 0) {
    const key = classifyObjectKey(file.key);
    return `  ${name}  skipped: ${key.kind === 'skip' ? key.reason : 'not read'}`;
  }
  const own = alerts.filter((alert) => alert.logKey === file.key);
  const counts = severityCounts(own);
  const extras = [
    file.alertsSuppressed > 0 ? `${file.alertsSuppressed} suppressed by rules` : '',
    file.alertsAlreadyPublished > 0 ? `${file.alertsAlreadyPublished} already sent` : '',
    file.badRecords > 0 ? plural(file.badRecords, 'bad record') : '',
    file.unreadableObjects > 0 ? 'unreadable' : '',
    file.incompleteObjects > 0 ? 'not read to the end' : '',
  ].filter((extra) => extra !== '');
  return [
    `  ${name}  ${plural(file.records, 'record')}, ${plural(file.alertsPublished, 'alert')}`,
    counts === '' ? '' : ` (${counts})`,
    ...extras.map((extra) => `, ${extra}`),
  ].join('');
}

/** Slack shows client-markdown; a terminal shows the same text without the markup. */
export function slackRendering(chatbot: string): string[] {
  const notification = JSON.parse(chatbot) as {
    content: { title: string; description: string; nextSteps?: string[] };
  };
  const plain = (text: string): string => text.replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)');
  return [
    `  ${notification.content.title}`,
    ...notification.content.description.split('\n').map((line) => `  ${line}`),
    ...(notification.content.nextSteps ?? []).map((step) => `  > ${plain(step)}`),
  ];
}

/**
 * `lines` with `lines[start..end)` cut to `keep` lines and a note saying how many more
 * `--verbose` shows. Unchanged when there is no such block or folding would save nothing.
 */
function foldLines(lines: readonly string[], start: number, end: number, keep: number): string[] {
  const hidden = end - start - keep;
  if (start < 0 || hidden <= 1) return [...lines];
  const indent = /^\s*/.exec(lines[start] ?? '')?.[0] ?? '';
  return [
    ...lines.slice(0, start + keep),
    `${indent}... ${plural(hidden, 'more line')} (npm run demo -- --verbose shows them)`,
    ...lines.slice(end),
  ];
}

/** Index of the first line at or after `from` that `test` accepts, or `lines.length`. */
function indexFrom(
  lines: readonly string[],
  from: number,
  test: (line: string) => boolean,
): number {
  const offset = lines.slice(from).findIndex(test);
  return offset < 0 ? lines.length : from + offset;
}

/** The email's request parameters: the lines after their heading, up to a blank line. */
function foldEmailParameters(email: readonly string[]): string[] {
  const heading = email.indexOf(EMAIL_PARAMETERS_HEADING);
  if (heading < 0) return [...email];
  const end = indexFrom(email, heading + 1, (line) => line === '');
  return foldLines(email, heading + 1, end, FOLDED_PARAMETER_LINES);
}

/** Slack's parameters: a code block from its opening line to the line that closes it. */
function foldSlackParameters(slack: readonly string[]): string[] {
  const start = slack.findIndex((line) => line.trimStart().startsWith(SLACK_PARAMETERS_START));
  if (start < 0) return [...slack];
  const end = indexFrom(slack, start, (line) => line.endsWith('```'));
  return foldLines(slack, start, Math.min(end + 1, slack.length), FOLDED_PARAMETER_LINES);
}

/**
 * One alert as email and Slack show it; the request parameters folded unless `full`. Without
 * `slack`, a line says where the Slack rendering is.
 */
function alertRendering(alert: DemoAlert, full: boolean, slack = true): string[] {
  const email = alert.email.split('\n');
  return [
    `---- EMAIL  Subject: ${alert.subject}`,
    ...(full ? email : foldEmailParameters(email)),
    ...(slack
      ? [
          heading('-', 'SLACK (AWS Chatbot custom notification)'),
          ...(full
            ? slackRendering(alert.chatbot)
            : foldSlackParameters(slackRendering(alert.chatbot))),
        ]
      : [`---- SLACK  like the first, in thread ${alert.threadId ?? '-'} (--verbose shows it)`]),
  ];
}

/** Alerts that came by `path`. */
function byPath(alerts: readonly DemoAlert[], path: DetectionPath): DemoAlert[] {
  return alerts.filter((alert) => alert.detection.path === path);
}

/** The median of the alerts' detection delays in whole seconds, or null when none has one. */
export function medianDelaySeconds(alerts: readonly DemoAlert[]): number | null {
  const delays = alerts
    .flatMap((alert) =>
      alert.detection.delaySeconds === null ? [] : [alert.detection.delaySeconds],
    )
    .sort((a, b) => a - b);
  if (delays.length === 0) return null;
  const middle = Math.floor(delays.length / 2);
  const upper = delays[middle] ?? 0;
  return delays.length % 2 === 1 ? upper : ((delays[middle - 1] ?? upper) + upper) / 2;
}

/** `median 3 s after the call`, or nothing to say. */
function delayText(alerts: readonly DemoAlert[]): string {
  const median = medianDelaySeconds(alerts);
  return median === null ? '' : `, median ${median} s after the call`;
}

/** What the EventBridge events did, before any log file was read. */
export function apiCallLines(run: DemoRun): string[] {
  const { apiCalls } = run;
  const fast = byPath(run.alerts, 'eventbridge');
  const counts = severityCounts(fast);
  return [
    `EventBridge: ${plural(apiCalls.sent, 'API call event')} for the samples' MediaPackage writes` +
      (apiCalls.withheld === 0 ? '' : `, ${apiCalls.withheld} held back (it is best effort)`),
    `  ${plural(apiCalls.alertsPublished, 'alert')} at once${counts === '' ? '' : ` (${counts})`}${delayText(fast)}` +
      (apiCalls.alertsAlreadyPublished === 0
        ? ''
        : `, ${apiCalls.alertsAlreadyPublished} already sent`),
  ];
}

/** The demo's whole report, one string per line. */
export function demoReport(run: DemoRun, options: DemoReportOptions): string[] {
  const alerts = inFileOrder(run);
  const files = [
    ...apiCallLines(run),
    '',
    `Sample files (${run.files.length}), uploaded at once (CloudTrail delivers one about 5 minutes after its calls)`,
    ...run.files.map((file) => fileLine(file, alerts)),
  ];
  const renderings = options.verbose
    ? alerts.flatMap((alert) => ['', RULE, ...alertRendering(alert, true)])
    : firstOfEachSeverity(run).flatMap((alert, index) => {
        const count = alerts.filter((other) => other.severity === alert.severity).length;
        return [
          '',
          heading(
            '=',
            `${alert.severity.toUpperCase()}: the first of ${plural(count, `${alert.severity} alert`)}`,
          ),
          // Slack's rendering says what the email says: the first is enough to see it.
          ...alertRendering(alert, false, index === 0),
        ];
      });
  return [
    ...files,
    ...renderings,
    '',
    // The demo's own channel first: its thread and its update are the ones to show.
    ...threadLines([...(run.channel ?? []), ...alerts]),
    '',
    ...changeLines([...(run.channel ?? []), ...alerts]),
    ...(run.storm === undefined ? [] : ['', ...stormLines(run.storm, options)]),
    '',
    ...totals(run),
  ];
}

/** Alerts people got: events (not the canary's) that no storm collapsed. */
function forPeople(alerts: readonly DemoAlert[]): DemoAlert[] {
  return alerts.filter((alert) => alert.kind === 'event' && !alert.collapsed);
}

/**
 * Threads: the resource with the most alerts, whose alerts share one email subject and one Slack
 * thread, another resource with its own, and whether subjects and threads pair up one to one.
 */
export function threadLines(alerts: readonly DemoAlert[]): string[] {
  const people = forPeople(alerts);
  const bySubject = new Map<string, DemoAlert[]>();
  for (const alert of people) {
    bySubject.set(alert.subject, [...(bySubject.get(alert.subject) ?? []), alert]);
  }
  const largest = [...bySubject.values()].reduce<DemoAlert[]>(
    (best, group) => (group.length > best.length ? group : best),
    [],
  );
  const lines = [heading('=', 'THREADS: one email subject and one Slack thread per resource')];
  const first = largest[0];
  if (first === undefined || largest.length < 2) {
    return [...lines, '  no resource had two alerts'];
  }
  const threads = [...new Set(largest.map((alert) => alert.threadId ?? '-'))];
  const other = people.find((alert) => alert.subject !== first.subject);
  const pairs = new Set(people.map((alert) => `${alert.subject}\n${alert.threadId ?? '-'}`));
  const subjects = bySubject.size;
  const slackThreads = new Set(people.map((alert) => alert.threadId ?? '-')).size;
  return [
    ...lines,
    `  ${largest.length} alerts on ${first.resource} (${largest.map((alert) => alert.eventName).join(', ')}) share`,
    `    subject '${first.subject}'`,
    threads.length === 1
      ? `    and Slack thread '${threads[0] ?? '-'}'`
      : `    but ${threads.length} Slack threads: ${threads.join(', ')}`,
    ...(other === undefined
      ? []
      : [
          `  another resource, ${other.resource}, has its own`,
          `    subject '${other.subject}'`,
          `    and Slack thread '${other.threadId ?? '-'}'`,
        ]),
    `  ${plural(people.length, 'alert')} to people: ${plural(subjects, 'subject')}, ${plural(slackThreads, 'Slack thread')}` +
      (pairs.size === subjects && pairs.size === slackThreads
        ? ', each subject always in the same thread'
        : `, ${plural(pairs.size, 'subject-thread pair')} (expected one per resource)`),
  ];
}

/** The email's WHAT CHANGED lines (after its heading, up to a blank line); none without one. */
export function whatChanged(email: string): string[] {
  const lines = email.split('\n');
  const start = lines.findIndex((line) => line.startsWith('WHAT CHANGED'));
  if (start < 0) return [];
  return lines.slice(
    start + 1,
    indexFrom(lines, start + 1, (line) => line === ''),
  );
}

/** Whether the lines compare a known previous value with the new one: `field: old -> new`. */
function comparesKnownState(changes: readonly string[]): boolean {
  return (
    !changes.some((line) => line.includes('Previous state unknown')) &&
    changes.some((line) => line.includes(' -> ') && !line.includes('(absent) -> '))
  );
}

/**
 * What changed: the first update that compared the resource's last known state with the new
 * one (`field: old -> new`), after the alert that made the state known.
 */
export function changeLines(alerts: readonly DemoAlert[]): string[] {
  const people = forPeople(alerts);
  const said = people.filter((alert) => whatChanged(alert.email).length > 0);
  const compared = said.filter((alert) => comparesKnownState(whatChanged(alert.email)));
  const update = compared.find((alert) => alert.eventName.startsWith('Update')) ?? compared[0];
  const lines = [heading('=', "WHAT CHANGED: a change against the resource's last known state")];
  if (update === undefined) return [...lines, '  no alert compared a known previous state'];
  const before = people.find(
    (alert) => alert.subject === update.subject && alert.eventID !== update.eventID,
  );
  const unknown = said.filter((alert) =>
    whatChanged(alert.email).some((line) => line.includes('Previous state unknown')),
  ).length;
  return [
    ...lines,
    `  ${update.eventName} on ${update.resource}${before === undefined ? '' : `, after its ${before.eventName}`} (email WHAT CHANGED, Slack *Changed:*):`,
    ...whatChanged(update.email).map((line) => `  ${line}`),
    `  ${said.length} of ${plural(people.length, 'alert')} said what changed; ${unknown} on a resource seen for the first time (previous state unknown)`,
  ];
}

/** The storm: who, how many people and machines got, and the digest people got instead. */
export function stormLines(storm: DemoStorm, options: DemoReportOptions): string[] {
  const people = forPeople(storm.alerts).length;
  const collapsed = storm.alerts.filter((alert) => alert.collapsed).length;
  const { threshold, windowMinutes } = storm.settings;
  const lines = [
    heading(
      '=',
      `STORM: ${storm.calls} ${storm.eventName} calls by ${storm.caller}, threshold ${threshold} per ${windowMinutes === 1 ? 'minute' : plural(windowMinutes, 'minute')}`,
    ),
    `  people got ${people} one by one; machines got all ${storm.alerts.length}, ${collapsed} of them with storm=${STORM_COLLAPSED} (people's subscriptions filter those out)`,
    `  digest: due 60 s after its window ends; a scheduled invocation, its storm clock ${storm.clockAheadMinutes} minutes ahead, published ${storm.digests.length}`,
  ];
  return [
    ...lines,
    ...storm.digests.flatMap((digest) => {
      const email = digest.email.split('\n');
      const hidden = email.slice(FOLDED_DIGEST_LINES);
      const sections = hidden.filter((line) => /^[A-Z][A-Z ]+( \(\d+\))?$/.test(line));
      const folded =
        options.verbose || hidden.length <= 1
          ? email
          : [
              ...email.slice(0, FOLDED_DIGEST_LINES),
              `... ${plural(hidden.length, 'more line')}: ${sections.join(', ')} (npm run demo -- --verbose shows them)`,
            ];
      const title = (JSON.parse(digest.chatbot) as { content?: { title?: string } }).content?.title;
      return [
        `---- EMAIL  Subject: ${digest.subject}`,
        ...folded,
        `---- SLACK  ${title ?? '-'}, in the storm's thread ${digest.threadId ?? '-'}`,
      ];
    }),
  ];
}

function totals(run: DemoRun): string[] {
  const sum = (pick: (file: DemoFile) => number): number =>
    run.files.reduce((total, file) => total + pick(file), 0);
  const skipped = sum((file) => file.skippedObjects);
  const suppressed = sum((file) => file.alertsSuppressed);
  const alreadyPublished = sum((file) => file.alertsAlreadyPublished);
  const badRecords = sum((file) => file.badRecords);
  const counts = severityCounts(run.alerts);
  const copies = new Map<string, number>();
  for (const alert of run.alerts) copies.set(alert.eventID, (copies.get(alert.eventID) ?? 0) + 1);
  const sentTwice = [...copies.values()].filter((count) => count > 1).length;
  const paths = DETECTION_PATHS.map((path) => {
    const alerts = byPath(run.alerts, path);
    const median = medianDelaySeconds(alerts);
    return `${path} ${alerts.length}${median === null ? '' : ` (median ${median} s after the call)`}`;
  }).join(', ');
  return [
    'Totals',
    `  files:    ${run.files.length}${skipped === 0 ? '' : ` (${skipped} skipped)`}`,
    `  records:  ${sum((file) => file.records)}${badRecords === 0 ? '' : ` (${plural(badRecords, 'bad record')})`}`,
    `  alerts:   ${run.alerts.length} received by the subscriber${counts === '' ? '' : ` (${counts})`}`,
    ...(suppressed === 0 ? [] : [`  suppressed by rules: ${suppressed}`]),
    `  by path:  ${paths}`,
    run.apiCalls.sent > 0
      ? `  already sent by EventBridge: ${alreadyPublished}, sent twice: ${sentTwice}`
      : alreadyPublished > 0
        ? `  duplicates suppressed by idempotency: ${alreadyPublished}, sent twice: ${sentTwice}`
        : `  sent twice: ${sentTwice}`,
    `  time:     ${(run.elapsedMs / 1000).toFixed(1)} s`,
  ];
}
