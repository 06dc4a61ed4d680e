import { formatChatbot, formatEmail, formatJson, formatSubject } from '../../lambda/alert-formats';
import {
  SNS_MESSAGE_MAX_BYTES,
  alertAttributes,
  buildAlertMessage,
} from '../../lambda/sns-message';
import type { AlertMessage } from '../../lambda/sns-message';
import { ACCOUNT_ID, REGION, alertFor, cloudTrailRecord } from './fixtures';

const SNS_LIMIT = 256 * 1024;

/** What SNS counts: the message body plus attribute names, types and values. */
function snsBytes(message: AlertMessage): number {
  return (
    Buffer.byteLength(message.message) +
    Object.entries(message.attributes).reduce(
      (sum, [name, value]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType ?? '') +
        Buffer.byteLength(value.StringValue ?? ''),
      0,
    )
  );
}

function protocols(message: AlertMessage): Record<string, string> {
  return JSON.parse(message.message) as Record<string, string>;
}

describe('Function: buildAlertMessage', () => {
  it('builds a MessageStructure json document with a message per protocol', () => {
    // Prepare
    const alert = alertFor(cloudTrailRecord({ eventName: 'DeleteOriginEndpoint' }));

    // Act
    const message = buildAlertMessage(alert);

    // Assess
    const structure = protocols(message);
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(structure.default).toBe(formatJson(alert));
    expect(structure.sqs).toBe(formatJson(alert));
    expect(structure.lambda).toBe(formatJson(alert));
    expect(JSON.parse(structure.sqs ?? '')).toEqual(JSON.parse(JSON.stringify(alert)));
    expect(structure.email).toBe(formatEmail(alert));
    expect(structure.https).toBe(formatChatbot(alert));
    expect(message.subject).toBe(formatSubject(alert));
    expect(message.eventID).toBe(alert.eventID);
    expect(message.sizeBytes).toBe(snsBytes(message));
  });

  it('sets filterable attributes', () => {
    // Prepare
    const alert = alertFor(
      cloudTrailRecord({
        eventSource: 'mediapackagev2.amazonaws.com',
        eventName: 'PutChannelPolicy',
        errorCode: 'AccessDeniedException',
      }),
    );

    // Act
    const message = buildAlertMessage(alert);

    // Assess
    expect(message.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      outcome: { DataType: 'String', StringValue: 'failed' },
      eventName: { DataType: 'String', StringValue: 'PutChannelPolicy' },
      eventSource: { DataType: 'String', StringValue: 'mediapackagev2.amazonaws.com' },
      awsRegion: { DataType: 'String', StringValue: REGION },
      accountId: { DataType: 'String', StringValue: ACCOUNT_ID },
    });
    expect(alertAttributes(alert)).toEqual(message.attributes);
  });

  it.each([
    ['ASCII', 'x'.repeat(600 * 1024)],
    ['quotes and backslashes', '"\\'.repeat(300 * 1024)],
    ['multi-byte characters', 'é😀'.repeat(200 * 1024)],
  ])(
    'stays under 256 KiB with 600 KB of %s in the request parameters and still alerts',
    (_name, description) => {
      // Prepare
      const alert = alertFor(
        cloudTrailRecord({ requestParameters: { id: 'live-1', description } }),
      );

      // Act
      const message = buildAlertMessage(alert);

      // Assess
      expect(snsBytes(message)).toBeLessThanOrEqual(SNS_LIMIT);
      expect(message.sizeBytes).toBe(snsBytes(message));
      const structure = protocols(message);
      const json = JSON.parse(structure.default ?? '') as {
        eventID: string;
        resource: { id: string };
        requestParameters: { truncated: boolean; note: string };
      };
      expect(json.eventID).toBe(alert.eventID);
      expect(json.resource.id).toBe('live-1');
      expect(json.requestParameters.truncated).toBe(true);
      expect(json.requestParameters.note).toContain('cut');
      expect(structure.email).toContain('[cut: ');
      expect(structure.https).toContain('[cut: ');
      expect(message.subject).toBe(
        '[MEDIUM] MediaPackage UpdateChannel on channel live-1 (us-west-2)',
      );
    },
  );

  // Product bug: lambda/sns-message.ts buildAlertMessage() only shrinks the request-parameter
  // budget; the resource id taken from requestParameters.id is copied uncut into the email
  // body and into the alert JSON (default, sqs, lambda). A failed call with a 90 KB id (under
  // CloudTrail's ~100 KB omission threshold) yields a ~450 KB message that SNS rejects, so
  // the alert is lost after Lambda's retries.
  it('stays under 256 KiB when the huge request parameter is the resource id', () => {
    // Prepare
    const alert = alertFor(
      cloudTrailRecord({
        eventName: 'CreateChannel',
        errorCode: 'UnprocessableEntityException',
        errorMessage: 'id must match \\A[0-9a-zA-Z-_]+\\Z and be at most 256 characters',
        requestParameters: { id: 'a'.repeat(90_000), description: 'probe' },
        responseElements: null,
      }),
    );

    // Act
    const message = buildAlertMessage(alert);

    // Assess
    expect(snsBytes(message)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
  });
});
