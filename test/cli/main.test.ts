import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type * as MpAudit from '../../bin/mp-audit';
import { captureIo } from '../support/captured-io';

// Jest would resolve '../../bin/mp-audit' to the executable shim mp-audit.js, which runs the CLI
// on import: load the TypeScript module itself.
const { main } = jest.requireActual<typeof MpAudit>('../../bin/mp-audit.ts');

const ROOT = join(__dirname, '..', '..');
const { version } = jest.requireActual<{ version: string }>('../../package.json');

/** Runs the real executable, as a user would, from another directory. */
function runBin(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'mp-audit.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 60_000,
  });
}

describe('Function: main', () => {
  it.each([['--version'], ['-V']])(
    'prints the package version for %s and exits 0',
    async (flag) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main([flag], io);

      // Assess
      expect(code).toBe(0);
      expect(io.stdout).toEqual([version]);
      expect(io.stderr).toEqual([]);
    },
  );

  it.each([
    ['scan', '--max-inflated-mb', ['rules check', '--from-dlq']],
    ['rules', 'rules test <rules>', ['--max-inflated-mb', '--from-dlq']],
    ['replay', '--from-dlq', ['--max-inflated-mb', 'rules check']],
  ])('prints only the help of %s for <command> --help', async (command, shown, notShown) => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main([command, '--help'], io);

    // Assess
    expect(code).toBe(0);
    const help = io.stdout.join('\n');
    expect(help).toContain(`Usage: mp-audit ${command}`);
    expect(help).toContain(shown);
    for (const text of notShown) expect(help).not.toContain(text);
  });

  it('keeps the full usage for the global --help', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['--help'], io);

    // Assess
    expect(code).toBe(0);
    const help = io.stdout.join('\n');
    for (const text of ['--max-inflated-mb', 'rules check', '--from-dlq', '--version']) {
      expect(help).toContain(text);
    }
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'", "Try 'mp-audit --help'."],
    [['scan'], 'scan: name at least one file or folder', "Try 'mp-audit scan --help'."],
    [['rules', 'validate'], "rules: unknown action 'validate'", "Try 'mp-audit rules --help'."],
    [['replay'], 'replay: give exactly one of --from-dlq', "Try 'mp-audit replay --help'."],
  ])('says the problem in one line and where to read more for %j', async (argv, problem, hint) => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr).toHaveLength(2);
    expect(io.stderr[0]).toContain(`mp-audit: ${problem}`);
    expect(io.stderr[1]).toBe(hint);
  });
});

describe('Executable: bin/mp-audit.js', () => {
  it('prints the version from package.json when run as node bin/mp-audit.js', () => {
    // Act
    const result = runBin(['--version']);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  // No credentials anywhere: a fresh HOME, no AWS_* variables, instance metadata off. The queue
  // URL names the Region, so the first thing missing is the credentials; nothing is sent.
  const noCredentials = (home: string): NodeJS.ProcessEnv => ({
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  });
  const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/111122223333/audit-dlq';

  it('says in one line, without a stack, that there are no credentials (exit 1)', () => {
    // Act
    const result = runBin(
      ['replay', '--dry-run', '--from-dlq', queueUrl],
      noCredentials(ROOT + '/no-such-home'),
    );

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "mp-audit: no AWS credentials found: set AWS_PROFILE or run 'aws configure'\n",
    );
  });

  it('adds the stack with --debug', () => {
    // Act
    const result = runBin(
      ['--debug', 'replay', '--dry-run', '--from-dlq', queueUrl],
      noCredentials(ROOT + '/no-such-home'),
    );

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^mp-audit: no AWS credentials found/);
    expect(result.stderr).toMatch(/\n {4}at /);
  });

  it('says there is no Region when neither the environment nor the queue URL names one', () => {
    // Act
    const result = runBin(['replay', '--dry-run', '--from-dlq', 'http://127.0.0.1:9/1/q'], {
      ...noCredentials(ROOT + '/no-such-home'),
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('mp-audit: no AWS Region: set AWS_REGION or pass --region\n');
  });

  it('does not print the SDK Node-version warning', () => {
    // Act: replay creates SDK clients, which is when the SDK would warn; scan reads a sample.
    const replay = runBin(
      ['replay', '--dry-run', '--from-dlq', queueUrl],
      noCredentials(ROOT + '/no-such-home'),
    );
    const scan = runBin(['scan', join(ROOT, 'samples')]);

    // Assess
    expect(replay.stderr).not.toContain('NodeVersionSupportWarning');
    expect(scan.status).toBe(0);
    expect(scan.stderr).not.toContain('NodeVersionSupportWarning');
  });
});
