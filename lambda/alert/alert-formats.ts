/**
 * Lays an alert out for email, AWS Chatbot (Slack) and machines. The alert's texts are already
 * redacted (`buildAlert`): these functions add no value of their own beyond the template, and
 * escape values for Slack so a record cannot add markup (`<!channel>`, links, code spans).
 */
import type { MediaPackageAlert } from './alert';
import { jsonDigest, resourceIdentity } from './alert';
import { isPlainArn } from './redact';
import { changeLines } from './resource-changes';
import type { StormDigest } from './storm';
import { digestHeadline } from './storm';

/** SNS `Subject` must be under 100 characters; email shows it as the subject line. */
export const SUBJECT_MAX_CHARS = 99;
/** Slack rejects a block over 3,000 characters; keep the description clear of it. */
export const CHATBOT_DESCRIPTION_MAX_CHARS = 2_900;

/** How many characters of request parameters each format may show. */
export interface ParameterBudget {
  readonly email: number;
  readonly chatbot: number;
  readonly json: number;
}

export const DEFAULT_PARAMETER_BUDGET: ParameterBudget = {
  email: 20_000,
  chatbot: 1_200,
  json: 20_000,
};

/**
 * Floors of the subject's parts. A part gives way only down to its floor, and the id (the most
 * useful part after the severity) keeps {@link SUBJECT_MIN_ID_CHARS} until every other part is
 * at its last floor, which no real service name or Region reaches.
 */
export const SUBJECT_MIN_ID_CHARS = 12;
const SUBJECT_ROOMY_ID_CHARS = 32;
const SUBJECT_MIN_EVENT_CHARS = 16;
const SUBJECT_LAST_EVENT_CHARS = 8;
const SUBJECT_LAST_SERVICE_CHARS = 6;
const SUBJECT_LAST_ID_CHARS = 9;
const SUBJECT_MAX_REGION_CHARS = 24;
/** A middle cut keeps at least this many characters at the end (and more at the start). */
const MIDDLE_CUT_MIN_END_CHARS = 3;

/** The words of a subject, each already printable ASCII on one line. */
interface SubjectParts {
  /** `[HIGH]`, with ` FAILED` and ` Audit pipeline:` when they apply; never cut. */
  readonly tag: string;
  readonly service: string;
  readonly event: string;
  readonly type: string;
  readonly id: string | null;
  readonly region: string;
}

/** One way to make a subject shorter, by up to `excess` characters. */
type SubjectShrink = (parts: SubjectParts, excess: number) => SubjectParts;

/** Tried in order until the subject fits: the id gives way last. */
const SUBJECT_SHRINKS: readonly SubjectShrink[] = [
  // The type is the least telling word: the event name already implies it.
  (parts) => ({ ...parts, type: '' }),
  (parts) => ({ ...parts, service: parts.service.replace(/^MediaPackage\b/, 'MP') }),
  // An id too long for any subject loses its middle before the event name loses anything.
  (parts, excess) => ({ ...parts, id: cutId(parts.id, excess, SUBJECT_ROOMY_ID_CHARS) }),
  (parts, excess) => ({
    ...parts,
    event: cutMiddle(parts.event, shorter(parts.event, excess, SUBJECT_MIN_EVENT_CHARS)),
  }),
  (parts, excess) => ({ ...parts, id: cutId(parts.id, excess, SUBJECT_MIN_ID_CHARS) }),
  // Beyond here only for service names, events and tags no real alert has.
  (parts, excess) => ({
    ...parts,
    service: cut(parts.service, shorter(parts.service, excess, SUBJECT_LAST_SERVICE_CHARS)),
  }),
  (parts, excess) => ({
    ...parts,
    event: cutMiddle(parts.event, shorter(parts.event, excess, SUBJECT_LAST_EVENT_CHARS)),
  }),
  (parts, excess) => ({ ...parts, id: cutId(parts.id, excess, SUBJECT_LAST_ID_CHARS) }),
];

