import type { MediaPackageAlert } from './alert';

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

/** e.g. `[HIGH] MediaPackage RotateIngestEndpointCredentials on channel live-1 (us-west-2)`. */
export function formatSubject(alert: MediaPackageAlert): string {
  const pipeline = alert.category === 'self-protection' ? ' Audit pipeline:' : '';
  const head = `[${alert.severity.toUpperCase()}]${alert.outcome === 'failed' ? ' FAILED' : ''}${pipeline} ${alert.service} ${alert.eventName}`;
  const region = ` (${alert.awsRegion})`;
  const target =
    alert.resource.id === null ? '' : ` on ${alert.resource.type} ${alert.resource.id}`;
  const room = SUBJECT_MAX_CHARS - head.length - region.length;
  const fitted = target.length <= room ? target : `${target.slice(0, Math.max(0, room - 3))}...`;
  return asciiLine(`${head}${room > 3 ? fitted : ''}${region}`).slice(0, SUBJECT_MAX_CHARS);
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
    '',
    'WHO',
    `  Identity type:   ${actor.identityType}`,
    `  Principal ARN:   ${actor.arn ?? '-'}`,
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
    `Log file: ${logObjectName(alert)}`,
  ];
  return lines.join('\n');
}

/**
 * An AWS Chatbot custom notification (rendered in Slack). Chatbot drops anything that is not
 * this shape, so every field it requires is always present.
 */
export function formatChatbot(
  alert: MediaPackageAlert,
  budget = DEFAULT_PARAMETER_BUDGET.chatbot,
): string {
  const { actor, resource } = alert;
  const who = `${actor.arn ?? actor.identityType}${actor.sessionIssuerArn === null ? '' : ` (via ${actor.sessionIssuerArn})`}`;
  const outcome =
    alert.error === null
      ? 'succeeded'
      : `*FAILED* \`${alert.error.code}\`${alert.error.message === null ? '' : ` ${alert.error.message}`}`;
  const description = [
    `*Who:* ${who}, ${actor.identityType}, MFA ${mfaText(actor.mfaAuthenticated)}`,
    `*What:* \`${alert.eventName}\` on ${resource.type} \`${resource.id ?? '-'}\``,
    `*When:* ${alert.eventTime ?? '-'}`,
    `*Where:* ${alert.awsRegion}, account ${alert.accountId ?? '-'}, from ${alert.sourceIPAddress ?? '-'}`,
    `*Outcome:* ${outcome}`,
    `*Parameters:* \`\`\`${renderParameters(alert, budget)}\`\`\``,
  ].join('\n');
  const notification = {
    version: '1.0',
    source: 'custom',
    id: alert.eventID,
    content: {
      textType: 'client-markdown',
      title: `${severityIcon(alert)} ${formatSubject(alert)}`,
      description: clip(description, CHATBOT_DESCRIPTION_MAX_CHARS),
      nextSteps: [
        `<${alert.links.cloudTrailEvent}|Open the event in CloudTrail>`,
        `<${alert.links.console}|Open the ${alert.service} console>`,
      ],
      keywords: [alert.severity, alert.eventName, alert.awsRegion, alert.outcome],
    },
    metadata: {
      threadId: `mediapackage-${resource.id ?? alert.eventName}`,
      summary: formatSubject(alert),
      eventType: alert.eventName,
      relatedResources: resource.arn === null ? [] : [resource.arn],
      additionalContext: {
        eventID: alert.eventID,
        severity: alert.severity,
        outcome: alert.outcome,
      },
    },
  };
  return JSON.stringify(notification);
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

/** `s3://bucket/key` for S3 objects; the path alone for local files (empty bucket). */
export function logObjectName(alert: MediaPackageAlert): string {
  const { bucket, key } = alert.logObject;
  return bucket === '' ? key : `s3://${bucket}/${key}`;
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

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 3)}...`;
}

/** Printable ASCII on one line: SNS subjects allow nothing else. */
function asciiLine(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}
