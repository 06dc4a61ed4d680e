import type { PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishError } from '../../../lambda/errors';
import {
  BATCH_MAX_BYTES,
  planBatches,
  publishAlertMessages,
} from '../../../lambda/deliver/publisher';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import { buildAlertMessage } from '../../../lambda/alert/sns-message';
import { cloudTrailRecord } from '../../../scripts/cloudtrail-factory';
import { alertFor } from '../../support/alerts';
import { TOPIC_ARN, acceptAll } from '../../support/aws-doubles';

const snsMock = mockClient(SNSClient);
const sns = new SNSClient({ region: 'us-west-2' });
const FAST = { baseDelayMs: 1 } as const;

function sizedMessage(eventID: string, sizeBytes: number): AlertMessage {
  return { eventID, subject: 's', message: '{"default":"x"}', attributes: {}, sizeBytes };
}

function alertMessages(count: number): AlertMessage[] {
  return Array.from({ length: count }, (_, index) =>
    buildAlertMessage(
      alertFor(
        cloudTrailRecord({ requestParameters: { id: `live-${index}`, description: 'evening' } }),
      ),
    ),
  );
}

function requests(): PublishBatchCommandInput[] {
  return snsMock.commandCalls(PublishBatchCommand).map((call) => call.args[0].input);
}

function entryMessages(input: PublishBatchCommandInput | undefined): string[] {
  return (input?.PublishBatchRequestEntries ?? []).map((entry) => entry.Message ?? '');
}

beforeEach(() => {
  snsMock.reset();
});

describe('Function: planBatches', () => {
  it('puts at most 10 messages in a batch, in order', () => {
    // Prepare
    const messages = Array.from({ length: 23 }, (_, index) => sizedMessage(`e${index}`, 1_000));

    // Act
    const batches = planBatches(messages);

    // Assess
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(messages);
  });

  it('keeps each batch within 256 KiB', () => {
    // Prepare
    const messages = Array.from({ length: 7 }, (_, index) => sizedMessage(`e${index}`, 100 * 1024));

    // Act
    const batches = planBatches(messages);

    // Assess
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 2, 1]);
    for (const batch of batches) {
      expect(batch.reduce((sum, message) => sum + message.sizeBytes, 0)).toBeLessThanOrEqual(
        BATCH_MAX_BYTES,
      );
    }
  });

  it('fills a batch exactly up to the limit', () => {
    // Prepare
    const messages = [
      sizedMessage('a', BATCH_MAX_BYTES - 10),
      sizedMessage('b', 10),
      sizedMessage('c', 1),
    ];

    // Act
    const batches = planBatches(messages);

    // Assess
    expect(batches.map((batch) => batch.map((message) => message.eventID))).toEqual([
      ['a', 'b'],
      ['c'],
    ]);
  });

  it('returns no batch for no message', () => {
    // Act
    const batches = planBatches([]);

    // Assess
    expect(batches).toEqual([]);
  });
});

