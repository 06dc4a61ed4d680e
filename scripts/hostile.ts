/**
 * `npm run hostile`: the full-size hostile log files (a gzip bomb inflating to 20 GiB, strings
 * of 2 GiB, a 500 MiB record, ten million records, 100,000 MediaPackage writes, 100,000 levels
 * of nesting) through the function as S3 invokes it, and through `mp-audit scan`, each in a
 * process of its own, with the peak RSS the kernel saw. Prints a table and exits non-zero if a
 * case lost an alert, sent one twice, leaked a planted secret, ran past its deadline, went over
 * 512 MB or crashed.
 *
 *   npm run hostile [-- --only <name part>] [--keep <dir>] [--strict]   (--help for details)
 *
 * The handler runs in a child process like a Lambda execution environment: `createHandler()`
 * configured by its environment against the local S3/SNS emulator (fauxqs, 127.0.0.1), invoked
 * with the S3 event and a context whose remaining time is the case's (60 s, or the deployed
 * 5-minute timeout for the cases whose work is delivery). The SNS client it uses is the
 * function's own settings plus a middleware that notes which alerts SNS accepted, so 100,000
 * alerts need no subscriber queue. Alerts a read budget left unread are "deferred", not lost,
 * when the function said so: logged at ERROR with the replay command, counted incomplete
 * (`mp-audit scan`: named on stderr with its budget, exit 1). `--strict` fails them too.
 *
 * `mp-audit scan --json` runs as a whole process with its peak RSS; for the 100,000 writes it
 * runs twice, the second time with a reader that reads nothing for 20 s (a slow pipe).
 *
 * The same module is the child (`--runtime`) and gives the end-to-end tests their runtime and
 * their `mp-audit scan` runner.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PublishBatchCommandInput, PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { createHandler } from '../lambda/handler';
import type { TriggerSummary } from '../lambda/pipeline/process-trigger';
import type { AlertIdentity, Damage, Expectation, HostileLog } from '../test/support/hostile-logs';
import {
  compareAlerts,
  deepNesting,
  describeExpected,
  expectedDamage,
  gzipBomb,
  hostileFileName,
  hugeString,
  manyRecords,
  manyWrites,
  plantedSecretsIn,
  putHostileObject,
  bigRequestParameters,
  writeHostileLog,
} from '../test/support/hostile-logs';
import { localClientConfig, startLocalAws } from '../test/support/local-aws';
import { HOSTILE_COMMAND_LINE, parseHostileArgs, settleCommandLine } from './bench/options';
import { s3Event } from './cloudtrail-factory';

const ROOT = join(__dirname, '..');
/** The function's memory setting: no process may go over it. */
export const MEMORY_LIMIT_MB = 512;

// ---------------------------------------------------------------------------------------------
// A Lambda-like execution environment in a child process
// ---------------------------------------------------------------------------------------------

/** What one invocation did, as the runtime child saw it. */
export interface InvocationReport {
  readonly summary: TriggerSummary | null;
  /** What the handler threw, if it did. */
  readonly error: { readonly name: string; readonly message: string } | null;
  readonly wallMs: number;
  readonly remainingMs: number;
  /** When the handler called `getRemainingTimeInMillis`: ms after the invocation began. */
  readonly contextCalls: readonly number[];
  /** Peak RSS during the invocation (VmHWM, reset before it), or of the process's life. */
  readonly peakRssMb: number;
  /** With `capture`: eventIDs, requestIDs and names of the alerts SNS accepted, in order. */
  readonly published: AlertIdentity[] | null;
  /** Planted secrets found in what was published (with `capture`) or in the function's logs. */
  readonly leaked: string[];
  /** Messages of the function's ERROR log lines. */
  readonly errorLogs: string[];
  /** An ERROR log line carried the `mp-audit replay` command (a read budget ran out). */
  readonly replayCommandLogged: boolean;
}

/** A running runtime child. */
export interface LambdaRuntime {
  /** Invokes the handler with `event` and a context with `remainingMs` left. */
  invoke(event: unknown, remainingMs: number): Promise<InvocationReport>;
  /** Stops the child. */
  stop(): Promise<void>;
}

