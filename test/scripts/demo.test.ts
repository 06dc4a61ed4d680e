import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('Script: npm run demo', () => {
  // The whole demo (emulators, 24 EventBridge events, 7 sample files, 31 alerts, the demo
  // channel's 3 events, a storm of 30 calls and its digest) takes about 10 s, up to 5 s more when
  // the storm waits for the next window.
  it('prints the EventBridge events, files, one section per severity, threads, what changed, the storm and totals, without the SDK Node-version warning', () => {
    // Prepare: the demo must silence the SDK itself, not inherit the switch from this process.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

    // Act
    const result = spawnSync('npx', ['tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 50_000,
    });

    // Assess
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).not.toMatch(/NodeVersion|Node\.js/);
    const lines = result.stdout.split('\n');
    const fastPath = lines.findIndex((line) => line.startsWith('EventBridge: '));
    expect(lines[fastPath]).toMatch(
      /^EventBridge: 24 API call events for the samples' MediaPackage writes, 7 held back/,
    );
    expect(lines[fastPath + 1]).toMatch(
      /^ {2}24 alerts at once \(high \d+, medium \d+, low \d+\), median \d+ s after the call$/,
    );
    expect(fastPath).toBeLessThan(lines.findIndex((line) => line.startsWith('Sample files (7)')));
    expect(lines.filter((line) => line.startsWith('==== '))).toEqual([
      expect.stringMatching(/^==== HIGH: the first of \d+ high alerts/) as unknown,
      expect.stringMatching(/^==== MEDIUM: the first of \d+ medium alerts/) as unknown,
      expect.stringMatching(/^==== LOW: the first of \d+ low alerts/) as unknown,
      expect.stringMatching(/^==== THREADS: /) as unknown,
      expect.stringMatching(/^==== WHAT CHANGED: /) as unknown,
      expect.stringMatching(
        /^==== STORM: 30 TagResource calls by role CostTagger, threshold 5 per minute/,
      ) as unknown,
    ]);
    // The subject names the resource (its thread); the email's first line says what happened.
    const emails = lines.flatMap((line, index) =>
      line.startsWith('---- EMAIL  Subject: ') ? [[line, lines[index + 1] ?? ''] as const] : [],
    );
    expect(emails).toHaveLength(4);
    for (const [[subject, first], severity] of emails
      .slice(0, 3)
      .map((email, index) => [email, ['HIGH', 'MEDIUM', 'LOW'][index]] as const)) {
      expect(subject).toMatch(
        /^---- EMAIL {2}Subject: MediaPackage .* \([a-z0-9-]+, 111122223333\)$/,
      );
      expect(first).toMatch(new RegExp(`^\\[${severity ?? '-'}\\] MediaPackage `));
    }
    expect(lines.filter((line) => line.startsWith('---- SLACK'))).toEqual([
      expect.stringMatching(/^---- SLACK \(AWS Chatbot custom notification\)/) as unknown,
      expect.stringMatching(/^---- SLACK {2}like the first, in thread mediapackage-/) as unknown,
      expect.stringMatching(/^---- SLACK {2}like the first, in thread mediapackage-/) as unknown,
      expect.stringMatching(
        /^---- SLACK {2}:cyclone: 25 more TagResource calls by role CostTagger .*, in the storm's thread mediapackage-storm-TagResource-role-CostTagger-/,
      ) as unknown,
    ]);

    // Threads: the demo channel's three alerts share one subject and one Slack thread.
    const threads = lines.findIndex((line) => line.startsWith('==== THREADS'));
    expect(lines.slice(threads + 1, threads + 4)).toEqual([
      '  3 alerts on channel live/ch-1 (CreateChannel, UpdateChannel, TagResource) share',
      "    subject 'MediaPackage v2 channel live/ch-1 (us-west-2, 111122223333)'",
      expect.stringMatching(
        /^ {4}and Slack thread 'mediapackage-channel-live\/ch-1-[0-9a-f]{16}'$/,
      ) as unknown,
    ]);
    expect(lines[threads + 4]).toMatch(/^ {2}another resource, .+, has its own$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}34 alerts to people: (\d+) subjects, \1 Slack threads, each subject always in the same thread$/,
      ),
    );

    // What changed: the update, against the state its create left.
    const changed = lines.findIndex((line) => line.startsWith('==== WHAT CHANGED'));
    expect(lines.slice(changed + 1, changed + 3)).toEqual([
      '  UpdateChannel on channel live/ch-1, after its CreateChannel (email WHAT CHANGED, Slack *Changed:*):',
      '    description: "Live channel ch-1" -> "Live channel ch-1, backup encoder"',
    ]);

    // The storm: people got the first 5, machines all 30, then one digest for the rest.
    const storm = lines.findIndex((line) => line.startsWith('==== STORM'));
    expect(lines.slice(storm + 1, storm + 6)).toEqual([
      "  people got 5 one by one; machines got all 30, 25 of them with storm=collapsed (people's subscriptions filter those out)",
      '  digest: due 60 s after its window ends; a scheduled invocation, its storm clock 3 minutes ahead, published 1',
      '---- EMAIL  Subject: [STORM LOW] 25 more TagResource calls by role CostTagger in the last 1 minute',
      '[STORM LOW] 25 more TagResource calls by role CostTagger in the last 1 minute',
      '',
    ]);
    expect(lines).toContain('  Calls summed up: 25');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\.\.\. \d+ more lines: WHEN, WHERE, RESOURCES \(25\), CLOUDTRAIL EVENTS/,
      ),
    );
    expect(lines).toContain('  files:    7 (1 skipped)');
    expect(lines).toContain('  records:  321');
    expect(lines).toContain(
      '  alerts:   31 received by the subscriber (high 12, medium 16, low 3)',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}by path: {2}eventbridge 24 \(median \d+ s after the call\), log-file 7 \(median \d+ s after the call\)$/,
      ),
    );
    expect(lines).toContain('  already sent by EventBridge: 24, sent twice: 0');
    // The first of each severity went out on EventBridge.
    expect(lines.filter((line) => line.startsWith('Detected: '))).toEqual([
      expect.stringMatching(/^Detected: via EventBridge, \d+ s after the call$/) as unknown,
      expect.stringMatching(/^Detected: via EventBridge, \d+ s after the call$/) as unknown,
      expect.stringMatching(/^Detected: via EventBridge, \d+ s after the call$/) as unknown,
    ]);
    expect(lines.some((line) => /^ {2}time: {5}\d+\.\d s$/.test(line))).toBe(true);
    // Today's every-alert listing ran to some 2,000 lines; the default must stay short.
    expect(lines.length).toBeLessThan(220);
  });
});
