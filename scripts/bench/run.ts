/**
 * `npm run bench [-- --json] [--sizes 1,20,200] [--runs 3] [--corpus DIR]`
 *
 * Prints, for CloudTrail log files of each size (generated, seeded, cached in .bench/), the
 * throughput in MB/s of uncompressed JSON and the peak RSS of three ways to read them: gunzip
 * alone (the floor), the naive load-and-JSON.parse, and this pipeline's reader and matcher;
 * plus pipeline/gunzip. Each measurement runs in its own process. Alert counts are checked
 * against the generator's list. Also the bundled function's size and module load time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { FUNCTION_ALIASES, FUNCTION_MAIN_FIELDS } from '../../lib/bundling';
import type { CorpusManifest } from './corpus';
import { generateCorpus } from './corpus';
import type { WorkerResult } from './worker';

const ROOT = join(__dirname, '..', '..');
const BENCH_DIR = join(ROOT, '.bench');
const MODES = ['gunzip', 'naive', 'pipeline'] as const;
type Mode = (typeof MODES)[number];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

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

function runWorker(worker: string, mode: Mode, file: string): WorkerResult {
  const output = execFileSync(process.execPath, [worker, mode, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as WorkerResult;
}

interface FileReport {
  readonly file: string;
  readonly uncompressedMB: number;
  readonly records: number | null;
  readonly expectedAlerts: number | null;
  readonly modes: Record<
    Mode,
    { mbPerSec: number; peakRssMB: number; alerts: number; countsMatch: boolean | null }
  >;
  /** Median over runs of pipeline MB/s divided by gunzip MB/s measured in the same run. */
  readonly pipelineOverGunzip: number;
  readonly naiveOverGunzip: number;
}

