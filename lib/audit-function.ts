import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  BUNDLED_RULES_EXPRESSION,
  BYTES_PER_MB,
  FUNCTION_ENV,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../lambda/contract';
import type { RulesConfig } from '../lambda/match/rules-schema';
import { FUNCTION_ALIASES, FUNCTION_MAIN_FIELDS, aliasArgs } from './bundling';
import { CONFIG_DEFAULTS, MAX_INFLATED_MB_LIMITS } from './config';
import { InvalidPropsError } from './errors';

/** The handler the function bundles: `lambda/handler.ts`, export `handler`. */
export const HANDLER_ENTRY = path.join(__dirname, '..', 'lambda', 'handler.ts');

/** Properties of {@link AuditFunction}. */
export interface AuditFunctionProps {
  /**
   * Memory of the function. Memory also buys CPU for gunzip and JSON parsing; the default is a
   * first guess that later measurements on real log files will tune.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Timeout of one invocation (one log file, or a batch of S3 records). A first guess to be tuned
   * by measurement: busy organization trails write files of many megabytes.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Reserved concurrency, a whole number of 1 or more: caps how many log files are read at once
   * (and the load on SNS and DynamoDB), and keeps that many executions for the function whatever
   * else runs in the account. Lambda keeps at least 100 executions of the account unreserved.
   *
   * @default - no reservation: the function uses the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * The most uncompressed text, in MB (MiB), the function reads from one log file; a whole number
   * from 1 to 102400. The real largest CloudTrail files are tens to hundreds of MB
   * uncompressed; a gzip bomb stops here. Passed to the function as
   * `FUNCTION_ENV.maxInflatedBytes` (bytes).
   *
   * @default 2048
   */
  readonly maxInflatedMb?: number;

  /**
   * Environment variables in addition to the Powertools and source-map settings.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;

  /**
   * Validated rules to bake into the bundle: esbuild replaces `process.env.MP_AUDIT_BUNDLED_RULES`
   * with their JSON text, so a rules change changes the code (and its asset hash) and is
   * deployed like any code change.
   *
   * @default - none: the handler uses `MP_AUDIT_RULES` or its built-in defaults
   */
  readonly rules?: RulesConfig;

  /**
   * The TypeScript entry point to bundle.
   *
   * @default HANDLER_ENTRY (lambda/handler.ts)
   */
  readonly entry?: string;
}

/**
 * The alerting function: Node.js 24 on arm64, bundled locally by esbuild with the AWS SDK, with
 * its own log group, a least-privilege role, and failed asynchronous invocations kept in an
 * encrypted dead-letter queue.
 *
 * Permissions to read logs and publish alerts are added by the constructs that own those
 * resources (`grantReadLogs`, `grantPublish`), not here.
 */
export class AuditFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** On-failure destination of asynchronous invocations (and of the EventBridge target). */
  public readonly deadLetterQueue: sqs.Queue;
  /** Timeout of one invocation. */
  public readonly timeout: Duration;
  /** The inflated-bytes budget of one log file, in MB (MiB). */
  public readonly maxInflatedMb: number;

  public constructor(scope: Construct, id: string, props: AuditFunctionProps = {}) {
    super(scope, id);

    this.timeout = props.timeout ?? Duration.minutes(5);
    this.maxInflatedMb = props.maxInflatedMb ?? CONFIG_DEFAULTS.maxInflatedMb;
    checkWholeNumber(this, 'maxInflatedMb', this.maxInflatedMb, MAX_INFLATED_MB_LIMITS);
    if (props.reservedConcurrentExecutions !== undefined) {
      checkWholeNumber(this, 'reservedConcurrentExecutions', props.reservedConcurrentExecutions, {
        min: 1,
      });
    }
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });

    // No AWSLambdaBasicExecutionRole: it allows writing to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads CloudTrail log files and publishes MediaPackage audit alerts',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: the on-failure destination of the function and of the EventBridge target.',
    });

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Alerts on AWS Elemental MediaPackage write calls found in CloudTrail log files',
      entry: props.entry ?? HANDLER_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: this.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [FUNCTION_ENV.powertoolsServiceName]: SERVICE_NAME,
        [FUNCTION_ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
        [FUNCTION_ENV.maxInflatedBytes]: String(this.maxInflatedMb * BYTES_PER_MB),
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // Pin the SDK version the tests ran against instead of the runtime's copy.
        bundleAwsSDK: true,
        mainFields: FUNCTION_MAIN_FIELDS,
        esbuildArgs: aliasArgs(FUNCTION_ALIASES),
        // A JavaScript string literal holding the rules' JSON text.
        ...(props.rules === undefined
          ? {}
          : {
              define: { [BUNDLED_RULES_EXPRESSION]: JSON.stringify(JSON.stringify(props.rules)) },
            }),
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
  }
}

/** Throws {@link InvalidPropsError} unless `value` is a whole number within `limits`. */
function checkWholeNumber(
  scope: Construct,
  name: string,
  value: number,
  limits: { readonly min: number; readonly max?: number },
): void {
  const { min, max } = limits;
  if (Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max)) return;
  const range = max === undefined ? `of ${min} or more` : `from ${min} to ${max}`;
  throw new InvalidPropsError(scope, `${name} must be a whole number ${range}; got ${value}`);
}
