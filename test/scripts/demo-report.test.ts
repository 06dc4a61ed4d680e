import type { AlertMessage } from '../../lambda/alert/sns-message';
import { buildAlertMessage, buildDigestMessage } from '../../lambda/alert/sns-message';
import type { StormDigest } from '../../lambda/alert/storm';
import { buildDigest, collapsedEventOf, stormKeyOf } from '../../lambda/alert/storm';
import type { CloudTrailRecord } from '../../lambda/read/cloudtrail-record';
import { BUCKET, cloudTrailRecord, logFileKey } from '../../scripts/cloudtrail-factory';
import type {
  DemoAlert,
  DemoApiCalls,
  DemoDigest,
  DemoFile,
  DemoRun,
  DemoStorm,
} from '../../scripts/demo-report';
import {
  FOLDED_DIGEST_LINES,
  FOLDED_PARAMETER_LINES,
  changeLines,
  demoAlertOf,
  demoMessageOf,
  demoReport,
  fileLine,
  firstOfEachSeverity,
  medianDelaySeconds,
  stormLines,
  threadLines,
  whatChanged,
} from '../../scripts/demo-report';
import { alertFor } from '../support/alerts';

const FIRST_KEY = logFileKey({ suffix: 'FirstFile0000001' });
const SECOND_KEY = logFileKey({ suffix: 'SecondFile000002' });
const DIGEST_KEY =
  'AWSLogs/111122223333/CloudTrail-Digest/us-west-2/2025/03/14/111122223333_CloudTrail-Digest_us-west-2_trail_us-east-1_20250314T100031Z.json.gz';

/** The SQS body SNS delivers for a message: its subject, structure and attributes. */
function snsBody(message: AlertMessage): string {
  return JSON.stringify({
    Type: 'Notification',
    Subject: message.subject,
    Message: message.message,
    MessageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        { Type: value.DataType, Value: value.StringValue },
      ]),
    ),
  });
}

/**
 * The SQS body SNS delivers for the record's alert, read back as the demo reads it: found in
 * the log file `key`, or on EventBridge (`null`) `delaySeconds` after the call; `collapsed`
 * when a storm collapsed it.
 */
function received(
  record: CloudTrailRecord,
  key: string | null,
  delaySeconds = 300,
  collapsed = false,
): DemoAlert {
  const alert = alertFor(record, { bucket: BUCKET, key: key ?? '' });
  const message = buildAlertMessage(
    {
      ...alert,
      logObject: key === null ? null : alert.logObject,
      detection: { path: key === null ? 'eventbridge' : 'log-file', delaySeconds },
    },
    { collapsed },
  );
  return demoAlertOf(snsBody(message));
}

/** The email's first line: the alert's headline (the subject names only the resource). */
const headline = (alert: DemoAlert): string => alert.email.split('\n')[0] ?? '';

const NO_API_CALLS: DemoApiCalls = {
  sent: 0,
  withheld: 0,
  alertsPublished: 0,
  alertsAlreadyPublished: 0,
};

const deleteOn = (id: string): CloudTrailRecord =>
  cloudTrailRecord({
    eventName: 'DeleteChannel',
    eventID: `delete-${id}`,
    requestParameters: { id },
  });
const updateOn = (id: string, eventID = `update-${id}`): CloudTrailRecord =>
  cloudTrailRecord({ eventName: 'UpdateChannel', eventID, requestParameters: { id } });
const tagOn = (id: string): CloudTrailRecord =>
  cloudTrailRecord({
    eventName: 'TagResource',
    eventID: `tag-${id}`,
    requestParameters: { 'resource-arn': id, tags: { team: 'media' } },
  });

/** The digest of a 1-minute window in which the records' alerts were collapsed, 3 delivered. */
function digestOf(records: readonly CloudTrailRecord[]): StormDigest {
  const alerts = records.map((record) => alertFor(record));
  const [first] = alerts;
  if (first === undefined) throw new Error('no records');
  const start = Date.parse('2025-03-14T10:00:00Z');
  return buildDigest(
    {
      key: stormKeyOf(first),
      windowStart: start,
      windowEnd: start + 60_000,
      windowMinutes: 1,
      delivered: 3,
      collapsedCount: alerts.length,
    },
    alerts.map(collapsedEventOf),
  );
}

/** A digest as the subscriber received it. */
function receivedDigest(records: readonly CloudTrailRecord[]): DemoDigest {
  const message = demoMessageOf(snsBody(buildDigestMessage(digestOf(records))));
  if (message.kind !== 'digest') throw new Error('not a digest');
  return message.digest;
}

