/**
 * `npm run bench [-- --only reader,function-load,startup,cli-scan] [--json] [--sizes 1,20,200] [--runs 3] [--corpus DIR] [--lambda-like [--memory-mb 512]]`
 * (`npm run bench -- --help` for all options)
 *
 * Prints, for CloudTrail log files of each size (generated, seeded, cached in .bench/), the
 * throughput in MB/s of uncompressed JSON and the peak RSS of three ways to read them: gunzip
 * alone (the floor), the naive load-and-JSON.parse, and this pipeline's reader and matcher;
 * plus pipeline/gunzip. Each measurement runs in its own process. Alert counts are checked
 * against the generator's list. Also the bundled function's size and module load time, and the
 * CLI as users run it, whole processes (whole-process.ts): start-up against bare Node.js, and
 * `mp-audit scan --json` against gunzip.
 *
 * With --lambda-like each measured process runs in its own cgroup with a CPU quota and a memory
 * limit like a Lambda function's of --memory-mb (see lambda-like.ts); the report adds the wall
 * time per file, the cgroup's peak memory, OOM kills and what a 5-minute timeout covers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { FUNCTION_ALIASES, FUNCTION_MAIN_FIELDS } from '../../lib/bundling';
import type { CorpusManifest } from './corpus';
import type { Confinement, Log, Spread } from './harness';
import {
  BENCH_DIR,
  generatedCorpus,
  median,
  ROOT,
  runningChild,
  runProcess,
  spread,
} from './harness';
import type { CgroupStats, Quota } from './lambda-like';
import {
  CgroupSandbox,
  cpuMaxLine,
  detectCgroups,
  insideRun,
  LAMBDA_MB_PER_VCPU,
  quotaFor,
} from './lambda-like';
import type { BenchSection, RunOptions } from './options';
import { parseRunArgs, RUN_COMMAND_LINE, settleCommandLine } from './options';
import type { WorkerResult } from './worker';
import type { CliScanReport, NotBuilt, StartupReport } from './whole-process';
import { cliScanLines, measureCliScan, measureStartup, startupLines } from './whole-process';

const MODES = ['gunzip', 'naive', 'pipeline'] as const;
type Mode = (typeof MODES)[number];
/** Lambda's longest timeout, and this function's. */
const TIMEOUT_SECONDS = 300;

/** Bundles like the construct does (esbuild, minified, SDK included) for the worker and the function. */
function bundle(entry: string, outfile: string): void {
  buildSync({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // As the construct bundles the function (lib/bundling.ts).
    mainFields: FUNCTION_MAIN_FIELDS,
    alias: { ...FUNCTION_ALIASES },
    minify: true,
    sourcemap: 'external',
    logLevel: 'error',
  });
}

interface RunOutcome {
  /** Null when the process was OOM-killed. */
  readonly result: WorkerResult | null;
  readonly oomKilled: boolean;
  readonly processWallSeconds: number;
  readonly cgroup: CgroupStats | null;
}

async function runWorker(
  confinement: Confinement,
  worker: string,
  mode: Mode,
  file: string,
): Promise<RunOutcome> {
  const outcome = await runProcess(confinement, [worker, mode, file]);
  const oomKilled =
    (outcome.stats?.oomKills ?? 0) > 0 ||
    (confinement.kind === 'cgroup' && outcome.signal === 'SIGKILL');
  if (outcome.code === 125 && outcome.run !== null)
    throw new Error(`the ${mode} worker could not join its cgroup: ${outcome.stderr.trim()}`);
  if (outcome.code !== 0 && !oomKilled) {
    throw new Error(
      `the ${mode} worker failed on ${file} (${outcome.signal ?? `exit ${outcome.code}`}): ${outcome.stderr.trim()}`,
    );
  }
  const result = outcome.code === 0 ? (JSON.parse(outcome.stdout) as WorkerResult) : null;
  if (result !== null && outcome.run !== null && !insideRun(result.procCgroup, outcome.run)) {
    throw new Error(
      `the ${mode} worker did not run in its cgroup ${outcome.run.name}: /proc/self/cgroup was\n${result.procCgroup}`,
    );
  }
  return {
    result,
    oomKilled,
    processWallSeconds: outcome.wallSeconds,
    cgroup: outcome.stats,
  };
}

