import fc from 'fast-check';
import type { MediaPackageAlert } from '../../../lambda/alert/alert';
import { buildAlert } from '../../../lambda/alert/alert';
import { matchEvent } from '../../../lambda/match/matcher';
import {
  SUBJECT_MAX_CHARS,
  SUBJECT_MIN_ID_CHARS,
  durationText,
  formatChatbot,
  threadIdOf,
  formatEmail,
  formatJson,
  formatSubject,
  logObjectName,
} from '../../../lambda/alert/alert-formats';
import { MEDIAPACKAGE_EVENT_SOURCES, serviceName } from '../../../lambda/match/event-sources';
import type { Severity } from '../../../lambda/match/rules-schema';
import { SEVERITIES } from '../../../lambda/match/rules-schema';
import { OMITTED_PARTS } from '../../../lambda/read/cloudtrail-record';
import { MASK } from '../../../lambda/alert/redact';
import { buildAlertMessage } from '../../../lambda/alert/sns-message';
import {
  ACCOUNT_ID,
  REGION,
  ROLE_ARN,
  USER_ARN,
  cloudTrailRecord,
} from '../../../scripts/cloudtrail-factory';
import { alertFor } from '../../support/alerts';
import { ROOT_CONSOLE, recordWith } from '../../support/identity-examples';

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
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
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
    expect(subject.length).toBe(SUBJECT_MAX_CHARS);
    expect(subject).toMatch(PRINTABLE_ASCII_LINE);
    expect(subject).toMatch(
      /^\[HIGH\] MP RotateIngestEndpointCredentials on \?+\.\.\.\?+ \(us-west-2\)$/,
    );
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

/** A watched alert with the given parts, the rest from a real rotation alert. */
function alertWith(parts: {
  readonly severity?: Severity;
  readonly outcome?: MediaPackageAlert['outcome'];
  readonly category?: MediaPackageAlert['category'];
  readonly service?: string;
  readonly eventName?: string;
  readonly type?: string;
  readonly id?: string | null;
  readonly region?: string;
}): MediaPackageAlert {
  const alert = alertFor(rotationRecord());
  return {
    ...alert,
    severity: parts.severity ?? alert.severity,
    outcome: parts.outcome ?? alert.outcome,
    category: parts.category ?? alert.category,
    service: parts.service ?? alert.service,
    eventName: parts.eventName ?? alert.eventName,
    awsRegion: parts.region ?? alert.awsRegion,
    resource: {
      ...alert.resource,
      type: parts.type ?? alert.resource.type,
      id: parts.id === undefined ? alert.resource.id : parts.id,
    },
  };
}

/**
 * Asserts that the subject is a short ASCII line showing the id (the last word before
 * ` (region)`) whole or as `start...end`, at least 3 characters each and `minChars` in all.
 * Only for ids without spaces or dots and Regions without ` (`. True when the id was cut.
 */
function expectIdKept(subject: string, id: string, minChars: number): boolean {
  expect(subject.length).toBeLessThan(100);
  expect(subject).toMatch(PRINTABLE_ASCII_LINE);
  const beforeRegion = subject.slice(0, subject.lastIndexOf(' ('));
  const shown = beforeRegion.slice(beforeRegion.lastIndexOf(' ') + 1);
  if (shown === id) return false;
  const [start = '', end = '', ...rest] = shown.split('...');
  expect(rest).toEqual([]);
  expect(id.startsWith(start) && id.endsWith(end)).toBe(true);
  expect(Math.min(start.length, end.length)).toBeGreaterThanOrEqual(3);
  expect(shown.length).toBeGreaterThanOrEqual(Math.min(id.length, minChars));
  return true;
}

/** Ids as CloudTrail names them: any length, no spaces or dots (so `...` marks the cut). */
const idArb = fc.stringMatching(/^[A-Za-z0-9_:/-]{1,400}$/);
const regionArb = fc.stringMatching(/^[a-z0-9-]{1,60}$/);
const REAL_SERVICES = [
  ...MEDIAPACKAGE_EVENT_SOURCES,
  'cloudtrail.amazonaws.com',
  's3.amazonaws.com',
].map(serviceName);
const partsArb = fc.record({
  severity: fc.constantFrom(...SEVERITIES),
  outcome: fc.constantFrom('success' as const, 'failed' as const),
  category: fc.constantFrom('watched' as const, 'self-protection' as const),
  eventName: fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
  type: fc.string({ unit: 'binary', maxLength: 200 }),
  id: idArb,
  region: regionArb,
});
const RUNS = { seed: 13, numRuns: 500 } as const;

