/**
 * The CLI as users run it, whole processes from spawn to exit: start-up (`--help`, `--version`)
 * against a bare `node -e 0`, and `mp-audit scan --json` against `gunzip -c` on one generated
 * log file, output to /dev/null. The commands of a section take turns, so that a noisy moment
 * on the machine costs each of them alike; each section's ratios come from the same minute.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import type { Log, ProcessSpec, Spread } from './harness';
import { generatedCorpus, ROOT, runProcess, spread } from './harness';

const CLI = join(ROOT, 'bin', 'mp-audit.js');
const BUILT_CLI = join(ROOT, 'dist', 'cli.js');

export type NotBuilt = { readonly status: 'not built: run npm run build' };

/** Null when the CLI is built; otherwise why the CLI sections are skipped. */
function notBuilt(): NotBuilt | null {
  return existsSync(BUILT_CLI) ? null : { status: 'not built: run npm run build' };
}

interface Command {
  readonly label: string;
  readonly args: readonly string[];
  readonly spec?: ProcessSpec;
}

/** Runs each command once (not counted: disk and page cache), then `runs` rounds in turn. */
async function interleave(commands: readonly Command[], runs: number): Promise<number[][]> {
  const times: number[][] = commands.map(() => []);
  for (let round = -1; round < runs; round += 1) {
    // Each round starts with another command, so none always runs right after another.
    for (let turn = 0; turn < commands.length; turn += 1) {
      const index = (Math.max(round, 0) + turn) % commands.length;
      const command = commands[index] as Command;
      const outcome = await runProcess({ kind: 'none' }, command.args, command.spec);
      if (outcome.code !== 0) {
        throw new Error(
          `${command.label} failed (${outcome.signal ?? `exit ${outcome.code}`}): ${outcome.stderr.trim().split('\n')[0] ?? ''}`,
        );
      }
      if (round >= 0) times[index]?.push(outcome.wallSeconds * 1000);
    }
  }
  return times;
}

export interface StartupReport {
  readonly status: 'measured';
  readonly runs: number;
  /** The 1-minute load average when the section started: above the core count, times stretch. */
  readonly loadAverage: number;
  /** Medians and ranges, ms from spawn to exit. */
  readonly bareNodeMs: Spread;
  readonly helpMs: Spread;
  readonly versionMs: Spread;
  /** Median minus bare Node's median, ms. */
  readonly helpOverBareMs: number;
  readonly versionOverBareMs: number;
}

/** `node -e 0`, `node bin/mp-audit.js --help` and `--version`, `runs` times each. */
export async function measureStartup(runs: number): Promise<StartupReport | NotBuilt> {
  const skipped = notBuilt();
  if (skipped !== null) return skipped;
  const loadAverage = loadavg()[0] ?? 0;
  const [bare, help, version] = (
    await interleave(
      [
        { label: 'node -e 0', args: ['-e', '0'] },
        { label: 'mp-audit --help', args: [CLI, '--help'] },
        { label: 'mp-audit --version', args: [CLI, '--version'] },
      ],
      runs,
    )
  ).map((times) => spread(times) as Spread) as [Spread, Spread, Spread];
  return {
    status: 'measured',
    runs,
    loadAverage,
    bareNodeMs: bare,
    helpMs: help,
    versionMs: version,
    helpOverBareMs: help.median - bare.median,
    versionOverBareMs: version.median - bare.median,
  };
}

export interface CliScanReport {
  readonly status: 'measured';
  readonly file: string;
  readonly uncompressedMB: number;
  readonly runs: number;
  readonly loadAverage: number;
  readonly gunzipSeconds: Spread;
  readonly scanSeconds: Spread;
  /** Per round, gunzip's time over scan's, then the median: 1 is gunzip's speed. */
  readonly gunzipOverScan: Spread;
  /** From the uncounted first run, whose output was read: the alerts the scan printed. */
  readonly alerts: number;
  readonly expectedAlerts: number;
}

