import {
  formatChatbot,
  formatEmail,
  formatJson,
  formatSubject,
  logObjectName,
} from '../../lambda/alert-formats';
import { buildAlertMessage } from '../../lambda/sns-message';
import { ACCOUNT_ID, REGION, ROLE_ARN, USER_ARN, alertFor, cloudTrailRecord } from './fixtures';

const PRINTABLE_ASCII_LINE = /^[\x20-\x7e]+$/;

interface ChatbotNotification {
  version: string;
  source: string;
  id: string;
  content: {
    textType: string;
    title: string;
    description: string;
    nextSteps: string[];
    keywords: string[];
  };
  metadata: { summary: string; eventType: string; relatedResources: string[] };
}

function rotationRecord(
  overrides: Record<string, unknown> = {},
): ReturnType<typeof cloudTrailRecord> {
  return cloudTrailRecord({
    eventName: 'RotateIngestEndpointCredentials',
    requestParameters: { id: 'live-1', ingest_endpoint_id: '6d345804ec3f46c9b454a91d4a80d0e0' },
    ...overrides,
  });
}

function parseChatbot(text: string): ChatbotNotification {
  return JSON.parse(text) as ChatbotNotification;
}

describe('Function: formatSubject', () => {
  it('names severity, service, call, resource and Region', () => {
    // Prepare
    const alert = alertFor(rotationRecord());

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(subject).toBe(
      '[HIGH] MediaPackage RotateIngestEndpointCredentials on channel live-1 (us-west-2)',
    );
    expect(subject.length).toBeLessThan(100);
  });

  it('marks a failed attempt', () => {
    // Prepare
    const alert = alertFor(
      cloudTrailRecord({
        eventName: 'DeleteChannel',
        errorCode: 'AccessDenied',
        requestParameters: { id: 'live-1' },
      }),
    );

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(subject).toBe('[HIGH] FAILED MediaPackage DeleteChannel on channel live-1 (us-west-2)');
  });

  it('stays a short printable ASCII line with a 300-character unicode resource id', () => {
    // Prepare
    const id = 'каналé😀\n\t'.repeat(30);
    const alert = alertFor(rotationRecord({ requestParameters: { id } }));

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(id.length).toBeGreaterThanOrEqual(300);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(PRINTABLE_ASCII_LINE);
    expect(
      subject.startsWith('[HIGH] MediaPackage RotateIngestEndpointCredentials on channel '),
    ).toBe(true);
    expect(subject.endsWith('... (us-west-2)')).toBe(true);
  });

  it('stays under 100 characters when the event name itself is huge', () => {
    // Prepare
    const alert = alertFor(cloudTrailRecord({ eventName: `Update${'X'.repeat(200)}` }));

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(PRINTABLE_ASCII_LINE);
  });
});

describe('Function: formatEmail', () => {
  it('lays out who, what, when, where, outcome and the links', () => {
    // Prepare
    const alert = alertFor(rotationRecord());

    // Act
    const email = formatEmail(alert);

    // Assess
    const lines = email.split('\n');
    expect(lines[0]).toBe(formatSubject(alert));
    for (const heading of ['WHO', 'WHAT', 'WHEN', 'WHERE', 'OUTCOME', 'LINKS']) {
      expect(lines).toContain(heading);
    }
    expect(email).toContain(`Principal ARN:   ${USER_ARN}`);
    expect(email).toContain(`Session issuer:  ${ROLE_ARN}`);
    expect(email).toContain('MFA used:        yes');
    expect(email).toContain(
      'Event:           RotateIngestEndpointCredentials (mediapackage.amazonaws.com)',
    );
    expect(email).toContain('Resource:        channel live-1');
    expect(email).toContain('Event time:      2024-05-01T12:03:41Z');
    expect(email).toContain(`Region:          ${REGION}`);
    expect(email).toContain(`Account:         ${ACCOUNT_ID}`);
    expect(email).toContain('Source IP:       203.0.113.17');
    expect(email).toContain('  Succeeded');
    expect(email).toContain(`CloudTrail event: ${alert.links.cloudTrailEvent}`);
    expect(email).toContain(`Log file: ${logObjectName(alert)}`);
    expect(email).toContain('"ingest_endpoint_id": "6d345804ec3f46c9b454a91d4a80d0e0"');
  });

  it('shows the error of a failed call', () => {
    // Prepare
    const alert = alertFor(
      rotationRecord({ errorCode: 'ForbiddenException', errorMessage: 'not allowed' }),
    );

    // Act
    const email = formatEmail(alert);

    // Assess
    expect(email).toContain('A FAILED attempt to change AWS Elemental MediaPackage');
    expect(email).toContain('  Failed: ForbiddenException - not allowed');
  });
});

