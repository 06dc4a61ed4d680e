/**
 * `mp-audit test-alert`: publishes one clearly marked test alert through the deployed alert
 * topic, so email and Slack subscriptions can be checked after `cdk deploy`. The alert is built
 * and rendered by the function's own code (lambda/alert), so it looks like a real one.
 */
import { randomUUID } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SNSClient, Subscription } from '@aws-sdk/client-sns';
import type { MediaPackageAlert } from '../lambda/alert/alert';
import { buildAlert } from '../lambda/alert/alert';
import { SUBJECT_MAX_CHARS, formatSubject } from '../lambda/alert/alert-formats';
import { redactText } from '../lambda/alert/redact';
import type { AlertMessage, ProtocolMessages } from '../lambda/alert/sns-message';
import { buildAlertMessage } from '../lambda/alert/sns-message';
import type { Severity } from '../lambda/match/rules-schema';

// For main.ts, which checks --severity without loading the rules module itself.
export { SEVERITIES } from '../lambda/match/rules-schema';
import type { CommandIo } from './io';

/** Options of `mp-audit test-alert`. */
export interface TestAlertOptions {
  /** The alert topic; when absent it is read from the stack's outputs. */
  readonly topicArn?: string;
  /** @default DEFAULT_STACK_NAME */
  readonly stackName?: string;
  /** Region of the stack to read the topic from. @default the SDK's (AWS_REGION, profile) */
  readonly region?: string;
  /**
   * Severity of the test alert: subscribers limited to other severities do not get it.
   * @default TEST_ALERT_DEFAULT_SEVERITY
   */
  readonly severity?: Severity;
}

/** The clients the command uses; tests pass stubs. Created for the Region when absent. */
export interface TestAlertClients {
  readonly sns?: SNSClient;
  readonly cloudFormation?: CloudFormationClient;
}

/** The stack name bin/app.ts deploys. */
export const DEFAULT_STACK_NAME = 'MediaPackageAuditAlerts';

/** The stack output holding the alert topic (lib/mediapackage-audit-stack.ts). */
export const ALERT_TOPIC_OUTPUT = 'AlertTopicArn';

/**
 * `low` reaches everyone who gets every alert (alertEmails, Slack) without paging the
 * `pagerEmails`, which get only `high`; `--severity high` checks those too.
 */
export const TEST_ALERT_DEFAULT_SEVERITY: Severity = 'low';

/** The message attribute that marks a test alert, for subscribers that filter tests out. */
export const TEST_ALERT_ATTRIBUTE = 'test';

/** The note every format of the test alert carries. */
export const TEST_ALERT_NOTE =
  'TEST ALERT sent by `mp-audit test-alert` to check delivery: no MediaPackage change happened and nothing needs doing.';

const TEST_PREFIX = '[TEST] ';

/** An SNS topic ARN: `arn:<partition>:sns:<region>:<account>:<name>`. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}$/;

/** Thrown for a problem the user can fix with the arguments or by deploying. */
class TestAlertProblem extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TestAlertProblem';
  }
}

/**
 * The test alert: an `UpdateChannel` on MediaPackage v2 in the topic's account and Region,
 * marked in its notes; it goes through the same alert builder and redaction as real ones.
 */
export function testAlert(
  topicArn: string,
  severity: Severity,
  now: Date = new Date(),
): MediaPackageAlert {
  const [, region = 'unknown-region', account = '000000000000'] = TOPIC_ARN.exec(topicArn) ?? [];
  const alert = buildAlert(
    {
      record: {
        eventVersion: '1.11',
        eventID: `mp-audit-test-${randomUUID()}`,
        eventTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource: 'mediapackagev2.amazonaws.com',
        eventName: 'UpdateChannel',
        awsRegion: region,
        recipientAccountId: account,
        userAgent: 'mp-audit test-alert',
        userIdentity: {
          type: 'IAMUser',
          arn: `arn:aws:iam::${account}:user/mp-audit-test-alert`,
          accountId: account,
          userName: 'mp-audit-test-alert',
        },
        requestParameters: {
          ChannelGroupName: 'mp-audit-test',
          ChannelName: 'test-alert',
          Description: 'Delivery check: not a real change',
        },
        responseElements: null,
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
        eventCategory: 'Management',
      },
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'UpdateChannel',
      severity,
      outcome: 'success',
      category: 'watched',
    },
    { bucket: '', key: 'mp-audit-test-alert' },
  );
  return { ...alert, notes: [TEST_ALERT_NOTE, ...alert.notes] };
}

/**
 * The alert's SNS message, marked as a test in what each subscriber sees first: the subject
 * (the email's subject line), the email's first line, the Slack title, and an attribute.
 */
export function testAlertMessage(alert: MediaPackageAlert): AlertMessage {
  const message = buildAlertMessage(alert);
  const protocols = JSON.parse(message.message) as ProtocolMessages;
  const chatbot = JSON.parse(protocols.https) as {
    content: { title: string };
    metadata?: { summary?: string };
  };
  chatbot.content.title = `${TEST_PREFIX}${chatbot.content.title}`;
  if (chatbot.metadata?.summary !== undefined) {
    chatbot.metadata.summary = `${TEST_PREFIX}${chatbot.metadata.summary}`;
  }
  const marked: ProtocolMessages = {
    ...protocols,
    email: `${TEST_ALERT_NOTE}\n\n${protocols.email}`,
    https: JSON.stringify(chatbot),
  };
  return {
    ...message,
    // Room for the prefix: the subject rule cuts the middle of long names, never the Region.
    subject: `${TEST_PREFIX}${formatSubject(alert, SUBJECT_MAX_CHARS - TEST_PREFIX.length)}`,
    message: JSON.stringify(marked),
    attributes: {
      ...message.attributes,
      [TEST_ALERT_ATTRIBUTE]: { DataType: 'String', StringValue: 'true' },
    },
  };
}

