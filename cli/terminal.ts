/**
 * The terminal side of `mp-audit`: whether a stream gets colour, the few colours used, and the
 * CommandIo of the real process, whose status line is cleared before any other output.
 * Loaded at start-up, so it imports nothing but types.
 */
import type { CommandIo } from './io';

/** What colourFor needs of a stream (process.stdout, process.stderr). */
export interface TerminalStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly write: (text: string) => unknown;
}

/**
 * Whether a stream gets colour codes: only a terminal shows them, never when NO_COLOR is set
 * to anything (no-color.org); FORCE_COLOR (as Node reads it) forces them into a pipe.
 */
export function colourFor(stream: Pick<TerminalStream, 'isTTY'>, env: NodeJS.ProcessEnv): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const SGR = { red: 31, yellow: 33 } as const;
type Colour = keyof typeof SGR;

/** `text` in `colour` when `on`; unchanged otherwise. */
export function paint(on: boolean, colour: Colour, text: string): string {
  return on ? `\u001b[${SGR[colour]}m${text}\u001b[0m` : text;
}

/** Only the severities worth a glance stand out; colour everywhere is noise. */
const SEVERITY_COLOUR: Readonly<Record<string, Colour>> = { high: 'red', medium: 'yellow' };

/** An alert subject with its `[HIGH]` tag coloured by severity when `on`. */
export function colourSeverityTag(subject: string, severity: string, on: boolean): string {
  const tag = `[${severity.toUpperCase()}]`;
  const colour = SEVERITY_COLOUR[severity];
  if (!on || colour === undefined || !subject.startsWith(tag)) return subject;
  return `${paint(true, colour, tag)}${subject.slice(tag.length)}`;
}

/** An error line for standard error: `mp-audit: <text>`, the prefix red on a terminal. */
export function errorLine(io: CommandIo, text: string, prefix = 'mp-audit:'): string {
  return `${paint(io.colour?.err === true, 'red', prefix)} ${text}`;
}

/** Moves to the start of the line and erases it (ANSI CR + EL2). */
const CLEAR_LINE = '\r\u001b[2K';

/** The streams and environment of the real process, injectable for tests. */
export interface ProcessStreams {
  readonly stdout: TerminalStream & {
    readonly writableNeedDrain?: boolean;
    readonly once: (event: 'drain', listener: () => void) => unknown;
  };
  readonly stderr: TerminalStream;
  readonly stdin: () => AsyncIterable<Uint8Array>;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The CommandIo of a real run: colour decided per stream, and a status line only when standard
 * error is a terminal. A status line left on screen would be overwritten mid-line by the next
 * message, so every other write clears it first.
 */
export function terminalIo(streams: ProcessStreams): CommandIo {
  const { stdout, stderr, env } = streams;
  let statusShown = false;
  const clearStatus = (): void => {
    if (!statusShown) return;
    stderr.write(CLEAR_LINE);
    statusShown = false;
  };
  // Only a terminal on stdout shares the screen with the status line.
  const sameScreen = stdout.isTTY === true;
  return {
    out: (line) => {
      if (sameScreen) clearStatus();
      stdout.write(`${line}\n`);
    },
    err: (line) => {
      clearStatus();
      stderr.write(`${line}\n`);
    },
    drained: () =>
      stdout.writableNeedDrain === true
        ? new Promise((resolve) => stdout.once('drain', () => resolve()))
        : undefined,
    stdin: streams.stdin,
    colour: { out: colourFor(stdout, env), err: colourFor(stderr, env) },
    ...(stderr.isTTY === true
      ? {
          status: (line: string) => {
            if (line === '') return clearStatus();
            // A line wider than the terminal wraps, and `\r` then redraws only its last part.
            // A terminal of unknown size (columns 0, as some ptys report) is taken as 80 wide.
            const columns =
              stderr.columns === undefined || stderr.columns < 1 ? 80 : stderr.columns;
            const width = Math.max(columns - 1, 10);
            stderr.write(`${CLEAR_LINE}${line.slice(0, width)}`);
            statusShown = true;
          },
        }
      : {}),
  };
}
