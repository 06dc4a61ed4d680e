import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import type { AlertDelivery } from './deliver/delivery';
import {
  batchDelivery,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  idempotentDelivery,
} from './deliver/delivery';
import type { CompiledRules } from './match/matcher';
import { compileRules } from './match/matcher';
import type { PipelineLogger, PipelineMetrics } from './pipeline/ports';
import type { PipelineDeps, TriggerSummary } from './pipeline/process-trigger';
import { processTriggerEvent } from './pipeline/process-trigger';
import { redactingLogger } from './pipeline/ports';
import {
  DEFAULT_MAX_INFLATED_BYTES,
  MAX_INFLATED_BYTES_ENV,
  readDeadline,
} from './read/read-budget';
import { DEFAULT_RULES, parseRulesText } from './match/rules-schema';
import { ownResourcesFromEnv } from './match/self-protection';

/** Namespace of the function's CloudWatch metrics, unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export const METRICS_NAMESPACE = 'MediaPackageAudit';

const logger = new Logger({ serviceName: 'mediapackage-audit-alerts' });
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: 'mediapackage-audit-alerts',
});

/**
 * S3 keeps path-style addressing for endpoints such as a local emulator on 127.0.0.1, but
 * `localhost` would get virtual-hosted names (`bucket.localhost`) that do not resolve.
 */
export function usesPathStyle(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.MP_AUDIT_S3_FORCE_PATH_STYLE === 'true') return true;
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint === '') return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
  } catch {
    return false;
  }
}

/** Clients for the container: built once, on first use, with the SDK's standard settings. */
export function createDefaultClients(): { s3: S3Client; sns: SNSClient } {
  return {
    s3: new S3Client({ forcePathStyle: usesPathStyle() }),
    // Throttling and 5xx are retried inside the invocation with backoff and jitter.
    sns: new SNSClient({ maxAttempts: 6, retryMode: 'standard' }),
  };
}

function powertoolsMetrics(target: Metrics): PipelineMetrics {
  return {
    add: (name, value, unit = 'Count', dimensions) => {
      const metricUnit = MetricUnit[unit];
      if (dimensions === undefined) {
        target.addMetric(name, metricUnit, value);
        return;
      }
      const single = target.singleMetric();
      single.addDimensions(dimensions);
      single.addMetric(name, metricUnit, value);
    },
  };
}

function powertoolsLogger(target: Logger): PipelineLogger {
  return redactingLogger({
    debug: (message, extra) => target.debug(message, extra ?? {}),
    info: (message, extra) => target.info(message, extra ?? {}),
    warn: (message, extra) => target.warn(message, extra ?? {}),
    error: (message, extra) => target.error(message, extra ?? {}),
  });
}

/** MAX_INFLATED_BYTES_ENV (set by the construct from `maxInflatedMb`), else the default. */
export function maxInflatedBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MAX_INFLATED_BYTES_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MAX_INFLATED_BYTES;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error(
      `${MAX_INFLATED_BYTES_ENV} must be a positive whole number of bytes; got '${raw}'`,
    );
  }
  return bytes;
}

/** Reads the function's configuration from its environment, failing loudly if it is missing. */
export function topicArnFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const topicArn = env.ALERT_TOPIC_ARN;
  if (topicArn === undefined || !topicArn.startsWith('arn:')) {
    throw new Error('ALERT_TOPIC_ARN must be set to the ARN of the alert topic');
  }
  return topicArn;
}

/**
 * The rules in force: `MP_AUDIT_RULES` (JSON, for local runs) or the rules the construct
 * bundled into the code at synth time, else the defaults; with the pipeline's own resources.
 */
export function rulesFromEnv(env: NodeJS.ProcessEnv = process.env): CompiledRules {
  // esbuild replaces `process.env.MP_AUDIT_BUNDLED_RULES` with the validated rules at bundle time.
  const local = env.MP_AUDIT_RULES;
  const text = local ?? process.env.MP_AUDIT_BUNDLED_RULES;
  const source = local === undefined ? 'the rules bundled at synth' : 'MP_AUDIT_RULES';
  const config = text === undefined || text === '' ? DEFAULT_RULES : parseRulesText(text, source);
  return compileRules(config, ownResourcesFromEnv(env));
}

/**
 * Idempotent delivery when `IDEMPOTENCY_TABLE_NAME` is set (as deployed), else plain batched
 * delivery (local runs without DynamoDB). DynamoDB is reached with the SDK's standard
 * settings, so `AWS_ENDPOINT_URL_DYNAMODB` points it at a local emulator.
 */
export function deliveryFromEnv(
  sns: SNSClient,
  topicArn: string,
  env: NodeJS.ProcessEnv = process.env,
): AlertDelivery {
  const tableName = env.IDEMPOTENCY_TABLE_NAME;
  if (tableName === undefined || tableName === '') return batchDelivery(sns, topicArn);
  const ttl = Number(env.IDEMPOTENCY_TTL_SECONDS ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS);
  return idempotentDelivery(sns, topicArn, {
    tableName,
    expiresAfterSeconds: Number.isFinite(ttl) && ttl > 0 ? ttl : DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  });
}

/**
 * Builds a Lambda handler around the pipeline. `overrides` lets tests inject clients;
 * anything not given is created once per container.
 */
export function createHandler(
  overrides: Partial<PipelineDeps> = {},
): (event: unknown, context?: Context) => Promise<TriggerSummary> {
  let deps: PipelineDeps | undefined;
  return async (event, context) => {
    if (deps === undefined) {
      const needsClients = overrides.s3 === undefined || overrides.sns === undefined;
      const clients = needsClients ? createDefaultClients() : undefined;
      const sns = overrides.sns ?? (clients as { sns: SNSClient }).sns;
      const topicArn = overrides.topicArn ?? topicArnFromEnv();
      deps = {
        maxInflatedBytes: overrides.maxInflatedBytes ?? maxInflatedBytesFromEnv(),
        ...(process.env.IDEMPOTENCY_TABLE_NAME === undefined
          ? {}
          : { idempotencyTableName: process.env.IDEMPOTENCY_TABLE_NAME }),
        s3: overrides.s3 ?? (clients as { s3: S3Client }).s3,
        sns,
        topicArn,
        delivery: overrides.delivery ?? deliveryFromEnv(sns, topicArn),
        logger: overrides.logger ?? powertoolsLogger(logger),
        metrics: overrides.metrics ?? powertoolsMetrics(metrics),
        rules: overrides.rules ?? rulesFromEnv(),
        ...(overrides.publishOptions === undefined
          ? {}
          : { publishOptions: overrides.publishOptions }),
      };
    }
    if (context !== undefined) {
      logger.addContext(context);
      deps.delivery?.registerContext?.(context);
    }
    // Reading stops early enough to deliver what was found and return before Lambda's deadline.
    const remaining = context?.getRemainingTimeInMillis?.();
    try {
      return await processTriggerEvent(
        event,
        deps,
        remaining === undefined || !Number.isFinite(remaining)
          ? {}
          : { deadline: readDeadline(remaining) },
      );
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/** The Lambda entry point: S3 notifications, EventBridge `Object Created` events, S3 test events. */
export const handler = createHandler();