/** An alert whose email's WHAT CHANGED section holds `changes`. */
function withChanges(alert: DemoAlert, changes: readonly string[]): DemoAlert {
  return {
    ...alert,
    email: [
      headline(alert),
      '',
      'WHAT CHANGED (secret-like values masked)',
      ...changes.map((line) => `  ${line}`),
      '',
      'WHEN',
    ].join('\n'),
  };
}

function file(key: string, overrides: Partial<DemoFile> = {}): DemoFile {
  return {
    key,
    records: 10,
    alertsPublished: 0,
    alertsSuppressed: 0,
    alertsAlreadyPublished: 0,
    badRecords: 0,
    skippedObjects: 0,
    unreadableObjects: 0,
    incompleteObjects: 0,
    ...overrides,
  };
}

/** Two files and a digest; the queue hands the second file's alerts over first. */
function sampleRun(): DemoRun {
  const alerts = [
    received(deleteOn('second-high'), SECOND_KEY),
    received(updateOn('second-medium'), SECOND_KEY),
    received(updateOn('first-medium'), FIRST_KEY),
    received(deleteOn('first-high'), FIRST_KEY),
    received(tagOn('first-low'), FIRST_KEY),
  ];
  return {
    apiCalls: NO_API_CALLS,
    files: [
      file(DIGEST_KEY, { records: 0, skippedObjects: 1 }),
      file(FIRST_KEY, { records: 55, alertsPublished: 3 }),
      file(SECOND_KEY, { records: 20, alertsPublished: 2, alertsSuppressed: 1 }),
    ],
    alerts,
    elapsedMs: 4321,
  };
}

describe('Function: demoAlertOf', () => {
  it('reads severity, log file, subject, thread and both renderings from what SNS delivered', () => {
    // Act
    const alert = received(deleteOn('live-9'), FIRST_KEY);

    // Assess
    expect(alert.severity).toBe('high');
    expect(alert.logKey).toBe(FIRST_KEY);
    expect(alert.detection).toEqual({ path: 'log-file', delaySeconds: 300 });
    expect(alert.eventName).toBe('DeleteChannel');
    expect(alert.resource).toBe('channel live-9');
    expect(alert.kind).toBe('event');
    expect(alert.collapsed).toBe(false);
    // The subject is the resource's thread; the email opens with what happened.
    expect(alert.subject).toBe('MediaPackage channel live-9 (us-west-2, 111122223333)');
    expect(headline(alert)).toBe('[HIGH] MediaPackage DeleteChannel on channel live-9 (us-west-2)');
    expect(JSON.parse(alert.chatbot)).toMatchObject({ source: 'custom' });
    expect(alert.threadId).toMatch(/^mediapackage-channel-live-9-[0-9a-f]{16}$/);
  });

  it('reads an alert a storm collapsed: for machines only, no Slack thread', () => {
    // Act
    const alert = received(deleteOn('live-9'), FIRST_KEY, 300, true);

    // Assess
    expect(alert.collapsed).toBe(true);
    expect(alert.threadId).toBeNull();
  });

  it('refuses a digest, which demoMessageOf reads', () => {
    // Prepare
    const body = snsBody(buildDigestMessage(digestOf([tagOn('a'), tagOn('b')])));

    // Act & Assess
    expect(() => demoAlertOf(body)).toThrow(/Expected an alert, got digest digest-/);
    expect(demoMessageOf(body)).toMatchObject({
      kind: 'digest',
      digest: {
        digestID: expect.stringMatching(/^digest-/) as unknown,
        subject: '[STORM LOW] 2 more TagResource calls by role MediaOpsAdmin in the last 1 minute',
        threadId: expect.stringMatching(/^mediapackage-storm-TagResource-/) as unknown,
      },
    });
  });

  it('reads an alert found on EventBridge: no log file, its path and delay', () => {
    // Act
    const alert = received(deleteOn('live-9'), null, 4);

    // Assess
    expect(alert.logKey).toBeNull();
    expect(alert.detection).toEqual({ path: 'eventbridge', delaySeconds: 4 });
    expect(alert.email).toContain('Detected: via EventBridge, 4 s after the call');
  });
});