/**
 * e.g. `[HIGH] MediaPackage RotateIngestEndpointCredentials on channel live-1 (us-west-2)`:
 * printable ASCII on one line, under 100 characters. When room is short the resource type goes
 * first, then `MediaPackage` becomes `MP`, then the event name and last the resource id lose
 * their middle (`live-channel-e...-primary-1`), so the id's start and end stay readable.
 * A caller that adds a prefix (`[TEST] `) passes a smaller `maxChars` rather than cutting.
 */
export function formatSubject(alert: MediaPackageAlert, maxChars = SUBJECT_MAX_CHARS): string {
  const id = alert.resource.id === null ? '' : asciiLine(alert.resource.id);
  let parts: SubjectParts = {
    tag: `[${alert.severity.toUpperCase()}]${alert.outcome === 'failed' ? ' FAILED' : ''}${alert.category === 'self-protection' ? ' Audit pipeline:' : ''}`,
    service: asciiLine(alert.service),
    event: asciiLine(alert.eventName),
    type: asciiLine(alert.resource.type),
    id: id === '' ? null : id,
    region: cut(asciiLine(alert.awsRegion), SUBJECT_MAX_REGION_CHARS),
  };
  for (const shrink of SUBJECT_SHRINKS) {
    const excess = renderSubject(parts).length - maxChars;
    if (excess <= 0) break;
    parts = shrink(parts, excess);
  }
  return renderSubject(parts);
}

/**
 * The email subject: the same for every alert on one resource, so mail clients (which thread by
 * subject) show a burst of changes to a channel as one conversation; two resources never share
 * one. e.g. `MediaPackage v2 channel live/ch-1 (us-west-2, 111122223333)`. What happened and how
 * loud it is opens the email's body ({@link formatSubject}). Printable ASCII, at most `maxChars`:
 * a long id loses its middle and gains a digest of the whole identity (`#3f9a1c`), so subjects
 * cut to the same text still differ.
 */
export function formatThreadSubject(
  alert: MediaPackageAlert,
  maxChars = SUBJECT_MAX_CHARS,
): string {
  const { resource } = alert;
  const name = resource.id ?? arnTail(resource.arn) ?? alert.eventName;
  const where = `(${cut(asciiLine(alert.awsRegion), SUBJECT_MAX_REGION_CHARS)}${alert.accountId === null ? '' : `, ${asciiLine(alert.accountId).slice(0, 16)}`})`;
  const lead = alert.category === 'self-protection' ? 'Audit pipeline:' : '';
  const render = (service: string, id: string): string =>
    [lead, service, asciiLine(resource.type), id, where].filter((word) => word !== '').join(' ');
  const id = asciiLine(name);
  let subject = render(asciiLine(alert.service), id);
  if (subject.length <= maxChars) return subject;
  const service = asciiLine(alert.service).replace(/^MediaPackage\b/, 'MP');
  subject = render(service, id);
  if (subject.length <= maxChars) return subject;
  const tag = ` #${threadIdOf(alert).slice(-6)}`;
  const room = maxChars - render(service, '').length - 1 - tag.length;
  return cut(
    render(service, `${cutMiddle(id, Math.max(SUBJECT_LAST_ID_CHARS, room))}${tag}`),
    maxChars,
  );
}

/** The last part of an ARN's resource (`.../channel/live-1` is `live-1`), or null. */
function arnTail(arn: string | null): string | null {
  if (arn === null) return null;
  const tail = arn.split(/[:/]/).pop();
  return tail === undefined || tail === '' ? null : tail;
}

function renderSubject({ tag, service, event, type, id, region }: SubjectParts): string {
  const target = id === null ? [] : ['on', type, id];
  return `${[tag, service, event, ...target].filter((word) => word !== '').join(' ')} (${region})`;
}

/** The length `text` should have to lose `excess` characters, but not below `floor`. */
function shorter(text: string, excess: number, floor: number): number {
  return Math.max(floor, text.length - excess);
}

function cutId(id: string | null, excess: number, floor: number): string | null {
  return id === null ? null : cutMiddle(id, shorter(id, excess, floor));
}

