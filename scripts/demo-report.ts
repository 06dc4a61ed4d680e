/**
 * What `npm run demo` prints, as pure functions of what the demo saw: what the EventBridge
 * events alerted on, a line per sample file, one email and one Slack rendering per severity
 * (every alert with `--verbose`), then totals. Kept apart from the emulator and the handler so
 * tests can check the selection and the counts.
 */
import { basename } from 'node:path';
import type { DetectionPath } from '../lambda/contract';
import { DETECTION_PATHS } from '../lambda/contract';
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
  readonly subject: string;
  readonly email: string;
  /** The AWS Chatbot custom notification (JSON), which Slack renders. */
  readonly chatbot: string;
}

/** Everything one demo run saw. */
export interface DemoRun {
  /** The EventBridge events, sent before the log files. */
  readonly apiCalls: DemoApiCalls;
  readonly files: readonly DemoFile[];
  readonly alerts: readonly DemoAlert[];
  readonly elapsedMs: number;
}

/** Options of {@link demoReport}. */
export interface DemoReportOptions {
  /** Every alert in full, as email and Slack show it, instead of one per severity. */
  readonly verbose: boolean;
}

/** Parameter lines a default (not verbose) rendering keeps: the rest is in `--verbose`. */
export const FOLDED_PARAMETER_LINES = 3;

const RULE = '='.repeat(78);
const EMAIL_PARAMETERS_HEADING = 'REQUEST PARAMETERS (secret-like values masked)';
const SLACK_PARAMETERS_START = '*Parameters:* ```';

/**
 * Reads an SQS message body that SNS delivered. Real SNS hands each protocol its own key of
 * the message structure; the emulator delivers the whole structure, so all are at hand here.
 */
export function demoAlertOf(body: string): DemoAlert {
  const envelope = JSON.parse(body) as { Subject?: string; Message: string };
  const structure = JSON.parse(envelope.Message) as { email: string; https: string; sqs: string };
  const alert = JSON.parse(structure.sqs) as Pick<
    DemoAlert,
    'eventID' | 'severity' | 'detection'
  > & {
    logObject: { key: string } | null;
  };
  return {
    eventID: alert.eventID,
    severity: alert.severity,
    logKey: alert.logObject?.key ?? null,
    detection: alert.detection,
    subject: envelope.Subject ?? '',
    email: structure.email,
    chatbot: structure.https,
  };
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

/** One alert as email and Slack show it; the request parameters folded unless `full`. */
function alertRendering(alert: DemoAlert, full: boolean): string[] {
  const email = alert.email.split('\n');
  const slack = slackRendering(alert.chatbot);
  return [
    `---- EMAIL  Subject: ${alert.subject}`,
    ...(full ? email : foldEmailParameters(email)),
    heading('-', 'SLACK (AWS Chatbot custom notification)'),
    ...(full ? slack : foldSlackParameters(slack)),
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
    : firstOfEachSeverity(run).flatMap((alert) => {
        const count = alerts.filter((other) => other.severity === alert.severity).length;
        return [
          '',
          heading(
            '=',
            `${alert.severity.toUpperCase()}: the first of ${plural(count, `${alert.severity} alert`)}`,
          ),
          ...alertRendering(alert, false),
        ];
      });
  return [...files, ...renderings, '', ...totals(run)];
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
