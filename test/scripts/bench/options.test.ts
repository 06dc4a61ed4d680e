/** The command lines of `npm run bench` and `npm run hostile`, and what they share. */
import type { ParsedArgs } from '../../../scripts/bench/options';
import {
  BENCH_SECTIONS,
  HOSTILE_COMMAND_LINE,
  HOSTILE_USAGE,
  parseHostileArgs,
  parseRedactionArgs,
  parseRunArgs,
  REDACTION_USAGE,
  RUN_COMMAND_LINE,
  RUN_USAGE,
  settleCommandLine,
} from '../../../scripts/bench/options';

/** The options a usage text lists, `--name` at the start of an option line. */
function listedOptions(usage: string): string[] {
  return [...usage.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((match) => match[1] ?? '');
}

function settle<T>(parsed: ParsedArgs<T>): { result: unknown; out: string; err: string } {
  let out = '';
  let err = '';
  const result = settleCommandLine(parsed, RUN_COMMAND_LINE, {
    out: (text) => (out += text),
    err: (text) => (err += text),
  });
  return { result, out, err };
}

describe('npm run bench arguments', () => {
  it('keeps the defaults', () => {
    expect(parseRunArgs([])).toEqual({
      kind: 'run',
      options: {
        json: false,
        only: [...BENCH_SECTIONS],
        sizes: [1, 20, 200],
        runs: 3,
        seed: 1,
        corpus: undefined,
        startupRuns: 15,
        scanSizeMB: 200,
        scanRuns: 5,
        lambdaLike: false,
        memoryMb: 512,
        tasksetFallback: false,
      },
    });
  });

  it('reads the existing options', () => {
    const parsed = parseRunArgs(['--json', '--sizes', '20,200', '--runs', '5', '--corpus', 'c/']);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: { json: true, sizes: [20, 200], runs: 5, corpus: 'c/', lambdaLike: false },
    });
  });

  it('runs the CLI sections alone with --only', () => {
    const parsed = parseRunArgs([
      '--only',
      'startup,cli-scan',
      '--startup-runs=9',
      '--scan-size',
      '0.5',
      '--scan-runs',
      '3',
    ]);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: { only: ['startup', 'cli-scan'], startupRuns: 9, scanSizeMB: 0.5, scanRuns: 3 },
    });
  });

  it('takes --lambda-like, and --memory-mb implies it', () => {
    expect(parseRunArgs(['--lambda-like'])).toMatchObject({
      options: { lambdaLike: true, memoryMb: 512 },
    });
    expect(parseRunArgs(['--memory-mb', '1769'])).toMatchObject({
      options: { lambdaLike: true, memoryMb: 1769 },
    });
    expect(parseRunArgs(['--memory-mb=1024', '--taskset-fallback'])).toMatchObject({
      options: { lambdaLike: true, memoryMb: 1024, tasksetFallback: true },
    });
  });

  it.each([[['--help']], [['-h']], [['-h', '--runs', 'x']], [['--bogus', '--help']]])(
    'answers %j with the usage',
    (argv) => {
      expect(parseRunArgs(argv)).toEqual({ kind: 'help' });
    },
  );

  it('lists every option it accepts, with an example', () => {
    const listed = listedOptions(RUN_USAGE);
    expect(listed).toEqual(expect.arrayContaining(['--only', '--startup-runs', '--scan-size']));
    for (const option of listed.filter((name) => name !== '--help')) {
      const parsed = parseRunArgs([option, option === '--only' ? 'startup' : '1']);
      expect(parsed.kind === 'error' ? parsed.message : '').not.toMatch(/unknown option/);
    }
    expect(RUN_USAGE).toMatch(/^examples:\n {2}npm run bench/m);
  });

  it.each([
    [['--runs', '0'], /^--runs expects a number from 1/],
    [['--runs', 'three'], /^--runs expects a whole number/],
    [['--startup-runs', '1.5'], /^--startup-runs expects a whole number/],
    [['--seed', '-1'], /^option '--seed' argument is ambiguous/],
    [['--scan-size', 'big'], /^--scan-size expects a size in MB/],
    [['--scan-runs', '0'], /^--scan-runs expects a number from 1/],
    [['--only', 'startup,bogus'], /^--only: unknown 'bogus' \(one or more of reader,/],
    [['--sizes', '1,,2'], /^--sizes expects/],
    [['--sizes=-5'], /^--sizes expects/],
    [['--memory-mb', '64'], /^--memory-mb expects a number from 128 to 10240/],
    [['--memory-mb', '20000'], /^--memory-mb expects a number from 128 to 10240/],
    [['--taskset-fallback'], /only applies with --lambda-like/],
    [['--bogus'], /^unknown option '--bogus'$/],
    [['--runs'], /^option '--runs <value>' argument missing$/],
    [['stray'], /^unexpected argument 'stray'$/],
  ])('rejects %j with one line, not a stack trace', (argv, message) => {
    const parsed = parseRunArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
    expect(parsed.kind === 'error' && parsed.message).not.toMatch(/\n/);
  });
});

