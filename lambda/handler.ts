/**
 * The Lambda entry point: wires Powertools' logger and metrics, the SDK clients and the
 * function's environment into the pipeline (lambda/pipeline), which does the work.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import type { PipelineClients } from './aws/clients';
import { createPipelineClients } from './aws/clients';
import { METRICS_NAMESPACE, RESOURCE_STATE_TTL_SECONDS, SERVICE_NAME } from './contract';
import { httpResourceDescriber } from './aws/resource-describer';
import { dynamoDbResourceStateStore } from './deliver/resource-state';
import { isCanaryCall } from './match/canary';
import type { ResourceMemory } from './pipeline/resource-memory';
import { deliveryFor } from './deliver/delivery';
import type { StormGate } from './deliver/storm-gate';
import { dynamoDbStormGate } from './deliver/storm-gate';
import type { IdempotencySettings } from './function-environment';
import type { CompiledRules } from './match/matcher';
import { FunctionEnvironment } from './function-environment';
import { compileRules } from './match/matcher';
import type { PipelineLogger, PipelineMetrics } from './pipeline/ports';
import { redactingLogger } from './pipeline/ports';
import type { PipelineDeps, SqsBatchResult, TriggerSummary } from './pipeline/process-trigger';
import { processTriggerEvent } from './pipeline/process-trigger';
import { readDeadline } from './read/read-budget';

// Read by checks of the built bundle, which load it as Lambda does.
export { createPipelineClients } from './aws/clients';
export { FunctionEnvironment } from './function-environment';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

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

/** What tests may inject instead of what the handler builds: clients, topic, ports. */
export type HandlerOverrides = Partial<PipelineDeps> & {
  readonly sns?: SNSClient;
  readonly topicArn?: string;
};

/** The pipeline's dependencies from the environment, with `overrides` taking precedence. */
export function pipelineDepsFromEnvironment(
  environment: FunctionEnvironment,
  overrides: HandlerOverrides = {},
): PipelineDeps {
  let created: PipelineClients | undefined;
  const clients = (): PipelineClients => (created ??= createPipelineClients(environment));
  const s3 = overrides.s3 ?? clients().s3;
  const sns = overrides.sns ?? clients().sns;
  const topicArn = overrides.topicArn ?? environment.alertTopicArn;
  const idempotency = environment.idempotency;
  const rules = overrides.rules ?? compileRules(environment.rules, environment.ownResources);
  const storms = overrides.storms ?? stormGateFor(idempotency, rules);
  const memory = overrides.memory ?? memoryFor(idempotency);
  const canary = environment.canary;
  const pipelineLogger = overrides.logger ?? powertoolsLogger(logger);
  return {
    s3,
    delivery: overrides.delivery ?? deliveryFor(sns, topicArn, idempotency),
    logger: pipelineLogger,
    metrics: overrides.metrics ?? powertoolsMetrics(metrics),
    rules,
    ...(storms === undefined ? {} : { storms }),
    ...(memory === undefined
      ? {}
      : { memory: overrides.memory ?? withDescribeLog(memory, pipelineLogger) }),
    ...(canary === undefined
      ? {}
      : { isCanaryCall: overrides.isCanaryCall ?? ((record) => isCanaryCall(record, canary)) }),
    maxInflatedBytes: overrides.maxInflatedBytes ?? environment.maxInflatedBytes,
    replayTarget: overrides.replayTarget ?? {
      topicArn,
      ...(idempotency === undefined ? {} : { idempotencyTableName: idempotency.tableName }),
    },
    ...(overrides.publishOptions === undefined ? {} : { publishOptions: overrides.publishOptions }),
    ...optionalFastPath(overrides.fastPathRegions ?? environment.fastPathRegions),
  };
}

/**
 * Storm state lives beside the idempotency records: without a table (local runs) there are no
 * storms and people get every alert, as they do when the rules turn storms off.
 */
function stormGateFor(
  idempotency: IdempotencySettings | undefined,
  rules: CompiledRules,
): StormGate | undefined {
  if (idempotency === undefined || !rules.config.storms.enabled) return undefined;
  return dynamoDbStormGate({
    tableName: idempotency.tableName,
    settings: rules.config.storms,
    decisionTtlSeconds: idempotency.expiresAfterSeconds,
  });
}

/**
 * The resources' last known states live beside the idempotency records; an unknown one is read
 * with a signed, read-only describe call (the role allows only the watched services' reads).
 */
function memoryFor(idempotency: IdempotencySettings | undefined): ResourceMemory | undefined {
  if (idempotency === undefined) return undefined;
  return {
    states: dynamoDbResourceStateStore({
      tableName: idempotency.tableName,
      ttlSeconds: RESOURCE_STATE_TTL_SECONDS,
    }),
  };
}

/** Adds the describer, whose skips (no permission, not found, timeout) are logged. */
function withDescribeLog(memory: ResourceMemory, log: PipelineLogger): ResourceMemory {
  if (memory.describer !== undefined) return memory;
  return {
    ...memory,
    describer: httpResourceDescriber({
      onSkip: (reason) =>
        log.info('Resource not described; its next change may say the previous state is unknown', {
          reason,
        }),
    }),
  };
}

function optionalFastPath(
  regions: ReadonlySet<string> | undefined,
): Pick<PipelineDeps, 'fastPathRegions'> {
  return regions === undefined ? {} : { fastPathRegions: regions };
}

/**
 * Builds a Lambda handler around the pipeline. The environment is read on the first
 * invocation (a configuration error fails that invocation, with the variable named), and
 * clients are created once per container. It returns the invocation's summary; for an SQS
 * batch, with the messages to receive again (`batchItemFailures`) instead of failing.
 */
export function createHandler(
  overrides: HandlerOverrides = {},
): (event: unknown, context?: Context) => Promise<TriggerSummary | SqsBatchResult> {
  let deps: PipelineDeps | undefined;
  return async (event, context) => {
    deps ??= pipelineDepsFromEnvironment(new FunctionEnvironment(process.env), overrides);
    if (context !== undefined) {
      logger.addContext(context);
      deps.delivery.registerContext?.(context);
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

/**
 * The Lambda entry point: S3 notifications, EventBridge `Object Created` and `AWS API Call via
 * CloudTrail` events, S3 test events, and SQS batches of CloudTrail's SNS notifications or of
 * S3 notifications (which report partial batch failures).
 */
export const handler = createHandler();
