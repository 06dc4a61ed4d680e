import { colourFor, errorLine, terminalIo } from '../../cli/terminal';
import type { ProcessStreams } from '../../cli/terminal';
import { captureIo } from '../support/captured-io';
import { chunked } from '../support/streams';

const CLEAR_LINE = '\r\u001b[2K';

/** Fake process streams: what each received, in order, and whether each is a terminal. */
function fakeStreams(
  tty: { stdout: boolean; stderr: boolean },
  env: NodeJS.ProcessEnv = {},
  columns = 40,
) {
  const written: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  const streams: ProcessStreams = {
    stdout: {
      isTTY: tty.stdout,
      write: (text) => written.push({ stream: 'stdout', text }),
      once: () => undefined,
    },
    stderr: {
      isTTY: tty.stderr,
      columns,
      write: (text) => written.push({ stream: 'stderr', text }),
    },
    stdin: () => chunked(new Uint8Array()),
    env,
  };
  return { streams, written };
}

describe('Function: colourFor', () => {
  it.each([
    ['a terminal', true, {}, true],
    ['a pipe', false, {}, false],
    ['a terminal with NO_COLOR=1', true, { NO_COLOR: '1' }, false],
    ['a terminal with an empty NO_COLOR', true, { NO_COLOR: '' }, true],
    ['a terminal with NO_COLOR and FORCE_COLOR', true, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
    ['a pipe with FORCE_COLOR=1', false, { FORCE_COLOR: '1' }, true],
    ['a terminal with FORCE_COLOR=0', true, { FORCE_COLOR: '0' }, false],
    ['a dumb terminal', true, { TERM: 'dumb' }, false],
  ])('decides for %s', (_name, isTTY, env: NodeJS.ProcessEnv, expected) => {
    // Act
    const colour = colourFor({ isTTY }, env);

    // Assess
    expect(colour).toBe(expected);
  });
});

describe('Function: errorLine', () => {
  it('colours the prefix red only when standard error takes colour', () => {
    // Act
    const coloured = errorLine(captureIo({ colour: { out: false, err: true } }), 'no such file');
    const plain = errorLine(captureIo({ colour: { out: true, err: false } }), 'no such file');

    // Assess
    expect(coloured).toBe('\u001b[31mmp-audit:\u001b[0m no such file');
    expect(plain).toBe('mp-audit: no such file');
  });
});

describe('Function: terminalIo', () => {
  it('has no status line when standard error is not a terminal', () => {
    // Act
    const io = terminalIo(fakeStreams({ stdout: true, stderr: false }).streams);

    // Assess
    expect(io.status).toBeUndefined();
  });

  it('decides colour per stream, and NO_COLOR turns both off', () => {
    // Act
    const mixed = terminalIo(fakeStreams({ stdout: false, stderr: true }).streams);
    const noColour = terminalIo(
      fakeStreams({ stdout: true, stderr: true }, { NO_COLOR: '1' }).streams,
    );

    // Assess
    expect(mixed.colour).toEqual({ out: false, err: true });
    expect(noColour.colour).toEqual({ out: false, err: false });
  });

  it('redraws the status line in place, cut to the terminal, and clears it before an error line', () => {
    // Prepare
    const { streams, written } = fakeStreams({ stdout: false, stderr: true });
    const io = terminalIo(streams);

    // Act
    io.status?.('files 1/2');
    io.status?.(`files 2/2 ${'x'.repeat(100)}`);
    io.out('an alert');
    io.err('mp-audit: cannot read x');
    io.err('another line');

    // Assess: stdout is a pipe, so an alert does not disturb the line; an error clears it once.
    expect(written).toEqual([
      { stream: 'stderr', text: `${CLEAR_LINE}files 1/2` },
      { stream: 'stderr', text: `${CLEAR_LINE}${`files 2/2 ${'x'.repeat(100)}`.slice(0, 39)}` },
      { stream: 'stdout', text: 'an alert\n' },
      { stream: 'stderr', text: CLEAR_LINE },
      { stream: 'stderr', text: 'mp-audit: cannot read x\n' },
      { stream: 'stderr', text: 'another line\n' },
    ]);
  });

  it('clears the status line before output when both streams share the terminal', () => {
    // Prepare
    const { streams, written } = fakeStreams({ stdout: true, stderr: true });
    const io = terminalIo(streams);

    // Act
    io.status?.('files 1/2');
    io.out('an alert');
    io.status?.('');

    // Assess
    expect(written).toEqual([
      { stream: 'stderr', text: `${CLEAR_LINE}files 1/2` },
      { stream: 'stderr', text: CLEAR_LINE },
      { stream: 'stdout', text: 'an alert\n' },
    ]);
  });

  it('takes a terminal of unknown width (columns 0) as 80 wide', () => {
    // Prepare
    const { streams, written } = fakeStreams({ stdout: false, stderr: true }, {}, 0);
    const io = terminalIo(streams);

    // Act
    io.status?.('x'.repeat(100));

    // Assess
    expect(written).toEqual([{ stream: 'stderr', text: `${CLEAR_LINE}${'x'.repeat(79)}` }]);
  });
});
