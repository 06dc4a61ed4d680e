/** The command line of `npm run corpus`. */
import { CORPUS_USAGE, parseCorpusArgs } from '../../../scripts/bench/corpus';

describe('npm run corpus arguments', () => {
  it('answers --help and -h, even with --out missing', () => {
    expect(parseCorpusArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCorpusArgs(['-h'])).toEqual({ kind: 'help' });
    expect(CORPUS_USAGE).toMatch(/--out DIR/);
    expect(CORPUS_USAGE).toMatch(/^example:\n {2}npm run corpus -- --out/m);
  });

  it('reads sizes and defaults', () => {
    expect(parseCorpusArgs(['--out', 'c', '--size', '200MB'])).toEqual({
      kind: 'run',
      options: {
        out: 'c',
        sizeBytes: 200e6,
        seed: 1,
        files: 1,
        mediaPackageShare: 0.005,
        writeShare: 0.4,
      },
    });
  });

  it.each([
    [[], /--out DIR is required/],
    [['--out', 'c', '--size', 'big'], /--size expects a size/],
    [['--out', 'c', '--files', '0'], /--files expects a number of at least 1, got 0/],
    [['--out', 'c', '--mediapackage-share', '2'], /--mediapackage-share expects a number from 0/],
    [['--out', 'c', '--write-share', '1.5'], /--write-share expects a number from 0/],
    [['--out', 'c', '--size', '0MB'], /--size must be more than 0/],
    [['--out', 'c', '--seed', 'x'], /--seed expects a whole number/],
    [['--out', 'c', '--sise', '1MB'], /^unknown option '--sise'$/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseCorpusArgs(argv);
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});