describe('Function: formatSubject and resource ids', () => {
  it('keeps the id whole, or its start and end and at least 12 characters, with any real service', () => {
    fc.assert(
      fc.property(partsArb, fc.constantFrom(...REAL_SERVICES), (parts, service) => {
        // Act
        const subject = formatSubject(alertWith({ ...parts, service }));

        // Assess
        const cut = expectIdKept(subject, parts.id, SUBJECT_MIN_ID_CHARS);
        // Cut only as far as needed: the subject is then full.
        if (cut) expect(subject.length).toBe(SUBJECT_MAX_CHARS);
      }),
      RUNS,
    );
  });

  it('keeps the start and end of the id even with a service name of any length', () => {
    fc.assert(
      fc.property(partsArb, fc.string({ unit: 'binary', maxLength: 300 }), (parts, service) => {
        // Act
        const subject = formatSubject(alertWith({ ...parts, service }));

        // Assess
        expectIdKept(subject, parts.id, 0);
      }),
      RUNS,
    );
  });

  it('stays a printable ASCII line under 100 characters whatever the texts hold', () => {
    const anyText = (maxLength: number): fc.Arbitrary<string> =>
      fc.string({ unit: 'binary', maxLength });
    fc.assert(
      fc.property(
        partsArb,
        anyText(300),
        fc.option(anyText(400)),
        anyText(100),
        (parts, service, id, region) => {
          // Act
          const subject = formatSubject(alertWith({ ...parts, service, id, region }));

          // Assess
          expect(subject.length).toBeLessThan(100);
          expect(subject).toMatch(PRINTABLE_ASCII_LINE);
        },
      ),
      RUNS,
    );
  });

  it.each([
    [
      'the longest VOD event name, failed, in a long Region: the type goes, the id stays',
      {
        severity: 'high' as const,
        outcome: 'failed' as const,
        service: 'MediaPackage VOD',
        eventName: 'DeletePackagingConfiguration',
        type: 'packaging configuration',
        id: 'hls-6s',
        region: 'ap-southeast-2',
      },
      '[HIGH] FAILED MediaPackage VOD DeletePackagingConfiguration on hls-6s (ap-southeast-2)',
    ],
    [
      'the longest v2 event name on a v2 path: MediaPackage becomes MP',
      {
        severity: 'high' as const,
        outcome: 'failed' as const,
        service: 'MediaPackage v2',
        eventName: 'DeleteOriginEndpointPolicy',
        type: 'origin endpoint policy',
        id: 'fast-channels/retro-tv/cmaf-hls',
        region: 'ap-southeast-2',
      },
      '[HIGH] FAILED MP v2 DeleteOriginEndpointPolicy on fast-channels/retro-tv/cmaf-hls (ap-southeast-2)',
    ],
    [
      'a self-protection alert on a long id: service and event shorten before the id',
      {
        severity: 'medium' as const,
        outcome: 'failed' as const,
        category: 'self-protection' as const,
        service: 'MediaPackage v2',
        eventName: 'ResetOriginEndpointState',
        type: 'origin endpoint',
        id: 'broadcast-prod-eu/live-channel-example-primary-1/hls-ts-backup',
        region: 'ap-southeast-2',
      },
      '[MEDIUM] FAILED Audit pipeline: MP v2 ResetOri...State on broadcast-pro...s-backup (ap-southeast-2)',
    ],
  ])('reads well with %s', (_case, parts, expected) => {
    // Act
    const subject = formatSubject(alertWith(parts));

    // Assess
    expect(subject).toBe(expected);
    expect(subject.length).toBeLessThan(100);
  });

  it('cuts a long id in its middle, keeping its start and end', () => {
    // Prepare
    const alert = alertWith({
      service: 'MediaPackage v2',
      eventName: 'UpdateOriginEndpoint',
      id: `live-channel-${'e'.repeat(200)}-primary-1`,
    });

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(subject.length).toBe(SUBJECT_MAX_CHARS);
    expect(subject).toMatch(/ on live-channel-e+\.\.\.e+-primary-1 \(us-west-2\)$/);
  });

  it('leaves room for a prefix when asked for fewer characters', () => {
    // Prepare
    const alert = alertWith({ id: `live-channel-${'e'.repeat(200)}-primary-1` });

    // Act
    const subject = formatSubject(alert, SUBJECT_MAX_CHARS - '[TEST] '.length);

    // Assess
    expect(subject.length).toBe(SUBJECT_MAX_CHARS - '[TEST] '.length);
    expect(subject).toMatch(/ on live-channel-e+\.\.\.e+-primary-1 \(us-west-2\)$/);
  });

  it('drops the resource type before it cuts the id', () => {
    // Prepare
    const alert = alertFor(
      cloudTrailRecord({
        eventSource: 'mediapackagev2.amazonaws.com',
        eventName: `Update${'Q'.repeat(10)}OriginEndpointPolicy`,
        requestParameters: {
          channelGroupName: 'g',
          channelName: 'live-news-1',
          originEndpointName: 'hls',
        },
      }),
    );

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(subject.length).toBeLessThan(100);
    expect(subject).toContain(' on g/live-news-1/hls (us-west-2)');
  });

  it('keeps the Region at the end and the id whole with a huge event name', () => {
    // Prepare
    const alert = alertFor(cloudTrailRecord({ eventName: `Update${'X'.repeat(300)}` }));

    // Act
    const subject = formatSubject(alert);

    // Assess
    expect(subject.length).toBe(SUBJECT_MAX_CHARS);
    expect(subject).toMatch(/^\[MEDIUM\] MP UpdateX+\.\.\.X+ on live-1 \(us-west-2\)$/);
  });
});

