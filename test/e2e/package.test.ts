/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh CDK app in a
 * temporary folder with nothing but aws-cdk-lib and constructs beside it, then a synth of the
 * construct (defaults; Slack with an existing bucket), its types, and the `mp-audit` it installs.
 * Needs `npm run build` first (`npm test` and `npm ci` run it).
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLED_RULES_FILE } from '../../lambda/contract';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const installedVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** Nothing from this project's environment: only Node.js and the basic tools on PATH. */
const USER_ENV = {
  PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
  HOME: tmpdir(),
  // Any attempt to bundle with Docker fails loudly instead of finding a Docker.
  CDK_DOCKER: '/nonexistent/docker',
};

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...USER_ENV } });
}

const USER_APP = `
const { App, Stack } = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');
const { MediaPackageAuditAlerts } = require('${manifest.name}');

const app = new App({ outdir: require('node:path').join(__dirname, 'cdk.out') });
new MediaPackageAuditAlerts(new Stack(app, 'Defaults'), 'Audit', {
  alertEmails: ['ops@example.com'],
});
const existing = new Stack(app, 'SlackExistingBucket');
new MediaPackageAuditAlerts(existing, 'Audit', {
  slack: { workspaceId: 'T0123456789', channelId: 'C0123456789' },
  existingLogBucket: s3.Bucket.fromBucketName(existing, 'Logs', 'org-trail-logs'),
});
app.synth();
`;

/** A TypeScript user's typo: the package's types must catch it. */
const TYPED_APP = `
import { App, Stack } from 'aws-cdk-lib';
import { MediaPackageAuditAlerts } from '${manifest.name}';

new MediaPackageAuditAlerts(new Stack(new App(), 'Typed'), 'Audit', { alertEmail: ['ops@example.com'] });
`;

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

describe('Package: npm pack, installed into a fresh CDK app', () => {
  let workDir: string;
  let appDir: string;
  let packedFiles: string[];

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` before this test');
    }
    workDir = mkdtempSync(join(tmpdir(), 'mp-audit-package-'));
    appDir = join(workDir, 'app');
    // The build already ran (npm test); packing runs it again otherwise.
    const packed = run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir],
      ROOT,
    );
    expect(packed.status).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    packedFiles = info?.files.map((file) => file.path) ?? [];
    run('mkdir', [appDir], workDir);
    writeFileSync(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }),
    );
    const installed = run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        join(workDir, info?.filename ?? 'missing.tgz'),
        `aws-cdk-lib@${installedVersion('aws-cdk-lib')}`,
        `constructs@${installedVersion('constructs')}`,
      ],
      appDir,
    );
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
  }, 300_000);

  afterAll(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('ships the built code, rules and CLI, and none of the sources or tests', () => {
    // Assess
    for (const file of [
      'dist/index.js',
      'dist/types/lib/index.d.ts',
      'dist/cli.js',
      'dist/function/index.js',
      'dist/function/index.js.map',
      'bin/mp-audit.js',
      'config/rules.json',
      'README.md',
    ]) {
      expect(packedFiles).toContain(file);
    }
    const sources = packedFiles.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'));
    expect(sources).toEqual([]);
    expect(
      packedFiles.filter((file) => /^(test|scripts|lib|lambda|cli|samples)\//.test(file)),
    ).toEqual([]);
  });

  it('installs no bundler, compiler or TypeScript runner into the app', () => {
    // Assess
    for (const tool of ['esbuild', 'typescript', 'tsx', 'ts-node', '@esbuild']) {
      expect(existsSync(join(appDir, 'node_modules', tool))).toBe(false);
    }
  });

  it('synthesizes the defaults, then Slack with an existing bucket, with the prebuilt function', () => {
    // Prepare
    writeFileSync(join(appDir, 'app.js'), USER_APP);
    // Act
    const synth = run(process.execPath, ['app.js'], appDir);
    // Assess
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    const outDir = join(appDir, 'cdk.out');
    const functions = (stack: string): Resource[] => {
      const template = JSON.parse(readFileSync(join(outDir, `${stack}.template.json`), 'utf8')) as {
        Resources: Record<string, Resource>;
      };
      return Object.values(template.Resources);
    };
    for (const stack of ['Defaults', 'SlackExistingBucket']) {
      const alertFunction = functions(stack).find(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x',
      );
      expect(alertFunction?.Properties).toMatchObject({
        Handler: 'index.handler',
        Architectures: ['arm64'],
      });
      const code = alertFunction?.Properties.Code as { S3Key: string };
      const assetDir = join(outDir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      expect(readdirSync(assetDir).sort()).toEqual(
        expect.arrayContaining(['index.js', 'index.js.map', BUNDLED_RULES_FILE]),
      );
    }
    expect(functions('SlackExistingBucket').map((resource) => resource.Type)).toContain(
      'AWS::Chatbot::SlackChannelConfiguration',
    );
    // The existing bucket is read, not created: only the trail's buckets are new in Defaults.
    expect(
      functions('SlackExistingBucket').filter(
        (resource) => resource.Type === 'AWS::CloudTrail::Trail',
      ),
    ).toEqual([]);
  });

  it("types the construct's props for a TypeScript app", () => {
    // Prepare: TypeScript from this project; the app itself has none.
    writeFileSync(join(appDir, 'typed.ts'), TYPED_APP);
    // Act
    const checked = run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
        '--target',
        'es2022',
        'typed.ts',
      ],
      appDir,
    );
    // Assess: the typo is caught, with the right name suggested, and nothing else is wrong.
    expect(checked.stdout).toContain("'alertEmail' does not exist");
    expect(checked.stdout).toContain("Did you mean to write 'alertEmails'?");
    expect(checked.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('installs mp-audit, which runs compiled, without TypeScript', () => {
    // Prepare
    const bin = join(appDir, 'node_modules', '.bin', 'mp-audit');
    const sample = join(ROOT, 'samples');
    // Act
    const version = run(bin, ['--version'], appDir);
    const scan = run(bin, ['scan', '--json', sample], appDir);
    // Assess
    expect(version.stdout.trim()).toBe(manifest.version);
    expect(scan.status).toBe(0);
    expect(scan.stdout.trim().split('\n').length).toBeGreaterThan(5);
    expect(scan.stderr).not.toMatch(/\n\s+at /);
  });
});