describe('Function: settleCommandLine', () => {
  it('prints the usage on stdout and exits 0 for --help', () => {
    const { result, out, err } = settle(parseRunArgs(['--help']));
    expect(result).toEqual({ exitCode: 0 });
    expect(out).toBe(RUN_USAGE);
    expect(err).toBe('');
  });

  it('prints the problem and where to read more on stderr, and exits 2', () => {
    const { result, out, err } = settle(parseRunArgs(['--runs', 'many']));
    expect(result).toEqual({ exitCode: 2 });
    expect(out).toBe('');
    expect(err).toBe(
      "bench: --runs expects a whole number, got 'many'\nTry 'npm run bench -- --help'.\n",
    );
  });

  it('hands back the options to run with', () => {
    const { result } = settle(parseRunArgs(['--only', 'reader']));
    expect(result).toMatchObject({ options: { only: ['reader'] } });
  });
});

describe('npm run hostile arguments', () => {
  it('keeps the defaults and reads its options', () => {
    expect(parseHostileArgs([])).toEqual({
      kind: 'run',
      options: { only: undefined, keep: undefined, strict: false },
    });
    expect(parseHostileArgs(['--only', 'gzip', '--keep', '/tmp/h', '--strict'])).toEqual({
      kind: 'run',
      options: { only: 'gzip', keep: '/tmp/h', strict: true },
    });
  });

  it('answers --help and -h, and lists its options', () => {
    expect(parseHostileArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseHostileArgs(['-h'])).toEqual({ kind: 'help' });
    expect(listedOptions(HOSTILE_USAGE)).toEqual(['--only', '--keep', '--strict', '--help']);
    expect(HOSTILE_COMMAND_LINE.name).toBe('hostile');
  });

  it.each([
    [['--only'], /^option '--only <value>' argument missing$/],
    [['--strict=yes'], /^option '--strict' does not take an argument$/],
    [['--stric'], /^unknown option '--stric'$/],
  ])('rejects %j with one line', (argv, message) => {
    const parsed = parseHostileArgs(argv);
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});

describe('npm run bench:redaction arguments', () => {
  it('takes --runs, 5 by default, and answers --help', () => {
    expect(parseRedactionArgs([])).toEqual({ kind: 'run', options: { runs: 5 } });
    expect(parseRedactionArgs(['--runs', '9'])).toEqual({ kind: 'run', options: { runs: 9 } });
    expect(parseRedactionArgs(['-h'])).toEqual({ kind: 'help' });
    expect(listedOptions(REDACTION_USAGE)).toEqual(['--runs', '--help']);
  });

  it.each([
    [['--runs', '0'], /^--runs expects a number from 1 to 1000, got 0$/],
    [['--runs', '2.5'], /^--runs expects a whole number/],
    [['--rusn', '3'], /^unknown option '--rusn'$/],
  ])('rejects %j with one line', (argv, message) => {
    const parsed = parseRedactionArgs(argv);
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});
