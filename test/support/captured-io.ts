import type { CommandIo } from '../../cli/io';

/** A CLI's output, kept line by line for assertions. */
export interface CapturedIo extends CommandIo {
  readonly stdout: string[];
  readonly stderr: string[];
}

export function captureIo(): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
  };
}
