import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../cli/main';
import { expandPaths, localSkipReason, runScan, STDIN_PATH } from '../../cli/scan';
import {
  ACCOUNT_ID,
  USER_ARN,
  cloudTrailRecord,
  createRng,
  digestFileJson,
  logFileBody,
  otherServiceRecord,
} from '../../scripts/cloudtrail-factory';
import { classifyIdentity, describeIdentity } from '../../lambda/match/identity';
import { captureIo } from '../support/captured-io';
import { IDENTITY_EXAMPLES, recordWith } from '../support/identity-examples';
import { chunked } from '../support/streams';

interface AlertLine {
  eventID: string;
  eventSource: string;
  eventName: string;
  severity: string;
  outcome: string;
  awsRegion: string;
  userArn: string;
  sourceFile: string;
}

/** The eventIDs of JSON alert lines, in order. */
function alertIds(lines: readonly string[]): string[] {
  return lines.map((line) => (JSON.parse(line) as AlertLine).eventID);
}

function dayFolder(root: string, region: string, trailFolder = 'CloudTrail'): string {
  return join(root, 'AWSLogs', ACCOUNT_ID, trailFolder, region, '2024', '05', '01');
}

async function put(path: string, bytes: Buffer | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

const rotation = cloudTrailRecord({
  eventName: 'RotateIngestEndpointCredentials',
  requestParameters: { id: 'live-1', ingest_endpoint_id: '6d345804ec3f46c9b454a91d4a80d0e0' },
});
const update = cloudTrailRecord();
const failedDelete = cloudTrailRecord({
  eventName: 'DeleteChannel',
  awsRegion: 'eu-west-1',
  errorCode: 'AccessDenied',
  errorMessage: 'not authorized',
  requestParameters: { id: 'live-1' },
  responseElements: null,
});

let root: string;
let gzFile: string;
let jsonFile: string;
let goodRoot: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mp-audit-scan-'));
  gzFile = await put(
    join(
      dayFolder(root, 'us-west-2'),
      `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1205Z_Vx2sT8bQ0kLmN3pR.json.gz`,
    ),
    logFileBody([
      otherServiceRecord(createRng(1), { call: 's3:PutBucketPolicy' }),
      rotation,
      update,
    ]),
  );
  jsonFile = await put(
    join(
      dayFolder(root, 'eu-west-1'),
      `${ACCOUNT_ID}_CloudTrail_eu-west-1_20240501T1210Z_Qw3rTy7uI0pAsD1f.json`,
    ),
    logFileBody([failedDelete], false),
  );
  await put(
    join(
      dayFolder(root, 'us-west-2', 'CloudTrail-Digest'),
      `${ACCOUNT_ID}_CloudTrail-Digest_us-west-2_trail_us-west-2_20240501T120512Z.json.gz`,
    ),
    gzipSync(digestFileJson()),
  );
  const damaged = Buffer.from(logFileBody([cloudTrailRecord()]));
  damaged.fill(0xff, 10, damaged.length - 8);
  await put(
    join(
      dayFolder(root, 'us-west-2'),
      `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1215Z_CorruptCorrupt12.json.gz`,
    ),
    damaged,
  );
  await put(join(root, 'README.txt'), 'not a log file');

  goodRoot = await mkdtemp(join(tmpdir(), 'mp-audit-scan-good-'));
  await put(
    join(
      dayFolder(goodRoot, 'us-west-2'),
      `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1205Z_Vx2sT8bQ0kLmN3pR.json.gz`,
    ),
    logFileBody([rotation, otherServiceRecord(createRng(1), { call: 's3:PutBucketPolicy' })]),
  );
  await put(
    join(
      dayFolder(goodRoot, 'us-west-2', 'CloudTrail-Digest'),
      `${ACCOUNT_ID}_CloudTrail-Digest_us-west-2_trail_us-west-2_20240501T120512Z.json.gz`,
    ),
    gzipSync(digestFileJson()),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(goodRoot, { recursive: true, force: true });
});