/** The plain-text email body: who, what, when, where, outcome, then links. */
export function formatEmail(
  alert: MediaPackageAlert,
  budget = DEFAULT_PARAMETER_BUDGET.email,
): string {
  const { actor, resource } = alert;
  const lines = [
    `${formatSubject(alert)}`,
    '',
    alert.category === 'self-protection'
      ? `${alert.outcome === 'failed' ? 'A FAILED attempt to change' : 'A change to'} a resource that feeds or delivers these alerts (${alert.resource.type} ${alert.resource.id ?? '-'}). Check that it was intended: it can silence MediaPackage alerts.`
      : `${alert.outcome === 'failed' ? 'A FAILED attempt to change' : 'A change to'} AWS Elemental ${alert.service} was recorded by CloudTrail.`,
    ...alert.notes.flatMap((note) => ['', `NOTE: ${note}`]),
    '',
    'WHO',
    `  ${actor.description}`,
    `  Principal ARN:   ${actor.arn ?? '-'}`,
    `  Identity type:   ${actor.identityType}${actor.kind === actor.identityType ? '' : ` (${actor.kind})`}, via ${actor.via}`,
    `  Account:         ${actor.accountId ?? '-'}`,
    `  Session issuer:  ${actor.sessionIssuerArn ?? '-'}`,
    `  MFA used:        ${mfaText(actor.mfaAuthenticated)}`,
    ...(actor.invokedBy === null ? [] : [`  Invoked by:      ${actor.invokedBy}`]),
    '',
    'WHAT',
    `  Event:           ${alert.eventName} (${alert.eventSource})`,
    `  Resource:        ${resource.type} ${resource.id ?? '-'}`,
    `  Resource ARN:    ${resource.arn ?? '-'}`,
    `  Severity:        ${alert.severity}`,
    ...(alert.changes === undefined
      ? []
      : [
          '',
          'WHAT CHANGED (secret-like values masked)',
          ...changeLines(alert.changes).map((line) => `  ${line}`),
        ]),
    '',
    'WHEN',
    `  Event time:      ${alert.eventTime ?? '-'}`,
    '',
    'WHERE',
    `  Region:          ${alert.awsRegion}`,
    `  Account:         ${alert.accountId ?? '-'}`,
    `  Source IP:       ${alert.sourceIPAddress ?? '-'}`,
    `  User agent:      ${alert.userAgent ?? '-'}`,
    '',
    'OUTCOME',
    alert.error === null
      ? '  Succeeded'
      : `  Failed: ${alert.error.code}${alert.error.message === null ? '' : ` - ${alert.error.message}`}`,
    '',
    'REQUEST PARAMETERS (secret-like values masked)',
    indent(renderParameters(alert, budget)),
    '',
    'LINKS',
    `  CloudTrail event: ${alert.links.cloudTrailEvent}`,
    `  ${alert.service} console: ${alert.links.console}`,
    '',
    `Event ID: ${alert.eventID}   Request ID: ${alert.requestID ?? '-'}`,
    `Detected: ${detectionText(alert)}`,
    ...(alert.logObject === null ? [] : [`Log file: ${logObjectName(alert)}`]),
  ];
  return lines.join('\n');
}

/**
 * An AWS Chatbot custom notification (rendered in Slack). Chatbot drops anything that is not
 * this shape, so every field it requires is always present. Values are escaped for Slack:
 * those that must stay exact (ARNs, ids, the error, the parameters) go in code spans, where
 * Slack applies no formatting, the others are escaped with look-alikes (`slackText`).
 */
