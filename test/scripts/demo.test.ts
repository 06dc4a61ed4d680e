import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('Script: npm run demo', () => {
  // The whole demo (emulator, 7 sample files, 31 alerts) takes about 5 s here.
  it('prints files, one section per severity and totals, without the SDK Node-version warning', () => {
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
      '  alerts:   31 received by the subscriber (high 11, medium 17, low 3)',
    );
    expect(lines.some((line) => /^ {2}time: {5}\d+\.\d s$/.test(line))).toBe(true);
    // Today's every-alert listing ran to some 2,000 lines; the default must stay short.
    expect(lines.length).toBeLessThan(200);
  });
});