describe('Function: formatChatbot', () => {
  it('writes an AWS Chatbot custom notification', () => {
    // Prepare
    const alert = alertFor(rotationRecord());

    // Act
    const notification = parseChatbot(formatChatbot(alert));

    // Assess
    expect(notification).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: alert.eventID,
      content: { textType: 'client-markdown' },
      metadata: {
        summary: formatSubject(alert),
        eventType: 'RotateIngestEndpointCredentials',
        relatedResources: [alert.resource.arn],
      },
    });
    expect(notification.content.title).toContain(formatSubject(alert));
    expect(notification.content.description.length).toBeLessThanOrEqual(3000);
    expect(notification.content.description).toContain(`*Who:* ${USER_ARN} (via ${ROLE_ARN})`);
    expect(notification.content.description).toContain('*What:* `RotateIngestEndpointCredentials`');
    expect(notification.content.description).toContain('*When:* 2024-05-01T12:03:41Z');
    expect(notification.content.description).toContain(`*Where:* ${REGION}, account ${ACCOUNT_ID}`);
    expect(notification.content.description).toContain('*Outcome:* succeeded');
    expect(
      notification.content.nextSteps.some((step) => step.includes(alert.links.cloudTrailEvent)),
    ).toBe(true);
    expect(notification.content.keywords).toEqual(
      expect.arrayContaining(['high', 'RotateIngestEndpointCredentials', REGION]),
    );
  });

  it('keeps the description within Slack limits whatever the record holds', () => {
    // Prepare
    const alert = alertFor(
      rotationRecord({
        errorCode: 'ValidationException',
        errorMessage: 'e'.repeat(10_000),
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${'r'.repeat(5_000)}`,
        },
      }),
    );

    // Act
    const notification = parseChatbot(formatChatbot(alert));

    // Assess
    expect(notification.content.description.length).toBeLessThanOrEqual(3000);
    // Long fields are cut where the alert is built, with a note saying so.
    expect(notification.content.description).toContain('[cut: 10000 characters]');
  });
});

describe('Function: formatJson', () => {
  it('writes the whole alert as JSON', () => {
    // Prepare
    const alert = alertFor(rotationRecord());

    // Act
    const json = formatJson(alert);

    // Assess
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(alert)));
  });
});

describe('Formats: huge and secret request parameters', () => {
  const huge = 'x'.repeat(600 * 1024);

  it('cuts 600 KB of request parameters with a note in every format', () => {
    // Prepare
    const alert = alertFor(
      cloudTrailRecord({ requestParameters: { id: 'live-1', description: huge } }),
    );

    // Act
    const email = formatEmail(alert);
    const chatbot = parseChatbot(formatChatbot(alert));
    const json = JSON.parse(formatJson(alert)) as {
      eventID: string;
      requestParameters: { truncated: boolean; note: string; preview: string };
    };

    // Assess
    expect(email.length).toBeLessThan(50_000);
    expect(email).toMatch(/\[cut: \d+ of \d+ characters shown; full event: https:\/\//);
    expect(chatbot.content.description.length).toBeLessThanOrEqual(3000);
    expect(chatbot.content.description).toContain('[cut: ');
    expect(json.eventID).toBe(alert.eventID);
    expect(json.requestParameters.truncated).toBe(true);
    expect(json.requestParameters.note).toMatch(/cut to \d+ of \d+ characters/);
    expect(json.requestParameters.preview.length).toBeLessThan(huge.length);
  });

  it('never shows an unmasked secret in any format', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventSource: 'mediapackagev2.amazonaws.com',
      eventName: 'CreateOriginEndpoint',
      requestParameters: {
        channelGroupName: 'sports',
        channelName: 'live-1',
        originEndpointName: 'hls-main',
        password: 'hunter2',
        encryption: {
          spekeKeyProvider: { resourceId: 'res-1', ApiToken: 'hunter2', credentials: ['hunter2'] },
        },
        cdnAuth: [{ clientSecret: 'hunter2', username: 'hunter2' }],
      },
      responseElements: { username: 'hunter2', password: 'hunter2' },
    });
    const alert = alertFor(record);

    // Act
    const outputs = [
      formatSubject(alert),
      formatEmail(alert),
      formatChatbot(alert),
      formatJson(alert),
      JSON.stringify(buildAlertMessage(alert)),
    ];

    // Assess
    expect(JSON.stringify(record)).toContain('hunter2');
    for (const output of outputs) {
      expect(output).not.toContain('hunter2');
    }
    expect(formatEmail(alert)).toContain('"ApiToken": "***"');
  });
});
