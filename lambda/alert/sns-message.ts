import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { MediaPackageAlert } from './alert';
import type { ParameterBudget } from './alert-formats';
import {
  DEFAULT_PARAMETER_BUDGET,
  formatChatbot,
  formatEmail,
  formatJson,
  formatSubject,
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

/**
 * Builds the SNS message for an alert: `email` gets the readable text, `https` (AWS Chatbot)
 * the custom-notification JSON, `sqs`, `lambda` and `default` the alert JSON. When the
 * request parameters would push it over SNS's size limit they are cut, never the alert.
 */
export function buildAlertMessage(alert: MediaPackageAlert): AlertMessage {
  let budget: ParameterBudget = DEFAULT_PARAMETER_BUDGET;
  for (;;) {
    const message = render(alert, budget);
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

function render(alert: MediaPackageAlert, budget: ParameterBudget): AlertMessage {
  const json = formatJson(alert, budget.json);
  const protocols: ProtocolMessages = {
    default: json,
    email: formatEmail(alert, budget.email),
    https: formatChatbot(alert, budget.chatbot),
    sqs: json,
    lambda: json,
  };
  const message = JSON.stringify(protocols);
  const attributes = alertAttributes(alert);
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
  return {
    eventID: alert.eventID,
    subject: formatSubject(alert),
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
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );
}
