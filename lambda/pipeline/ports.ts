import { redactSecrets } from '../alert/redact';
import type { MetricDimension, PipelineMetricName } from '../contract';

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
  /**
   * Adds to one of the contract's metrics (the names the stack alarms on); `dimensions` split
   * it (e.g. by severity).
   */
  add(
    name: PipelineMetricName,
    value: number,
    unit?: MetricUnitName,
    dimensions?: Partial<Record<MetricDimension, string>>,
  ): void;
}

export const noMetrics: PipelineMetrics = { add: () => undefined };

/**
 * Wraps a logger so every field of every line goes through the redaction step first: log
 * lines leave the function like alerts do, and may carry a key, an error message or a
 * reason quoted from input.
 */
export function redactingLogger(target: PipelineLogger): PipelineLogger {
  const clean = (extra?: Record<string, unknown>): Record<string, unknown> | undefined =>
    extra === undefined ? undefined : (redactSecrets(extra) as Record<string, unknown>);
  return {
    debug: (message, extra) => target.debug(message, clean(extra)),
    info: (message, extra) => target.info(message, clean(extra)),
    warn: (message, extra) => target.warn(message, clean(extra)),
    error: (message, extra) => target.error(message, clean(extra)),
  };
}
