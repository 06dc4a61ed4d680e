/** The command line of `npm run corpus`. */
import { CORPUS_USAGE, parseCorpusArgs } from '../../../scripts/bench/corpus';

describe('npm run corpus arguments', () => {
  it('answers --help', () => {
    expect(parseCorpusArgs(['--help'])).toEqual({ kind: 'help' });
    expect(CORPUS_USAGE).toMatch(/--out DIR/);
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
    [['--out', 'c', '--files', '0'], /--files expects a whole number of at least 1/],
    [['--out', 'c', '--mediapackage-share', '2'], /--mediapackage-share expects a number from 0/],
    [['--out', 'c', '--write-share', '1.5'], /--write-share expects a number from 0/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseCorpusArgs(argv);
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});
