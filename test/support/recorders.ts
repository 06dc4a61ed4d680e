/** Pipeline ports that keep what they were given, for tests to assert on. */
import type { MetricUnitName, PipelineLogger, PipelineMetrics } from '../../lambda/pipeline/ports';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

export interface MetricEntry {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnitName | undefined;
  readonly dimensions: Record<string, string> | undefined;
}

/** A PipelineLogger that keeps every entry. */
export function recordingLogger(): PipelineLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log =
    (level: LogEntry['level']) =>
    (message: string, extra: Record<string, unknown> = {}): void => {
      entries.push({ level, message, extra });
    };
  return {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

/** A PipelineMetrics that keeps every data point. */
export function recordingMetrics(): PipelineMetrics & { points: MetricEntry[] } {
  const points: MetricEntry[] = [];
  return {
    points,
    add: (name, value, unit, dimensions) => {
      points.push({ name, value, unit, dimensions });
    },
  };
}
