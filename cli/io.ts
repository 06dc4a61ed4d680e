/** Where a command writes: injected so tests can capture it. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /**
   * A promise that settles once the output written so far has been taken by the reader, or
   * undefined when nothing is waiting: commands that print as they read wait on it, so a slow
   * pipe (`| less`, `| jq`) slows the read instead of piling output up in memory.
   */
  readonly drained?: () => Promise<void> | undefined;
  /** Standard input, read for the path `-`. @default nothing to read (`-` is unreadable) */
  readonly stdin?: () => AsyncIterable<Uint8Array>;
  /**
   * Whether `out` and `err` may hold colour codes: only a terminal shows them, and NO_COLOR
   * turns them off (run() decides). @default no colour
   */
  readonly colour?: { readonly out: boolean; readonly err: boolean };
  /**
   * Redraws the one status (progress) line in place; '' clears it. Present only when standard
   * error is a terminal, so pipes and logs never receive it. `err` clears the line first.
   */
  readonly status?: (line: string) => void;
  /** --quiet: no summary line and no progress, only alerts, errors and warnings. */
  readonly quiet?: boolean;
}
