import {
  formatChatbot,
  formatEmail,
  formatJson,
  formatThreadSubject,
} from '../../../lambda/alert/alert-formats';
import {
  SNS_MESSAGE_MAX_BYTES,
  alertAttributes,
  buildAlertMessage,
} from '../../../lambda/alert/sns-message';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import {
  ACCOUNT_ID,
  REGION,
  ROLE_ARN,
  cloudTrailRecord,
} from '../../../scripts/cloudtrail-factory';
import { alertFor } from '../../support/alerts';

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
    expect(message.subject).toBe(formatThreadSubject(alert));
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
      detection: { DataType: 'String', StringValue: 'log-file' },
      kind: { DataType: 'String', StringValue: 'event' },
    });
    expect(message.attributes).toMatchObject(alertAttributes(alert));
  });

  it('marks an event a storm collapsed for machines only: attribute storm, no Chatbot notification', () => {
    // Prepare
    const alert = alertFor(cloudTrailRecord({ eventName: 'TagResource' }));

    // Act
    const people = buildAlertMessage(alert);
    const collapsed = buildAlertMessage(alert, { collapsed: true });

    // Assess
    expect(people.attributes.storm).toBeUndefined();
    expect(collapsed.attributes.storm).toEqual({ DataType: 'String', StringValue: 'collapsed' });
    expect(collapsed.attributes.kind?.StringValue).toBe('event');
    const structure = JSON.parse(collapsed.message) as Record<string, string>;
    const https = JSON.parse(structure.https ?? '{}') as Record<string, unknown>;
    // Chatbot posts only custom notifications (version 1.0, source custom): this it drops.
    expect(https).not.toHaveProperty('source');
    expect(https).not.toHaveProperty('version');
    // An HTTPS machine still gets the alert, and the thread people's copy would be in.
    const peopleHttps = JSON.parse(
      (JSON.parse(people.message) as Record<string, string>).https ?? '{}',
    ) as { metadata: { threadId: string } };
    expect(https).toEqual({
      ...(JSON.parse(structure.sqs ?? '{}') as object),
      metadata: { threadId: peopleHttps.metadata.threadId },
    });
    expect(JSON.parse(structure.sqs ?? '{}')).toMatchObject({ eventID: alert.eventID });
  });

  it('marks the canary as kind canary, which no person receives', () => {
    // Prepare
    const alert = alertFor(cloudTrailRecord({ eventName: 'TagResource' }));

    // Act
    const message = buildAlertMessage(alert, { kind: 'canary' });

    // Assess
    expect(message.attributes.kind?.StringValue).toBe('canary');
    const structure = JSON.parse(message.message) as Record<string, string>;
    expect(JSON.parse(structure.https ?? '{}')).not.toHaveProperty('source', 'custom');
  });

  it('gives every alert on one resource the same subject, and other resources other subjects', () => {
    // Prepare: v2 calls name a channel by its names, tag calls by its ARN
    const arn = (channel: string) =>
      `arn:aws:mediapackagev2:${REGION}:${ACCOUNT_ID}:channelGroup/live/channel/${channel}`;
    const on = (channel: string, eventName: string) =>
      buildAlertMessage(
        alertFor(
          cloudTrailRecord({
            eventSource: 'mediapackagev2.amazonaws.com',
            eventName,
            requestParameters: /tagresource$/i.test(eventName)
              ? { resourceArn: arn(channel), tags: { team: 'live' } }
              : { channelGroupName: 'live', channelName: channel },
            responseElements: null,
          }),
        ),
      ).subject;

    // Act
    const sameChannel = [
      'UpdateChannel',
      'TagResource',
      'UntagResource',
      'ResetChannelState',
      'DeleteChannel',
    ].map((eventName) => on('ch-1', eventName));
    const otherChannel = on('ch-2', 'UpdateChannel');

    // Assess
    expect(new Set(sameChannel).size).toBe(1);
    expect(otherChannel).not.toBe(sameChannel[0]);
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
      expect(message.subject).toBe('MediaPackage channel live-1 (us-west-2, 111122223333)');
    },
  );

  // The resource id comes from requestParameters.id and appears in the email body and in the
  // alert JSON (default, sqs, lambda): a failed call with a 90 KB id (under CloudTrail's ~100 KB
  // omission threshold) must still give a message SNS accepts, or the alert is lost.
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