describe('Function: main', () => {
  it('prints one JSON line per alert, scans past a corrupt file and exits 1', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', '--json', root], io);

    // Assess
    expect(code).toBe(1);
    const lines = io.stdout.map((line) => JSON.parse(line) as AlertLine);
    expect(lines.map((line) => line.eventID).sort()).toEqual(
      [rotation.eventID, update.eventID, failedDelete.eventID].sort(),
    );
    expect(lines.find((line) => line.eventID === rotation.eventID)).toMatchObject({
      eventSource: 'mediapackage.amazonaws.com',
      eventName: 'RotateIngestEndpointCredentials',
      severity: 'high',
      outcome: 'success',
      awsRegion: 'us-west-2',
      userArn: USER_ARN,
      sourceFile: gzFile,
    });
    expect(lines.find((line) => line.eventID === failedDelete.eventID)).toMatchObject({
      eventName: 'DeleteChannel',
      severity: 'high',
      outcome: 'failed',
      awsRegion: 'eu-west-1',
      sourceFile: jsonFile,
    });
    expect(
      io.stderr.some((line) => line.includes('CorruptCorrupt12') && line.includes('corrupt-gzip')),
    ).toBe(true);
    expect(io.stderr[io.stderr.length - 1]).toBe(
      'mp-audit scan: files 3, records 4, alerts 3, bad records 0, skipped 2 (not-a-log-file-name: 1, digest-file: 1), unreadable 1 (corrupt-gzip: 1)',
    );
  });

  it('exits 0 when every file is read', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', '--json', goodRoot], io);

    // Assess
    expect(code).toBe(0);
    expect(alertIds(io.stdout)).toEqual([rotation.eventID]);
    expect(io.stderr).toEqual([
      'mp-audit scan: files 1, records 2, alerts 1, bad records 0, skipped 1 (digest-file: 1), unreadable 0',
    ]);
  });

  it('prints the subject line of each alert in text mode', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', jsonFile], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const [block] = io.stdout;
    expect(block?.split('\n')[0]).toBe(
      '[HIGH] FAILED MediaPackage DeleteChannel on channel live-1 (eu-west-1)',
    );
    expect(block).toContain(
      'who:   role MediaOpsAdmin (session jdoe), from the AWS CLI, with MFA\n',
    );
    expect(block).toContain(`         ${USER_ARN} (AssumedRole, MFA yes)`);
    expect(block).toContain('error: AccessDenied - not authorized');
  });

  it.each([
    ['no arguments', [] as string[]],
    ['an unknown command', ['frobnicate', '.']],
    ['an unknown option', ['scan', '--bogus', '.']],
    ['scan without a path', ['scan', '--json']],
  ])('exits 2 with the problem and a hint for %s', async (_name, argv) => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(2);
    expect(io.stderr[0]).toMatch(/^mp-audit: \S/);
    expect(io.stderr[1]).toMatch(/^Try 'mp-audit( scan)? --help'\.$/);
  });

  it('names an unknown option in a few words', async () => {
    // Prepare
    const io = captureIo();
    // Act
    await main(['scan', '--bogus', '.'], io);
    // Assess
    expect(io.stderr[0]).toBe("mp-audit: unknown option '--bogus'");
  });

  it('stops a file at --max-inflated-mb after printing what came before, and exits 1', async () => {
    // Prepare: a write, then 3 MiB of whitespace, then another write.
    const first = cloudTrailRecord();
    const last = cloudTrailRecord();
    const file = await put(
      join(root, 'padded', 'padded.json.gz'),
      gzipSync(
        `{"Records":[${JSON.stringify(first)},${' '.repeat(3 * 1024 * 1024)}${JSON.stringify(last)}]}`,
      ),
    );
    const io = captureIo();

    // Act
    const code = await main(['scan', '--json', '--max-inflated-mb', '1', file], io);

    // Assess
    expect(code).toBe(1);
    expect(alertIds(io.stdout)).toEqual([first.eventID]);
    expect(io.stderr.some((line) => line.includes('byte-budget'))).toBe(true);
  });

  it('refuses a --max-inflated-mb that is not a whole number of MB', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', '--max-inflated-mb', '0.5', jsonFile], io);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr[0]).toContain('--max-inflated-mb expects a whole number of MB');
  });

  it('prints the usage on stdout and exits 0 for --help', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout.join('\n')).toContain('Usage: mp-audit <command> [options]');
  });
});