/** A scan whose output is read: the alerts it prints, one JSON line each. */
async function scanAlerts(file: string): Promise<number> {
  const outcome = await runProcess({ kind: 'none' }, [CLI, 'scan', '--json', file]);
  if (outcome.code !== 0)
    throw new Error(`mp-audit scan --json ${file} exited ${outcome.code}: ${outcome.stderr}`);
  return outcome.stdout.split('\n').filter((line) => line.trim() !== '').length;
}

/** `gunzip -c FILE > /dev/null` against `node bin/mp-audit.js scan --json FILE > /dev/null`. */
export async function measureCliScan(
  sizeMB: number,
  seed: number,
  runs: number,
  log: Log,
): Promise<CliScanReport | NotBuilt> {
  const skipped = notBuilt();
  if (skipped !== null) return skipped;
  const manifest = await generatedCorpus(sizeMB, seed, log);
  const entry = manifest.files[0];
  if (entry === undefined) throw new Error(`the ${sizeMB} MB corpus has no files`);
  const file = entry.path;
  const loadAverage = loadavg()[0] ?? 0;
  const alerts = await scanAlerts(file);
  const toDevNull: ProcessSpec = { stdout: 'ignore' };
  const [gunzip = [], scan = []] = await interleave(
    [
      { label: 'gunzip -c', args: ['-c', file], spec: { ...toDevNull, command: 'gunzip' } },
      { label: 'mp-audit scan --json', args: [CLI, 'scan', '--json', file], spec: toDevNull },
    ],
    runs,
  );
  const seconds = (ms: readonly number[]): Spread => spread(ms.map((t) => t / 1000)) as Spread;
  return {
    status: 'measured',
    file: relative(ROOT, file),
    uncompressedMB: entry.uncompressedBytes / 1e6,
    runs,
    loadAverage,
    gunzipSeconds: seconds(gunzip),
    scanSeconds: seconds(scan),
    gunzipOverScan: spread(
      gunzip.map((time, round) => time / (scan[round] ?? Number.NaN)),
    ) as Spread,
    alerts,
    expectedAlerts: new Set(entry.alertEventIds).size,
  };
}

const signedMs = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(0)} ms`;
const load = (value: number): string => `load average ${value.toFixed(1)}`;
const range = (value: Spread, digits: number): string =>
  `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;

export function startupLines(report: StartupReport | NotBuilt): string[] {
  if (report.status !== 'measured') return [`CLI start-up: ${report.status}`];
  return [
    `CLI start-up, whole processes, medians of ${report.runs} interleaved runs (min–max), ms; ${load(report.loadAverage)}:`,
    `  node -e 0                        ${range(report.bareNodeMs, 0)}`,
    `  node bin/mp-audit.js --help      ${range(report.helpMs, 0)}  (${signedMs(report.helpOverBareMs)} over bare node; target within 100 ms)`,
    `  node bin/mp-audit.js --version   ${range(report.versionMs, 0)}  (${signedMs(report.versionOverBareMs)} over bare node)`,
  ];
}

export function cliScanLines(report: CliScanReport | NotBuilt): string[] {
  if (report.status !== 'measured') return [`Whole-process scan vs gunzip: ${report.status}`];
  const { alerts, expectedAlerts } = report;
  return [
    `Whole-process scan vs gunzip on ${report.file} (${report.uncompressedMB.toFixed(0)} MB of JSON), output to /dev/null, medians of ${report.runs} interleaved runs (min–max), s; ${load(report.loadAverage)}:`,
    `  gunzip -c                        ${range(report.gunzipSeconds, 2)}`,
    `  mp-audit scan --json             ${range(report.scanSeconds, 2)}`,
    `  gunzip time / scan time          ${range(report.gunzipOverScan, 2)}  (per round, then the median; target >= 0.85)`,
    `  alerts ${alerts} (expected ${expectedAlerts})${alerts === expectedAlerts ? '' : ' MISMATCH'}`,
  ];
}