interface ModeReport {
  /** Median over the runs that finished; null if none did (all OOM-killed). */
  mbPerSec: number | null;
  peakRssMB: number | null;
  /** Null when every run was OOM-killed. */
  alerts: number | null;
  countsMatch: boolean | null;
  mbPerSecRange: Spread | null;
  /** Wall time of the measured part (reading the file), in seconds. */
  seconds: Spread | null;
  /** From spawn to exit, Node.js start-up included. */
  processWallSeconds: Spread | null;
  /** CPU time over wall time while reading: 1 is one core's worth. */
  cpuShare: number | null;
  /** --lambda-like: the cgroup's peak memory (charged pages: not the same as RSS). */
  cgroupPeakMB: number | null;
  /** --lambda-like: periods in which the quota ran out (median). */
  throttledPeriods: number | null;
  oomKilledRuns: number;
  runs: number;
  /**
   * --lambda-like: whether the CPU share reached the quota (within 15%). When it did not, the
   * quota was not the only limit (a busy machine, or work that cannot use that many cores).
   */
  quotaBound: boolean | null;
}

/** CPU share at or above this fraction of the quota counts as held by the quota. */
const QUOTA_BOUND = 0.85;

interface FileReport {
  readonly file: string;
  readonly uncompressedMB: number;
  readonly gzipMB: number;
  readonly records: number | null;
  readonly expectedAlerts: number | null;
  readonly modes: Record<Mode, ModeReport>;
  /** Median over runs of pipeline MB/s divided by gunzip MB/s measured in the same run. */
  readonly pipelineOverGunzip: number | null;
  readonly pipelineOverGunzipRange: Spread | null;
  readonly naiveOverGunzip: number | null;
}

function listLogFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter(
      (path) =>
        /\.json(\.gz)?$/.test(path) &&
        !path.endsWith('expected-alerts.json') &&
        statSync(path).isFile(),
    )
    .sort();
}