function corpusFor(sizeMB: number, seed: number): CorpusManifest {
  const out = join(BENCH_DIR, `corpus-${sizeMB}MB-seed${seed}`);
  const manifestPath = join(out, 'expected-alerts.json');
  if (existsSync(manifestPath))
    return JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest;
  throw new Error(`missing ${manifestPath}`);
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

function coldStart(): { bundleBytes: number; moduleLoadMs: number } {
  const outfile = join(BENCH_DIR, 'function', 'index.js');
  bundle('lambda/handler.ts', outfile);
  const loads: number[] = [];
  for (let run = 0; run < 7; run += 1) {
    const output = execFileSync(
      process.execPath,
      [
        '-e',
        `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
      ],
      { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } },
    );
    loads.push(Number(output));
  }
  return { bundleBytes: statSync(outfile).size, moduleLoadMs: median(loads) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      sizes: { type: 'string', default: '1,20,200' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      corpus: { type: 'string' },
    },
  });
  const runs = Math.max(1, Number(values.runs));
  const seed = Number(values.seed);
  const log = (line: string): void => {
    if (!values.json) console.log(line);
  };
  const worker = join(BENCH_DIR, 'worker.js');
  bundle('scripts/bench/worker.ts', worker);

  // The files to measure, with the eventIDs each must alert on when known.
  const targets: { file: string; expected: string[] | null; records: number | null }[] = [];
  if (values.corpus !== undefined) {
    const manifestPath = join(values.corpus, 'expected-alerts.json');
    const manifest = existsSync(manifestPath)
      ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest)
      : undefined;
    for (const file of listLogFiles(values.corpus)) {
      const known = manifest?.files.find(
        (entry) => join(values.corpus ?? '', entry.key) === file || entry.path === file,
      );
      targets.push({
        file,
        expected: known?.alertEventIds ?? null,
        records: known?.records ?? null,
      });
    }
  } else {
    for (const sizeMB of values.sizes.split(',').map(Number)) {
      const out = join(BENCH_DIR, `corpus-${sizeMB}MB-seed${seed}`);
      if (!existsSync(join(out, 'expected-alerts.json'))) {
        log(`generating ${sizeMB} MB corpus in ${relative(ROOT, out)} ...`);
        await generateCorpus({ out, sizeBytes: sizeMB * 1e6, seed });
      }
      for (const file of corpusFor(sizeMB, seed).files) {
        targets.push({ file: file.path, expected: file.alertEventIds, records: file.records });
      }
    }
  }

  const reports: FileReport[] = [];
  for (const target of targets) {
    const results: Record<Mode, WorkerResult[]> = { gunzip: [], naive: [], pipeline: [] };
    const ratios: number[] = [];
    const naiveRatios: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      // Interleaved, so that a noisy moment hits every mode alike.
      for (const mode of MODES) results[mode].push(runWorker(worker, mode, target.file));
      const rate = (mode: Mode): number => {
        const last = results[mode][run] as WorkerResult;
        return last.uncompressedBytes / last.seconds;
      };
      ratios.push(rate('pipeline') / rate('gunzip'));
      naiveRatios.push(rate('naive') / rate('gunzip'));
    }
    const expected = target.expected === null ? null : [...new Set(target.expected)].sort();
    const summarise = (mode: Mode): FileReport['modes'][Mode] => {
      const list = results[mode];
      const ids = (list[0] as WorkerResult).alertEventIds;
      return {
        mbPerSec: median(list.map((result) => result.uncompressedBytes / 1e6 / result.seconds)),
        peakRssMB: median(list.map((result) => result.maxRssBytes / 2 ** 20)),
        alerts: ids.length,
        countsMatch:
          mode === 'gunzip' || expected === null
            ? null
            : JSON.stringify(ids) === JSON.stringify(expected),
      };
    };
    const report: FileReport = {
      file: relative(ROOT, target.file),
      uncompressedMB: (results.gunzip[0] as WorkerResult).uncompressedBytes / 1e6,
      records: target.records,
      expectedAlerts: expected?.length ?? null,
      modes: {
        gunzip: summarise('gunzip'),
        naive: summarise('naive'),
        pipeline: summarise('pipeline'),
      },
      pipelineOverGunzip: median(ratios),
      naiveOverGunzip: median(naiveRatios),
    };
    reports.push(report);
    log(
      `${report.uncompressedMB.toFixed(0).padStart(5)} MB  gunzip ${report.modes.gunzip.mbPerSec.toFixed(0)} MB/s ${report.modes.gunzip.peakRssMB.toFixed(0)} MB | ` +
        `naive ${report.modes.naive.mbPerSec.toFixed(0)} MB/s ${report.modes.naive.peakRssMB.toFixed(0)} MB | ` +
        `pipeline ${report.modes.pipeline.mbPerSec.toFixed(0)} MB/s ${report.modes.pipeline.peakRssMB.toFixed(0)} MB | ` +
        `pipeline/gunzip ${report.pipelineOverGunzip.toFixed(2)} | alerts ${report.modes.pipeline.alerts}/${report.expectedAlerts ?? '?'}`,
    );
  }
  const cold = coldStart();
  const result = {
    node: process.version,
    runs,
    files: reports,
    coldStart: { bundleKB: cold.bundleBytes / 1024, moduleLoadMs: cold.moduleLoadMs },
    correct: reports.every(
      (report) =>
        report.modes.pipeline.countsMatch !== false && report.modes.naive.countsMatch !== false,
    ),
  };
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log('');
    console.log(
      '| file (MB) | gunzip MB/s | naive MB/s | pipeline MB/s | pipeline/gunzip | peak RSS gunzip / naive / pipeline (MB) | alerts (expected) |',
    );
    console.log('|---:|---:|---:|---:|---:|---|---|');
    for (const report of reports) {
      const { gunzip, naive, pipeline } = report.modes;
      console.log(
        `| ${report.uncompressedMB.toFixed(0)} | ${gunzip.mbPerSec.toFixed(0)} | ${naive.mbPerSec.toFixed(0)} | ${pipeline.mbPerSec.toFixed(0)} | ` +
          `${report.pipelineOverGunzip.toFixed(2)} | ${gunzip.peakRssMB.toFixed(0)} / ${naive.peakRssMB.toFixed(0)} / ${pipeline.peakRssMB.toFixed(0)} | ` +
          `${pipeline.alerts} (${report.expectedAlerts ?? '?'})${pipeline.countsMatch === false || naive.countsMatch === false ? ' MISMATCH' : ''} |`,
      );
    }
    console.log('');
    console.log(
      `Bundled function: ${(cold.bundleBytes / 1024).toFixed(0)} KB minified; module load ${cold.moduleLoadMs.toFixed(0)} ms (median of 7, ${process.version})`,
    );
    console.log(
      `Medians of ${runs} runs per mode; each measurement in its own process. Ratios are per run, then the median.`,
    );
  }
  if (!result.correct) {
    console.error("alert counts do not match the generator's list");
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
