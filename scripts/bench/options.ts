/** The command line of `npm run bench`, parsed without side effects (the tests import this). */
import { parseArgs } from 'node:util';
import { LAMBDA_MAX_MEMORY_MB, LAMBDA_MIN_MEMORY_MB } from './lambda-like';

export const RUN_USAGE = `usage: npm run bench -- [options]

Measures gunzip alone, a naive load-and-JSON.parse and this pipeline's reader and matcher on
CloudTrail log files, each measurement in its own process, and checks the alerts against the
generator's list. Medians of --runs runs.

options:
  --sizes LIST        generated corpus sizes in MB, comma-separated (default 1,20,200)
  --corpus DIR        measure the .json.gz files under DIR instead (expected-alerts.json if any)
  --runs N            runs per mode and file; the report gives medians (default 3)
  --seed N            corpus generator seed (default 1)
  --json              print the result as JSON only
  --lambda-like       run each measured process under a CPU quota and a memory limit like a
                      Lambda function's (cgroups; needs root and cgroup v2 with the cpu and
                      memory controllers, or cgroup v1 cpu and memory hierarchies)
  --memory-mb N       the Lambda memory size to model, ${LAMBDA_MIN_MEMORY_MB} to ${LAMBDA_MAX_MEMORY_MB} (default 512):
                      memory limit N MiB, CPU quota N/1769 vCPU capped at this machine's
                      cores; implies --lambda-like
  --taskset-fallback  with --lambda-like, if cgroups cannot be used, measure pinned to one core
                      (taskset -c 0) with no memory limit, labelled as an approximation, instead
                      of refusing
  -h, --help          print this and exit
`;

export interface RunOptions {
  readonly json: boolean;
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly seed: number;
  readonly corpus: string | undefined;
  readonly lambdaLike: boolean;
  readonly memoryMb: number;
  readonly tasksetFallback: boolean;
}

export type ParsedRunArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly options: RunOptions };

function positiveInteger(
  name: string,
  text: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!/^\d+$/.test(text.trim()))
    throw new Error(`--${name} expects a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max)
    throw new Error(`--${name} expects a number from ${min} to ${max}, got ${value}`);
  return value;
}

export function parseRunArgs(argv: readonly string[]): ParsedRunArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        json: { type: 'boolean', default: false },
        sizes: { type: 'string', default: '1,20,200' },
        runs: { type: 'string', default: '3' },
        seed: { type: 'string', default: '1' },
        corpus: { type: 'string' },
        'lambda-like': { type: 'boolean', default: false },
        'memory-mb': { type: 'string' },
        'taskset-fallback': { type: 'boolean', default: false },
      },
    });
    if (values.help) return { kind: 'help' };
    if (positionals.length > 0) throw new Error(`unexpected argument '${positionals.join(' ')}'`);
    const sizes = values.sizes.split(',').map((item) => {
      const size = Number(item.trim());
      if (item.trim() === '' || !Number.isFinite(size) || size <= 0)
        throw new Error(`--sizes expects sizes in MB like 1,20,200, got '${values.sizes}'`);
      return size;
    });
    const memoryMb =
      values['memory-mb'] === undefined
        ? 512
        : positiveInteger(
            'memory-mb',
            values['memory-mb'],
            LAMBDA_MIN_MEMORY_MB,
            LAMBDA_MAX_MEMORY_MB,
          );
    const lambdaLike = values['lambda-like'] || values['memory-mb'] !== undefined;
    if (values['taskset-fallback'] && !lambdaLike)
      throw new Error('--taskset-fallback only applies with --lambda-like');
    return {
      kind: 'run',
      options: {
        json: values.json,
        sizes,
        runs: positiveInteger('runs', values.runs, 1, 1000),
        seed: positiveInteger('seed', values.seed, 0),
        corpus: values.corpus,
        lambdaLike,
        memoryMb,
        tasksetFallback: values['taskset-fallback'],
      },
    };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
