import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, FileSystem, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  BUNDLED_RULES_FILE,
  BYTES_PER_MB,
  DEFAULT_MAX_INFLATED_MB,
  FUNCTION_ENV,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../lambda/contract';
import type { RulesConfig } from '../lambda/match/rules-schema';
import { InvalidPropsError, throwIfInvalid } from './errors';
import type { NumberRule } from './prop-checks';
import { checkDuration, checkNumber } from './prop-checks';

/**
 * The function's code, built ahead by `npm run build` (lib/bundling.ts) and shipped in the
 * package, so synth needs no esbuild, TypeScript or Docker. `dist/` beside `lib/` in the source
 * tree and this file's own folder in the package's `dist/index.js`: both resolve here.
 */
export const FUNCTION_CODE_DIR = path.join(__dirname, '..', 'dist', 'function');

/** The defaults of {@link AuditFunctionProps}. */
export const AUDIT_FUNCTION_DEFAULTS = {
  memorySize: 512,
  timeout: Duration.minutes(5),
  logRetention: logs.RetentionDays.THREE_MONTHS,
  maxInflatedMb: DEFAULT_MAX_INFLATED_MB,
} as const satisfies Pick<
  Required<AuditFunctionProps>,
  'memorySize' | 'timeout' | 'logRetention' | 'maxInflatedMb'
>;

/** What the numeric props of {@link AuditFunction} accept. */
export const AUDIT_FUNCTION_LIMITS = {
  memorySize: {
    whole: true,
    min: 128,
    max: 10_240,
    expected: 'a whole number of MB from 128 to 10240',
  },
  /** In seconds. */
  timeout: { whole: true, min: 10, max: 900, expected: 'a whole number of seconds from 10 to 900' },
  reservedConcurrentExecutions: {
    whole: true,
    min: 1,
    expected: 'a whole number of concurrent executions, 1 or more',
  },
  /**
   * In MB (MiB). The upper limit only catches typos (a value in bytes or KB): at such sizes the
   * invocation's time budget ends the read first.
   */
  maxInflatedMb: {
    whole: true,
    min: 1,
    max: 102_400,
    expected: 'a whole number of MB from 1 to 102400',
  },
} as const satisfies Record<string, NumberRule>;

/** Properties of {@link AuditFunction}. */
export interface AuditFunctionProps {
  /**
   * Memory of the function, in MB, from 128 to 10240. Memory also buys CPU for gunzip and JSON
   * parsing; the default is a first guess that later measurements on real log files will tune.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Timeout of one invocation (one log file, or a batch of S3 records), whole seconds from 10 to
   * 900. A first guess to be tuned by measurement: busy organization trails write files of many
   * megabytes.
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
   * Validated rules to deploy with the code: written as `rules.json` (BUNDLED_RULES_FILE) beside
   * the bundle, so a rules change changes the code asset (and its hash) and is deployed like any
   * code change.
   *
   * @default - none: the handler uses `MP_AUDIT_RULES` or its built-in defaults
   */
  readonly rules?: RulesConfig;
}

/**
 * The alerting function: Node.js 24 on arm64, the prebuilt bundle (AWS SDK included), with
 * its own log group, a least-privilege role, and failed asynchronous invocations kept in an
 * encrypted dead-letter queue.
 *
 * Permissions to read logs and publish alerts are added by the constructs that own those
 * resources (`grantReadLogs`, `grantPublish`), not here.
 */
export class AuditFunction extends Construct {
  public readonly function: lambda.Function;
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
    this.timeout = props.timeout ?? AUDIT_FUNCTION_DEFAULTS.timeout;
    this.maxInflatedMb = props.maxInflatedMb ?? AUDIT_FUNCTION_DEFAULTS.maxInflatedMb;
    const memorySize = props.memorySize ?? AUDIT_FUNCTION_DEFAULTS.memorySize;
    const limits = AUDIT_FUNCTION_LIMITS;
    throwIfInvalid(this, [
      checkNumber('memorySize', memorySize, limits.memorySize),
      checkDuration('timeout', this.timeout, limits.timeout, 'seconds'),
      checkNumber(
        'reservedConcurrentExecutions',
        props.reservedConcurrentExecutions,
        limits.reservedConcurrentExecutions,
      ),
      checkNumber('maxInflatedMb', this.maxInflatedMb, limits.maxInflatedMb),
    ]);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? AUDIT_FUNCTION_DEFAULTS.logRetention,
    });
    this.role = this.createRole();
    this.deadLetterQueue = this.createDeadLetterQueue();
    this.function = this.createFunction(props, memorySize);
  }

  /** No AWSLambdaBasicExecutionRole: it allows writing to every log group in the account. */
  private createRole(): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads CloudTrail log files and publishes MediaPackage audit alerts',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    return role;
  }

  private createDeadLetterQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: the on-failure destination of the function and of the EventBridge target.',
    });
    return queue;
  }

  private createFunction(props: AuditFunctionProps, memorySize: number): lambda.Function {
    return new lambda.Function(this, 'Function', {
      description: 'Alerts on AWS Elemental MediaPackage write calls found in CloudTrail log files',
      code: lambda.Code.fromAsset(this.codeDirectory(props.rules)),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
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
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
  }

  /**
   * The prebuilt bundle, or a copy of it with the rules file beside it. The copy goes to a
   * temporary folder, which CDK copies into the cloud assembly by content hash.
   */
  private codeDirectory(rules: RulesConfig | undefined): string {
    if (!fs.existsSync(path.join(FUNCTION_CODE_DIR, 'index.js'))) {
      throw new InvalidPropsError(
        this,
        `the function's code is missing from ${FUNCTION_CODE_DIR}: run \`npm run build\` (a packaged install ships it built)`,
      );
    }
    if (rules === undefined) return FUNCTION_CODE_DIR;
    const staged = FileSystem.mkdtemp('mp-audit-function');
    fs.cpSync(FUNCTION_CODE_DIR, staged, { recursive: true });
    fs.writeFileSync(path.join(staged, BUNDLED_RULES_FILE), JSON.stringify(rules));
    return staged;
  }
}
