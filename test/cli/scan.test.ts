import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as MpAudit from '../../bin/mp-audit';
import { runScan } from '../../cli/scan';
import {
  ACCOUNT_ID,
  USER_ARN,
  cloudTrailRecord,
  createRng,
  digestFileJson,
  logFileBody,
  otherServiceRecord,
} from '../../scripts/cloudtrail-factory';
import { captureIo } from '../support/captured-io';

// Jest would resolve '../../bin/mp-audit' to the executable shim mp-audit.js, which runs the CLI
// on import: load the TypeScript module itself.
const { main } = jest.requireActual<typeof MpAudit>('../../bin/mp-audit.ts');

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
      'mp-audit scan: files 3, records 4, alerts 3, bad records 0, skipped 1 (digest-file: 1), unreadable 1 (corrupt-gzip: 1)',
    );
  });

  it('exits 0 when every file is read', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await main(['scan', '--json', goodRoot], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout.map((line) => (JSON.parse(line) as AlertLine).eventID)).toEqual([
      rotation.eventID,
    ]);
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
    expect(block).toContain(`who:   ${USER_ARN}`);
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
    expect(io.stdout.map((line) => (JSON.parse(line) as AlertLine).eventID)).toEqual([
      first.eventID,
    ]);
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
    expect(io.stdout.map((line) => (JSON.parse(line) as AlertLine).eventID)).toEqual([
      failedDelete.eventID,
    ]);
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
