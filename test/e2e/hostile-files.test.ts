/**
 * The issue's promises, checked as an attacker and a careless API caller would check them:
 * hostile log files (test/support/hostile-logs.ts) go through the real handler as S3 invokes
 * it, against local S3 and SNS (fauxqs, 127.0.0.1) with a short remaining time, then through
 * `mp-audit scan --json` as a whole process. For every file: each MediaPackage write alerted
 * exactly once and nothing else, no planted secret in any protocol's text (fauxqs hands the SQS
 * subscriber the whole message structure: email, Chatbot and JSON at once) nor in the logs, the
 * handler back before its deadline without throwing, memory under the function's 512 MB.
 *
 * The handler runs in a child process, a Lambda-like execution environment kept warm across
 * the cases (scripts/hostile.ts `--runtime`): `createHandler()` configured by its environment
 * as in pipeline.test.ts, invoked with the S3 event and a fake context. There its time and its
 * peak RSS are its own: inside Jest's sandbox the oversized-record reader runs about seven
 * times slower than in Node itself (measured: 300 MiB string, 18 s against 2.5 s), which
 * would time Jest rather than the function.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { InvocationReport, LambdaRuntime, ScanReport } from '../../scripts/hostile';
import { MEMORY_LIMIT_MB, runScanProcess, startLambdaRuntime } from '../../scripts/hostile';
import { s3Event } from '../../scripts/cloudtrail-factory';
import type { AlertIdentity, Damage, Expectation, HostileLog } from '../support/hostile-logs';
import {
  TEST_SIZES,
  compareAlerts,
  crc32Combine,
  describeExpected,
  expectedDamage,
  hostileFileName,
  hostileSuite,
  isExpectedAlert,
  manyWrites,
  openHostileLog,
  plantedSecretsIn,
  putHostileObject,
  writeHostileLog,
} from '../support/hostile-logs';
import type { LocalAws } from '../support/local-aws';
import { createLocalPipeline, drainQueue, startLocalAws } from '../support/local-aws';

const BUCKET = 'hostile-trail-logs';
const CASES = hostileSuite(TEST_SIZES);

/**
 * The remaining time Lambda reports as the handler starts: short, as the issue asks, but enough
 * for the work a correct reader has to do here. The emulator takes about 3 ms an alert, so the
 * 1,000 writes get 8 s; the 300 MiB string, about 3 s here, 8 s. Big request parameters get 4 s
 * (3 s of reading): at the README's speed (about gunzip's, 300 MB/s here) 50 MiB take well
 * under a second.
 */
function remainingMsFor(log: HostileLog): number {
  if (log.name.startsWith('gzip-bomb') || log.name.startsWith('request-parameters-')) {
    return 4_000;
  }
  if (log.name.startsWith('writes-') || log.name.startsWith('string-')) return 8_000;
  return 6_000;
}

interface Prepared {
  readonly log: HostileLog;
  readonly path: string;
  readonly key: string;
  readonly expectation: Expectation;
  readonly damage: Damage;
  readonly storedBytes: number;
}

interface SnsEnvelope {
  readonly Message: string;
}

interface ReceivedAlert extends AlertIdentity {
  readonly requestParameters: unknown;
  readonly notes?: readonly string[];
  readonly logObject: { readonly key: string };
}

/** Everything in the queue now (a publish enqueues before it answers), each message once. */
function drainNow(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  // Received messages stay hidden for the rest of the run: never counted twice.
  return drainQueue(sqs, queueUrl, { waitSeconds: 0, visibilityTimeout: 43_200 });
}

function alertOf(message: Message): ReceivedAlert {
  const envelope = JSON.parse(message.Body ?? '') as SnsEnvelope;
  const structure = JSON.parse(envelope.Message) as { sqs?: string };
  return JSON.parse(structure.sqs ?? '') as ReceivedAlert;
}

/** Lines worth reading when an assertion fails. */
function why(report: InvocationReport): string {
  return JSON.stringify({ summary: report.summary, error: report.error, logs: report.errorLogs });
}

/** Asserts one `scan --json` run over `files`: alerts per file, exit code, memory, secrets. */
function assessScan(run: ScanReport, files: readonly Prepared[], exitCode: 0 | 1): void {
  const stderr = run.stderr.slice(-4000);
  expect({ crashed: run.crashed, stderr }).toEqual({ crashed: false, stderr });
  expect({ code: run.code, stderr }).toEqual({ code: exitCode, stderr });
  expect(run.maxRssMb).not.toBeNull();
  expect(run.maxRssMb ?? Infinity).toBeLessThan(MEMORY_LIMIT_MB);
  expect(run.leaked).toEqual([]);
  for (const file of files) {
    const alerts = run.alerts.filter((alert) => alert.sourceFile === file.path);
    const { duplicated, unexpected, missing } = compareAlerts(file.expectation.alerts, alerts);
    expect({
      file: file.log.name,
      duplicated,
      unexpected,
      missing: missing.map(describeExpected),
    }).toEqual({
      file: file.log.name,
      duplicated: [],
      unexpected: [],
      missing: [],
    });
    // A file not read cleanly is named on stderr with its reason; a clean one never is.
    const named = run.stderr.includes(`mp-audit: ${file.path}: `);
    expect({ file: file.log.name, namedUnreadable: named }).toEqual({
      file: file.log.name,
      namedUnreadable: exitCode === 1,
    });
  }
}