describe('Function: runScan', () => {
  it('reports a path that does not exist and exits 1, still scanning the others', async () => {
    // Prepare
    const io = captureIo();
    const missing = join(root, 'no-such-file.json.gz');

    // Act
    const code = await runScan({ paths: [missing, jsonFile], json: true }, io);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr[0]).toBe(`mp-audit: cannot read ${missing}: ENOENT`);
    expect(alertIds(io.stdout)).toEqual([failedDelete.eventID]);
  });

  it('waits for a slow reader of its output before printing more (memory does not pile up)', async () => {
    // Prepare: 200 writes; the reader takes each line a while after it is printed.
    const records = Array.from({ length: 200 }, () => cloudTrailRecord());
    const file = await put(join(root, 'slow', 'many.json.gz'), logFileBody(records));
    const io = captureIo();
    let unread = 0;
    let mostUnread = 0;
    const slowIo = {
      ...io,
      out: (line: string) => {
        io.out(line);
        unread += 1;
        mostUnread = Math.max(mostUnread, unread);
      },
      drained: () =>
        unread === 0
          ? undefined
          : new Promise<void>((resolve) =>
              setTimeout(() => {
                unread = 0;
                resolve();
              }, 1),
            ),
    };

    // Act
    const code = await runScan({ paths: [file], json: true }, slowIo);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(200);
    expect(mostUnread).toBe(1);
  });

  it('reads a file named explicitly whatever its extension', async () => {
    // Prepare
    const io = captureIo();
    const copy = await put(join(root, 'exports', 'copied-log.bin'), logFileBody([update]));

    // Act
    const code = await runScan({ paths: [copy], json: true }, io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout.map((line) => (JSON.parse(line) as AlertLine).sourceFile)).toEqual([copy]);
  });
});

describe('Function: main, scan --rules', () => {
  it('counts the events a suppression silenced in the summary, and only then', async () => {
    // Prepare: the same user rotates a credential and updates a channel; the rules trust the
    // rotation.
    const folder = await mkdtemp(join(tmpdir(), 'mp-audit-scan-rules-'));
    const logs = await put(join(folder, 'logs.json.gz'), logFileBody([rotation, update]));
    const rulesFile = await put(
      join(folder, 'rules.json'),
      JSON.stringify({
        version: 1,
        suppressions: [
          {
            reason: 'Nightly rotation',
            principalArn: USER_ARN,
            eventName: 'RotateIngestEndpointCredentials',
          },
        ],
      }),
    );
    const withRules = captureIo();
    const withoutRules = captureIo();

    // Act
    const code = await main(['scan', '--json', '--rules', rulesFile, logs], withRules);
    await main(['scan', '--json', logs], withoutRules);
    await rm(folder, { recursive: true, force: true });

    // Assess
    expect(code).toBe(0);
    expect(alertIds(withRules.stdout)).toEqual([update.eventID]);
    expect(withRules.stderr.at(-1)).toContain(
      'alerts 1, suppressed 1 (mp-audit rules test shows which), ',
    );
    expect(alertIds(withoutRules.stdout)).toEqual([rotation.eventID, update.eventID]);
    expect(withoutRules.stderr.at(-1)).not.toContain('suppressed');
  });
});

describe('Function: runScan with standard input (-)', () => {
  it.each([
    ['gzip', true],
    ['plain JSON', false],
  ])('reads %s from the injected standard input', async (_name, gzip) => {
    // Prepare: the bytes arrive in pieces, as from a pipe.
    const bytes = logFileBody([rotation], gzip);
    const io = captureIo({ stdin: () => chunked(bytes, [1, 7, 100]) });

    // Act
    const code = await runScan({ paths: [STDIN_PATH], json: true }, io);

    // Assess
    expect(code).toBe(0);
    expect(alertIds(io.stdout)).toEqual([rotation.eventID]);
    expect(io.stderr.at(-1)).toMatch(/^mp-audit scan: files 1, records 1, alerts 1,/);
  });

  it('says standard input cannot be read when there is none, and exits 1', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await runScan({ paths: [STDIN_PATH], json: true }, io);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr[0]).toBe(
      'mp-audit: cannot read standard input: standard input is not available',
    );
  });
});

