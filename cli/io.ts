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
}
