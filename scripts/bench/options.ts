/**
 * The command lines of the benchmark scripts (`npm run bench`, `npm run corpus`, `npm run
 * hostile`, `npm run bench:redaction`): one way to answer --help, to word a usage error and to read numbers, and the
 * parsers themselves, without side effects (the tests import this).
 */
import { parseArgs } from 'node:util';
import { LAMBDA_MAX_MEMORY_MB, LAMBDA_MIN_MEMORY_MB } from './lambda-like';

/** What a command line asks for: the usage, a run with these options, or it is wrong. */
export type ParsedArgs<T> =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly options: T };

/** A script as the user runs it: `npm run <name>`. */
export interface ScriptCommandLine {
  readonly name: string;
  readonly usage: string;
}

/** `--help` or `-h` anywhere before `--` wins, even next to a wrong option. */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** The first sentence: parseArgs adds advice about positionals that these scripts do not take. */
function oneLine(error: unknown): string {
  // Not `instanceof Error`: parseArgs's errors come from another realm under Jest.
  const text =
    typeof error === 'object' && error !== null && 'message' in error
      ? String(error.message)
      : String(error);
  const first = (text.split('\n')[0] ?? '').split('. ')[0] ?? '';
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/**
 * Runs `parse` (which calls parseArgs with the script's options and checks the values) unless
 * the user asked for help; anything it throws becomes a one-line error.
 */
export function parseCommandLine<T>(
  argv: readonly string[],
  parse: (args: string[]) => T,
): ParsedArgs<T> {
  if (asksForHelp(argv)) return { kind: 'help' };
  try {
    return { kind: 'run', options: parse([...argv]) };
  } catch (error) {
    return { kind: 'error', message: oneLine(error) };
  }
}

/**
 * Prints the usage (exit 0) or the error and where to read more (exit 2), or hands back the
 * options to run with.
 */
export function settleCommandLine<T>(
  parsed: ParsedArgs<T>,
  script: ScriptCommandLine,
  write: { out: (text: string) => void; err: (text: string) => void } = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
): { readonly exitCode: number } | { readonly options: T } {
  if (parsed.kind === 'help') {
    write.out(script.usage);
    return { exitCode: 0 };
  }
  if (parsed.kind === 'error') {
    write.err(`${script.name}: ${parsed.message}\nTry 'npm run ${script.name} -- --help'.\n`);
    return { exitCode: 2 };
  }
  return { options: parsed.options };
}

/** A whole number from `min` to `max`, or an error naming the option. */
export function wholeNumber(
  name: string,
  text: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!/^\d+$/.test(text.trim()))
    throw new Error(`--${name} expects a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`--${name} expects a number ${bounds}, got ${value}`);
  }
  return value;
}

/** A number from 0 to 1. */
export function fraction(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1))
    throw new Error(`--${name} expects a number from 0 to 1, got '${text}'`);
  return value;
}

/** `200MB`, `1.5GB`, `512KB`, or plain bytes. */
export function parseSize(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?$/i.exec(text.trim());
  if (match === null) throw new Error(`--${name} expects a size like 200MB, got '${text}'`);
  const unit = (match[2] ?? 'B').toUpperCase();
  const factor = unit === 'GB' ? 1e9 : unit === 'MB' ? 1e6 : unit === 'KB' ? 1e3 : 1;
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes <= 0) throw new Error(`--${name} must be more than 0, got '${text}'`);
  return bytes;
}

/** A comma-separated list of names from `known`, in the order given. */
export function nameList<N extends string>(name: string, text: string, known: readonly N[]): N[] {
  const items = text.split(',').map((item) => item.trim());
  for (const item of items) {
    if (!(known as readonly string[]).includes(item))
      throw new Error(`--${name}: unknown '${item}' (one or more of ${known.join(',')})`);
  }
  return items as N[];
}

/** What `npm run bench` can measure; --only picks some. */
export const BENCH_SECTIONS = ['reader', 'function-load', 'startup', 'cli-scan'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export const RUN_USAGE = `usage: npm run bench -- [options]

Measures, each in processes of its own, in sections (all by default):
  reader         gunzip alone, a naive load-and-JSON.parse and this pipeline's reader and
                 matcher on CloudTrail log files, with the alerts checked against the
                 generator's list (medians of --runs runs)
  function-load  the bundled function's size and module load time
  startup        CLI start-up as users run it: node -e 0, node bin/mp-audit.js --help and
                 --version, interleaved (needs npm run build)
  cli-scan       whole-process mp-audit scan --json against gunzip -c on one generated file,
                 interleaved; the ratio gunzip time / scan time (needs npm run build)

options:
  --only LIST         sections to run, comma-separated (default reader,function-load,startup,cli-scan)
  --sizes LIST        reader: generated corpus sizes in MB of JSON, comma-separated (default 1,20,200)
  --corpus DIR        reader: measure the .json.gz files under DIR instead (expected-alerts.json if any)
  --runs N            reader: runs per mode and file; the report gives medians (default 3)
  --seed N            corpus generator seed (default 1)
  --startup-runs N    startup: runs of each command (default 15)
  --scan-size MB      cli-scan: the file's size in MB of uncompressed JSON (default 200)
  --scan-runs N       cli-scan: runs of each command (default 5)
  --json              print the result as JSON only
  --lambda-like       run the reader's and function-load's processes under a CPU quota and a
                      memory limit like a Lambda function's (cgroups; needs root and cgroup v2
                      with the cpu and memory controllers, or cgroup v1 cpu and memory
                      hierarchies); startup and cli-scan always run as a user runs them
  --memory-mb N       the Lambda memory size to model, ${LAMBDA_MIN_MEMORY_MB} to ${LAMBDA_MAX_MEMORY_MB} (default 512):
                      memory limit N MiB, CPU quota N/1769 vCPU capped at this machine's
                      cores; implies --lambda-like
  --taskset-fallback  with --lambda-like, if cgroups cannot be used, measure pinned to one core
                      (taskset -c 0) with no memory limit, labelled as an approximation, instead
                      of refusing
  -h, --help          print this and exit

examples:
  npm run bench
  npm run bench -- --only startup,cli-scan --scan-size 50
  npm run bench -- --sizes 20 --runs 5 --json
`;

export const RUN_COMMAND_LINE: ScriptCommandLine = { name: 'bench', usage: RUN_USAGE };

export interface RunOptions {
  readonly json: boolean;
  readonly only: readonly BenchSection[];
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly seed: number;
  readonly corpus: string | undefined;
  readonly startupRuns: number;
  readonly scanSizeMB: number;
  readonly scanRuns: number;
  readonly lambdaLike: boolean;
  readonly memoryMb: number;
  readonly tasksetFallback: boolean;
}

/** A size in MB: a positive number, fractions allowed (tests use small files). */
function megabytes(name: string, text: string): number {
  const size = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(size) || size <= 0)
    throw new Error(`--${name} expects a size in MB like 200, got '${text}'`);
  return size;
}

export function parseRunArgs(argv: readonly string[]): ParsedArgs<RunOptions> {
  return parseCommandLine(argv, (args) => {
    const { values } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        only: { type: 'string', default: BENCH_SECTIONS.join(',') },
        sizes: { type: 'string', default: '1,20,200' },
        runs: { type: 'string', default: '3' },
        seed: { type: 'string', default: '1' },
        corpus: { type: 'string' },
        'startup-runs': { type: 'string', default: '15' },
        'scan-size': { type: 'string', default: '200' },
        'scan-runs': { type: 'string', default: '5' },
        'lambda-like': { type: 'boolean', default: false },
        'memory-mb': { type: 'string' },
        'taskset-fallback': { type: 'boolean', default: false },
      },
    });
    const sizes = values.sizes.split(',').map((item) => {
      try {
        return megabytes('sizes', item);
      } catch {
        throw new Error(`--sizes expects sizes in MB like 1,20,200, got '${values.sizes}'`);
      }
    });
    const memoryMb =
      values['memory-mb'] === undefined
        ? 512
        : wholeNumber('memory-mb', values['memory-mb'], LAMBDA_MIN_MEMORY_MB, LAMBDA_MAX_MEMORY_MB);
    const lambdaLike = values['lambda-like'] || values['memory-mb'] !== undefined;
    if (values['taskset-fallback'] && !lambdaLike)
      throw new Error('--taskset-fallback only applies with --lambda-like');
    return {
      json: values.json,
      only: nameList('only', values.only, BENCH_SECTIONS),
      sizes,
      runs: wholeNumber('runs', values.runs, 1, 1000),
      seed: wholeNumber('seed', values.seed, 0),
      corpus: values.corpus,
      startupRuns: wholeNumber('startup-runs', values['startup-runs'], 1, 1000),
      scanSizeMB: megabytes('scan-size', values['scan-size']),
      scanRuns: wholeNumber('scan-runs', values['scan-runs'], 1, 1000),
      lambdaLike,
      memoryMb,
      tasksetFallback: values['taskset-fallback'],
    };
  });
}

export const HOSTILE_USAGE = `usage: npm run hostile -- [options]

Runs the full-size hostile log files (a gzip bomb inflating to 20 GiB, strings of 2 GiB, a
500 MiB record, ten million records, 100,000 MediaPackage writes, 100,000 levels of nesting)
through the function as S3 invokes it (local S3/SNS emulator) and through mp-audit scan, each
in a process of its own, and prints a table. Exits 1 if a case lost an alert, sent one twice,
leaked a planted secret, ran past its deadline, went over 512 MB or crashed. Takes minutes.

options:
  --only TEXT   run only the cases whose name contains TEXT (default every case)
  --keep DIR    write the generated files to DIR and keep them (default a temporary folder,
                deleted afterwards)
  --strict      also fail alerts a read budget left unread, even when the function said so
                (default off: those are "deferred", not lost)
  -h, --help    print this and exit

example:
  npm run hostile -- --only gzip-bomb --keep /tmp/hostile
`;

export const HOSTILE_COMMAND_LINE: ScriptCommandLine = { name: 'hostile', usage: HOSTILE_USAGE };

export interface HostileOptions {
  readonly only: string | undefined;
  readonly keep: string | undefined;
  readonly strict: boolean;
}

/** Here rather than in hostile.ts, which loads the SDK and the function when imported. */
export function parseHostileArgs(argv: readonly string[]): ParsedArgs<HostileOptions> {
  return parseCommandLine(argv, (args) => {
    const { values } = parseArgs({
      args,
      options: {
        only: { type: 'string' },
        keep: { type: 'string' },
        strict: { type: 'boolean', default: false },
      },
    });
    return { only: values.only, keep: values.keep, strict: values.strict };
  });
}

export const REDACTION_USAGE = `usage: npm run bench:redaction -- [options]

Times redaction on the hostile inputs the redaction tests use (about 1 MB of text each, built
so that a backtracking or quadratic scan takes minutes) and on 100,000 levels of nesting, and
checks each result is the one the tests expect. Exits 1 if one is not.

options:
  --runs N      runs per input; the report gives the median and the slowest (default 5)
  -h, --help    print this and exit

example:
  npm run bench:redaction -- --runs 9
`;

export const REDACTION_COMMAND_LINE: ScriptCommandLine = {
  name: 'bench:redaction',
  usage: REDACTION_USAGE,
};

export function parseRedactionArgs(argv: readonly string[]): ParsedArgs<{ runs: number }> {
  return parseCommandLine(argv, (args) => {
    const { values } = parseArgs({ args, options: { runs: { type: 'string', default: '5' } } });
    return { runs: wholeNumber('runs', values.runs, 1, 1000) };
  });
}