describe('Function: runScan in folders', () => {
  let folder: string;
  let exported: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mp-audit-scan-names-'));
    // A valid log body under a name CloudTrail never gives, beside files that are no logs.
    exported = await put(join(folder, 'export.json'), logFileBody([update], false));
    await put(join(folder, 'package.json'), '{"name":"not-a-log"}');
    await put(join(folder, 'notes.txt'), 'hello');
    const logName = `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1205Z_Vx2sT8bQ0kLmN3pR.json.gz`;
    await put(join(folder, 'node_modules', 'pkg', logName), logFileBody([update]));
    await put(join(folder, '.cache', logName), logFileBody([update]));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('counts files not named as CloudTrail names them as skipped, reads none, and exits 0', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', '--json', folder], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([
      `mp-audit scan: no CloudTrail log files found in ${folder} (5 skipped: ignored-folder: 2, not-a-log-file-name: 3)`,
    ]);
  });

  it('reads the same file when it is named explicitly', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', '--json', exported], io);

    // Assess
    expect(code).toBe(0);
    expect(alertIds(io.stdout)).toEqual([update.eventID]);
  });

  it.each([[[] as string[]], [['--quiet']]])(
    'says an empty folder holds no log files, and exits 0 (options %j)',
    async (options) => {
      // Prepare: a scan of the wrong folder must not look like a clean one, even with --quiet.
      const empty = await mkdtemp(join(tmpdir(), 'mp-audit-scan-empty-'));
      const io = captureIo();

      // Act
      const code = await main(['scan', ...options, empty], io);
      await rm(empty, { recursive: true, force: true });

      // Assess
      expect(code).toBe(0);
      expect(io.stderr).toEqual([`mp-audit scan: no CloudTrail log files found in ${empty}`]);
    },
  );

  it('says so in the summary when files were read but nothing alerts', async () => {
    // Prepare
    const quietFile = await put(
      join(
        folder,
        'quiet',
        `${ACCOUNT_ID}_CloudTrail_eu-west-1_20240501T1300Z_Aa1Bb2Cc3Dd4Ee5F.json.gz`,
      ),
      logFileBody([otherServiceRecord(createRng(2), { call: 's3:PutBucketPolicy' })]),
    );
    const io = captureIo();

    // Act
    const code = await main(['scan', join(folder, 'quiet')], io);
    await rm(quietFile);

    // Assess
    expect(code).toBe(0);
    expect(io.stderr).toEqual([
      'mp-audit scan: files 1, records 1, no changes that alert, bad records 0, skipped 0, unreadable 0',
    ]);
  });

  it('lists log, digest and Insights names and the gunzipped .json, and counts what it left', async () => {
    // Prepare
    const trail = await mkdtemp(join(tmpdir(), 'mp-audit-scan-expand-'));
    const names = [
      `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1205Z_Vx2sT8bQ0kLmN3pR.json.gz`,
      `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1210Z_Qw3rTy7uI0pAsD1f.json`,
      `${ACCOUNT_ID}_CloudTrail-Digest_us-west-2_trail_us-west-2_20240501T120512Z.json.gz`,
      `${ACCOUNT_ID}_CloudTrail-Insight_us-west-2_20240501T1205Z_Zx9Yw8Vu7Ts6Rq5P.json.gz`,
    ];
    for (const name of names) await put(join(trail, name), 'x');
    await put(join(trail, `${ACCOUNT_ID}_CloudTrail_us-west-2_20240501T1205Z.json.gz`), 'x');
    await put(join(trail, 'copy-of-log.json.gz'), 'x');
    await put(join(trail, '.git', 'config'), 'x');

    // Act
    const expanded = await expandPaths([trail, STDIN_PATH, STDIN_PATH]);
    await rm(trail, { recursive: true, force: true });

    // Assess
    expect(expanded.files).toEqual([...names.map((name) => join(trail, name)).sort(), STDIN_PATH]);
    // `-` sorts before `_`: the digest and Insights names come first.
    expect(expanded.files.map((file) => localSkipReason(file))).toEqual([
      'digest-file',
      'insights-file',
      undefined,
      undefined,
      undefined,
    ]);
    expect(Object.fromEntries(expanded.skipped)).toEqual({
      'not-a-log-file-name': 2,
      'ignored-folder': 1,
    });
    expect(expanded.bytes).toBe(4);
  });
});