async function coldStart(
  confinement: Confinement,
): Promise<{ bundleBytes: number; moduleLoadMs: number; processMs: number }> {
  const outfile = join(BENCH_DIR, 'function', 'index.js');
  bundle('lambda/handler.ts', outfile);
  const loads: number[] = [];
  const processes: number[] = [];
  for (let run = 0; run < 7; run += 1) {
    const outcome = await runProcess(
      confinement,
      [
        '-e',
        `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
      ],
      { env: { ...process.env, AWS_REGION: 'us-east-1' } },
    );
    if (outcome.code !== 0)
      throw new Error(`loading the bundled function failed: ${outcome.stderr.trim()}`);
    loads.push(Number(outcome.stdout));
    processes.push(outcome.wallSeconds * 1000);
  }
  return {
    bundleBytes: statSync(outfile).size,
    moduleLoadMs: median(loads),
    processMs: median(processes),
  };
}

function machine(): {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
} {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
}

interface LambdaLikeSetup {
  readonly confinement: Confinement;
  readonly quota: Quota;
  readonly mechanism: 'cgroup-v2' | 'cgroup-v1' | 'taskset-approximation';
  readonly description: string;
  /** Why the preferred ways could not be used (empty when cgroup v2 applied). */
  readonly notes: string[];
}

/** Sets up --lambda-like, or returns why it cannot. */
function setUpLambdaLike(options: RunOptions): LambdaLikeSetup | { refused: string[] } {
  const quota = quotaFor(options.memoryMb, availableParallelism());
  const reasons: string[] = [];
  if (process.platform !== 'linux') {
    reasons.push(`cgroups are a Linux feature; this is ${process.platform}`);
  } else {
    let mountinfo = '';
    let selfCgroup = '';
    try {
      mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
      selfCgroup = readFileSync('/proc/self/cgroup', 'utf8');
    } catch (error) {
      reasons.push(`cannot read /proc/self: ${String(error)}`);
    }
    if (mountinfo !== '') {
      const detection = detectCgroups({
        mountinfo,
        selfCgroup,
        quota,
        isRoot: process.getuid?.() === 0,
      });
      reasons.push(...detection.reasons);
      if (detection.placement !== null) {
        const sandbox = new CgroupSandbox(detection.placement, quota);
        const swept = sandbox.sweepStale((pid) => {
          try {
            process.kill(pid, 0);
            return true;
          } catch (error) {
            return (error as NodeJS.ErrnoException).code !== 'ESRCH';
          }
        });
        for (const dir of swept) reasons.push(`removed ${dir}, left by an earlier run`);
        return {
          confinement: { kind: 'cgroup', sandbox },
          quota,
          mechanism: detection.placement.kind === 'cgroup2' ? 'cgroup-v2' : 'cgroup-v1',
          description: sandbox.describe(),
          notes: reasons,
        };
      }
    }
  }
  if (options.tasksetFallback) {
    const probe = spawnSync('taskset', ['-c', '0', 'true']);
    if (probe.status === 0) {
      return {
        confinement: { kind: 'taskset' },
        quota,
        mechanism: 'taskset-approximation',
        description:
          'APPROXIMATION, not a quota: pinned to one core (taskset -c 0), which is the CPU of a ' +
          `${LAMBDA_MB_PER_VCPU} MB function whatever --memory-mb says, and no memory limit`,
        notes: reasons,
      };
    }
    reasons.push('taskset -c 0 does not work here either');
  }
  return { refused: reasons };
}

let activeSandbox: CgroupSandbox | null = null;

/** Removes the cgroups on Ctrl-C, kill and exit: first the process in them, then the cgroups. */
function installCleanup(sandbox: CgroupSandbox): void {
  activeSandbox = sandbox;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping, removing the benchmark's cgroups`);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      for (const failure of sandbox.removeAll()) console.error(`could not remove ${failure}`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    const child = runningChild();
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      child.once('close', finish);
      child.kill('SIGKILL');
      setTimeout(finish, 5000).unref();
    } else {
      finish();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', () => {
    // Last resort (an error thrown past main): stop the child and wait a little for it to go.
    const child = runningChild();
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let attempt = 0; attempt < 20 && sandbox.liveDirs().length > 0; attempt += 1) {
      sandbox.removeAll();
      if (sandbox.liveDirs().length > 0) Atomics.wait(pause, 0, 0, 50);
    }
    for (const dir of sandbox.liveDirs()) console.error(`could not remove cgroup ${dir}`);
  });
}

function fmt(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function fmtSpread(value: Spread | null, digits = 0): string {
  if (value === null) return '-';
  return `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
}

type Machine = ReturnType<typeof machine>;

/** --lambda-like: the confinement, announced with its limits; or null, with why not on stderr. */
function startLambdaLike(options: RunOptions, host: Machine, log: Log): LambdaLikeSetup | null {
  const setup = setUpLambdaLike(options);
  if ('refused' in setup) {
    console.error(
      `--lambda-like: cannot put the measured processes under a CPU quota and a memory limit here, so no figures:\n` +
        setup.refused.map((reason) => `  - ${reason}\n`).join('') +
        'It needs Linux, root, and cgroup v2 with the cpu and memory controllers or cgroup v1 cpu and memory\n' +
        'hierarchies. --taskset-fallback measures pinned to one core instead (an approximation: one whole\n' +
        'core whatever --memory-mb, and no memory limit).',
    );
    return null;
  }
  if (setup.confinement.kind === 'cgroup') installCleanup(setup.confinement.sandbox);
  const { quota } = setup;
  log(
    `Lambda-like: ${quota.memoryMb} MB -> ${quota.lambdaVcpu.toFixed(3)} vCPU` +
      (quota.capped ? `, capped at this machine's ${host.cores} cores` : '') +
      `; CPU quota ${cpuMaxLine(quota)} (us per period), memory limit ${quota.memoryMb} MiB`,
  );
  log(`  ${setup.description}`);
  for (const note of setup.notes) log(`  note: ${note}`);
  return setup;
}

