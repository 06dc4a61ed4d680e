import {
  formatBytes,
  PROGRESS_DELAY_MS,
  PROGRESS_INTERVAL_MS,
  startProgress,
} from '../../cli/progress';
import { captureIo } from '../support/captured-io';

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  return { read: () => now, advance: (ms: number) => void (now += ms) };
}

describe('Function: startProgress', () => {
  it('draws from one second in, at most every 250 ms, and clears the line at the end', () => {
    // Prepare
    const io = captureIo({ terminal: true });
    const clock = manualClock();
    let n = 0;
    const progress = startProgress(io, () => `step ${++n}`, clock.read);

    // Act
    clock.advance(PROGRESS_DELAY_MS - 1);
    progress.tick();
    clock.advance(1);
    progress.tick();
    clock.advance(PROGRESS_INTERVAL_MS - 1);
    progress.tick();
    clock.advance(1);
    progress.tick();
    progress.end();

    // Assess
    expect(io.statusLines).toEqual(['step 1', 'step 2', '']);
  });

  it('writes nothing, not even a clear, for a run shorter than the delay', () => {
    // Prepare
    const io = captureIo({ terminal: true });
    const clock = manualClock();
    const progress = startProgress(io, () => 'never', clock.read);

    // Act
    progress.tick();
    progress.end();

    // Assess
    expect(io.statusLines).toEqual([]);
  });

  it.each([
    ['standard error is not a terminal', captureIo()],
    ['--quiet is set', captureIo({ terminal: true, quiet: true })],
  ])('never builds or writes a line when %s', (_name, io) => {
    // Prepare
    const clock = manualClock();
    const text = jest.fn(() => 'progress');
    const progress = startProgress(io, text, clock.read);

    // Act
    for (let i = 0; i < 10; i += 1) {
      clock.advance(PROGRESS_DELAY_MS);
      progress.tick();
    }
    progress.end();

    // Assess
    expect(text).not.toHaveBeenCalled();
    expect(io.statusLines).toEqual([]);
    expect(io.stderr).toEqual([]);
  });
});

describe('Function: formatBytes', () => {
  it.each([
    [0, '0 KB'],
    [512 * 1024, '512 KB'],
    [12.34 * 1024 * 1024, '12.3 MB'],
    [10 * 1024 * 1024 * 1024, '10.00 GB'],
  ])('writes %d bytes as %s', (bytes, text) => {
    // Act and assess
    expect(formatBytes(bytes)).toBe(text);
  });
});
