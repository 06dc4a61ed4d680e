import { eventOfDlqMessage } from '../../cli/replay';
import { parseTriggerEvent } from '../../lambda/pipeline/trigger-event';
import {
  BUCKET,
  cloudTrailSnsMessage,
  logFileKey,
  s3Event,
  snsNotification,
} from '../../scripts/cloudtrail-factory';

describe('Function: eventOfDlqMessage', () => {
  const key = logFileKey();

  it.each([
    ["the function's on-failure record", JSON.stringify({ requestPayload: s3Event([key]) })],
    ['a raw S3 event', JSON.stringify(s3Event([key]))],
    [
      "the cloudtrail-sns queue's SNS envelope",
      JSON.stringify(snsNotification(cloudTrailSnsMessage(BUCKET, [key]))),
    ],
    ["CloudTrail's raw delivery message", JSON.stringify(cloudTrailSnsMessage(BUCKET, [key]))],
  ])('reads the log file named by %s', (_name, body) => {
    // Act
    const trigger = parseTriggerEvent(eventOfDlqMessage(body, 'message-1'));

    // Assess
    expect(trigger.objects.map((object) => [object.bucket, object.key])).toEqual([[BUCKET, key]]);
    expect(trigger.ignored).toEqual([]);
  });

  it('leaves anything else as it is, for the caller to refuse', () => {
    // Act
    const trigger = parseTriggerEvent(eventOfDlqMessage('{"hello":"world"}'));

    // Assess
    expect(trigger.objects).toEqual([]);
    expect(trigger.ignored[0]?.reason).toBe('unrecognised-event');
  });
});