describe('Function: publishAlertMessages', () => {
  it('publishes every message with MessageStructure json, its Subject and attributes', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).callsFake(acceptAll);
    const messages = alertMessages(12);

    // Act
    const result = await publishAlertMessages(sns, TOPIC_ARN, messages, FAST);

    // Assess
    expect(result).toEqual({ published: 12, retried: 0 });
    const inputs = requests();
    expect(inputs.map((input) => input.PublishBatchRequestEntries?.length)).toEqual([10, 2]);
    const entries = inputs.flatMap((input) => input.PublishBatchRequestEntries ?? []);
    expect(inputs.every((input) => input.TopicArn === TOPIC_ARN)).toBe(true);
    expect(entries.map((entry) => entry.Message)).toEqual(
      messages.map((message) => message.message),
    );
    for (const [index, entry] of entries.entries()) {
      expect(entry).toMatchObject({
        MessageStructure: 'json',
        Subject: messages[index]?.subject,
        MessageAttributes: messages[index]?.attributes,
      });
    }
    for (const input of inputs) {
      const ids = (input.PublishBatchRequestEntries ?? []).map((entry) => entry.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('retries the entries SNS reports as failed until they are accepted', async () => {
    // Prepare
    const messages = alertMessages(3);
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [
          { Id: 'alert-0', MessageId: 'm0' },
          { Id: 'alert-2', MessageId: 'm2' },
        ],
        Failed: [{ Id: 'alert-1', Code: 'InternalError', SenderFault: false }],
      })
      .callsFake(acceptAll);
    const retries: unknown[] = [];

    // Act
    const result = await publishAlertMessages(sns, TOPIC_ARN, messages, {
      ...FAST,
      onRetry: (failed, round) => retries.push({ failed, round }),
    });

    // Assess
    expect(result).toEqual({ published: 3, retried: 1 });
    const inputs = requests();
    expect(inputs).toHaveLength(2);
    expect(entryMessages(inputs[1])).toEqual([messages[1]?.message]);
    expect(retries).toEqual([
      { failed: [{ eventID: messages[1]?.eventID, code: 'InternalError' }], round: 1 },
    ]);
  });

  it('retries an entry SNS neither accepted nor rejected', async () => {
    // Prepare
    const messages = alertMessages(2);
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({ Successful: [{ Id: 'alert-0', MessageId: 'm0' }], Failed: [] })
      .callsFake(acceptAll);

    // Act
    const result = await publishAlertMessages(sns, TOPIC_ARN, messages, FAST);

    // Assess
    expect(result).toEqual({ published: 2, retried: 1 });
    expect(entryMessages(requests()[1])).toEqual([messages[1]?.message]);
  });

  it('throws a PublishError naming the entries that keep failing after the retry rounds', async () => {
    // Prepare
    const messages = alertMessages(3);
    snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      const entries = input.PublishBatchRequestEntries ?? [];
      const failing = entries.filter((entry) => entry.Message === messages[2]?.message);
      return {
        Successful: entries
          .filter((entry) => !failing.includes(entry))
          .map((entry) => ({ Id: entry.Id, MessageId: 'm' })),
        Failed: failing.map((entry) => ({ Id: entry.Id, Code: 'Throttled', SenderFault: false })),
      };
    });

    // Act
    const outcome = publishAlertMessages(sns, TOPIC_ARN, messages, {
      ...FAST,
      maxEntryRetries: 2,
    });

    // Assess
    await expect(outcome).rejects.toThrow(PublishError);
    const error = (await outcome.catch((caught: unknown) => caught)) as PublishError;
    expect(error.failedEventIds).toEqual([messages[2]?.eventID]);
    expect(error.message).toContain(`${String(messages[2]?.eventID)}: Throttled`);
    expect(requests()).toHaveLength(3);
  });

  it('does not retry sender faults but retries the others, and names the sender faults', async () => {
    // Prepare
    const messages = alertMessages(3);
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'alert-2', MessageId: 'm2' }],
        Failed: [
          { Id: 'alert-0', Code: 'InvalidParameter', SenderFault: true, Message: 'bad subject' },
          { Id: 'alert-1', Code: 'InternalError', SenderFault: false },
        ],
      })
      .callsFake(acceptAll);

    // Act
    const outcome = publishAlertMessages(sns, TOPIC_ARN, messages, FAST);

    // Assess
    const error = (await outcome.catch((caught: unknown) => caught)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.failedEventIds).toEqual([messages[0]?.eventID]);
    const inputs = requests();
    expect(inputs).toHaveLength(2);
    expect(entryMessages(inputs[1])).toEqual([messages[1]?.message]);
  });

  it('lets an error of the whole call reach the caller', async () => {
    // Prepare
    const failure = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    snsMock.on(PublishBatchCommand).rejects(failure);

    // Act
    const outcome = publishAlertMessages(sns, TOPIC_ARN, alertMessages(1), FAST);

    // Assess
    await expect(outcome).rejects.toThrow('Rate exceeded');
  });

  it('makes no call when there is nothing to publish', async () => {
    // Act
    const result = await publishAlertMessages(sns, TOPIC_ARN, [], FAST);

    // Assess
    expect(result).toEqual({ published: 0, retried: 0 });
    expect(requests()).toHaveLength(0);
  });
});