/** The runtime child died: a crash of the function's process. */
export class RuntimeCrashError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'RuntimeCrashError';
  }
}

export interface RuntimeOptions {
  /** The function's environment (endpoint, topic ARN, budgets), on top of this process's. */
  readonly env: Readonly<Record<string, string>>;
  /** Note the alerts SNS accepts (InvocationReport.published). @default false */
  readonly capture?: boolean;
}

interface InvokeRequest {
  readonly id: number;
  readonly event: unknown;
  readonly remainingMs: number;
}

type RuntimeMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'done'; readonly id: number; readonly report: InvocationReport };

const INVOCATION_END = 'hostile-invocation-end';

/** Spawns the runtime child: this module with `--runtime`, in an environment like the function's. */
function spawnRuntime(options: RuntimeOptions): ChildProcess {
  return spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'hostile.ts'), '--runtime'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
        POWERTOOLS_METRICS_DISABLED: 'true',
        // INFO, so every log line can be searched for planted secrets.
        POWERTOOLS_LOG_LEVEL: 'INFO',
        HOSTILE_CAPTURE: options.capture === true ? '1' : '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
}

/** What the function logged during one invocation. */
interface InvocationLogs {
  readonly leaked: Set<string>;
  readonly errors: string[];
  replay: boolean;
  /** How many of the two streams have ended the invocation with the marker line. */
  ended: number;
}

/** The runtime child's logs, searched as they come. */
interface RuntimeLogs {
  /** The end of the child's stderr, for when it dies. */
  stderrTail(): string;
  /** Starts the next invocation's logs; `done` settles when both streams have ended it. */
  next(): { readonly logs: InvocationLogs; readonly done: Promise<void> };
}

/**
 * Reads the log lines of the invocation in progress (Powertools writes ERROR to stderr, the rest
 * to stdout). Each stream ends an invocation with a marker line.
 */
function watchRuntimeLogs(child: ChildProcess): RuntimeLogs {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  let logs: InvocationLogs = { leaked: new Set(), errors: [], replay: false, ended: 0 };
  let onLogEnd: (() => void) | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith(`{"${INVOCATION_END}"`)) {
        logs.ended += 1;
        onLogEnd?.();
        return;
      }
      readLogLine(line, logs);
    });
  }
  return {
    stderrTail: () => stderr,
    next: () => {
      const current: InvocationLogs = { leaked: new Set(), errors: [], replay: false, ended: 0 };
      logs = current;
      const done = new Promise<void>((resolve) => {
        onLogEnd = () => {
          if (current.ended === 2) resolve();
        };
      });
      return { logs: current, done };
    },
  };
}