describe('Function: buildAlertMessage on a record full of secrets', () => {
  /** A distinctive secret per place, so a leak names where it came from. */
  const secret = (place: string): string => `Zq${place}X7kP2mW9vR4tLs`;
  const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:cdn-AbCdEf`;

  function recordFullOfSecrets(): ReturnType<typeof cloudTrailRecord> {
    return cloudTrailRecord({
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'CreateOriginEndpoint',
      errorCode: 'ValidationException',
      errorMessage: `1 validation error detected: Value '${secret('echo')}' at 'cdnAuth.password' failed to satisfy constraint; also rejected ${secret('pwd')}; token=${secret('emq')}`,
      userAgent: `aws-cli/2.15.30 Authorization: Bearer ${secret('ua')}`,
      requestParameters: {
        id: `AKIAIOSFODNN7EXAMPLE`,
        channelId: `live-news-1?sig=${secret('cid')}`,
        channelGroupName: 'sports',
        channelName: 'live-news-1',
        originEndpointName: 'hls-main',
        pwd: secret('pwd'),
        pass: secret('pass'),
        'x-api-key': secret('xapikey'),
        'api-key': secret('apikey'),
        'private-key': secret('privatekey'),
        cookie: secret('cookie'),
        sessionId: secret('sessionid'),
        auth: { scheme: 'basic', value: secret('auth') },
        password: secret('password'),
        IngestPassword: 12345678,
        clientSecret: secret('clientsecret'),
        X_Amz_Security_Token: secret('amztoken'),
        credentials: [secret('cred1'), secret('cred2')],
        'Set-Cookie': secret('setcookie'),
        Authorization: secret('authorization'),
        signature: secret('signature'),
        passphrase: secret('passphrase'),
        username: secret('username'),
        secretToken: `${SECRET_ARN} ${secret('arnlike')}`,
        secretArn: SECRET_ARN,
        description: `rotated ASIAY34FZKBOKMUTVV7A / wJalrXUtnFEMI/K7MDENG/bPxRfi${'Zq4K9'}EXAMPLE`,
        note: `IQoJb3JpZ2luX2VjEJr//////////wEaCXVz${secret('session')}`,
        origin: `https://admin:${secret('userinfo')}@origin.example.com/live?token=${secret('query')}&start=1`,
        headers: ['Accept: */*', `Authorization: Bearer ${secret('bearer')}`],
        jwt: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.${secret('jwt')}`,
        pem: `-----BEGIN PRIVATE KEY-----\nMIIE${secret('pem')}`,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: ROLE_ARN },
              Condition: { StringEquals: { 'aws:Referer': secret('referer') } },
            },
          ],
        }),
        markup: '<!channel> <https://evil.example|click> `x`',
      },
      responseElements: null,
    });
  }

  it('carries none of them in the subject, any protocol or the attributes', () => {
    // Prepare
    const record = recordFullOfSecrets();
    const planted =
      JSON.stringify(record).match(
        /Zq\w+X7kP2mW9vR4tLs|AKIAIOSFODNN7EXAMPLE|ASIAY34FZKBOKMUTVV7A|Zq4K9EXAMPLE|12345678/g,
      ) ?? [];

    // Act
    const message = buildAlertMessage(alertFor(record));

    // Assess
    expect(new Set(planted).size).toBeGreaterThanOrEqual(34);
    const outputs = [
      message.subject,
      ...Object.values(protocols(message)),
      JSON.stringify(message.attributes),
    ];
    for (const output of outputs) {
      for (const value of planted) expect(output).not.toContain(value);
    }
  });

  it('still shows what is not secret: ids, names, ARNs, the Region', () => {
    // Act
    const message = buildAlertMessage(alertFor(recordFullOfSecrets()));

    // Assess
    const structure = protocols(message);
    for (const output of [structure.email ?? '', structure.https ?? '', structure.default ?? '']) {
      expect(output).toContain('live-news-1');
      expect(output).toContain('hls-main');
      expect(output).toContain(REGION);
      expect(output).toContain(SECRET_ARN);
      expect(output).toContain('2012-10-17');
    }
    expect(structure.default).toContain(ROLE_ARN);
    expect(message.subject).toContain(REGION);
  });
});