/** A file to measure, with the eventIDs it must alert on when known. */
interface Target {
  readonly file: string;
  readonly expected: string[] | null;
  readonly records: number | null;
}

/** --corpus DIR: its log files, with what its expected-alerts.json says of each, if it has one. */
function corpusTargets(corpus: string): Target[] {
  if (!existsSync(corpus)) throw new Error(`--corpus ${corpus}: no such directory`);
  const manifestPath = join(corpus, 'expected-alerts.json');
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest)
    : undefined;
  const targets = listLogFiles(corpus).map((file): Target => {
    const known = manifest?.files.find(
      (entry) => join(corpus, entry.key) === file || entry.path === file,
    );
    return { file, expected: known?.alertEventIds ?? null, records: known?.records ?? null };
  });
  if (targets.length === 0) throw new Error(`--corpus ${corpus}: no .json or .json.gz files`);
  return targets;
}

/** --sizes: the generated corpus of each size. */
async function generatedTargets(options: RunOptions, log: Log): Promise<Target[]> {
  const targets: Target[] = [];
  for (const sizeMB of options.sizes) {
    for (const file of (await generatedCorpus(sizeMB, options.seed, log)).files) {
      targets.push({ file: file.path, expected: file.alertEventIds, records: file.records });
    }
  }
  return targets;
}

/** How each file is measured. */
interface Measurement {
  readonly confinement: Confinement;
  readonly worker: string;
  readonly runs: number;
  readonly lambdaLike: LambdaLikeSetup | null;
}

/** One mode's runs on one file, summed up. */
function summariseMode(
  mode: Mode,
  list: readonly RunOutcome[],
  expected: readonly string[] | null,
  lambdaLike: LambdaLikeSetup | null,
): ModeReport {
  const done = list.flatMap((outcome) => (outcome.result === null ? [] : [outcome.result]));
  const ids = done[0]?.alertEventIds;
  const rates = spread(done.map((result) => result.uncompressedBytes / 1e6 / result.seconds));
  const peaks = list.flatMap((outcome) =>
    outcome.cgroup?.memoryPeakBytes == null ? [] : [outcome.cgroup.memoryPeakBytes / 2 ** 20],
  );
  const throttled = list.flatMap((outcome) =>
    outcome.cgroup?.throttledPeriods == null ? [] : [outcome.cgroup.throttledPeriods],
  );
  return {
    mbPerSec: rates?.median ?? null,
    peakRssMB: done.length === 0 ? null : median(done.map((r) => r.maxRssBytes / 2 ** 20)),
    alerts: ids?.length ?? null,
    countsMatch:
      mode === 'gunzip' || expected === null || ids === undefined
        ? null
        : JSON.stringify(ids) === JSON.stringify(expected),
    mbPerSecRange: rates,
    seconds: spread(done.map((result) => result.seconds)),
    processWallSeconds: spread(
      list.flatMap((outcome) => (outcome.result === null ? [] : [outcome.processWallSeconds])),
    ),
    cpuShare: done.length === 0 ? null : median(done.map((result) => result.cpuShare)),
    cgroupPeakMB: peaks.length === 0 ? null : median(peaks),
    throttledPeriods: throttled.length === 0 ? null : median(throttled),
    oomKilledRuns: list.filter((outcome) => outcome.oomKilled).length,
    runs: list.length,
    quotaBound:
      lambdaLike === null || lambdaLike.mechanism === 'taskset-approximation' || done.length === 0
        ? null
        : median(done.map((result) => result.cpuShare)) >= QUOTA_BOUND * lambdaLike.quota.vcpu,
  };
}

