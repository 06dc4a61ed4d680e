import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../../cli/main';
import { runRulesCheck } from '../../cli/rules';
import type { GeneratedRecord } from '../../scripts/cloudtrail-factory';
import {
  IDENTITY_PRESETS,
  createRng,
  logFileBody,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../scripts/cloudtrail-factory';
import { captureIo } from '../support/captured-io';
import { chunked } from '../support/streams';
import { DEPLOY_REASON, TEAM_RULES } from '../support/team-rules';

interface DecisionLine {
  decision: 'alert' | 'suppressed';
  eventID: string;
  eventSource: string;
  eventName: string;
  severity: string;
  outcome: string;
  category?: string;
  suppression?: number;
  reason?: string;
  sourceFile: string;
}

const EXPIRED_REASON = 'Channel migration window';
const TAGGING_REASON = 'Tagging bot, reviewed weekly';
/** What `rules check` and `rules test` say of CUSTOM_RULES' expired suppression. */
const EXPIRED_WARNING = `warning: suppression #1 (${EXPIRED_REASON}) expired on 2020-01-31; it no longer silences anything - remove it or extend "expires"`;

/** The team's rules, plus what this file's records need: failures and tagging. */
const CUSTOM_RULES = {
  ...TEAM_RULES,
  severityRules: [
    ...TEAM_RULES.severityRules,
    { outcome: 'failed', severity: 'high' },
    { eventName: 'Tag*', severity: 'info' },
  ],
  suppressions: [
    ...TEAM_RULES.suppressions,
    {
      reason: EXPIRED_REASON,
      principalArn: 'arn:aws:sts::111122223333:assumed-role/MediaOperator/*',
      expires: '2020-01-31',
    },
    { reason: TAGGING_REASON, eventName: 'TagResource', expires: '2099-12-31' },
  ],
};

/** One log file whose every record has a known fate under CUSTOM_RULES. */
function buildRecords() {
  const rng = createRng(4242);
  const at = { eventTime: '2025-03-14T09:05:00Z', client: 'cli' } as const;
  const operatorUpdate = mediaPackageRecord(rng, {
    ...at,
    source: 'mediapackage.amazonaws.com',
    eventName: 'UpdateChannel',
    identity: IDENTITY_PRESETS.mediaOperator,
  });
  const deployDelete = mediaPackageRecord(rng, {
    ...at,
    source: 'mediapackagev2.amazonaws.com',
    eventName: 'DeleteChannel',
    identity: IDENTITY_PRESETS.deployPipeline,
  });
  const liveUpdate = otherServiceRecord(rng, {
    ...at,
    call: 'medialive:UpdateChannel',
    identity: IDENTITY_PRESETS.consoleAdmin,
  });
  const read = mediaPackageRecord(rng, {
    ...at,
    source: 'mediapackage.amazonaws.com',
    eventName: 'DescribeChannel',
    identity: IDENTITY_PRESETS.mediaOperator,
  });
  const stopLogging: GeneratedRecord = {
    ...otherServiceRecord(rng, {
      ...at,
      call: 'ec2:RunInstances',
      identity: IDENTITY_PRESETS.deployPipeline,
    }),
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    requestParameters: { name: 'arn:aws:cloudtrail:us-west-2:111122223333:trail/management' },
    responseElements: null,
  };
  const tagging = mediaPackageRecord(rng, {
    ...at,
    source: 'mediapackage-vod.amazonaws.com',
    eventName: 'TagResource',
    identity: IDENTITY_PRESETS.consoleAdmin,
  });
  const unrelated = otherServiceRecord(rng, { ...at, call: 's3:PutBucketPolicy' });
  const failedCreate = mediaPackageRecord(rng, {
    ...at,
    source: 'mediapackage.amazonaws.com',
    eventName: 'CreateChannel',
    identity: IDENTITY_PRESETS.legacyUser,
    errorCode: 'AccessDeniedException',
  });
  return {
    operatorUpdate,
    deployDelete,
    liveUpdate,
    read,
    stopLogging,
    tagging,
    unrelated,
    failedCreate,
  };
}

describe('Command: mp-audit rules', () => {
  let dir: string;
  let rulesPath: string;
  let logsDir: string;
  const records = buildRecords();

  async function put(path: string, content: string | Buffer): Promise<string> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return path;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mp-audit-rules-cli-'));
    rulesPath = await put(join(dir, 'rules.json'), JSON.stringify(CUSTOM_RULES, null, 2));
    logsDir = join(dir, 'logs');
    const key = logObjectKey({
      accountId: '111122223333',
      region: 'us-west-2',
      date: new Date('2025-03-14T09:10:00Z'),
    });
    await put(join(logsDir, key), logFileBody(Object.values(records)));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('rules check', () => {
    it('prints what a valid file does and exits 0', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', rulesPath], io);

      // Assess: an expired suppression is a warning, not a reason to fail.
      expect(code).toBe(0);
      expect(io.stderr).toEqual([EXPIRED_WARNING]);
      expect(io.stdout[0]).toBe(`${rulesPath}: valid`);
      expect(io.stdout).toContain(
        'watches:        mediapackage*.amazonaws.com, medialive.amazonaws.com',
      );
      expect(io.stdout).toContain('severity rules: 3 (first match wins), otherwise medium');
      expect(io.stdout).toContain('  [0] name UpdateChannel -> high');
      expect(io.stdout).toContain('  [1] outcome failed -> high');
      expect(io.stdout).toContain('suppressions:   3 (1 expired)');
      expect(io.stdout).toContain('self-protection: on, at high');
      expect(io.stdout).toContain(
        'root user:      high, whatever the severity rules say (a rule naming identityType Root overrides it)',
      );
    });

    it('shows identity conditions and who decides a root change when a rule names Root', async () => {
      // Prepare
      const file = join(dir, 'root-rules.json');
      await writeFile(
        file,
        JSON.stringify({
          version: 1,
          severityRules: [
            { identityType: ['Root'], via: 'console', severity: 'medium' },
            { eventName: 'TagResource', severity: 'low' },
          ],
        }),
      );
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', file], io);

      // Assess
      expect(code).toBe(0);
      expect(io.stdout).toContain('  [0] identity Root, via console -> medium');
      expect(io.stdout).toContain(
        'root user:      as severity rule [0] says when it matches, else high',
      );
    });

    it('warns of each expired suppression, notes one expiring within 7 days, and says nothing of the others', async () => {
      // Prepare
      const path = await put(
        join(dir, 'expiries.json'),
        JSON.stringify({
          version: 1,
          suppressions: [
            { reason: 'Open-ended, no expiry', account: '111122223333' },
            { reason: 'Lapsed yesterday', account: '111122223333', expires: '2026-03-09' },
            { reason: 'Lapses in 3 days', account: '111122223333', expires: '2026-03-12' },
            { reason: 'Lapses next month', account: '111122223333', expires: '2026-04-10' },
            { reason: 'Lapsed an hour ago', account: '111122223333', expires: '2026-03-10T11:00Z' },
          ],
        }),
      );
      const io = captureIo();

      // Act
      const code = runRulesCheck(path, io, new Date('2026-03-10T12:00:00Z'));

      // Assess
      expect(code).toBe(0);
      expect(io.stdout).toContain('suppressions:   5 (2 expired)');
      expect(io.stderr).toEqual([
        'warning: suppression #1 (Lapsed yesterday) expired on 2026-03-09; it no longer silences anything - remove it or extend "expires"',
        'note: suppression #2 (Lapses in 3 days) expires on 2026-03-12, in 3 days; extend "expires" if it is still needed',
        'warning: suppression #4 (Lapsed an hour ago) expired on 2026-03-10T11:00Z; it no longer silences anything - remove it or extend "expires"',
      ]);
    });

    it('judges a date-only expiry at the end of that UTC day', () => {
      // Prepare: the last hour of the day the suppression is written to expire on.
      const io = captureIo();
      const lateThatDay = new Date('2020-01-31T23:00:00Z');

      // Act
      runRulesCheck(rulesPath, io, lateThatDay);

      // Assess
      expect(io.stderr.filter((line) => line.startsWith('warning:'))).toEqual([]);
      expect(io.stderr).toContainEqual(
        expect.stringMatching(
          /^note: suppression #1 \(Channel migration window\) expires on 2020-01-31, in 1 day;/,
        ),
      );
    });

    it('says what each suppression silences, tampering alerts included', async () => {
      // Prepare
      const path = await put(
        join(dir, 'self-protection-suppressed.json'),
        JSON.stringify({
          version: 1,
          suppressions: [
            {
              reason: 'Terraform owns the trail',
              principalArn: 'arn:aws:iam::111122223333:role/tf',
              includeSelfProtection: true,
            },
          ],
        }),
      );
      const io = captureIo();

      // Act
      await main(['rules', 'check', path], io);

      // Assess
      expect(io.stdout).toContain(
        '  [0] principalArn arn:aws:iam::111122223333:role/tf, self-protection alerts too - Terraform owns the trail',
      );
    });

    it('marks an expired suppression EXPIRED and no other', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await main(['rules', 'check', rulesPath], io);

      // Assess
      const suppressionLines = io.stdout.filter((line) => / - .+$/.test(line));
      const byReason = (reason: string) => suppressionLines.find((line) => line.endsWith(reason));
      expect(byReason(EXPIRED_REASON)).toContain('until 2020-01-31 (EXPIRED: no longer applies)');
      expect(byReason(TAGGING_REASON)).toContain('until 2099-12-31');
      expect(byReason(TAGGING_REASON)).not.toContain('EXPIRED');
      expect(byReason(DEPLOY_REASON)).toBe(
        `  [0] principalArn arn:aws:sts::111122223333:assumed-role/GitHubActionsDeployRole/* - ${DEPLOY_REASON}`,
      );
    });

    it('warns when self-protection is off', async () => {
      // Prepare
      const path = await put(
        join(dir, 'no-self-protection.json'),
        JSON.stringify({ version: 1, selfProtection: { enabled: false } }),
      );
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', path], io);

      // Assess
      expect(code).toBe(0);
      expect(io.stdout).toContain(
        'self-protection: OFF: tampering with the pipeline will not alert',
      );
    });

    it('rejects an invalid file with exit 1, naming the file and the path in it', async () => {
      // Prepare
      const path = await put(
        join(dir, 'invalid.json'),
        JSON.stringify({
          version: 1,
          suppressions: [{ reason: DEPLOY_REASON, account: '111122223333' }, { region: 'eu-*' }],
        }),
      );
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', path], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toEqual([
        `${path}: invalid rules:\n  suppressions[1].reason: a reason is required: say why these events need no alert`,
      ]);
    });

    it('rejects a file that is not JSON with exit 1', async () => {
      // Prepare
      const path = await put(join(dir, 'broken.json'), '{ "version": 1,');
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', path], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stderr).toEqual([
        `mp-audit: rules file ${path} is not valid JSON at line 1, column 16: expected double-quoted property name`,
      ]);
    });

    it('rejects a folder with exit 1, saying it is one', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', logsDir], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stderr).toEqual([
        `mp-audit: rules file ${logsDir} is a directory; name the JSON file in it`,
      ]);
    });

    it('suggests the key meant for a misspelt one inside a suppression', async () => {
      // Prepare
      const path = await put(
        join(dir, 'misspelt.json'),
        JSON.stringify({
          version: 1,
          suppresions: [],
          suppressions: [{ reason: DEPLOY_REASON, account: '111122223333', expire: '2030-01-01' }],
        }),
      );
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', path], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stderr).toEqual([
        `${path}: invalid rules:\n` +
          '  suppressions[0].expire: unknown key; did you mean "expires"?\n' +
          '  suppresions: unknown key; did you mean "suppressions"?',
      ]);
    });

    it('rejects a missing file with exit 1', async () => {
      // Prepare
      const path = join(dir, 'missing.json');
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check', path], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stderr).toEqual([
        `mp-audit: rules file ${path} not found (create one: see README "Rules", or name another: mp-audit rules check <file>)`,
      ]);
    });

    it('checks config/rules.json when no file is named', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(['rules', 'check'], io);

      // Assess
      expect(code).toBe(0);
      expect(io.stdout[0]).toBe('config/rules.json: valid');
      expect(io.stdout).toContain(
        'watches:        mediapackage.amazonaws.com, mediapackagev2.amazonaws.com, mediapackage-vod.amazonaws.com',
      );
      expect(io.stdout).toContain('severity rules: 6 (first match wins), otherwise medium');
      expect(io.stdout).toContain('suppressions:   0');
      expect(io.stderr).toEqual([]);
      expect(io.stdout).toContain('self-protection: on, at high');
    });
  });

  describe('rules test', () => {
    it('lists each alert with its severity and each suppressed event with its suppression', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(['rules', 'test', rulesPath, logsDir], io);

      // Assess
      expect(code).toBe(0);
      const lineOf = (record: GeneratedRecord) =>
        io.stdout.filter((line) => line.includes(record.eventID));
      expect(lineOf(records.operatorUpdate)).toEqual([
        `ALERT      high   UpdateChannel (mediapackage.amazonaws.com) ${records.operatorUpdate.eventID} by arn:aws:sts::111122223333:assumed-role/MediaOperator/bob`,
      ]);
      expect(lineOf(records.liveUpdate)).toEqual([
        expect.stringMatching(/^ALERT {6}high {3}UpdateChannel \(medialive\.amazonaws\.com\) /),
      ]);
      expect(lineOf(records.stopLogging)).toEqual([
        expect.stringMatching(
          /^ALERT {6}high {3}StopLogging \(cloudtrail\.amazonaws\.com\) .* \[self-protection\]$/,
        ),
      ]);
      expect(lineOf(records.failedCreate)).toEqual([
        expect.stringMatching(/^ALERT {6}high {3}CreateChannel /),
      ]);
      expect(lineOf(records.deployDelete)).toEqual([
        `SUPPRESSED medium DeleteChannel (mediapackagev2.amazonaws.com) ${records.deployDelete.eventID} by suppressions[0]: ${DEPLOY_REASON}`,
      ]);
      expect(lineOf(records.tagging)).toEqual([
        `SUPPRESSED info   TagResource (mediapackage-vod.amazonaws.com) ${records.tagging.eventID} by suppressions[2]: ${TAGGING_REASON}`,
      ]);
      expect(lineOf(records.read)).toEqual([]);
      expect(lineOf(records.unrelated)).toEqual([]);
      expect(io.stdout).toHaveLength(6);
      expect(io.stderr).toEqual([
        EXPIRED_WARNING,
        'mp-audit rules test: files 1, alerts 4, suppressed 2 (suppressions[0]: 1, suppressions[2]: 1), ' +
          'expired suppressions 1, skipped 0, unreadable 0',
      ]);
    });

    it('skips what scan skips: digest files and non-log files in folders', async () => {
      // Prepare: the repository's samples hold a digest file; a folder of ours adds a README.
      const folder = await mkdtemp(join(tmpdir(), 'mp-audit-rules-skip-'));
      await writeFile(join(folder, 'README.txt'), 'not a log file');
      const io = captureIo();
      const scanIo = captureIo();

      // Act
      const code = await main(['rules', 'test', 'config/rules.json', 'samples', folder], io);
      const scanCode = await main(['scan', 'samples', folder], scanIo);
      await rm(folder, { recursive: true, force: true });

      // Assess
      expect(code).toBe(0);
      expect(scanCode).toBe(0);
      const summary = io.stderr.at(-1) ?? '';
      expect(summary).toMatch(
        /, skipped \d+ \(not-a-log-file-name: \d+, digest-file: 1\), unreadable 0$/,
      );
      expect(io.stderr).toHaveLength(1);
      const filesRead = (line: string) => /files (\d+)/.exec(line)?.[1];
      const skippedText = (line: string) => /skipped (\d+ \([^)]*\))/.exec(line)?.[1];
      const scanSummary = scanIo.stderr.at(-1) ?? '';
      expect(filesRead(summary)).toBe(filesRead(scanSummary));
      expect(skippedText(summary)).toBe(skippedText(scanSummary));
    });

    it('reads standard input for -, and prints no summary with --quiet', async () => {
      // Prepare
      const body = Buffer.from(logFileBody(Object.values(records)));
      const io = captureIo({ stdin: () => chunked(body, [1, 7, 100]) });
      const fromFolder = captureIo();

      // Act
      const code = await main(['rules', 'test', '--quiet', rulesPath, '-'], io);
      await main(['rules', 'test', rulesPath, logsDir], fromFolder);

      // Assess: the same decisions as from the file; warnings, but no summary.
      expect(code).toBe(0);
      expect(io.stderr.filter((line) => !line.startsWith('warning: '))).toEqual([]);
      expect(fromFolder.stderr.at(-1)).toMatch(/^mp-audit rules test: /);
      const decisions = (lines: readonly string[]) =>
        lines.map((line) => line.split(' ')[0]).sort();
      expect(io.stdout.length).toBeGreaterThan(0);
      expect(decisions(io.stdout)).toEqual(decisions(fromFolder.stdout));
    });

    it('prints one JSON decision per line with --json', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(['rules', 'test', '--json', rulesPath, logsDir], io);

      // Assess
      expect(code).toBe(0);
      const decisions = new Map(
        io.stdout.map((line) => {
          const decision = JSON.parse(line) as DecisionLine;
          return [decision.eventID, decision] as const;
        }),
      );
      expect(decisions.size).toBe(6);
      expect(decisions.get(records.operatorUpdate.eventID)).toMatchObject({
        decision: 'alert',
        eventSource: 'mediapackage.amazonaws.com',
        eventName: 'UpdateChannel',
        severity: 'high',
        outcome: 'success',
        category: 'watched',
      });
      expect(decisions.get(records.liveUpdate.eventID)).toMatchObject({
        decision: 'alert',
        eventSource: 'medialive.amazonaws.com',
        severity: 'high',
      });
      expect(decisions.get(records.stopLogging.eventID)).toMatchObject({
        decision: 'alert',
        severity: 'high',
        category: 'self-protection',
      });
      expect(decisions.get(records.failedCreate.eventID)).toMatchObject({
        decision: 'alert',
        severity: 'high',
        outcome: 'failed',
      });
      expect(decisions.get(records.deployDelete.eventID)).toMatchObject({
        decision: 'suppressed',
        severity: 'medium',
        suppression: 0,
        reason: DEPLOY_REASON,
      });
      expect(decisions.get(records.tagging.eventID)).toMatchObject({
        decision: 'suppressed',
        suppression: 2,
        reason: TAGGING_REASON,
      });
    });

    it('exits 1 with the path-naming message when the rules are invalid', async () => {
      // Prepare
      const path = await put(
        join(dir, 'bad-severity.json'),
        JSON.stringify({ version: 1, severityRules: [{ severity: 'critical' }] }),
      );
      const io = captureIo();

      // Act
      const code = await main(['rules', 'test', path, logsDir], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toEqual([
        `${path}: invalid rules:\n  severityRules[0].severity: expected one of high, medium, low, info`,
      ]);
    });

    it('exits 1 in one line when the rules file is missing, reading no log', async () => {
      // Prepare
      const path = join(dir, 'no-such-rules.json');
      const io = captureIo();

      // Act
      const code = await main(['rules', 'test', path, logsDir], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toEqual([
        `mp-audit: rules file ${path} not found (create one: see README "Rules")`,
      ]);
    });

    it('exits 1 when a log path cannot be read, after reading the others', async () => {
      // Prepare
      const missing = join(dir, 'no-such-logs');
      const io = captureIo();

      // Act
      const code = await main(['rules', 'test', rulesPath, missing, logsDir], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stderr).toContain(`mp-audit: cannot read ${missing}: ENOENT`);
      expect(io.stdout).toHaveLength(6);
    });
  });

  describe('scan --rules', () => {
    // cli/scan.ts runScan receives options.rules but calls scanLogObject with only
    // { objectName }, so `mp-audit scan --rules <file>` always applies the default rules.
    it('applies the rules file: its sources, severities and suppressions', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(['scan', '--json', '--rules', rulesPath, logsDir], io);

      // Assess
      expect(code).toBe(0);
      const alerts = io.stdout.map((line) => JSON.parse(line) as DecisionLine);
      expect(Object.fromEntries(alerts.map((alert) => [alert.eventID, alert.severity]))).toEqual({
        [records.operatorUpdate.eventID]: 'high',
        [records.liveUpdate.eventID]: 'high',
        [records.stopLogging.eventID]: 'high',
        [records.failedCreate.eventID]: 'high',
      });
    });

    it('exits 1 with the path-naming message when the rules are invalid', async () => {
      // Prepare
      const path = await put(
        join(dir, 'unknown-key.json'),
        JSON.stringify({ version: 1, eventSource: ['medialive.amazonaws.com'] }),
      );
      const io = captureIo();

      // Act
      const code = await main(['scan', '--rules', path, logsDir], io);

      // Assess
      expect(code).toBe(1);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toEqual([
        `${path}: invalid rules:\n  eventSource: unknown key; did you mean "eventSources"?`,
      ]);
    });

    it.each([['scan'], ['replay']])(
      'exits 1 in one line when the file of %s --rules is missing, offering the defaults',
      async (command) => {
        // Prepare
        const path = join(dir, 'config', 'rules.json');
        const io = captureIo();

        // Act
        const code = await main([command, '--rules', path, logsDir], io);

        // Assess
        expect(code).toBe(1);
        expect(io.stdout).toEqual([]);
        expect(io.stderr).toEqual([
          `mp-audit: rules file ${path} not found (create one: see README "Rules", or run without --rules for the defaults)`,
        ]);
      },
    );
  });

  describe('usage errors', () => {
    it.each([
      ['no command', []],
      ['an unknown command', ['rule']],
      ['rules without an action', ['rules']],
      ['an unknown rules action', ['rules', 'validate', 'config/rules.json']],
      ['rules check with two files', ['rules', 'check', 'a.json', 'b.json']],
      ['rules test without log files', ['rules', 'test', 'config/rules.json']],
      ['rules test without anything', ['rules', 'test']],
      ['scan --rules without a log file', ['scan', '--rules', 'config/rules.json']],
      ['scan --rules without a value', ['scan', 'logs', '--rules']],
      ['an unknown option', ['rules', 'test', '--verbose', 'config/rules.json', 'logs']],
    ])('exits 2 with the problem and a hint on %s', async (_name, argv) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(argv, io);

      // Assess
      expect(code).toBe(2);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toHaveLength(2);
      expect(io.stderr[0]).toMatch(/^mp-audit: \S/);
      expect(io.stderr[1]).toMatch(/^Try 'mp-audit( rules| scan)? --help'\.$/);
      expect(io.stderr.join('\n')).not.toContain('Usage:');
    });
  });
});