/** Starts the runtime child and waits until its handler is built. */
export function startLambdaRuntime(options: RuntimeOptions): Promise<LambdaRuntime> {
  const child = spawnRuntime(options);
  const runtimeLogs = watchRuntimeLogs(child);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) =>
      resolve(
        `the runtime exited (code ${code}, signal ${signal}): ${runtimeLogs.stderrTail().trim().slice(-2000)}`,
      ),
    );
  });
  const waitFor = <T>(pick: (message: RuntimeMessage) => T | undefined): Promise<T> =>
    Promise.race([
      new Promise<T>((resolve) => {
        const listener = (message: RuntimeMessage): void => {
          const picked = pick(message);
          if (picked === undefined) return;
          child.off('message', listener);
          resolve(picked);
        };
        child.on('message', listener);
      }),
      exited.then((why) => Promise.reject(new RuntimeCrashError(why))),
    ]);
  let nextId = 0;
  const runtime: LambdaRuntime = {
    invoke: async (event, remainingMs) => {
      const id = (nextId += 1);
      const { logs, done } = runtimeLogs.next();
      child.send({ id, event, remainingMs } satisfies InvokeRequest);
      const report = await waitFor((message) =>
        message.kind === 'done' && message.id === id ? message.report : undefined,
      );
      await Promise.race([done, exited]);
      return {
        ...report,
        leaked: [...new Set([...report.leaked, ...logs.leaked])],
        errorLogs: logs.errors,
        replayCommandLogged: logs.replay,
      };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  return waitFor((message) => (message.kind === 'ready' ? runtime : undefined));
}

/** Notes planted secrets and ERROR entries in one line of the function's logs. */
function readLogLine(
  line: string,
  logs: { leaked: Set<string>; errors: string[]; replay: boolean },
): void {
  for (const secret of plantedSecretsIn(line)) logs.leaked.add(secret);
  if (!line.startsWith('{') || !line.includes('"ERROR"')) return;
  try {
    const entry = JSON.parse(line) as {
      level?: string;
      message?: string;
      reason?: string;
      replayCommand?: string;
    };
    if (entry.level !== 'ERROR') return;
    const reason = typeof entry.reason === 'string' ? ` [${entry.reason}]` : '';
    if (logs.errors.length < 20)
      logs.errors.push(`${String(entry.message).slice(0, 200)}${reason}`);
    if (typeof entry.replayCommand === 'string') logs.replay = true;
  } catch {
    // Not one of the function's log entries.
  }
}

/** A Lambda context whose remaining time runs out `remainingMs` from now; counts its calls. */
export function fakeLambdaContext(remainingMs: number): {
  context: Context;
  calls: () => number[];
} {
  const deadline = Date.now() + remainingMs;
  const started = Date.now();
  const calls: number[] = [];
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'mediapackage-audit-alerts',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-west-2:111122223333:function:mediapackage-audit-alerts',
    memoryLimitInMB: String(MEMORY_LIMIT_MB),
    awsRequestId: `hostile-${deadline}`,
    logGroupName: '/aws/lambda/mediapackage-audit-alerts',
    logStreamName: '2025/03/14/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => {
      calls.push(Date.now() - started);
      return Math.max(0, deadline - Date.now());
    },
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  return { context, calls: () => [...calls] };
}

/** The peak RSS (VmHWM) in MB, from /proc, else the process's lifetime peak. */
function peakRssMb(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Resets VmHWM (Linux `clear_refs` 5), so the next reading is this invocation's own peak. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Without it the peak is the process's so far: never lower than the truth.
  }
}

/** An SNS client with the function's settings that notes what SNS accepted. */
function capturingSns(published: AlertIdentity[], leaked: Set<string>): SNSClient {
  const sns = new SNSClient({ maxAttempts: 6, retryMode: 'standard' });
  sns.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const input = args.input as Partial<PublishBatchCommandInput>;
      const output = result.output as Partial<PublishBatchCommandOutput>;
      if (input.PublishBatchRequestEntries === undefined) return result;
      const accepted = new Set((output.Successful ?? []).map((entry) => entry.Id));
      for (const entry of input.PublishBatchRequestEntries) {
        if (!accepted.has(entry.Id)) continue;
        const text = `${entry.Subject ?? ''}\n${entry.Message ?? ''}`;
        for (const secret of plantedSecretsIn(text)) leaked.add(secret);
        const structure = JSON.parse(entry.Message ?? '{}') as { sqs?: string };
        const alert = JSON.parse(structure.sqs ?? '{}') as Partial<AlertIdentity>;
        published.push({
          eventID: String(alert.eventID),
          requestID: alert.requestID ?? null,
          eventName: String(alert.eventName),
        });
      }
      return result;
    },
    { step: 'initialize', name: 'hostileCapture' },
  );
  return sns;
}