/** Every mode on one file, --runs times, interleaved so that a noisy moment hits every mode alike. */
async function measureFile(target: Target, measurement: Measurement): Promise<FileReport> {
  const { confinement, worker, runs, lambdaLike } = measurement;
  const outcomes: Record<Mode, RunOutcome[]> = { gunzip: [], naive: [], pipeline: [] };
  const ratios: number[] = [];
  const naiveRatios: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    for (const mode of MODES)
      outcomes[mode].push(await runWorker(confinement, worker, mode, target.file));
    const rate = (mode: Mode): number | null => {
      const last = (outcomes[mode][run] as RunOutcome).result;
      return last === null ? null : last.uncompressedBytes / last.seconds;
    };
    const [gunzipRate, naiveRate, pipelineRate] = [rate('gunzip'), rate('naive'), rate('pipeline')];
    if (gunzipRate !== null && pipelineRate !== null) ratios.push(pipelineRate / gunzipRate);
    if (gunzipRate !== null && naiveRate !== null) naiveRatios.push(naiveRate / gunzipRate);
  }
  const expected = target.expected === null ? null : [...new Set(target.expected)].sort();
  const summarise = (mode: Mode): ModeReport =>
    summariseMode(mode, outcomes[mode], expected, lambdaLike);
  const firstDone = MODES.flatMap((mode) => outcomes[mode]).find(
    (outcome) => outcome.result !== null,
  )?.result;
  return {
    file: relative(ROOT, target.file),
    uncompressedMB: (firstDone?.uncompressedBytes ?? Number.NaN) / 1e6,
    gzipMB: statSync(target.file).size / 1e6,
    records: target.records,
    expectedAlerts: expected?.length ?? null,
    modes: {
      gunzip: summarise('gunzip'),
      naive: summarise('naive'),
      pipeline: summarise('pipeline'),
    },
    pipelineOverGunzip: ratios.length === 0 ? null : median(ratios),
    pipelineOverGunzipRange: spread(ratios),
    naiveOverGunzip: naiveRatios.length === 0 ? null : median(naiveRatios),
  };
}

/** The line printed as each file is done. */
function progressLine(report: FileReport): string {
  const brief = (mode: Mode): string => {
    const entry = report.modes[mode];
    const oom = entry.oomKilledRuns > 0 ? ` OOM-killed ${entry.oomKilledRuns}/${entry.runs}` : '';
    return `${mode} ${fmt(entry.mbPerSec)} MB/s ${fmt(entry.peakRssMB)} MB${oom}`;
  };
  return (
    `${report.uncompressedMB.toFixed(0).padStart(5)} MB  ${brief('gunzip')} | ${brief('naive')} | ${brief('pipeline')} | ` +
    `pipeline/gunzip ${fmt(report.pipelineOverGunzip, 2)} | alerts ${report.modes.pipeline.alerts ?? '-'}/${report.expectedAlerts ?? '?'}`
  );
}

type ColdStart = Awaited<ReturnType<typeof coldStart>>;

interface TimeoutCoverage {
  readonly basedOn: string;
  readonly seconds: number;
  readonly uncompressedGB: number;
  readonly uncompressedGBWorstRun: number;
  readonly gzipGB: number;
  readonly compressionRatio: number;
}

/** What one invocation can read before a 5-minute timeout, at the largest file's pipeline rate. */
function timeoutCoverage(largest: FileReport | undefined): TimeoutCoverage | null {
  const largestRate = largest?.modes.pipeline.mbPerSecRange ?? null;
  if (largest === undefined || largestRate === null) return null;
  return {
    basedOn: largest.file,
    seconds: TIMEOUT_SECONDS,
    uncompressedGB: (largestRate.median * TIMEOUT_SECONDS) / 1000,
    uncompressedGBWorstRun: (largestRate.min * TIMEOUT_SECONDS) / 1000,
    gzipGB:
      (largestRate.median * TIMEOUT_SECONDS * (largest.gzipMB / largest.uncompressedMB)) / 1000,
    compressionRatio: largest.uncompressedMB / largest.gzipMB,
  };
}