describe('Function: medianDelaySeconds', () => {
  it('takes the middle delay, the mean of the two middle ones, or none', () => {
    // Prepare
    const base = received(updateOn('x'), null, 0);
    const after = (...delays: (number | null)[]): DemoAlert[] =>
      delays.map((delaySeconds) => ({ ...base, detection: { ...base.detection, delaySeconds } }));

    // Act & Assess
    expect(medianDelaySeconds(after(9, 1, 4))).toBe(4);
    expect(medianDelaySeconds(after(2, 8, 1, 3))).toBe(2.5);
    expect(medianDelaySeconds(after(null, 6))).toBe(6);
    expect(medianDelaySeconds(after(null))).toBeNull();
    expect(medianDelaySeconds([])).toBeNull();
  });
});

describe('Function: firstOfEachSeverity', () => {
  it('picks the first alert of each severity in upload order, most severe first', () => {
    // Act
    const picked = firstOfEachSeverity(sampleRun());

    // Assess
    expect(picked.map(headline)).toEqual([
      '[HIGH] MediaPackage DeleteChannel on channel first-high (us-west-2)',
      '[MEDIUM] MediaPackage UpdateChannel on channel first-medium (us-west-2)',
      expect.stringMatching(/^\[LOW\] MediaPackage TagResource on .*first-low/) as unknown,
    ]);
  });

  it('picks nothing when no alert came', () => {
    // Act
    const picked = firstOfEachSeverity({ ...sampleRun(), alerts: [] });

    // Assess
    expect(picked).toEqual([]);
  });
});

describe('Function: fileLine', () => {
  it('says why a file was skipped', () => {
    // Act
    const line = fileLine(file(DIGEST_KEY, { records: 0, skippedObjects: 1 }), []);

    // Assess
    expect(line).toMatch(/CloudTrail-Digest_.*\.json\.gz {2}skipped: digest-file$/);
  });

  it('counts records and alerts by severity, and what else happened to the file', () => {
    // Prepare
    const run = sampleRun();

    // Act
    const line = fileLine(
      file(FIRST_KEY, { records: 55, alertsPublished: 3, badRecords: 1, alertsSuppressed: 2 }),
      run.alerts,
    );

    // Assess
    expect(line).toBe(
      `  ${FIRST_KEY.split('/').pop() ?? ''}  55 records, 3 alerts (high 1, medium 1, low 1), 2 suppressed by rules, 1 bad record`,
    );
  });
});