export function formatChatbot(
  alert: MediaPackageAlert,
  budget = DEFAULT_PARAMETER_BUDGET.chatbot,
): string {
  const { actor, resource } = alert;
  const who = `${slackCode(actor.arn ?? actor.identityType)}${actor.sessionIssuerArn === null ? '' : ` (via ${slackCode(actor.sessionIssuerArn)})`}`;
  const outcome =
    alert.error === null
      ? 'succeeded'
      : `*FAILED* ${slackCode(alert.error.code)}${alert.error.message === null ? '' : ` ${slackCode(alert.error.message)}`}`;
  const description = [
    `*Who:* ${slackText(actor.description)}`,
    `*Principal:* ${who}, ${slackText(actor.identityType)}, MFA ${mfaText(actor.mfaAuthenticated)}`,
    `*What:* ${slackCode(alert.eventName)} on ${slackText(resource.type)} ${slackCode(resource.id ?? '-')}`,
    `*When:* ${slackText(alert.eventTime ?? '-')}`,
    `*Where:* ${slackText(alert.awsRegion)}, account ${slackText(alert.accountId ?? '-')}, from ${slackText(alert.sourceIPAddress ?? '-')}`,
    `*Outcome:* ${outcome}`,
    `*Detected:* ${slackText(detectionText(alert))}`,
    ...(alert.changes === undefined
      ? []
      : [`*Changed:* \`\`\`${slackCodeBody(changeLines(alert.changes).join('\n'))}\`\`\``]),
    ...alert.notes.map((note) => `*Note:* ${slackText(note)}`),
    `*Parameters:* \`\`\`${slackCodeBody(renderParameters(alert, budget))}\`\`\``,
  ].join('\n');
  const summary = slackText(formatSubject(alert));
  const notification = {
    version: '1.0',
    source: 'custom',
    id: alert.eventID,
    content: {
      textType: 'client-markdown',
      title: `${severityIcon(alert)} ${summary}`,
      description: cut(description, CHATBOT_DESCRIPTION_MAX_CHARS),
      nextSteps: [
        `<${slackEscape(alert.links.cloudTrailEvent)}|Open the event in CloudTrail>`,
        `<${slackEscape(alert.links.console)}|Open the ${slackText(alert.service)} console>`,
      ],
      keywords: [alert.severity, alert.eventName, alert.awsRegion, alert.outcome].map(slackText),
    },
    metadata: {
      threadId: threadIdOf(alert),
      summary,
      eventType: slackText(alert.eventName),
      relatedResources:
        resource.arn !== null && isPlainArn(resource.arn) ? [resource.arn] : ([] as string[]),
      additionalContext: {
        eventID: alert.eventID,
        severity: alert.severity,
        outcome: alert.outcome,
        detection: alert.detection.path,
      },
    },
  };
  return JSON.stringify(notification);
}