/** Everything measured: what the report and --json are made of. */
interface BenchResult {
  readonly runs: number;
  /** Empty, and the rest null, for the sections not run (--only). */
  readonly files: readonly FileReport[];
  readonly cold: ColdStart | null;
  readonly startup: StartupReport | NotBuilt | null;
  readonly cliScan: CliScanReport | NotBuilt | null;
  readonly lambdaLike: LambdaLikeSetup | null;
  /** The largest file: its pipeline rate sizes the timeout. */
  readonly largest: FileReport | undefined;
  readonly timeout: TimeoutCoverage | null;
}

function resultJson(bench: BenchResult, host: Machine): object {
  const { lambdaLike, files: reports, cold, startup, cliScan } = bench;
  return {
    node: process.version,
    machine: host,
    runs: bench.runs,
    lambdaLike:
      lambdaLike === null
        ? null
        : {
            memoryMb: lambdaLike.quota.memoryMb,
            lambdaVcpu: lambdaLike.quota.lambdaVcpu,
            vcpu: lambdaLike.quota.vcpu,
            capped: lambdaLike.quota.capped,
            cpuQuotaUs: lambdaLike.quota.quotaUs,
            cpuPeriodUs: lambdaLike.quota.periodUs,
            memoryLimitBytes: lambdaLike.quota.memoryBytes,
            mechanism: lambdaLike.mechanism,
            description: lambdaLike.description,
            notes: lambdaLike.notes,
            timeout: bench.timeout,
          },
    files: reports,
    coldStart:
      cold === null
        ? null
        : {
            bundleKB: cold.bundleBytes / 1024,
            moduleLoadMs: cold.moduleLoadMs,
            processMs: cold.processMs,
          },
    cliStartup: startup,
    cliScan,
    correct: allCorrect(bench),
  };
}

function allCorrect({ files, cliScan }: BenchResult): boolean {
  return (
    files.every(
      (report) =>
        report.modes.pipeline.countsMatch !== false && report.modes.naive.countsMatch !== false,
    ) &&
    (cliScan?.status !== 'measured' || cliScan.alerts === cliScan.expectedAlerts)
  );
}

/** The report without --lambda-like: one row per file. */
function printTable({ files: reports, cold, runs }: BenchResult): void {
  if (reports.length > 0) printFileTable(reports, runs);
  if (cold !== null) {
    console.log('');
    console.log(
      `Bundled function: ${(cold.bundleBytes / 1024).toFixed(0)} KB minified; module load ${cold.moduleLoadMs.toFixed(0)} ms (median of 7, ${process.version})`,
    );
  }
}

function printFileTable(reports: readonly FileReport[], runs: number): void {
  console.log('');
  console.log(
    '| file (MB) | gunzip MB/s | naive MB/s | pipeline MB/s | pipeline/gunzip | peak RSS gunzip / naive / pipeline (MB) | alerts (expected) |',
  );
  console.log('|---:|---:|---:|---:|---:|---|---|');
  for (const report of reports) {
    const { gunzip, naive, pipeline } = report.modes;
    console.log(
      `| ${report.uncompressedMB.toFixed(0)} | ${fmt(gunzip.mbPerSec)} | ${fmt(naive.mbPerSec)} | ${fmt(pipeline.mbPerSec)} | ` +
        `${fmt(report.pipelineOverGunzip, 2)} | ${fmt(gunzip.peakRssMB)} / ${fmt(naive.peakRssMB)} / ${fmt(pipeline.peakRssMB)} | ` +
        `${pipeline.alerts ?? '-'} (${report.expectedAlerts ?? '?'})${pipeline.countsMatch === false || naive.countsMatch === false ? ' MISMATCH' : ''} |`,
    );
  }
  console.log(
    `Medians of ${runs} runs per mode; each measurement in its own process. Ratios are per run, then the median.`,
  );
}