describe('Function: demoReport', () => {
  it('prints a line per file, one email per severity (Slack for the first), threads, what changed, then totals', () => {
    // Act
    const lines = demoReport(sampleRun(), { verbose: false });

    // Assess
    const text = lines.join('\n');
    expect(
      lines.filter((line) => line.startsWith('  ') && line.includes('.json.gz  ')),
    ).toHaveLength(3);
    expect(lines.filter((line) => line.startsWith('==== '))).toEqual([
      expect.stringMatching(/^==== HIGH: the first of 2 high alerts =+$/) as unknown,
      expect.stringMatching(/^==== MEDIUM: the first of 2 medium alerts =+$/) as unknown,
      expect.stringMatching(/^==== LOW: the first of 1 low alert =+$/) as unknown,
      expect.stringMatching(/^==== THREADS: /) as unknown,
      expect.stringMatching(/^==== WHAT CHANGED: /) as unknown,
    ]);
    const subjects = lines.flatMap((line, index) =>
      line.startsWith('---- EMAIL  Subject: ') ? [`${line} | ${lines[index + 1] ?? ''}`] : [],
    );
    expect(subjects).toEqual([
      '---- EMAIL  Subject: MediaPackage channel first-high (us-west-2, 111122223333) | [HIGH] MediaPackage DeleteChannel on channel first-high (us-west-2)',
      '---- EMAIL  Subject: MediaPackage channel first-medium (us-west-2, 111122223333) | [MEDIUM] MediaPackage UpdateChannel on channel first-medium (us-west-2)',
      expect.stringContaining('| [LOW]') as unknown,
    ]);
    // Slack in full for the first; the others say which thread they went to.
    expect(lines.filter((line) => line.startsWith('---- SLACK'))).toEqual([
      expect.stringMatching(/^---- SLACK \(AWS Chatbot custom notification\) -+$/) as unknown,
      expect.stringMatching(
        /^---- SLACK {2}like the first, in thread mediapackage-channel-first-medium-[0-9a-f]{16} \(--verbose shows it\)$/,
      ) as unknown,
      expect.stringMatching(/^---- SLACK {2}like the first, in thread mediapackage-/) as unknown,
    ]);
    expect(text).not.toContain('second-high');
    expect(lines.slice(-8)).toEqual([
      'Totals',
      '  files:    3 (1 skipped)',
      '  records:  75',
      '  alerts:   5 received by the subscriber (high 2, medium 2, low 1)',
      '  suppressed by rules: 1',
      '  by path:  eventbridge 0, log-file 5 (median 300 s after the call)',
      '  sent twice: 0',
      '  time:     4.3 s',
    ]);
  });

  it('prints every alert with --verbose', () => {
    // Act
    const lines = demoReport(sampleRun(), { verbose: true });

    // Assess
    expect(lines.filter((line) => line.startsWith('---- EMAIL  Subject: '))).toHaveLength(5);
    expect(lines.filter((line) => line.startsWith('---- SLACK'))).toHaveLength(5);
    expect(lines.join('\n')).toContain('second-high');
  });

  it('folds long request parameters unless verbose, in the email and in Slack', () => {
    // Prepare
    const params = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [`key${index}`, index]),
    );
    const alert = received(
      cloudTrailRecord({ eventName: 'UpdateChannel', requestParameters: { id: 'x', ...params } }),
      FIRST_KEY,
    );
    const run: DemoRun = { ...sampleRun(), alerts: [alert] };

    // Act
    const folded = demoReport(run, { verbose: false });
    const full = demoReport(run, { verbose: true });

    // Assess
    const notes = folded.filter((line) => line.includes('more lines (npm run demo -- --verbose'));
    expect(notes).toEqual([
      expect.stringMatching(/^ {2}\.\.\. 20 more lines/) as unknown,
      expect.stringMatching(/^ {2}\.\.\. 20 more lines/) as unknown,
    ]);
    const keyLines = (lines: string[]): number =>
      lines.filter((line) => /"key\d+": \d+/.test(line)).length;
    expect(keyLines(folded)).toBe(2 * (FOLDED_PARAMETER_LINES - 2));
    expect(keyLines(full)).toBe(2 * 20);
    // What follows the parameters is kept: the email's links, Slack's next steps.
    expect(folded).toContain('LINKS');
    expect(folded.some((line) => line.startsWith('  > Open the event in CloudTrail'))).toBe(true);
  });

  it('reports duplicates that idempotent delivery suppressed, when there are some', () => {
    // Prepare
    const run = sampleRun();
    const withDuplicates: DemoRun = {
      ...run,
      files: run.files.map((each) =>
        each.key === FIRST_KEY ? { ...each, alertsAlreadyPublished: 2 } : each,
      ),
    };

    // Act
    const lines = demoReport(withDuplicates, { verbose: false });

    // Assess
    expect(lines).toContain('  duplicates suppressed by idempotency: 2, sent twice: 0');
    expect(demoReport(run, { verbose: false }).join('\n')).not.toContain('idempotency');
  });

  it('with the fast path: EventBridge before the files, alerts by path with median delays, nothing sent twice', () => {
    // Prepare: EventBridge delivered two of the first file's three writes, 2 s and 4 s after
    // the calls; the file sent the third and found the two already sent.
    const run = sampleRun();
    const fast = [received(deleteOn('first-high'), null, 2), received(tagOn('first-low'), null, 4)];
    const fastRun: DemoRun = {
      ...run,
      apiCalls: { sent: 2, withheld: 1, alertsPublished: 2, alertsAlreadyPublished: 0 },
      files: run.files.map((each) =>
        each.key === FIRST_KEY ? { ...each, alertsPublished: 1, alertsAlreadyPublished: 2 } : each,
      ),
      alerts: [...run.alerts.filter((alert) => !/first-(high|low)/.test(alert.subject)), ...fast],
    };

    // Act
    const lines = demoReport(fastRun, { verbose: false });

    // Assess
    expect(lines.slice(0, 2)).toEqual([
      "EventBridge: 2 API call events for the samples' MediaPackage writes, 1 held back (it is best effort)",
      '  2 alerts at once (high 1, low 1), median 3 s after the call',
    ]);
    expect(lines.findIndex((line) => line.startsWith('Sample files (3)'))).toBe(3);
    expect(lines.find((line) => line.includes(FIRST_KEY.split('/').pop() ?? '-'))).toMatch(
      /1 alert \(medium 1\), 2 already sent$/,
    );
    // The first of each severity is the first sent: EventBridge's come before any file's.
    expect(lines.filter((line) => /^\[(HIGH|MEDIUM|LOW)\] MediaPackage /.test(line))).toEqual([
      '[HIGH] MediaPackage DeleteChannel on channel first-high (us-west-2)',
      '[MEDIUM] MediaPackage UpdateChannel on channel first-medium (us-west-2)',
      expect.stringMatching(/^\[LOW\] .*first-low/) as unknown,
    ]);
    expect(lines).toContain('Detected: via EventBridge, 2 s after the call');
    expect(lines).toContain(
      '  by path:  eventbridge 2 (median 3 s after the call), log-file 3 (median 300 s after the call)',
    );
    expect(lines).toContain('  already sent by EventBridge: 2, sent twice: 0');
  });

  it('counts an event the subscriber received twice', () => {
    // Prepare
    const run = sampleRun();
    const [first] = run.alerts as [DemoAlert];

    // Act
    const lines = demoReport({ ...run, alerts: [...run.alerts, first] }, { verbose: false });

    // Assess
    expect(lines).toContain('  sent twice: 1');
  });
});

