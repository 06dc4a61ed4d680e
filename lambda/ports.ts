/**
 * The logging and metrics the pipeline needs, as small interfaces: the Lambda adapter plugs in
 * Powertools, the CLI plugs in plain stderr output, tests plug in recorders.
 */
export interface PipelineLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type MetricUnitName = 'Count' | 'Bytes' | 'Milliseconds';

export interface PipelineMetrics {
  /** Adds to a metric; `dimensions` split it (e.g. by severity). */
  add(
    name: string,
    value: number,
    unit?: MetricUnitName,
    dimensions?: Record<string, string>,
  ): void;
}

export const noMetrics: PipelineMetrics = { add: () => undefined };