/** The --lambda-like table: one row per file and mode, medians with their ranges. */
function printLambdaLikeTable(setup: LambdaLikeSetup, { files: reports, runs }: BenchResult): void {
  if (reports.length === 0) return;
  const { quota } = setup;
  const approximate = setup.mechanism === 'taskset-approximation';
  const limits = approximate
    ? 'APPROXIMATION: one core, taskset -c 0, no quota, no memory limit'
    : `${quota.vcpu.toFixed(3)} vCPU quota, ${quota.memoryMb} MiB limit; ${setup.mechanism}`;
  console.log('');
  console.log(
    `Lambda-like, ${approximate ? 'asked for ' : ''}${quota.memoryMb} MB (${limits}), medians of ${runs} runs (min–max):`,
  );
  console.log('');
  console.log(
    '| file (MB) | mode | MB/s | wall s (reading) | CPU share | peak RSS (MB) | cgroup peak (MB) | OOM-killed | alerts (expected) |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---|');
  for (const report of reports) {
    for (const mode of MODES) {
      const entry = report.modes[mode];
      const alerts =
        mode === 'gunzip'
          ? '-'
          : `${entry.alerts ?? '-'} (${report.expectedAlerts ?? '?'})${entry.countsMatch === false ? ' MISMATCH' : ''}`;
      console.log(
        `| ${report.uncompressedMB.toFixed(0)} | ${mode} | ${fmtSpread(entry.mbPerSecRange)} | ${fmtSpread(entry.seconds, 2)} | ` +
          `${fmt(entry.cpuShare, 2)} | ${fmt(entry.peakRssMB)} | ${fmt(entry.cgroupPeakMB)} | ${entry.oomKilledRuns}/${entry.runs} | ${alerts} |`,
      );
    }
  }
}

/** Below the --lambda-like table: ratios, quota notes, what the timeout covers, the cold start. */
function printLambdaLikeNotes(setup: LambdaLikeSetup, bench: BenchResult): void {
  const { files: reports, cold, timeout } = bench;
  const { quota } = setup;
  const approximate = setup.mechanism === 'taskset-approximation';
  console.log('');
  for (const report of reports) {
    console.log(
      `pipeline/gunzip, ${report.uncompressedMB.toFixed(0)} MB file: ${fmtSpread(report.pipelineOverGunzipRange, 2)}`,
    );
  }
  for (const report of reports) {
    for (const mode of MODES) {
      const entry = report.modes[mode];
      if (entry.quotaBound !== false) continue;
      console.log(
        `note: ${mode} on the ${report.uncompressedMB.toFixed(0)} MB file used ${fmt(entry.cpuShare, 2)} of the ${quota.vcpu.toFixed(2)} vCPU quota: ` +
          'the quota was not the only limit (a busy machine, or work that cannot use that many cores at once); its MB/s is a lower bound.',
      );
    }
  }
  if (timeout !== null) {
    console.log(
      `A ${TIMEOUT_SECONDS / 60}-minute timeout ${approximate ? 'on one whole core' : `at ${quota.memoryMb} MB`} covers about ${timeout.uncompressedGB.toFixed(0)} GB of CloudTrail JSON ` +
        `(worst run ${timeout.uncompressedGBWorstRun.toFixed(0)} GB), about ${timeout.gzipGB.toFixed(1)} GB gzipped at this corpus's ` +
        `1:${timeout.compressionRatio.toFixed(0)} compression (pipeline median on the ${bench.largest?.uncompressedMB.toFixed(0)} MB file).`,
    );
  }
  if (cold !== null) {
    console.log(
      `Bundled function: ${(cold.bundleBytes / 1024).toFixed(0)} KB minified; under the same limits module load ${cold.moduleLoadMs.toFixed(0)} ms, ` +
        `Node.js start plus load ${cold.processMs.toFixed(0)} ms (medians of 7).`,
    );
  }
  if (reports.length === 0) return;
  console.log(
    'Wall s is the reading alone (Node.js start-up excluded); CPU share is CPU time over wall time while reading ' +
      '(all threads). cgroup peak counts the pages charged to the cgroup (not file pages already cached ' +
      'by another cgroup), so it differs from RSS.',
  );
}