describe('Function: runScan on a terminal', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** A clock that moves 300 ms each time it is read: every file is a slow one. */
  function slowClock(): void {
    let now = Date.parse('2026-01-01T00:00:00Z');
    jest.spyOn(Date, 'now').mockImplementation(() => (now += 300));
  }

  it('draws a progress line of files, bytes, rate and alerts, and clears it at the end', async () => {
    // Prepare
    slowClock();
    const io = captureIo({ terminal: true });

    // Act
    const code = await runScan({ paths: [goodRoot], json: true }, io);

    // Assess
    expect(code).toBe(0);
    const drawn = io.statusLines.filter((line) => line !== '');
    expect(drawn.length).toBeGreaterThan(0);
    // First while the folders are listed, then while the files are read.
    for (const line of drawn) {
      expect(line).toMatch(
        /^(listing: \d+ entries|files \d\/2, \d+ KB of \d+ KB, \d+\.\d MB\/s, alerts \d)$/,
      );
    }
    expect(drawn[0]).toMatch(/^listing: /);
    expect(drawn.at(-1)).toMatch(/^files 2\/2, /);
    expect(io.statusLines.at(-1)).toBe('');
    expect(io.stderr.join('\n')).not.toContain('MB/s');
  });

  it('draws nothing when standard error is not a terminal, or with --quiet', async () => {
    // Prepare
    slowClock();
    const pipe = captureIo();
    const quiet = captureIo({ terminal: true, quiet: true });

    // Act
    await runScan({ paths: [goodRoot], json: true }, pipe);
    await runScan({ paths: [goodRoot], json: true }, quiet);

    // Assess
    expect(pipe.statusLines).toEqual([]);
    expect(pipe.stderr.join('\n')).not.toContain('MB/s');
    expect(quiet.statusLines).toEqual([]);
    expect(quiet.stderr).toEqual([]);
    expect(quiet.stdout).toHaveLength(1);
  });

  it('colours the severity tag of text alerts only when told, and never JSON', async () => {
    // Prepare
    const coloured = captureIo({ colour: { out: true, err: true } });
    const plain = captureIo({ colour: { out: false, err: false } });
    const json = captureIo({ colour: { out: true, err: true } });

    // Act
    await runScan({ paths: [jsonFile], json: false }, coloured);
    await runScan({ paths: [jsonFile], json: false }, plain);
    await runScan({ paths: [jsonFile], json: true }, json);

    // Assess
    expect(coloured.stdout[0]?.split('\n')[0]).toBe(
      '\u001b[31m[HIGH]\u001b[0m FAILED MediaPackage DeleteChannel on channel live-1 (eu-west-1)',
    );
    expect(plain.stdout[0]).toMatch(/^\[HIGH\] FAILED/);
    expect(plain.stdout.join('')).not.toContain('\u001b');
    expect(json.stdout.join('')).not.toContain('\u001b');
    expect((): unknown => JSON.parse(json.stdout[0] ?? '')).not.toThrow();
  });

  it('colours the prefix of an error line only when told', async () => {
    // Prepare
    const missing = join(root, 'no-such.json.gz');
    const coloured = captureIo({ colour: { out: false, err: true } });
    const plain = captureIo({ colour: { out: true, err: false } });

    // Act
    await runScan({ paths: [missing], json: true }, coloured);
    await runScan({ paths: [missing], json: true }, plain);

    // Assess
    expect(coloured.stderr[0]).toBe(`\u001b[31mmp-audit:\u001b[0m cannot read ${missing}: ENOENT`);
    expect(plain.stderr[0]).toBe(`mp-audit: cannot read ${missing}: ENOENT`);
  });
});

describe('Option: --quiet', () => {
  it.each([[['-q', 'scan']], [['--quiet', 'scan']], [['scan', '--quiet']], [['scan', '-q']]])(
    'prints alerts and no summary for %j',
    async (args) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await main([...args, '--json', goodRoot], io);

      // Assess
      expect(code).toBe(0);
      expect(io.stdout).toHaveLength(1);
      expect(io.stderr).toEqual([]);
    },
  );

  it('still prints errors', async () => {
    // Prepare
    const io = captureIo();
    const missing = join(root, 'gone.json.gz');

    // Act
    const code = await main(['-q', 'scan', missing], io);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr).toEqual([`mp-audit: cannot read ${missing}: ENOENT`]);
  });
});

describe('Identity: who called, in scan output', () => {
  it('gives each documented caller its type, via and description in --json and text', async () => {
    // Prepare
    const folder = await mkdtemp(join(tmpdir(), 'mp-audit-identity-'));
    const records = IDENTITY_EXAMPLES.map((example, index) =>
      recordWith(example, {
        eventID: `0d0c0b0a-0000-4000-8000-${String(index).padStart(12, '0')}`,
      }),
    );
    const file = await put(
      join(
        dayFolder(folder, 'us-west-2'),
        `${ACCOUNT_ID}_CloudTrail_us-west-2_20250314T0905Z_Id3ntity0000Abcd.json.gz`,
      ),
      logFileBody(records),
    );
    const json = captureIo();
    const text = captureIo();

    try {
      // Act
      await main(['scan', '--json', file], json);
      await main(['scan', file], text);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }

    // Assess
    const lines = json.stdout.map(
      (line) =>
        JSON.parse(line) as AlertLine & {
          identity: { type: string; via: string; description: string };
        },
    );
    expect(lines).toHaveLength(IDENTITY_EXAMPLES.length);
    for (const [index, example] of IDENTITY_EXAMPLES.entries()) {
      const identity = classifyIdentity(records[index] ?? {});
      expect(lines.find((line) => line.eventID === records[index]?.eventID)?.identity).toEqual({
        type: identity.type,
        via: identity.via,
        description: describeIdentity(identity),
      });
      expect(identity.type).toBe(example.userIdentity.type);
    }
    const rootLine = lines.find(
      (line) => line.identity.type === 'Root' && line.identity.via === 'console',
    );
    expect(rootLine).toMatchObject({
      severity: 'high',
      identity: { description: 'root user, from the console, without MFA' },
    });
    expect(text.stdout.join('')).toContain('  who:   root user, from the console, without MFA\n');
  });
});
