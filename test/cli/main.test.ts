import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { SEVERITIES } from '../../lambda/match/rules-schema';
import {
  DEFAULT_STACK_NAME,
  runTestAlert,
  TEST_ALERT_DEFAULT_SEVERITY,
} from '../../cli/test-alert';
import { captureIo } from '../support/captured-io';

// test-alert talks to AWS; here only what main hands it matters.
jest.mock('../../cli/test-alert', () => ({
  ...jest.requireActual<object>('../../cli/test-alert'),
  runTestAlert: jest.fn(() => Promise.resolve(0)),
}));

const ROOT = join(__dirname, '..', '..');
/** A sample log file that holds MediaPackage write calls. */
const SAMPLE_LOG =
  'samples/AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/111122223333_CloudTrail_us-west-2_20250314T0910Z_WPjqspSWNA8v2gvx.json.gz';
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
    ['history', '--all-regions', ['--from-dlq', '--max-inflated-mb']],
    [
      'test-alert',
      `--stack-name <name>        Stack to read it from (default ${DEFAULT_STACK_NAME})`,
      ['--from-dlq'],
    ],
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
    for (const text of [
      '--max-inflated-mb',
      'rules check',
      '--from-dlq',
      '--version',
      '--quiet',
      'NO_COLOR',
      'test-alert',
      'check email and Slack after deploy',
    ]) {
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

describe('Command: test-alert', () => {
  afterEach(() => {
    jest.mocked(runTestAlert).mockClear();
  });

  it('hands its options to runTestAlert and returns its exit code', async () => {
    // Prepare
    const io = captureIo();
    jest.mocked(runTestAlert).mockResolvedValueOnce(3);
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:audit-alerts';

    // Act
    const code = await main(
      [
        'test-alert',
        '--topic-arn',
        topicArn,
        '--stack-name',
        'Audit',
        '--region',
        'eu-west-1',
        '--severity',
        'high',
      ],
      io,
    );

    // Assess
    expect(code).toBe(3);
    expect(runTestAlert).toHaveBeenCalledWith(
      { topicArn, stackName: 'Audit', region: 'eu-west-1', severity: 'high' },
      expect.objectContaining({ out: io.out, err: io.err }),
    );
  });

  it.each([['test-alert'], ['replay']])(
    'refuses --region given twice to %s (repeatable for history only)',
    async (command) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(
        [command, '--bucket', 'b', '--region', 'eu-west-1', '--region', 'us-east-1'],
        io,
      );

      // Assess
      expect(code).toBe(2);
      expect(io.stderr[0]).toContain(`${command}: give --region once`);
    },
  );

  it('leaves the defaults to runTestAlert when no option is given', async () => {
    // Act
    const code = await main(['test-alert'], captureIo());

    // Assess
    expect(code).toBe(0);
    expect(runTestAlert).toHaveBeenCalledWith({}, expect.anything());
  });

  it('names the severities and the default in its help', async () => {
    // Prepare
    const io = captureIo();

    // Act
    await main(['test-alert', '--help'], io);

    // Assess
    const help = io.stdout.join('\n');
    expect(help).toContain(`${SEVERITIES.slice(0, -1).join(', ')} or ${SEVERITIES.at(-1) ?? ''}`);
    expect(help).toContain(`(default ${TEST_ALERT_DEFAULT_SEVERITY}:`);
  });

  it.each([[['test-alert', 'MyStack']], [['test-alert', '--severity', 'urgent']]])(
    'refuses %j (exit 2) without calling runTestAlert',
    async (argv) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main(argv, io);

      // Assess
      expect(code).toBe(2);
      expect(io.stderr[1]).toBe("Try 'mp-audit test-alert --help'.");
      expect(runTestAlert).not.toHaveBeenCalled();
    },
  );
});

