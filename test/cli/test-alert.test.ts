import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProtocolMessages } from '../../lambda/alert/sns-message';
import {
  ALERT_TOPIC_OUTPUT,
  DEFAULT_STACK_NAME,
  TEST_ALERT_NOTE,
  receivesText,
  runTestAlert,
} from '../../cli/test-alert';
import { TOPIC_ARN } from '../support/aws-doubles';
import { captureIo } from '../support/captured-io';

const sns = mockClient(SNSClient);
const cloudFormation = mockClient(CloudFormationClient);
const clients = {
  sns: new SNSClient({ region: 'us-west-2' }),
  cloudFormation: new CloudFormationClient({ region: 'us-west-2' }),
};

interface ChatbotNotification {
  version: string;
  source: string;
  content: { title: string; description: string };
}

/** The one Publish call and what each protocol receives. */
function published(): { input: PublishCommandInput; protocols: ProtocolMessages } {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]?.args[0].input as PublishCommandInput;
  return { input, protocols: JSON.parse(input.Message ?? '{}') as ProtocolMessages };
}

beforeEach(() => {
  sns.reset();
  cloudFormation.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
});

describe('Command: mp-audit test-alert', () => {
  it('publishes one test alert to the topic given, marked as a test in every format', async () => {
    // Prepare
    const io = captureIo();
    // Act
    const code = await runTestAlert({ topicArn: TOPIC_ARN }, io, clients);
    // Assess
    expect(code).toBe(0);
    const { input, protocols } = published();
    expect(input.TopicArn).toBe(TOPIC_ARN);
    expect(input.MessageStructure).toBe('json');
    expect(input.Subject).toMatch(/^\[TEST\] \[LOW\] /);
    expect(input.Subject?.length).toBeLessThan(100);
    expect(input.MessageAttributes?.test?.StringValue).toBe('true');
    expect(input.MessageAttributes?.severity?.StringValue).toBe('low');
    // Email: the note first, then the alert as a real one reads.
    expect(protocols.email.startsWith(`${TEST_ALERT_NOTE}\n\n[LOW]`)).toBe(true);
    expect(protocols.email).toContain('UpdateChannel');
    // Slack (Chatbot custom notification): a valid notification with a marked title.
    const chatbot = JSON.parse(protocols.https) as ChatbotNotification;
    expect(chatbot).toMatchObject({ version: '1.0', source: 'custom' });
    expect(chatbot.content.title).toMatch(/^\[TEST\] /);
    expect(chatbot.content.description).toContain('mp-audit test-alert');
    // Machines: the alert JSON carries the note; the topic's Region and account are used.
    for (const json of [protocols.default, protocols.sqs, protocols.lambda]) {
      const alert = JSON.parse(json) as { notes: string[]; awsRegion: string; accountId: string };
      expect(alert.notes[0]).toBe(TEST_ALERT_NOTE);
      expect([alert.awsRegion, alert.accountId]).toEqual(TOPIC_ARN.split(':').slice(3, 5));
    }
    expect(io.stdout[0]).toBe(`Published a low test alert to ${TOPIC_ARN}`);
    expect(io.stdout.join('\n')).toContain('message-1');
    expect(io.stderr).toEqual([]);
  });

  it('publishes at the severity asked for', async () => {
    // Act
    await runTestAlert({ topicArn: TOPIC_ARN, severity: 'high' }, captureIo(), clients);
    // Assess
    const { input } = published();
    expect(input.Subject).toMatch(/^\[TEST\] \[HIGH\] /);
    expect(input.MessageAttributes?.severity?.StringValue).toBe('high');
  });

  it('reads the topic from the stack outputs when no --topic-arn is given', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: DEFAULT_STACK_NAME }).resolves({
      Stacks: [
        {
          StackName: DEFAULT_STACK_NAME,
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'LogBucketName', OutputValue: 'logs' },
            { OutputKey: ALERT_TOPIC_OUTPUT, OutputValue: TOPIC_ARN },
          ],
        },
      ],
    });
    // Act
    const code = await runTestAlert({}, captureIo(), clients);
    // Assess
    expect(code).toBe(0);
    expect(published().input.TopicArn).toBe(TOPIC_ARN);
  });

  it('says plainly when the stack is not deployed, and publishes nothing', async () => {
    // Prepare
    const missing = Object.assign(new Error('Stack with id Other does not exist'), {
      name: 'ValidationError',
    });
    cloudFormation.on(DescribeStacksCommand).rejects(missing);
    const io = captureIo();
    // Act
    const code = await runTestAlert({ stackName: 'Other', region: 'eu-west-1' }, io, clients);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      'mp-audit test-alert: stack Other not found in eu-west-1: deploy it (npx cdk deploy), name it with --stack-name or its Region with --region, or pass --topic-arn',
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('refuses a topic ARN that is not one', async () => {
    // Prepare
    const io = captureIo();
    // Act
    const code = await runTestAlert({ topicArn: 'arn:aws:sqs:us-east-1:1:q' }, io, clients);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr[0]).toMatch(/not an SNS topic ARN: arn:aws:sqs/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('lists who should receive it: pending confirmations, severity filters, endpoints redacted', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'ops@example.com', SubscriptionArn: `${TOPIC_ARN}:1` },
        { Protocol: 'email', Endpoint: 'pager@example.com', SubscriptionArn: `${TOPIC_ARN}:2` },
        { Protocol: 'email', Endpoint: 'new@example.com', SubscriptionArn: 'PendingConfirmation' },
        {
          Protocol: 'https',
          Endpoint: 'https://hooks.example.com/alert?token=abcdEFGH12345678',
          SubscriptionArn: `${TOPIC_ARN}:3`,
        },
      ],
    });
    sns
      .on(GetSubscriptionAttributesCommand, { SubscriptionArn: `${TOPIC_ARN}:2` })
      .resolves({ Attributes: { FilterPolicy: '{"severity":["high"]}' } });
    const io = captureIo();
    // Act
    await runTestAlert({ topicArn: TOPIC_ARN }, io, clients);
    // Assess
    const text = io.stdout.join('\n');
    expect(text).toContain('email ops@example.com: should receive it');
    expect(text).toContain(
      'email pager@example.com: only gets high alerts: not this one (use --severity high)',
    );
    expect(text).toContain('email new@example.com: not confirmed yet');
    expect(text).toContain('https://hooks.example.com/alert?token=***: should receive it');
    expect(text).not.toContain('abcdEFGH12345678');
  });

  it('still succeeds when it may not list the subscriptions', async () => {
    // Prepare
    sns
      .on(ListSubscriptionsByTopicCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    const io = captureIo();
    // Act
    const code = await runTestAlert({ topicArn: TOPIC_ARN }, io, clients);
    // Assess
    expect(code).toBe(0);
    expect(io.stdout.join('\n')).toContain(
      "could not list the topic's subscriptions: AuthorizationError",
    );
  });
});

describe('Function: receivesText', () => {
  it.each([
    [undefined, 'low', 'should receive it'],
    ['{"severity":["high","medium"]}', 'medium', 'should receive it'],
    ['{"severity":["high"]}', 'low', 'only gets high alerts: not this one (use --severity high)'],
    ['{"eventName":["DeleteChannel"]}', 'low', 'filter policy {"eventName":["DeleteChannel"]}'],
  ] as const)('filter %p at %p: %p', (filter, severity, expected) => {
    // Act / Assess
    expect(receivesText(filter, severity)).toBe(expected);
  });
});