/** The child: builds the handler once, then runs each invocation it is sent. */
function runtimeChild(): void {
  const capture = process.env.HOSTILE_CAPTURE === '1';
  const published: AlertIdentity[] = [];
  const leaked = new Set<string>();
  const handler = createHandler(capture ? { sns: capturingSns(published, leaked) } : {});
  const send = (message: RuntimeMessage): void => {
    process.send?.(message);
  };
  process.on('message', (request: InvokeRequest) => {
    void (async () => {
      published.length = 0;
      leaked.clear();
      resetPeakRss();
      const { context, calls } = fakeLambdaContext(request.remainingMs);
      const started = Date.now();
      let summary: TriggerSummary | null = null;
      let error: InvocationReport['error'] = null;
      try {
        summary = await handler(request.event, context);
      } catch (thrown) {
        error = {
          name: (thrown as Error).name ?? 'Error',
          message: String((thrown as Error).message).slice(0, 2000),
        };
      }
      const wallMs = Date.now() - started;
      const marker = `\n${JSON.stringify({ [INVOCATION_END]: request.id })}\n`;
      process.stdout.write(marker);
      process.stderr.write(marker);
      send({
        kind: 'done',
        id: request.id,
        report: {
          summary,
          error,
          wallMs,
          remainingMs: request.remainingMs,
          contextCalls: calls(),
          peakRssMb: peakRssMb(),
          published: capture ? [...published] : null,
          leaked: [...leaked],
          errorLogs: [],
          replayCommandLogged: false,
        },
      });
    })();
  });
  process.once('disconnect', () => process.exit(0));
  send({ kind: 'ready' });
}

// ---------------------------------------------------------------------------------------------
// `mp-audit scan --json` as a whole process
// ---------------------------------------------------------------------------------------------

/** What a `scan --json` process did. */
export interface ScanReport {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallMs: number;
  /** The process's peak RSS (getrusage), reported as it exited; null if it never got there. */
  readonly maxRssMb: number | null;
  /** Each alert line's identity and file. */
  readonly alerts: (AlertIdentity & { readonly sourceFile: string })[];
  /** Planted secrets found in stdout. */
  readonly leaked: string[];
  readonly stderr: string;
  /** A stack trace, a fatal V8 error or a signal: the process crashed rather than failed. */
  readonly crashed: boolean;
}

const LINE_HEAD =
  /^\{"eventID":("(?:[^"\\]|\\.)*"),"eventSource":"(?:[^"\\]|\\.)*","eventName":("(?:[^"\\]|\\.)*")/;
const LINE_FILE = /,"sourceFile":("(?:[^"\\]|\\.)*")/;
/** The first `requestID` of a line is the alert's: the flat fields before it have none. */
const LINE_REQUEST_ID = /"requestID":(null|"(?:[^"\\]|\\.)*")/;

/**
 * The identity of a `scan --json` line, read with anchored patterns rather than parsing the
 * whole line: a reader slower than the CLI makes the CLI buffer its output (it does not wait
 * for a full pipe), and its memory would measure the reader.
 */
function scanLineIdentity(line: string): AlertIdentity & { readonly sourceFile: string } {
  const head = LINE_HEAD.exec(line);
  const file = LINE_FILE.exec(line);
  if (head === null || file === null) {
    const parsed = JSON.parse(line) as { eventID: string; eventName: string; sourceFile: string };
    return { ...parsed, requestID: null };
  }
  return {
    eventID: JSON.parse(head[1] as string) as string,
    eventName: JSON.parse(head[2] as string) as string,
    sourceFile: JSON.parse(file[1] as string) as string,
    requestID: JSON.parse(LINE_REQUEST_ID.exec(line)?.[1] ?? 'null') as string | null,
  };
}

/** Prints the process's peak RSS as it exits. */
const REPORT_MAX_RSS =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmax-rss-kb="+process.resourceUsage().maxRSS+"\\n"))';

/** Options of {@link runScanProcess}. */
export interface ScanProcessOptions {
  /**
   * Read nothing of its output for this long first, as a slow reader (`| less`, a busy `jq`)
   * would: the pipe fills and the CLI has to wait for it. @default 0
   */
  readonly pauseReadingMs?: number;
}