describe('Formats: the caller in plain words', () => {
  const alert = alertFor(recordWith(ROOT_CONSOLE));

  it('opens the email WHO section with the description, then the ARN', () => {
    // Act
    const email = formatEmail(alert);

    // Assess
    expect(email).toContain(
      [
        'WHO',
        '  root user, from the console, without MFA',
        '  Principal ARN:   arn:aws:iam::123456789012:root',
        '  Identity type:   Root, via console',
      ].join('\n'),
    );
  });

  it('says it in Slack and in the JSON', () => {
    // Act
    const slack = JSON.parse(formatChatbot(alert)) as { content: { description: string } };
    const json = JSON.parse(formatJson(alert)) as MediaPackageAlert;

    // Assess
    expect(slack.content.description).toMatch(
      /^\*Who:\* root user, from the console, without MFA\n\*Principal:\* `arn:aws:iam::123456789012:root`, Root, MFA no\n/,
    );
    expect(json.actor).toMatchObject({
      identityType: 'Root',
      kind: 'Root',
      via: 'console',
      description: 'root user, from the console, without MFA',
    });
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
    expect(notification.content.description).toContain(
      '*Who:* role MediaOpsAdmin (session jdoe), from the AWS CLI, with MFA\n',
    );
    expect(notification.content.description).toContain(
      `*Principal:* \`${USER_ARN}\` (via \`${ROLE_ARN}\`), AssumedRole, MFA yes`,
    );
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

describe('Function: threadIdOf (one chat thread per resource)', () => {
  const base = alertFor(cloudTrailRecord());
  /** The same alert about another resource, or the same one elsewhere. */
  function about(
    resource: { type: string; id: string | null; arn: string | null },
    where: { accountId?: string; awsRegion?: string; eventName?: string } = {},
  ): MediaPackageAlert {
    return { ...base, ...where, resource };
  }
  const resourceArb = fc.record({
    type: fc.constantFrom('channel', 'origin endpoint', 'packaging group'),
    id: fc.option(fc.string({ maxLength: 300 }), { nil: null }),
    arn: fc.option(fc.string({ maxLength: 300 }), { nil: null }),
  });

  it('is the same for every event on one resource, whatever the event or its ARN', () => {
    // Prepare: a create that returns the ARN, then a delete that names only the id.
    const created = about(
      {
        type: 'channel',
        id: 'live-1',
        arn: 'arn:aws:mediapackage:us-west-2:111122223333:channels/x',
      },
      { eventName: 'CreateChannel' },
    );
    const deleted = about(
      { type: 'channel', id: 'live-1', arn: null },
      { eventName: 'DeleteChannel' },
    );
    // Act / Assess
    expect(threadIdOf(created)).toBe(threadIdOf(deleted));
    expect(threadIdOf(created)).toMatch(/^mediapackage-channel-live-1-[0-9a-f]{16}$/);
  });

  it('differs across Regions, accounts and types for the same id', () => {
    // Prepare
    const channel = { type: 'channel', id: 'live-1', arn: null };
    const threads = [
      about(channel),
      about(channel, { awsRegion: 'eu-west-1' }),
      about(channel, { accountId: '444455556666' }),
      about({ ...channel, type: 'origin endpoint' }),
    ].map(threadIdOf);
    // Assess
    expect(new Set(threads).size).toBe(threads.length);
  });

  it('is stable per resource, distinct across resources, short and id-safe for any ids', () => {
    fc.assert(
      fc.property(resourceArb, resourceArb, (a, b) => {
        const [threadA, threadB] = [threadIdOf(about(a)), threadIdOf(about(b))];
        expect(threadIdOf(about({ ...a }))).toBe(threadA);
        expect(threadA.length).toBeLessThanOrEqual(128);
        expect(threadA).toMatch(/^[A-Za-z0-9._:/-]+$/);
        const sameIdentity =
          a.type === b.type && (a.id !== null || b.id !== null ? a.id === b.id : a.arn === b.arn);
        if (!sameIdentity) expect(threadA).not.toBe(threadB);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Formats: how the event was detected', () => {
  it('says EventBridge and the delay, and names no log file, for the fast path', () => {
    // Prepare
    const record = cloudTrailRecord({ eventTime: '2025-03-14T09:00:00Z' });
    const match = matchEvent(record);
    if (match === undefined) throw new Error('fixture does not match');
    const alert = buildAlert(match, null, new Date('2025-03-14T09:00:08Z'));
    // Act
    const email = formatEmail(alert);
    const chatbot = JSON.parse(formatChatbot(alert)) as { content: { description: string } };
    // Assess
    expect(alert.detection).toEqual({ path: 'eventbridge', delaySeconds: 8 });
    expect(email).toContain('Detected: via EventBridge, 8 s after the call');
    expect(email).not.toContain('Log file:');
    expect(chatbot.content.description).toContain(
      '*Detected:* via EventBridge, 8 s after the call',
    );
  });

  it('says the log file and its delay for the log file path', () => {
    // Prepare
    const record = cloudTrailRecord({ eventTime: '2025-03-14T09:00:00Z' });
    const match = matchEvent(record);
    if (match === undefined) throw new Error('fixture does not match');
    const alert = buildAlert(
      match,
      { bucket: 'logs', key: 'k.json.gz' },
      new Date('2025-03-14T09:05:12Z'),
    );
    // Act
    const email = formatEmail(alert);
    // Assess
    expect(email).toContain('Detected: from the CloudTrail log file, 5 min 12 s after the call');
    expect(email).toContain('Log file: s3://logs/k.json.gz');
  });

  it.each([
    [0, '0 s'],
    [8, '8 s'],
    [312, '5 min 12 s'],
    [3_600, '1 h'],
    [10_920, '3 h 2 min'],
    [187_200, '2 d 4 h'],
  ])('durationText(%p) is %p', (seconds, text) => {
    // Act / Assess
    expect(durationText(seconds)).toBe(text);
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

describe('Formats: Slack markup in values', () => {
  const markup = '<!channel> <https://evil.example|click> <@U123> `x` *b* _i_ ~s~ &amp;';

  function hostileAlert(): ReturnType<typeof alertFor> {
    return alertFor(
      rotationRecord({
        errorCode: 'ValidationException',
        errorMessage: `bad ${markup}`,
        sourceIPAddress: `203.0.113.17 ${markup}`,
        awsRegion: `us-west-2${markup}`,
        userIdentity: {
          type: `AssumedRole ${markup}`,
          arn: `${USER_ARN}${markup}`,
          sessionContext: { sessionIssuer: { arn: `${ROLE_ARN}\`\`\` <!here>` } },
        },
        requestParameters: { id: `live-1 ${markup}`, description: `\`\`\`${markup}` },
      }),
    );
  }

  it('escapes &, < and > in every value of the notification, so no mention or link is made', () => {
    // Prepare
    const alert = hostileAlert();

    // Act
    const notification = parseChatbot(formatChatbot(alert));

    // Assess
    const rendered = [
      notification.content.title,
      notification.content.description,
      ...notification.content.keywords,
      notification.metadata.summary,
      notification.metadata.eventType,
      notification.metadata.threadId,
      ...notification.metadata.relatedResources,
    ].join('\n');
    for (const raw of ['<!channel>', '<!here>', '<https://evil.example|click>', '<@U123>']) {
      expect(rendered).not.toContain(raw);
    }
    expect(rendered).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(notification.content.description).toContain('&lt;!channel&gt;');
    expect(notification.content.description).toContain('&amp;amp;');
  });

  it('keeps values from ending code spans or adding bold, italics or strikes', () => {
    // Prepare
    const alert = hostileAlert();

    // Act
    const notification = parseChatbot(formatChatbot(alert));

    // Assess
    for (const line of notification.content.description.split('\n')) {
      // Every backtick left is the template's own: code spans open and close in pairs.
      const ticks = line.replace(/```/g, '').match(/`/g)?.length ?? 0;
      expect(ticks % 2).toBe(0);
    }
    const description = notification.content.description;
    expect(description.match(/```/g)).toHaveLength(2);
    expect(description).toContain('`live-1 &lt;!channel&gt;');
    // Outside code spans, formatting characters become look-alikes.
    expect(description).toContain('*Where:* us-west-2&lt;!channel&gt;');
    expect(description).not.toMatch(/\*Where:\*[^\n]*[*_~]b?/);
    expect(notification.content.title).not.toMatch(/[`*~]/);
  });

  it("keeps the template's own markup: labels, code spans and the console links", () => {
    // Prepare
    const alert = hostileAlert();

    // Act
    const notification = parseChatbot(formatChatbot(alert));

    // Assess
    expect(notification.content.description).toMatch(/^\*Who:\* unknown caller /);
    expect(notification.content.description).toContain('\n*Principal:* `');
    expect(notification.content.description).toContain('\n*Outcome:* *FAILED* `');
    expect(notification.content.nextSteps[0]).toBe(
      `<${alert.links.cloudTrailEvent}|Open the event in CloudTrail>`,
    );
    expect(notification.content.nextSteps[0]).toMatch(/^<https:\/\/console\.aws\.amazon\.com\//);
  });

  it('lists only a plain ARN as a related resource', () => {
    // Prepare
    const alert = alertFor(
      rotationRecord({ responseElements: { arn: 'arn:aws:mediapackage:::channels/x <!channel>' } }),
    );

    // Act
    const notification = parseChatbot(formatChatbot(alert));

    // Assess
    expect(notification.metadata.relatedResources).toEqual([]);
  });

  it('leaves the email body as plain text: markup is shown, not escaped', () => {
    // Prepare
    const alert = hostileAlert();

    // Act
    const email = formatEmail(alert);

    // Assess
    expect(email).toContain('<!channel>');
    expect(email).not.toContain('&lt;');
  });
});

describe('Formats: notes on oversized records', () => {
  it('shows what the reader dropped in every format', () => {
    // Prepare
    const kept = rotationRecord({ requestParameters: undefined });
    const match = alertFor({
      ...kept,
      [OMITTED_PARTS]: { recordBytes: 523_456_789, members: ['requestParameters'] },
    });
    const note =
      "request parameters omitted: the record is 523,456,789 bytes, over the reader's 1 MiB limit; see the CloudTrail event";

    // Act
    const email = formatEmail(match);
    const chatbot = parseChatbot(formatChatbot(match));
    const json = JSON.parse(formatJson(match)) as { notes: string[] };

    // Assess
    expect(email).toContain(`NOTE: ${note}`);
    expect(chatbot.content.description).toContain(`*Note:* ${note}`);
    expect(json.notes).toEqual([note]);
  });
});

describe('Formats: cut parameters quote no secret', () => {
  it('cuts the JSON preview from the masked parameters', () => {
    // Prepare
    const secret = 'Zq8vLmN3pRt7Kx2W';
    const alert = alertFor(
      cloudTrailRecord({
        requestParameters: {
          password: secret,
          note: `key=${secret}`,
          description: 'x'.repeat(30_000),
        },
      }),
    );

    // Act
    const json = JSON.parse(formatJson(alert, 100)) as {
      requestParameters: { truncated: boolean; preview: string; note: string };
    };

    // Assess
    expect(json.requestParameters.truncated).toBe(true);
    expect(json.requestParameters.preview).toContain(`"password":"${MASK}"`);
    expect(JSON.stringify(json)).not.toContain(secret);
  });
});
