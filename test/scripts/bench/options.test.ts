/** The command line of `npm run bench`. */
import { parseRunArgs, RUN_USAGE } from '../../../scripts/bench/options';

describe('npm run bench arguments', () => {
  it('keeps the defaults', () => {
    expect(parseRunArgs([])).toEqual({
      kind: 'run',
      options: {
        json: false,
        sizes: [1, 20, 200],
        runs: 3,
        seed: 1,
        corpus: undefined,
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

  it('answers --help and -h with the usage', () => {
    expect(parseRunArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseRunArgs(['-h', '--runs', 'x'])).toEqual({ kind: 'help' });
    expect(RUN_USAGE).toMatch(/--lambda-like/);
    expect(RUN_USAGE).toMatch(/--memory-mb N/);
  });

  it.each([
    [['--runs', '0'], /--runs expects a number from 1/],
    [['--runs', 'three'], /--runs expects a whole number/],
    [['--sizes', '1,,2'], /--sizes expects/],
    [['--sizes=-5'], /--sizes expects/],
    [['--memory-mb', '64'], /--memory-mb expects a number from 128 to 10240/],
    [['--memory-mb', '20000'], /--memory-mb expects a number from 128 to 10240/],
    [['--taskset-fallback'], /only applies with --lambda-like/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /unexpected argument 'stray'/],
  ])('rejects %j with a message, not a stack trace', (argv, message) => {
    const parsed = parseRunArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});