/** Every file in every mode, --runs times; the largest file's rate sizes the timeout. */
async function measureReader(
  options: RunOptions,
  confinement: Confinement,
  lambdaLike: LambdaLikeSetup | null,
  log: Log,
): Promise<FileReport[]> {
  const worker = join(BENCH_DIR, 'worker.js');
  bundle('scripts/bench/worker.ts', worker);
  const targets =
    options.corpus !== undefined
      ? corpusTargets(options.corpus)
      : await generatedTargets(options, log);
  const measurement: Measurement = { confinement, worker, runs: options.runs, lambdaLike };
  const reports: FileReport[] = [];
  for (const target of targets) {
    const report = await measureFile(target, measurement);
    reports.push(report);
    log(progressLine(report));
  }
  return reports;
}

/** Measures the sections --only names, in order; null if --lambda-like cannot run here. */
async function measure(options: RunOptions, host: Machine, log: Log): Promise<BenchResult | null> {
  const runs = (section: BenchSection): boolean => options.only.includes(section);
  let lambdaLike: LambdaLikeSetup | null = null;
  if (options.lambdaLike) {
    lambdaLike = startLambdaLike(options, host, log);
    if (lambdaLike === null) return null;
  }
  const confinement: Confinement = lambdaLike?.confinement ?? { kind: 'none' };
  log(
    `machine: ${host.cores} cores (${host.cpuModel}), ${host.memoryGiB} GiB, Linux ${host.kernel}, Node.js ${host.node}`,
  );
  const reports = runs('reader') ? await measureReader(options, confinement, lambdaLike, log) : [];
  const cold = runs('function-load') ? await coldStart(confinement) : null;
  // As users run the CLI: never under the Lambda-like limits.
  const startup = runs('startup') ? await measureStartup(options.startupRuns) : null;
  const cliScan = runs('cli-scan')
    ? await measureCliScan(options.scanSizeMB, options.seed, options.scanRuns, log)
    : null;
  const largest = [...reports].sort((a, b) => b.uncompressedMB - a.uncompressedMB)[0];
  const timeout = timeoutCoverage(largest);
  return {
    runs: options.runs,
    files: reports,
    cold,
    startup,
    cliScan,
    lambdaLike,
    largest,
    timeout,
  };
}

/** The CLI sections, after the function's: whole processes, unconfined. */
function printWholeProcess({ startup, cliScan }: BenchResult): void {
  for (const lines of [
    startup === null ? null : startupLines(startup),
    cliScan === null ? null : cliScanLines(cliScan),
  ]) {
    if (lines === null) continue;
    console.log('');
    for (const line of lines) console.log(line);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const settled = settleCommandLine(parseRunArgs(argv), RUN_COMMAND_LINE);
  if ('exitCode' in settled) return settled.exitCode;
  const { options } = settled;
  const log: Log = (line) => {
    if (!options.json) console.log(line);
  };
  const host = machine();
  const bench = await measure(options, host, log);
  if (bench === null) return 2;
  if (options.json) {
    console.log(JSON.stringify(resultJson(bench, host), null, 2));
  } else if (bench.lambdaLike === null) {
    printTable(bench);
  } else {
    printLambdaLikeTable(bench.lambdaLike, bench);
    printLambdaLikeNotes(bench.lambdaLike, bench);
  }
  if (!options.json) printWholeProcess(bench);
  if (!allCorrect(bench)) {
    console.error("alert counts do not match the generator's list");
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (activeSandbox !== null)
      for (const failure of activeSandbox.removeAll()) console.error(`could not remove ${failure}`);
    process.exitCode = code;
  },
  (error: unknown) => {
    if (activeSandbox !== null) activeSandbox.removeAll();
    console.error(error instanceof Error ? `bench: ${error.message}` : error);
    if (process.env.DEBUG !== undefined && error instanceof Error) console.error(error.stack);
    process.exit(1);
  },
);
