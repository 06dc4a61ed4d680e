import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('Script: npm run demo', () => {
  // The whole demo (emulators, 24 EventBridge events, 7 sample files, 31 alerts) takes about 5 s.
  it('prints the EventBridge events, then files, one section per severity and totals, without the SDK Node-version warning', () => {
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
    ]);
    expect(lines.filter((line) => line.startsWith('---- EMAIL  Subject: '))).toHaveLength(3);
    expect(lines.filter((line) => line.startsWith('---- SLACK'))).toHaveLength(3);
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
    expect(lines.length).toBeLessThan(230);
  });
});