describe('Function: threadLines', () => {
  it('shows the resource with the most alerts sharing one subject and one Slack thread, and another with its own', () => {
    // Prepare: two alerts on ch-1, one on ch-2, and a collapsed one on ch-3 (no person got it).
    const alerts = [
      received(deleteOn('ch-1'), null, 1),
      received(updateOn('ch-2'), null, 1),
      received(updateOn('ch-1'), null, 1),
      received(updateOn('ch-3'), null, 1, true),
    ];

    // Act
    const lines = threadLines(alerts);

    // Assess
    expect(lines).toEqual([
      expect.stringMatching(
        /^==== THREADS: one email subject and one Slack thread per resource =+$/,
      ) as unknown,
      '  2 alerts on channel ch-1 (DeleteChannel, UpdateChannel) share',
      "    subject 'MediaPackage channel ch-1 (us-west-2, 111122223333)'",
      expect.stringMatching(
        /^ {4}and Slack thread 'mediapackage-channel-ch-1-[0-9a-f]{16}'$/,
      ) as unknown,
      '  another resource, channel ch-2, has its own',
      "    subject 'MediaPackage channel ch-2 (us-west-2, 111122223333)'",
      expect.stringMatching(
        /^ {4}and Slack thread 'mediapackage-channel-ch-2-[0-9a-f]{16}'$/,
      ) as unknown,
      '  3 alerts to people: 2 subjects, 2 Slack threads, each subject always in the same thread',
    ]);
  });

  it('says so when the threads of one subject differ, or no resource had two alerts', () => {
    // Prepare
    const [first, second] = [
      received(deleteOn('ch-1'), null, 1),
      received(updateOn('ch-1'), null, 1),
    ];
    const split = [first, { ...second, threadId: 'another-thread' }];

    // Act & Assess
    expect(threadLines(split)).toContain(
      `    but 2 Slack threads: ${first.threadId ?? '-'}, another-thread`,
    );
    expect(threadLines(split).at(-1)).toBe(
      '  2 alerts to people: 1 subject, 2 Slack threads, 2 subject-thread pairs (expected one per resource)',
    );
    expect(threadLines([first]).slice(1)).toEqual(['  no resource had two alerts']);
  });
});

describe('Function: changeLines', () => {
  it('shows the first update compared with a known state, after the alert that made it known', () => {
    // Prepare
    const create = received(tagOn('ch-1'), null, 1);
    const alerts = [
      withChanges(received(deleteOn('ch-1'), null, 1), [
        'Previous state unknown: first change seen for this resource; the values it set:',
        'description: "old"',
      ]),
      withChanges(received(updateOn('ch-9'), null, 1), ['tags.Team: (absent) -> "a"']),
      create,
      withChanges(received(updateOn('ch-1'), null, 1), [
        'description: "a" -> "b"',
        'tags.Team: (removed)',
      ]),
    ];

    // Act
    const lines = changeLines(alerts);

    // Assess
    expect(whatChanged(alerts[3]?.email ?? '')).toEqual([
      '  description: "a" -> "b"',
      '  tags.Team: (removed)',
    ]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^==== WHAT CHANGED: a change against the resource's last known state =+$/,
      ) as unknown,
      '  UpdateChannel on channel ch-1, after its DeleteChannel (email WHAT CHANGED, Slack *Changed:*):',
      '    description: "a" -> "b"',
      '    tags.Team: (removed)',
      '  3 of 4 alerts said what changed; 1 on a resource seen for the first time (previous state unknown)',
    ]);
  });

  it('says so when no alert compared a known previous state', () => {
    // Act
    const lines = changeLines([received(updateOn('ch-1'), null, 1)]);

    // Assess
    expect(lines.slice(1)).toEqual(['  no alert compared a known previous state']);
  });
});