describe('Start-up', () => {
  it('loads no command module, AWS SDK or pipeline for --help, --version and <command> --help', () => {
    // Prepare: a fresh process, as a user's; tsx as bin/mp-audit.js uses it.
    const script = `
      require('tsx/cjs');
      const { main } = require('./cli/main.ts');
      const io = { out: () => undefined, err: () => undefined };
      (async () => {
        for (const argv of [['--help'], ['--version'], ['scan', '--help'], ['replay', '--help'], ['rules', '--help'], ['test-alert', '--help']]) {
          await main(argv, io);
        }
        console.log(JSON.stringify(Object.keys(require.cache)));
      })();`;

    // Act
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(result.status).toBe(0);
    const loaded = (JSON.parse(result.stdout) as string[])
      .filter((path) => !path.includes('node_modules'))
      .map((path) => path.slice(ROOT.length + 1))
      .sort();
    expect(loaded).toEqual([
      'cli/errors.ts',
      'cli/main.ts',
      'cli/terminal.ts',
      'lambda/alert/redact.ts',
      'lambda/contract.ts',
    ]);
    expect(result.stdout).not.toContain('@aws-sdk');
    expect(result.stdout).not.toContain('zod');
  });
});

describe('Executable: bin/mp-audit.js', () => {
  it('loads only the compiled main file for --help: no command bundle, SDK or TypeScript', () => {
    // Prepare: a preload that reports every module loaded, at exit.
    const dir = mkdtempSync(join(tmpdir(), 'mp-audit-preload-'));
    const preload = join(dir, 'report-modules.js');
    writeFileSync(
      preload,
      'process.on("exit", () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));',
    );
    // Act
    const result = spawnSync(
      process.execPath,
      ['--require', preload, join(ROOT, 'bin', 'mp-audit.js'), '--help'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    rmSync(dir, { recursive: true, force: true });
    // Assess
    expect(result.status).toBe(0);
    const loaded = (JSON.parse(result.stderr) as string[])
      .filter((path) => path !== preload)
      .map((path) => path.slice(ROOT.length + 1));
    expect(loaded.sort()).toEqual(['bin/mp-audit.js', 'dist/cli.js']);
    // ... and that file holds no command: the reader and zod are in the commands' own bundles.
    const main = readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8');
    expect(main.includes('function scanLogObject')).toBe(false);
    expect(main.includes('zod')).toBe(false);
    expect(readFileSync(join(ROOT, 'dist', 'cli-scan.js'), 'utf8')).toContain(
      'function scanLogObject',
    );
  });

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
      "mp-audit: no AWS credentials found: run 'aws configure' (or 'aws sso login'), or choose a profile with AWS_PROFILE=<name>\n",
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
    expect(result.stderr).toBe(
      'mp-audit: no AWS Region: pass --region <region> or set AWS_REGION\n',
    );
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

  it('colours the error prefix for FORCE_COLOR, and not when NO_COLOR is set too', () => {
    // Act
    const forced = runBin(['frobnicate'], { FORCE_COLOR: '1' });
    const noColour = runBin(['frobnicate'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    const pipe = runBin(['frobnicate']);

    // Assess
    expect(forced.status).toBe(2);
    expect(forced.stderr.startsWith('\u001b[31mmp-audit:\u001b[0m unknown command')).toBe(true);
    expect(noColour.stderr).toMatch(/^mp-audit: unknown command/);
    expect(pipe.stderr).not.toContain('\u001b');
  });

  it('scans the repository root without reading node_modules or other files as logs (exit 0)', () => {
    // Act
    const result = runBin(['scan', '--json', '.']);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('cannot read');
    expect(result.stderr).toMatch(/skipped \d+ \([^)]*not-a-log-file-name: \d+/);
    expect(result.stderr).toMatch(/ignored-folder: \d+/);
  });

  it('reads standard input for -', () => {
    // Act
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'mp-audit.js'), 'scan', '--json', '-'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        input: readFileSync(join(ROOT, SAMPLE_LOG)),
        timeout: 60_000,
      },
    );

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((line) => line !== '').length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/^mp-audit scan: files 1, /);
  });
});
