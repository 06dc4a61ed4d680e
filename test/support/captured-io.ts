import type { CommandIo } from '../../cli/io';

/** A CLI's output, kept line by line for assertions. */
export interface CapturedIo extends CommandIo {
  readonly stdout: string[];
  readonly stderr: string[];
  /** What was drawn on the status (progress) line; '' when it was cleared. */
  readonly statusLines: string[];
}

/** What a test decides about the run: standard input, colour, --quiet. */
export type CaptureOptions = Pick<CommandIo, 'stdin' | 'colour' | 'quiet'> & {
  /** Standard error is a terminal: the status line is drawn (into `statusLines`). */
  readonly terminal?: boolean;
};

export function captureIo(options: CaptureOptions = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const statusLines: string[] = [];
  const { terminal, ...rest } = options;
  return {
    ...rest,
    stdout,
    stderr,
    statusLines,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    ...(terminal === true ? { status: (line: string) => statusLines.push(line) } : {}),
  };
}