/** Runs `node bin/mp-audit.js scan --json <files>`, reading its output as it comes. */
export function runScanProcess(
  files: readonly string[],
  options: ScanProcessOptions = {},
): Promise<ScanReport> {
  const started = Date.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', REPORT_MAX_RSS, join(ROOT, 'bin', 'mp-audit.js'), 'scan', '--json', ...files],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const alerts: ScanReport['alerts'] = [];
  const leaked = new Set<string>();
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line.trim() === '') return;
    for (const secret of plantedSecretsIn(line)) leaked.add(secret);
    alerts.push(scanLineIdentity(line));
  });
  if ((options.pauseReadingMs ?? 0) > 0) {
    child.stdout?.pause();
    setTimeout(() => child.stdout?.resume(), options.pauseReadingMs);
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const rss = /max-rss-kb=(\d+)/.exec(stderr)?.[1];
      resolve({
        code,
        signal,
        wallMs: Date.now() - started,
        maxRssMb: rss === undefined ? null : Number(rss) / 1024,
        alerts,
        leaked: [...leaked],
        stderr,
        crashed:
          signal !== null ||
          (code !== 0 && code !== 1) ||
          /\n\s+at .*:\d+:\d+\)?\n|FATAL ERROR|heap out of memory|RangeError/.test(stderr),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Judging a run
// ---------------------------------------------------------------------------------------------

/** How a run of one file went, against what the file must produce. */
export interface Verdict {
  readonly found: number;
  readonly expected: number;
  /** Expected alerts past the point a read budget stopped at, which the run said it left. */
  readonly deferred: number;
  readonly lost: string[];
  readonly duplicated: string[];
  readonly unexpected: string[];
  readonly problems: string[];
}

/**
 * Judges alerts against a file's expectation. `stoppedAtEntry` is where a run that reported a
 * budget stop (with the replay command) stopped reading: alerts from there on are deferred.
 */
export function judge(
  expectation: Expectation,
  alerts: readonly AlertIdentity[],
  stoppedAtEntry: number | null,
): Verdict {
  const { duplicated, unexpected, missing } = compareAlerts(expectation.alerts, alerts);
  const deferred = stoppedAtEntry === null ? [] : missing.filter((w) => w.index >= stoppedAtEntry);
  const lost = missing.filter((want) => !deferred.includes(want)).map(describeExpected);
  return {
    found: alerts.length,
    expected: expectation.alerts.length,
    deferred: deferred.length,
    lost,
    duplicated,
    unexpected,
    problems: [
      ...(lost.length > 0 ? [`${lost.length} lost (first: ${lost[0]})`] : []),
      ...(duplicated.length > 0 ? [`${duplicated.length} sent twice`] : []),
      ...(unexpected.length > 0 ? [`${unexpected.length} unexpected`] : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The full-size run
// ---------------------------------------------------------------------------------------------

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** The deployed function's timeout: for cases whose work is delivering many alerts. */
const FUNCTION_TIMEOUT_MS = 300_000;

interface FullCase {
  readonly log: HostileLog;
  readonly remainingMs: number;
  /** Environment the function gets on top of the endpoint and topic. */
  readonly env?: Readonly<Record<string, string>>;
  readonly label?: string;
  /** Also run `mp-audit scan` with a reader that reads nothing for this long first. */
  readonly slowReaderMs?: number;
}

function fullCases(): FullCase[] {
  return [
    { log: gzipBomb(20 * GIB), remainingMs: 60_000 },
    // Under and over the default 2 GiB budget of inflated bytes.
    { log: hugeString(2 * GIB - MIB), remainingMs: 60_000 },
    { log: hugeString(2 * GIB + 2 * MIB), remainingMs: 60_000 },
    { log: bigRequestParameters(500 * MIB, 'compact'), remainingMs: 60_000 },
    { log: manyRecords(10_000_000, 100), remainingMs: 60_000 },
    {
      log: manyRecords(10_000_000, 100),
      remainingMs: FUNCTION_TIMEOUT_MS,
      env: { MP_AUDIT_MAX_INFLATED_BYTES: String(16 * GIB) },
      label: 'records-10000000 maxInflatedMb=16384',
    },
    { log: manyWrites(100_000), remainingMs: FUNCTION_TIMEOUT_MS, slowReaderMs: 20_000 },
    { log: deepNesting(100_000, true, 'compact'), remainingMs: 60_000 },
    { log: deepNesting(100_000, false, 'compact'), remainingMs: 60_000 },
  ];
}

interface Row {
  readonly label: string;
  readonly inflated: string;
  readonly stored: string;
  readonly where: string;
  readonly alerts: string;
  readonly wall: string;
  readonly rssMb: number | null;
  readonly outcome: string;
  readonly failed: boolean;
}

function sizeText(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(0)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function alertText(verdict: Verdict): string {
  return `${verdict.expected}/${verdict.found}${verdict.deferred > 0 ? ` (${verdict.deferred} deferred)` : ''}`;
}

async function runHandlerCase(
  strict: boolean,
  item: FullCase,
  file: { path: string; key: string; storedBytes: number; expectation: Expectation },
  aws: { endpoint: string; s3: S3Client; bucket: string; topicArn: string },
): Promise<Omit<Row, 'label' | 'inflated' | 'stored'>> {
  await putHostileObject(aws.s3, aws.bucket, file.key, file.path, file.storedBytes);
  const runtime = await startLambdaRuntime({
    env: { AWS_ENDPOINT_URL: aws.endpoint, ALERT_TOPIC_ARN: aws.topicArn, ...item.env },
    capture: true,
  });
  try {
    const report = await runtime.invoke(
      s3Event([file.key], { bucket: aws.bucket, size: file.storedBytes }),
      item.remainingMs,
    );
    const summary = report.summary;
    const incomplete = (summary?.incompleteObjects ?? 0) > 0 && report.replayCommandLogged;
    const verdict = judge(
      file.expectation,
      report.published ?? [],
      incomplete ? (summary?.records ?? 0) : null,
    );
    const problems = [
      ...verdict.problems,
      ...(report.error === null ? [] : [`threw ${report.error.name}: ${report.error.message}`]),
      ...(report.wallMs >= item.remainingMs ? ['past its deadline'] : []),
      ...(report.peakRssMb >= MEMORY_LIMIT_MB ? ['over 512 MB'] : []),
      ...(report.leaked.length > 0 ? [`leaked ${report.leaked.join(', ')}`] : []),
      ...(strict && verdict.deferred > 0 ? [`${verdict.deferred} deferred`] : []),
    ];
    const state =
      summary === null
        ? 'no summary'
        : summary.incompleteObjects > 0
          ? `incomplete, ${/\[(\w+-budget)\]/.exec(report.errorLogs.join(' '))?.[1] ?? 'budget'} logged with the replay command`
          : summary.unreadableObjects > 0
            ? 'unreadable'
            : 'read whole';
    return {
      where: 'handler',
      alerts: alertText(verdict),
      wall: `${(report.wallMs / 1000).toFixed(1)} / ${item.remainingMs / 1000} s`,
      rssMb: report.peakRssMb,
      outcome: problems.length > 0 ? `FAIL: ${problems.join('; ')}` : `ok, ${state}`,
      failed: problems.length > 0,
    };
  } catch (error) {
    return {
      where: 'handler',
      alerts: '-',
      wall: '-',
      rssMb: null,
      outcome: `FAIL: crashed: ${(error as Error).message.slice(0, 300)}`,
      failed: true,
    };
  } finally {
    await runtime.stop();
    await aws.s3.send(new DeleteObjectCommand({ Bucket: aws.bucket, Key: file.key }));
  }
}

async function runScanCase(
  strict: boolean,
  file: { path: string; expectation: Expectation },
  damage: Damage,
  pauseReadingMs = 0,
): Promise<Omit<Row, 'label' | 'inflated' | 'stored'>> {
  const run = await runScanProcess([file.path], { pauseReadingMs });
  const budgetStop = /: (byte|time)-budget: /.test(run.stderr);
  const records = /records (\d+),/.exec(run.stderr)?.[1];
  const verdict = judge(
    file.expectation,
    run.alerts,
    budgetStop && records !== undefined ? Number(records) : null,
  );
  const wantExit = damage === 'none' || damage === 'record' ? 0 : 1;
  const problems = [
    ...verdict.problems,
    ...(run.crashed ? [`crashed: ${run.stderr.trim().slice(-300)}`] : []),
    ...(run.code !== wantExit ? [`exit ${run.code}, documented ${wantExit}`] : []),
    ...((run.maxRssMb ?? Infinity) >= MEMORY_LIMIT_MB ? ['over 512 MB'] : []),
    ...(run.leaked.length > 0 ? [`leaked ${run.leaked.join(', ')}`] : []),
    ...(strict && verdict.deferred > 0 ? [`${verdict.deferred} deferred`] : []),
  ];
  return {
    where: pauseReadingMs > 0 ? `scan, reader paused ${pauseReadingMs / 1000} s` : 'scan',
    alerts: alertText(verdict),
    wall: `${(run.wallMs / 1000).toFixed(1)} s`,
    rssMb: run.maxRssMb,
    outcome:
      problems.length > 0
        ? `FAIL: ${problems.join('; ')}`
        : `ok, exit ${run.code}${budgetStop ? ' (budget)' : ''}`,
    failed: problems.length > 0,
  };
}

function printTable(rows: readonly Row[]): void {
  const head = [
    'case',
    'inflated',
    'stored',
    'run',
    'alerts exp/found',
    'wall',
    'peak RSS MB',
    'outcome',
  ];
  const cells = rows.map((row) => [
    row.label,
    row.inflated,
    row.stored,
    row.where,
    row.alerts,
    row.wall,
    row.rssMb === null ? '-' : row.rssMb.toFixed(0),
    row.outcome,
  ]);
  const widths = head.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const values of cells) console.log(line(values));
}

async function main(argv: readonly string[]): Promise<number> {
  const settled = settleCommandLine(parseHostileArgs(argv), HOSTILE_COMMAND_LINE);
  if ('exitCode' in settled) return settled.exitCode;
  const { only, keep, strict } = settled.options;
  const cases = fullCases().filter(
    (item) => only === undefined || (item.label ?? item.log.name).includes(only),
  );
  const dir = keep ?? (await mkdtemp(join(tmpdir(), 'hostile-full-')));
  const local = await startLocalAws();
  const rows: Row[] = [];
  try {
    const config = localClientConfig(local.endpoint);
    const s3 = new S3Client(config);
    const sns = new SNSClient(config);
    const bucket = 'hostile-full-trail-logs';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: 'hostile-alerts' }));
    for (const [n, item] of cases.entries()) {
      const label = item.label ?? item.log.name;
      const path = join(dir, hostileFileName(item.log));
      const generated = Date.now();
      const { expectation, storedBytes } = await writeHostileLog(item.log, path);
      const damage = expectedDamage(item.log, expectation);
      console.error(
        `[${n + 1}/${cases.length}] ${label}: ${sizeText(expectation.inflatedBytes)} inflated, ${sizeText(storedBytes)} stored, ${expectation.alerts.length} alerts expected (generated in ${((Date.now() - generated) / 1000).toFixed(1)} s)`,
      );
      const file = {
        path,
        key: `AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/${hostileFileName(item.log)}`,
        storedBytes,
        expectation,
      };
      const common = {
        label,
        inflated: sizeText(expectation.inflatedBytes),
        stored: sizeText(statSync(path).size),
      };
      for (const result of [
        await runHandlerCase(strict, item, file, {
          endpoint: local.endpoint,
          s3,
          bucket,
          topicArn: TopicArn,
        }),
        // The CLI has no way to raise its budget: its run of a raised-budget case is the same.
        ...(item.env === undefined ? [await runScanCase(strict, file, damage)] : []),
        ...(item.slowReaderMs === undefined
          ? []
          : [await runScanCase(strict, file, damage, item.slowReaderMs)]),
      ]) {
        const row = { ...common, ...result };
        rows.push(row);
        console.error(
          `  ${row.where}: ${row.alerts} alerts, ${row.wall}, ${row.rssMb?.toFixed(0) ?? '-'} MB, ${row.outcome}`,
        );
      }
      if (keep === undefined) await rm(path, { force: true });
    }
  } finally {
    await local.stop();
    if (keep === undefined) await rm(dir, { recursive: true, force: true });
  }
  printTable(rows);
  const failed = rows.filter((row) => row.failed);
  console.log(
    failed.length === 0
      ? '\nEvery case: no alert lost or sent twice, no secret out, in time, under 512 MB, no crash.'
      : `\n${failed.length} run(s) failed: ${failed.map((row) => `${row.label} (${row.where})`).join(', ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
  if (process.argv.includes('--runtime')) {
    runtimeChild();
  } else {
    main(process.argv.slice(2)).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  }
}
