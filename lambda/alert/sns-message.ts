import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { MessageKind } from '../contract';
import { MESSAGE_ATTRIBUTES, STORM_COLLAPSED } from '../contract';
import type { MediaPackageAlert } from './alert';
import type { StormDigest } from './storm';
import type { ParameterBudget } from './alert-formats';
import {
  DEFAULT_PARAMETER_BUDGET,
  formatChatbot,
  formatDigestChatbot,
  formatDigestEmail,
  formatDigestSubject,
  formatEmail,
  formatJson,
  formatThreadSubject,
  threadIdOf,
} from './alert-formats';

/** SNS takes at most 256 KiB a message, attributes included. Keep a margin for the envelope. */
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;
const SAFETY_MARGIN_BYTES = 2 * 1024;

/** One alert as SNS wants it: a per-protocol message structure and filterable attributes. */
export interface AlertMessage {
  readonly eventID: string;
  readonly subject: string;
  /** The `MessageStructure: json` document: one string per protocol, `default` required. */
  readonly message: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** Bytes SNS counts for this message: body plus attribute names and values. */
  readonly sizeBytes: number;
}

/** The protocol keys of the message structure, and what each subscriber receives. */
export interface ProtocolMessages {
  readonly default: string;
  readonly email: string;
  readonly https: string;
  readonly sqs: string;
  readonly lambda: string;
}

/** What an event's message is for, beyond the alert itself. */
export interface AlertMessageOptions {
  /**
   * `event` (the default) for a change; `canary` for the canary's own write, which proves the
   * chain and must reach no person.
   */
  readonly kind?: Extract<MessageKind, 'event' | 'canary'>;
  /** A storm collapsed it into its window's digest: machines get it, people do not. */
  readonly collapsed?: boolean;
}

/**
 * Builds the SNS message for an alert: `email` gets the readable text, `https` (AWS Chatbot)
 * the custom-notification JSON, `sqs`, `lambda` and `default` the alert JSON. When the
 * request parameters would push it over SNS's size limit they are cut, never the alert.
 *
 * A message no person should see (collapsed by a storm, or the canary's) carries attributes
 * people's subscriptions filter out; and its `https` text is the alert JSON (with the thread),
 * which Chatbot does not post (it posts only custom notifications), because Chatbot subscribes
 * itself to the topic and its subscription takes no filter policy.
 */
export function buildAlertMessage(
  alert: MediaPackageAlert,
  options: AlertMessageOptions = {},
): AlertMessage {
  let budget: ParameterBudget = DEFAULT_PARAMETER_BUDGET;
  for (;;) {
    const message = render(alert, budget, options);
    if (message.sizeBytes <= SNS_MESSAGE_MAX_BYTES - SAFETY_MARGIN_BYTES || budget.json === 0) {
      return message;
    }
    budget = {
      email: Math.floor(budget.email / 4),
      chatbot: Math.floor(budget.chatbot / 4),
      json: Math.floor(budget.json / 4),
    };
  }
}

function render(
  alert: MediaPackageAlert,
  budget: ParameterBudget,
  options: AlertMessageOptions,
): AlertMessage {
  const json = formatJson(alert, budget.json);
  const forPeople = options.kind !== 'canary' && options.collapsed !== true;
  const protocols: ProtocolMessages = {
    default: json,
    email: formatEmail(alert, budget.email),
    https: forPeople ? formatChatbot(alert, budget.chatbot) : withThread(alert, json),
    sqs: json,
    lambda: json,
  };
  const attributes = {
    ...alertAttributes(alert),
    ...kindAttributes(options.kind ?? 'event', options.collapsed === true),
  };
  return sized(alert.eventID, formatThreadSubject(alert), JSON.stringify(protocols), attributes);
}

/**
 * The `https` text of a message for machines only: the alert JSON with the Chatbot thread in
 * `metadata.threadId` (so an HTTPS consumer can group it like Slack does), and no `version` or
 * `source`, so it is not a custom notification and Chatbot does not post it.
 */
function withThread(alert: MediaPackageAlert, json: string): string {
  return `{"metadata":${JSON.stringify({ threadId: threadIdOf(alert) })},${json.slice(1)}`;
}

/** The attributes that tell people's messages from machines' only (see contract.ts). */
function kindAttributes(
  kind: MessageKind,
  collapsed: boolean,
): Record<string, MessageAttributeValue> {
  return stringAttributes({
    [MESSAGE_ATTRIBUTES.kind]: kind,
    ...(collapsed ? { [MESSAGE_ATTRIBUTES.storm]: STORM_COLLAPSED } : {}),
  });
}

/**
 * The SNS message of a storm digest: for people (email, Chatbot in the storm's thread) and for
 * machines (the digest JSON), with `kind` = `digest` and the loudest collapsed alert's severity,
 * so severity-filtered subscribers get the digests of the storms they would have been paged for.
 */
export function buildDigestMessage(digest: StormDigest): AlertMessage {
  const json = JSON.stringify(digest);
  const protocols: ProtocolMessages = {
    default: json,
    email: formatDigestEmail(digest),
    https: formatDigestChatbot(digest),
    sqs: json,
    lambda: json,
  };
  const values: Record<string, string> = {
    severity: digest.severity,
    eventName: digest.eventName,
    eventSource: digest.eventSource,
    accountId: digest.accountId ?? 'unknown',
    [MESSAGE_ATTRIBUTES.kind]: 'digest',
  };
  return sized(
    digest.digestID,
    formatDigestSubject(digest),
    JSON.stringify(protocols),
    stringAttributes(values),
  );
}

function sized(
  eventID: string,
  subject: string,
  message: string,
  attributes: Record<string, MessageAttributeValue>,
): AlertMessage {
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
  return {
    eventID,
    subject,
    message,
    attributes,
    sizeBytes: Buffer.byteLength(message) + attributeBytes,
  };
}

/** Attributes subscribers can filter on (SNS filter policies), e.g. `severity: ["high"]`. */
export function alertAttributes(alert: MediaPackageAlert): Record<string, MessageAttributeValue> {
  const values: Record<string, string> = {
    severity: alert.severity,
    outcome: alert.outcome,
    eventName: alert.eventName,
    eventSource: alert.eventSource,
    awsRegion: alert.awsRegion,
    accountId: alert.accountId ?? 'unknown',
    // `eventbridge` or `log-file`: a subscriber may want only the fast path's alerts.
    detection: alert.detection.path,
  };
  return stringAttributes(values);
}

/** SNS message attributes of type String, one per value. */
function stringAttributes(values: Record<string, string>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );
}