/** Slack's documented escaping: `&`, `<`, `>` start entities, links and mentions. */
function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text inside a code span or block: escaped, with a look-alike for any backtick (ˋ). */
function slackCodeBody(value: string): string {
  return slackEscape(value).replace(/`/g, '\u02cb');
}

/** A value as an inline code span, on one line. */
function slackCode(value: string): string {
  return `\`${slackCodeBody(value.replace(/[\r\n]+/g, ' '))}\``;
}

/**
 * A value in running text: escaped, with look-alikes for the characters that format it
 * (`*bold*`, `_italic_`, `~strike~`, `` `code` ``). Used for values that hold none of them
 * normally (Region, time, address, identity type), so nothing real is altered, and for the
 * caller's description, whose names may (`AWSReservedSSO_...`): their exact text follows in
 * the principal's code span.
 */
function slackText(value: string): string {
  return slackEscape(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, '\u02cb')
    .replace(/\*/g, '\u2217')
    .replace(/_/g, '\u02cd')
    .replace(/~/g, '\u223c');
}

const THREAD_ID_MAX_CHARS = 128;

/**
 * One Slack (or Teams) thread per resource: a readable start and a digest of the resource's
 * identity, so the same resource always gets the same thread and two resources never share one
 * (ids that differ only in characters the thread id cannot hold, the same id in two Regions,
 * accounts or services, ids too long to keep whole). The identity is resourceIdentity's; the
 * event name when the record names no resource.
 */
export function threadIdOf(alert: MediaPackageAlert): string {
  const { resource } = alert;
  const identity = resourceIdentity(alert) ?? [
    'event',
    alert.accountId ?? '',
    alert.awsRegion,
    alert.service,
    alert.eventName,
  ];
  const digest = jsonDigest(identity).slice(0, 16);
  const label = `${resource.type} ${resource.id ?? alert.eventName}`
    .replace(/[^A-Za-z0-9._:/-]+/g, '-')
    .slice(0, THREAD_ID_MAX_CHARS - 'mediapackage--'.length - digest.length);
  return `mediapackage-${label}-${digest}`;
}

/** The alert as JSON for machines (SQS, Lambda and other subscribers). */
export function formatJson(
  alert: MediaPackageAlert,
  budget = DEFAULT_PARAMETER_BUDGET.json,
): string {
  const rendered = JSON.stringify(alert.requestParameters);
  if (rendered === undefined || rendered.length <= budget) {
    return JSON.stringify(alert);
  }
  return JSON.stringify({
    ...alert,
    requestParameters: {
      truncated: true,
      note: `request parameters cut to ${budget} of ${rendered.length} characters; see the CloudTrail event`,
      preview: rendered.slice(0, budget),
    },
  });
}

/** The masked request parameters as indented JSON, cut to the budget with a note. */
export function renderParameters(alert: MediaPackageAlert, budget: number): string {
  const rendered = JSON.stringify(alert.requestParameters, null, 2) ?? 'null';
  if (rendered.length <= budget) {
    return rendered;
  }
  return `${rendered.slice(0, Math.max(0, budget))}\n... [cut: ${budget} of ${rendered.length} characters shown; full event: ${alert.links.cloudTrailEvent}]`;
}

/**
 * `s3://bucket/key` for S3 objects; the path alone for local files (empty bucket); `EventBridge`
 * for an event found there (no log file yet).
 */
export function logObjectName(alert: MediaPackageAlert): string {
  if (alert.logObject === null) return 'EventBridge';
  const { bucket, key } = alert.logObject;
  return bucket === '' ? key : `s3://${bucket}/${key}`;
}

/** `via EventBridge, 8 s after the call`, or `from the CloudTrail log file, 5 min 12 s after the call`. */
export function detectionText(alert: MediaPackageAlert): string {
  const how =
    alert.detection.path === 'eventbridge' ? 'via EventBridge' : 'from the CloudTrail log file';
  const delay = alert.detection.delaySeconds;
  return delay === null ? how : `${how}, ${durationText(delay)} after the call`;
}

/** `8 s`, `5 min 12 s`, `3 h 2 min`, `2 d 4 h`: the two largest units. */
export function durationText(seconds: number): string {
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (parts.length === 0 && size === 1)) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
    if (parts.length === 1 && count === 0) break;
  }
  return parts.join(' ');
}

function severityIcon(alert: MediaPackageAlert): string {
  if (alert.severity === 'high') return ':rotating_light:';
  if (alert.severity === 'medium') return ':warning:';
  if (alert.severity === 'low') return ':information_source:';
  return ':speech_balloon:';
}

function mfaText(mfa: boolean | null): string {
  if (mfa === null) return 'unknown';
  return mfa ? 'yes' : 'no';
}