/** Publishes the test alert; returns the exit code. */
export async function runTestAlert(
  options: TestAlertOptions,
  io: CommandIo,
  clients: TestAlertClients = {},
): Promise<number> {
  const severity = options.severity ?? TEST_ALERT_DEFAULT_SEVERITY;
  try {
    const topicArn = options.topicArn ?? (await topicFromStack(options, clients));
    const match = TOPIC_ARN.exec(topicArn);
    if (match === null) {
      throw new TestAlertProblem(`not an SNS topic ARN: ${topicArn}`);
    }
    // A topic is published to in its own Region, whatever the stack lookup used.
    const [, topicRegion = ''] = match;
    const sns = clients.sns ?? (await snsClient(topicRegion));
    const alert = testAlert(topicArn, severity);
    const message = testAlertMessage(alert);
    const { PublishCommand } = await import('@aws-sdk/client-sns');
    const published = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        Message: message.message,
        MessageStructure: 'json',
        MessageAttributes: message.attributes,
      }),
    );
    io.out(`Published a ${severity} test alert to ${topicArn}`);
    io.out(`  subject:    ${message.subject}`);
    io.out(`  event ID:   ${alert.eventID}   SNS message ID: ${published.MessageId ?? '-'}`);
    for (const line of await subscriptionReport(sns, topicArn, severity)) io.out(line);
    return 0;
  } catch (error) {
    if (!(error instanceof TestAlertProblem)) throw error;
    io.err(`mp-audit test-alert: ${error.message}`);
    return 1;
  }
}

/** Loaded when used: `mp-audit --help` loads no SDK. */
async function snsClient(region: string): Promise<SNSClient> {
  const { SNSClient } = await import('@aws-sdk/client-sns');
  return new SNSClient({ region });
}

/** The alert topic from the stack's outputs. */
async function topicFromStack(
  options: TestAlertOptions,
  clients: TestAlertClients,
): Promise<string> {
  const stackName = options.stackName ?? DEFAULT_STACK_NAME;
  const { CloudFormationClient, DescribeStacksCommand } =
    await import('@aws-sdk/client-cloudformation');
  const cloudFormation =
    clients.cloudFormation ??
    new CloudFormationClient(options.region === undefined ? {} : { region: options.region });
  let outputs;
  try {
    const described = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    // CloudFormation answers a missing stack with a generic ValidationError.
    if ((error as Error).name === 'ValidationError' && /does not exist/.test(String(error))) {
      throw new TestAlertProblem(
        `stack ${stackName} not found${options.region === undefined ? '' : ` in ${options.region}`}: deploy it (npx cdk deploy), name it with --stack-name or its Region with --region, or pass --topic-arn`,
      );
    }
    throw error;
  }
  const topicArn = outputs.find((output) => output.OutputKey === ALERT_TOPIC_OUTPUT)?.OutputValue;
  if (topicArn === undefined) {
    throw new TestAlertProblem(
      `stack ${stackName} has no ${ALERT_TOPIC_OUTPUT} output: is it this project's stack? Pass --topic-arn`,
    );
  }
  return topicArn;
}

/**
 * Who should receive the alert, so a missing email can be told from a pending confirmation.
 * Best effort: without `sns:ListSubscriptionsByTopic` it says so and nothing fails.
 */
async function subscriptionReport(
  sns: SNSClient,
  topicArn: string,
  severity: Severity,
): Promise<string[]> {
  const { ListSubscriptionsByTopicCommand, GetSubscriptionAttributesCommand } =
    await import('@aws-sdk/client-sns');
  const subscriptions: Subscription[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }),
      );
      subscriptions.push(...(page.Subscriptions ?? []));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
  } catch (error) {
    return [`  (could not list the topic's subscriptions: ${(error as Error).name})`];
  }
  if (subscriptions.length === 0) {
    return ['  No one is subscribed to the topic: add alertEmails or Slack and deploy again.'];
  }
  const lines = ['  Subscribers:'];
  for (const subscription of subscriptions) {
    // An HTTPS endpoint may hold a token in its URL: it leaves through redaction like the rest.
    const endpoint = redactText(`${subscription.Protocol ?? '?'} ${subscription.Endpoint ?? '?'}`);
    if (subscription.SubscriptionArn === 'PendingConfirmation') {
      lines.push(
        `    ${endpoint}: not confirmed yet, gets nothing until the link sent to it is opened`,
      );
      continue;
    }
    let filter: string | undefined;
    try {
      const attributes = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
      );
      filter = attributes.Attributes?.FilterPolicy;
    } catch {
      filter = undefined;
    }
    lines.push(`    ${endpoint}: ${receivesText(filter, severity)}`);
  }
  return lines;
}

/** Whether a subscription's filter policy lets an alert of this severity through. */
export function receivesText(filterPolicy: string | undefined, severity: Severity): string {
  if (filterPolicy === undefined || filterPolicy === '') return 'should receive it';
  let allowed: unknown;
  try {
    allowed = (JSON.parse(filterPolicy) as Record<string, unknown>).severity;
  } catch {
    return `filter policy ${filterPolicy}`;
  }
  if (!Array.isArray(allowed)) return `filter policy ${filterPolicy}`;
  return allowed.includes(severity)
    ? 'should receive it'
    : `only gets ${allowed.join(', ')} alerts: not this one (use --severity ${String(allowed[0])})`;
}
