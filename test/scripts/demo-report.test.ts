import { buildAlertMessage } from '../../lambda/alert/sns-message';
import type { CloudTrailRecord } from '../../lambda/read/cloudtrail-record';
import { BUCKET, cloudTrailRecord, logFileKey } from '../../scripts/cloudtrail-factory';
import type { DemoAlert, DemoApiCalls, DemoFile, DemoRun } from '../../scripts/demo-report';
import {
  FOLDED_PARAMETER_LINES,
  demoAlertOf,
  demoReport,
  fileLine,
  firstOfEachSeverity,
  medianDelaySeconds,
} from '../../scripts/demo-report';
import { alertFor } from '../support/alerts';

const FIRST_KEY = logFileKey({ suffix: 'FirstFile0000001' });
const SECOND_KEY = logFileKey({ suffix: 'SecondFile000002' });
const DIGEST_KEY =
  'AWSLogs/111122223333/CloudTrail-Digest/us-west-2/2025/03/14/111122223333_CloudTrail-Digest_us-west-2_trail_us-east-1_20250314T100031Z.json.gz';

/**
 * The SQS body SNS delivers for the record's alert, read back as the demo reads it: found in
 * the log file `key`, or on EventBridge (`null`) `delaySeconds` after the call.
 */
function received(record: CloudTrailRecord, key: string | null, delaySeconds = 300): DemoAlert {
  const alert = alertFor(record, { bucket: BUCKET, key: key ?? '' });
  const message = buildAlertMessage({
    ...alert,
    logObject: key === null ? null : alert.logObject,
    detection: { path: key === null ? 'eventbridge' : 'log-file', delaySeconds },
  });
  return demoAlertOf(JSON.stringify({ Subject: message.subject, Message: message.message }));
}

const NO_API_CALLS: DemoApiCalls = {
  sent: 0,
  withheld: 0,
  alertsPublished: 0,
  alertsAlreadyPublished: 0,
};

const deleteOn = (id: string): CloudTrailRecord =>
  cloudTrailRecord({ eventName: 'DeleteChannel', requestParameters: { id } });
const updateOn = (id: string): CloudTrailRecord =>
  cloudTrailRecord({ eventName: 'UpdateChannel', requestParameters: { id } });
const tagOn = (id: string): CloudTrailRecord =>
  cloudTrailRecord({
    eventName: 'TagResource',
    requestParameters: { 'resource-arn': id, tags: { team: 'media' } },
  });

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
  it('reads severity, log file, subject and both renderings from what SNS delivered', () => {
    // Act
    const alert = received(deleteOn('live-9'), FIRST_KEY);

    // Assess
    expect(alert.severity).toBe('high');
    expect(alert.logKey).toBe(FIRST_KEY);
    expect(alert.detection).toEqual({ path: 'log-file', delaySeconds: 300 });
    expect(alert.subject).toBe('[HIGH] MediaPackage DeleteChannel on channel live-9 (us-west-2)');
    expect(alert.email.split('\n')[0]).toBe(alert.subject);
    expect(JSON.parse(alert.chatbot)).toMatchObject({ source: 'custom' });
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
    expect(picked.map((alert) => alert.subject)).toEqual([
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
  it('prints a line per file, one email and one Slack rendering per severity, then totals', () => {
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
    ]);
    expect(lines.filter((line) => line.startsWith('---- EMAIL  Subject: '))).toEqual([
      '---- EMAIL  Subject: [HIGH] MediaPackage DeleteChannel on channel first-high (us-west-2)',
      '---- EMAIL  Subject: [MEDIUM] MediaPackage UpdateChannel on channel first-medium (us-west-2)',
      expect.stringContaining('[LOW]') as unknown,
    ]);
    expect(lines.filter((line) => line.startsWith('---- SLACK'))).toHaveLength(3);
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
    expect(lines.filter((line) => line.startsWith('---- EMAIL  Subject: '))).toEqual([
      '---- EMAIL  Subject: [HIGH] MediaPackage DeleteChannel on channel first-high (us-west-2)',
      '---- EMAIL  Subject: [MEDIUM] MediaPackage UpdateChannel on channel first-medium (us-west-2)',
      expect.stringMatching(/^---- EMAIL {2}Subject: \[LOW\] .*first-low/) as unknown,
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