function indent(block: string): string {
  return block
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** Printable ASCII on one line: SNS subjects allow nothing else. */
function asciiLine(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * `value` cut to `max` characters by its middle (`live-channel-e...-primary-1`): the start
 * (a name's stem) and the end (the part that tells siblings apart) both stay.
 */
function cutMiddle(value: string, max: number): string {
  if (value.length <= max) return value;
  const keep = Math.max(0, max - 3);
  const end = Math.min(keep, Math.max(MIDDLE_CUT_MIN_END_CHARS, Math.floor(keep * 0.4)));
  return `${value.slice(0, keep - end)}...${value.slice(value.length - end)}`;
}

/** `value` cut to `max` characters, ending in `...` when cut. */
function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, Math.max(0, max - 3))}...`;
}

/** `[STORM] 143 more TagResource calls by role Deployer in the last 5 minutes`, cut to fit. */
export function formatDigestSubject(digest: StormDigest, maxChars = SUBJECT_MAX_CHARS): string {
  return cut(
    asciiLine(`[STORM ${digest.severity.toUpperCase()}] ${digestHeadline(digest)}`),
    maxChars,
  );
}

/** The digest as email text: what happened, when, on what, and where to look. */
export function formatDigestEmail(digest: StormDigest): string {
  return [
    formatDigestSubject(digest),
    '',
    `${digestHeadline(digest)}.`,
    `You got the first ${digest.delivered} of them one by one; the rest are summed up here so a pipeline run or a script cannot flood this inbox. Machine subscribers received every event.`,
    '',
    'WHO',
    `  ${digest.callerLabel}`,
    '',
    'WHAT',
    `  Event:           ${digest.eventName} (${digest.eventSource})`,
    `  Calls summed up: ${digest.collapsedAtLeast ? 'at least ' : ''}${digest.collapsed}${digest.failed > 0 ? ` (${digest.failed} FAILED)` : ''}`,
    `  Loudest:         ${digest.severity}`,
    '',
    'WHEN',
    `  First call:      ${digest.firstEventTime ?? '-'}`,
    `  Last call:       ${digest.lastEventTime ?? '-'}`,
    `  Window:          ${digest.windowStart} to ${digest.windowEnd}`,
    '',
    'WHERE',
    `  Account:         ${digest.accountId ?? '-'}`,
    `  Regions:         ${digest.regions.join(', ') || '-'}`,
    '',
    `RESOURCES (${digest.resources.length + digest.moreResources})`,
    ...digest.resources.map((resource) => `  ${resource}`),
    ...(digest.moreResources > 0 ? [`  ... and ${digest.moreResources} more`] : []),
    '',
    'CLOUDTRAIL EVENTS',
    ...digest.links.map((link) => `  ${link}`),
    ...(digest.collapsed > digest.links.length
      ? [
          `  ... and ${digest.collapsed - digest.links.length} more: search CloudTrail Event history for ${digest.eventName}`,
        ]
      : []),
    '',
    `Digest ID: ${digest.digestID}`,
  ].join('\n');
}

/** The digest as an AWS Chatbot custom notification, in the storm's own thread. */
export function formatDigestChatbot(digest: StormDigest): string {
  const headline = slackText(digestHeadline(digest));
  const description = [
    `*Who:* ${slackText(digest.callerLabel)}`,
    `*What:* ${slackCode(digest.eventName)} x ${digest.collapsedAtLeast ? 'at least ' : ''}${digest.collapsed}${digest.failed > 0 ? `, *${digest.failed} FAILED*` : ''}`,
    `*When:* ${slackText(digest.firstEventTime ?? '-')} to ${slackText(digest.lastEventTime ?? '-')}`,
    `*Where:* account ${slackText(digest.accountId ?? '-')}, ${slackText(digest.regions.join(', ') || '-')}`,
    `*Resources:* ${digest.resources.map(slackCode).join(', ')}${digest.moreResources > 0 ? ` and ${digest.moreResources} more` : ''}`,
    `_The first ${digest.delivered} were posted one by one; every event still reached machine subscribers._`,
  ].join('\n');
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    id: digest.digestID,
    content: {
      textType: 'client-markdown',
      title: `:cyclone: ${headline}`,
      description: cut(description, CHATBOT_DESCRIPTION_MAX_CHARS),
      nextSteps: digest.links
        .slice(0, 3)
        .map((link, index) => `<${slackEscape(link)}|CloudTrail event ${index + 1}>`),
      keywords: [digest.severity, digest.eventName, 'storm'].map(slackText),
    },
    metadata: {
      threadId: stormThreadIdOf(digest),
      summary: headline,
      eventType: slackText(digest.eventName),
      relatedResources: [] as string[],
      additionalContext: { digestID: digest.digestID, collapsed: String(digest.collapsed) },
    },
  });
}

/** One thread per storm (caller and event name), apart from the resources' own threads. */
export function stormThreadIdOf(digest: StormDigest): string {
  const digestPart = jsonDigest([
    digest.accountId ?? '',
    digest.callerLabel,
    digest.eventName,
  ]).slice(0, 16);
  const label = `${digest.eventName}-${digest.callerLabel}`
    .replace(/[^A-Za-z0-9._:/-]+/g, '-')
    .slice(0, THREAD_ID_MAX_CHARS - 'mediapackage-storm--'.length - digestPart.length);
  return `mediapackage-storm-${label}-${digestPart}`;
}