describe('Hostile log files: S3 -> handler -> SNS with a short remaining time, and mp-audit scan', () => {
  let local: LocalAws;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
  let topicArn: string;
  let dir: string;
  let runtime: LambdaRuntime | undefined;
  const prepared = new Map<string, Prepared>();
  const figures: string[] = [];

  /** The warm runtime, started again if a case crashed it. */
  async function warmRuntime(): Promise<LambdaRuntime> {
    runtime ??= await startLambdaRuntime({
      env: { AWS_ENDPOINT_URL: local.endpoint, ALERT_TOPIC_ARN: topicArn },
    });
    return runtime;
  }

  async function invoke(
    file: Prepared,
    key: string,
    remainingMs: number,
  ): Promise<InvocationReport> {
    await putHostileObject(s3, BUCKET, key, file.path, file.storedBytes);
    const warm = await warmRuntime();
    try {
      return await warm.invoke(
        s3Event([key], { bucket: BUCKET, size: file.storedBytes }),
        remainingMs,
      );
    } catch (error) {
      runtime = undefined;
      throw error;
    }
  }

  beforeAll(async () => {
    local = await startLocalAws();
    ({ s3, sqs, topicArn, queueUrl } = await createLocalPipeline(local.endpoint, {
      bucket: BUCKET,
      topic: 'alerts',
      queue: 'subscriber',
    }));
    dir = await mkdtemp(join(tmpdir(), 'hostile-logs-'));
    for (const log of CASES) {
      const path = join(dir, hostileFileName(log));
      const { expectation, storedBytes } = await writeHostileLog(log, path);
      const key = `AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/${hostileFileName(log)}`;
      const damage = expectedDamage(log, expectation);
      prepared.set(log.name, { log, path, key, expectation, damage, storedBytes });
    }
    await warmRuntime();
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await local?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    if (figures.length > 0) {
      process.stdout.write(`\nhostile files:\n${figures.join('\n')}\n`);
    }
  });

  it('writes gzip that gunzip reads back exactly, repeated blocks and CRC-32 included', async () => {
    // Prepare
    const head = Buffer.from('{"Records":[');
    const block = Buffer.alloc(3000, 0x20);
    const tail = Buffer.from(']}');
    const { stream } = openHostileLog({
      name: 'self-check',
      description: 'a head, a block three times, a tail',
      gzip: true,
      damage: 'none',
      generate: () => ({
        segments: [
          { bytes: head, times: 1 },
          { bytes: block, times: 3 },
          { bytes: tail, times: 1 },
        ],
        expectation: { alerts: [], entries: 0, inflatedBytes: 0 },
      }),
    });

    // Act
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);

    // Assess
    const inflated = gunzipSync(Buffer.concat(parts));
    expect(inflated.equals(Buffer.concat([head, block, block, block, tail]))).toBe(true);
    expect(crc32Combine(crc32(head), crc32(block), block.length)).toBe(
      crc32(Buffer.concat([head, block])),
    );
  });

  describe.each(CASES.map((log) => [log.name, log] as const))('%s', (name, log) => {
    it(`handler: each write alerted once, no secret out, back in time (${log.description})`, async () => {
      // Prepare
      const file = prepared.get(name) as Prepared;
      const remainingMs = remainingMsFor(log);

      // Act
      const report = await invoke(file, file.key, remainingMs);
      const messages = await drainNow(sqs, queueUrl);

      // Assess
      figures.push(
        `${name.padEnd(42)} alerts ${String(messages.length).padStart(4)}/${file.expectation.alerts.length}  ${report.wallMs} ms of ${remainingMs}  peak ${report.peakRssMb.toFixed(0)} MB  ${JSON.stringify(report.summary ?? report.error)}`,
      );
      // Damaged input is logged and counted, never thrown: only an object never started may be.
      expect({ error: report.error, why: why(report) }).toEqual({ error: null, why: why(report) });
      // The deadline comes from the remaining time, read as the invocation starts.
      expect(report.contextCalls.length).toBeGreaterThan(0);
      expect(report.contextCalls[0]).toBeLessThan(500);
      expect(report.wallMs).toBeLessThan(remainingMs);
      expect(report.peakRssMb).toBeLessThan(MEMORY_LIMIT_MB);
      const alerts = messages.map(alertOf);
      const { duplicated, unexpected, missing } = compareAlerts(file.expectation.alerts, alerts);
      // request-parameters-50mib-compact guards the reader of records over 1 MiB against a
      // search that rescans the chunk once per string (it read 50 MiB in 3.7 to 5.5 s, past
      // this case's 3 s read budget, before it kept its place between searches).
      expect({
        duplicated,
        unexpected,
        missing: missing.map(describeExpected),
        why: why(report),
      }).toEqual({
        duplicated: [],
        unexpected: [],
        missing: [],
        why: why(report),
      });
      expect(alerts.filter((alert) => alert.logObject.key !== file.key)).toEqual([]);
      // The whole message structure, all protocols at once, and the function's log lines.
      expect(messages.flatMap((message) => plantedSecretsIn(message.Body ?? ''))).toEqual([]);
      expect(report.leaked).toEqual([]);
      for (const want of file.expectation.alerts.filter((alert) => alert.omitsParameters)) {
        const alert = alerts.find((candidate) => isExpectedAlert(want, candidate));
        expect(alert?.requestParameters).toBeNull();
        expect(alert?.notes?.join(' ')).toMatch(/request parameters omitted/);
      }
      const summary = report.summary;
      expect(summary).toMatchObject({
        logFiles: 1,
        alertsPublished: file.expectation.alerts.length,
      });
      switch (file.damage) {
        case 'none':
          expect(summary).toMatchObject({
            badRecords: 0,
            unreadableObjects: 0,
            incompleteObjects: 0,
            records: file.expectation.entries,
          });
          break;
        case 'record':
          expect(summary).toMatchObject({ unreadableObjects: 0, incompleteObjects: 0 });
          expect(summary?.badRecords).toBeGreaterThan(0);
          break;
        case 'document':
          expect(summary).toMatchObject({ unreadableObjects: 1, incompleteObjects: 0 });
          break;
        case 'budget':
          // What came before the padding went out; the object is counted and logged incomplete.
          expect(summary).toMatchObject({ unreadableObjects: 0, incompleteObjects: 1 });
          expect(report.replayCommandLogged).toBe(true);
          break;
      }
    }, 30_000);
  });

  it('handler, too little time for 1,000 writes: what went out went once and in file order, the rest is flagged for replay', async () => {
    // Prepare
    const log = manyWrites(TEST_SIZES.writes);
    const file = prepared.get(log.name) as Prepared;
    const remainingMs = 1_500;

    // Act
    const report = await invoke(file, file.key.replace('.json.gz', '-again.json.gz'), remainingMs);
    const alerts = (await drainNow(sqs, queueUrl)).map(alertOf);

    // Assess
    figures.push(
      `${`${log.name} in ${remainingMs} ms`.padEnd(42)} alerts ${alerts.length}/${file.expectation.alerts.length}  ${report.wallMs} ms  ${JSON.stringify(report.summary)}`,
    );
    expect(report.error).toBeNull();
    expect(report.wallMs).toBeLessThan(remainingMs);
    expect(report.summary?.incompleteObjects).toBe(1);
    expect(report.replayCommandLogged).toBe(true);
    const delivered = file.expectation.alerts.slice(0, alerts.length);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.length).toBeLessThan(file.expectation.alerts.length);
    // Exactly the first writes of the file, each once: nothing skipped before the stop.
    expect(compareAlerts(delivered, alerts)).toEqual({
      duplicated: [],
      unexpected: [],
      missing: [],
    });
    expect(report.summary?.alertsPublished).toBe(alerts.length);
  }, 30_000);

  it('mp-audit scan --json: files read whole (bad records at most) exit 0, with the same alerts', async () => {
    // Prepare
    const files = [...prepared.values()].filter(
      (file) => file.damage === 'none' || file.damage === 'record',
    );

    // Act
    const run = await runScanProcess(files.map((file) => file.path));

    // Assess
    figures.push(
      `mp-audit scan, ${files.length} files: exit ${run.code}, ${run.wallMs} ms, max RSS ${run.maxRssMb?.toFixed(0)} MB`,
    );
    assessScan(run, files, 0);
  }, 60_000);

  it('mp-audit scan --json: damaged and over-budget files exit 1, each named, with the same alerts', async () => {
    // Prepare
    const files = [...prepared.values()].filter(
      (file) => file.damage === 'document' || file.damage === 'budget',
    );

    // Act
    const run = await runScanProcess(files.map((file) => file.path));

    // Assess
    figures.push(
      `mp-audit scan, ${files.length} files: exit ${run.code}, ${run.wallMs} ms, max RSS ${run.maxRssMb?.toFixed(0)} MB`,
    );
    assessScan(run, files, 1);
  }, 60_000);
});