describe('Function: stormLines', () => {
  /** 8 tag calls: 5 people got, 3 collapsed, and the window's digest. */
  function storm(): DemoStorm {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const collapsed = ids.slice(5);
    return {
      calls: ids.length,
      eventName: 'TagResource',
      caller: 'role MediaOpsAdmin',
      settings: { enabled: true, threshold: 5, windowMinutes: 1 },
      alerts: ids.map((id) => received(tagOn(id), null, 1, collapsed.includes(id))),
      digests: [receivedDigest(collapsed.map(tagOn))],
      clockAheadMinutes: 3,
    };
  }

  it('counts what people and machines got, and shows the digest folded', () => {
    // Act
    const lines = stormLines(storm(), { verbose: false });

    // Assess
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(
        /^==== STORM: 8 TagResource calls by role MediaOpsAdmin, threshold 5 per minute =*$/,
      ) as unknown,
      "  people got 5 one by one; machines got all 8, 3 of them with storm=collapsed (people's subscriptions filter those out)",
      '  digest: due 60 s after its window ends; a scheduled invocation, its storm clock 3 minutes ahead, published 1',
      '---- EMAIL  Subject: [STORM LOW] 3 more TagResource calls by role MediaOpsAdmin in the last 1 minute',
    ]);
    expect(lines.slice(4, 4 + FOLDED_DIGEST_LINES)).toEqual(
      (storm().digests[0]?.email ?? '').split('\n').slice(0, FOLDED_DIGEST_LINES),
    );
    expect(lines[4 + FOLDED_DIGEST_LINES]).toMatch(
      /^\.\.\. \d+ more lines: WHEN, WHERE, RESOURCES \(3\), CLOUDTRAIL EVENTS \(npm run demo -- --verbose shows them\)$/,
    );
    expect(lines.at(-1)).toMatch(
      /^---- SLACK {2}:cyclone: 3 more TagResource calls by role MediaOpsAdmin in the last 1 minute, in the storm's thread mediapackage-storm-TagResource-/,
    );
  });

  it('shows the whole digest with --verbose', () => {
    // Act
    const lines = stormLines(storm(), { verbose: true });

    // Assess
    expect(lines).toContain('CLOUDTRAIL EVENTS');
    expect(lines.some((line) => line.includes('more lines'))).toBe(false);
  });
});

describe('Function: demoReport, with the demo channel and the storm', () => {
  it('prints threads, what changed and the storm after the renderings, before the totals', () => {
    // Prepare
    const channel = [
      received(tagOn('ch-1'), null, 1),
      withChanges(received(updateOn('ch-1'), null, 1), ['description: "a" -> "b"']),
    ];
    const run: DemoRun = {
      ...sampleRun(),
      channel,
      storm: {
        calls: 2,
        eventName: 'TagResource',
        caller: 'role MediaOpsAdmin',
        settings: { enabled: true, threshold: 1, windowMinutes: 1 },
        alerts: [received(tagOn('s1'), null, 1), received(tagOn('s2'), null, 1, true)],
        digests: [receivedDigest([tagOn('s2')])],
        clockAheadMinutes: 3,
      },
    };

    // Act
    const lines = demoReport(run, { verbose: false });

    // Assess
    expect(
      lines.filter((line) => line.startsWith('==== ')).map((line) => line.split(':')[0]),
    ).toEqual([
      '==== HIGH',
      '==== MEDIUM',
      '==== LOW',
      '==== THREADS',
      '==== WHAT CHANGED',
      '==== STORM',
    ]);
    expect(lines).toContain('    description: "a" -> "b"');
    expect(lines).toContain(
      "  people got 1 one by one; machines got all 2, 1 of them with storm=collapsed (people's subscriptions filter those out)",
    );
    const storm = lines.findIndex((line) => line.startsWith('==== STORM'));
    expect(storm).toBeGreaterThan(lines.findIndex((line) => line.startsWith('==== WHAT CHANGED')));
    expect(storm).toBeLessThan(lines.indexOf('Totals'));
    // The totals are the samples': the demo channel's and the storm's alerts are not in them.
    expect(lines).toContain('  alerts:   5 received by the subscriber (high 2, medium 2, low 1)');
  });
});
