/**
 * The progress line of long scans and replays: drawn on a terminal's standard error only
 * (CommandIo.status), from one second in, at most four times a second, cleared at the end.
 */
import { BYTES_PER_MB } from '../lambda/contract';
import type { CommandIo } from './io';

/** A run shorter than this shows no progress: a flash of text is noise. */
export const PROGRESS_DELAY_MS = 1000;
/** Redraws at most this often, so drawing never costs the read noticeable time. */
export const PROGRESS_INTERVAL_MS = 250;

/** A progress line in use: `tick` whenever something moved, `end` once. */
export interface Progress {
  /** Redraws the line from the text function when a redraw is due. */
  readonly tick: () => void;
  /** Clears the line, if one was drawn. */
  readonly end: () => void;
}

const NO_PROGRESS: Progress = { tick: () => undefined, end: () => undefined };

/**
 * A progress line for `io`, or one that does nothing when standard error is not a terminal or
 * --quiet is set. `text` is called only when a redraw is due, so it may build its string freely.
 */
export function startProgress(
  io: CommandIo,
  text: () => string,
  clock: () => number = Date.now,
): Progress {
  const { status } = io;
  if (status === undefined || io.quiet === true) return NO_PROGRESS;
  const started = clock();
  let drawnAt: number | undefined;
  return {
    tick: () => {
      const now = clock();
      if (now - started < PROGRESS_DELAY_MS) return;
      if (drawnAt !== undefined && now - drawnAt < PROGRESS_INTERVAL_MS) return;
      drawnAt = now;
      status(text());
    },
    end: () => {
      if (drawnAt !== undefined) status('');
    },
  };
}

/** `512 KB`, `12.3 MB`, `1.25 GB`: enough digits to see it move. */
export function formatBytes(bytes: number): string {
  if (bytes < BYTES_PER_MB) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 * BYTES_PER_MB) return `${(bytes / BYTES_PER_MB).toFixed(1)} MB`;
  return `${(bytes / 1024 / BYTES_PER_MB).toFixed(2)} GB`;
}

/** Megabytes a second since `startedAt`. */
export function formatRate(bytes: number, startedAt: number, now: number): string {
  const seconds = Math.max(now - startedAt, 1) / 1000;
  return `${(bytes / BYTES_PER_MB / seconds).toFixed(1)} MB/s`;
}
