/**
 * The function's configuration, read from its environment in one place (the model is
 * Powertools' EnvironmentVariablesService): one getter per fact, each validating its variable
 * and naming it when it is wrong. The handler and the CLI both read their settings here; the
 * variable names come from the contract the stack writes them with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OwnResources } from './contract';
import {
  BUNDLED_RULES_FILE,
  BYTES_PER_MB,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  DEFAULT_MAX_INFLATED_MB,
  FUNCTION_ENV,
  MediaPackageAuditError,
} from './contract';
import type { CanaryIdentity } from './match/canary';
import { parseCanaryIdentity } from './match/canary';
import type { RulesConfig } from './match/rules-schema';
import { DEFAULT_RULES, parseRulesText } from './match/rules-schema';

/** A variable of the function's environment is missing or malformed. */
export class FunctionEnvironmentError extends MediaPackageAuditError {
  public readonly variable: string;

  public constructor(variable: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'FunctionEnvironmentError';
    this.variable = variable;
  }
}

/** Where idempotency records are kept, when delivery is exactly once. */
export interface IdempotencySettings {
  readonly tableName: string;
  readonly expiresAfterSeconds: number;
}

/**
 * The rules file deployed beside the code, or undefined when there is none (the stack was given
 * no rules, or this is not the deployed bundle).
 */
function readBundledRules(codeDirectory: string): string | undefined {
  try {
    return readFileSync(join(codeDirectory, BUNDLED_RULES_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class FunctionEnvironment {
  /**
   * @param env the variables to read
   * @param codeDirectory where the deployed code and its rules file are: in the function's
   *   single-file bundle this module's folder is the code's
   */
  public constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly codeDirectory: string = __dirname,
  ) {}

  /** The alert topic (`ALERT_TOPIC_ARN`), which the function cannot run without. */
  public get alertTopicArn(): string {
    const topicArn = this.alertTopicArnIfSet;
    if (topicArn === undefined) {
      throw new FunctionEnvironmentError(
        FUNCTION_ENV.alertTopicArn,
        `${FUNCTION_ENV.alertTopicArn} must be set to the ARN of the alert topic`,
      );
    }
    return topicArn;
  }

  /** The alert topic when one is set (a dry run needs none); an ARN when set. */
  public get alertTopicArnIfSet(): string | undefined {
    const topicArn = this.text(FUNCTION_ENV.alertTopicArn);
    if (topicArn !== undefined && !topicArn.startsWith('arn:')) {
      throw new FunctionEnvironmentError(
        FUNCTION_ENV.alertTopicArn,
        `${FUNCTION_ENV.alertTopicArn} must be set to the ARN of the alert topic; got '${topicArn}'`,
      );
    }
    return topicArn;
  }

  /**
   * Exactly-once delivery's table (`IDEMPOTENCY_TABLE_NAME`) and record lifetime
   * (`IDEMPOTENCY_TTL_SECONDS`, else 15 days); undefined without a table (at least once).
   */
  public get idempotency(): IdempotencySettings | undefined {
    const tableName = this.text(FUNCTION_ENV.idempotencyTableName);
    if (tableName === undefined) return undefined;
    const ttl = Number(this.text(FUNCTION_ENV.idempotencyTtlSeconds) ?? Number.NaN);
    return {
      tableName,
      expiresAfterSeconds: Number.isFinite(ttl) && ttl > 0 ? ttl : DEFAULT_IDEMPOTENCY_TTL_SECONDS,
    };
  }

  /** Most bytes inflated from one object (`MP_AUDIT_MAX_INFLATED_BYTES`), else the default. */
  public get maxInflatedBytes(): number {
    const raw = this.text(FUNCTION_ENV.maxInflatedBytes);
    if (raw === undefined) return DEFAULT_MAX_INFLATED_MB * BYTES_PER_MB;
    const bytes = Number(raw);
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new FunctionEnvironmentError(
        FUNCTION_ENV.maxInflatedBytes,
        `${FUNCTION_ENV.maxInflatedBytes} must be a positive whole number of bytes; got '${raw}'`,
      );
    }
    return bytes;
  }

  /**
   * The Regions whose calls reach the function through EventBridge
   * (`MP_AUDIT_FAST_PATH_REGIONS`, comma-separated), or undefined when there is no fast path.
   */
  public get fastPathRegions(): ReadonlySet<string> | undefined {
    const raw = this.text(FUNCTION_ENV.fastPathRegions);
    if (raw === undefined) return undefined;
    const regions = raw.split(',').map((region) => region.trim());
    const wrong = regions.filter((region) => !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region));
    if (wrong.length > 0) {
      throw new FunctionEnvironmentError(
        FUNCTION_ENV.fastPathRegions,
        `${FUNCTION_ENV.fastPathRegions} must be Region names separated by commas, e.g. us-east-1,eu-west-1; got '${raw.slice(0, 200)}'`,
      );
    }
    return new Set(regions);
  }

  /**
   * The canary's resource and role (`MP_AUDIT_CANARY_RESOURCE_ARN`, `MP_AUDIT_CANARY_ROLE_ARN`),
   * or undefined when there is no canary; both or neither must be set.
   */
  public get canary(): CanaryIdentity | undefined {
    return parseCanaryIdentity(
      this.text(FUNCTION_ENV.canaryResourceArn),
      this.text(FUNCTION_ENV.canaryRoleArn),
    );
  }

  /**
   * The pipeline's own resources: those the stack declares (`MP_AUDIT_OWN_RESOURCES`), the
   * function's own name (Lambda's `AWS_LAMBDA_FUNCTION_NAME`) and its alert topic.
   */
  public get ownResources(): OwnResources {
    const declared = this.declaredOwnResources();
    const functionName = this.text('AWS_LAMBDA_FUNCTION_NAME');
    const topicArn = this.text(FUNCTION_ENV.alertTopicArn);
    return {
      bucketNames: declared.bucketNames ?? [],
      functionNames: [
        ...(declared.functionNames ?? []),
        ...(functionName === undefined ? [] : [functionName]),
      ],
      topicArns: [...(declared.topicArns ?? []), ...(topicArn === undefined ? [] : [topicArn])],
      kmsKeys: declared.kmsKeys ?? [],
    };
  }

  /**
   * The rules in force: `MP_AUDIT_RULES` (JSON, for local runs), else the rules the stack
   * bundled into the code at synth, else the defaults.
   * @throws RulesValidationError naming the source and every problem
   */
  public get rules(): RulesConfig {
    const local = this.text(FUNCTION_ENV.localRules);
    if (local !== undefined) return parseRulesText(local, FUNCTION_ENV.localRules);
    const bundled = readBundledRules(this.codeDirectory);
    if (bundled === undefined) return DEFAULT_RULES;
    return parseRulesText(bundled, `the rules deployed with the code (${BUNDLED_RULES_FILE})`);
  }

  /**
   * Whether S3 needs path-style addressing: asked for, or an endpoint on `localhost` or an IP
   * address (a local emulator), where virtual-hosted names (`bucket.localhost`) do not resolve.
   */
  public get s3ForcePathStyle(): boolean {
    if (this.text(FUNCTION_ENV.s3ForcePathStyle) === 'true') return true;
    const endpoint = this.text('AWS_ENDPOINT_URL_S3') ?? this.text('AWS_ENDPOINT_URL');
    if (endpoint === undefined) return false;
    try {
      const host = new URL(endpoint).hostname;
      return host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
    } catch {
      return false;
    }
  }

  /** A variable's value; an empty one counts as unset. */
  private text(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  private declaredOwnResources(): OwnResources {
    const raw = this.text(FUNCTION_ENV.ownResources);
    if (raw === undefined) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new FunctionEnvironmentError(
        FUNCTION_ENV.ownResources,
        `${FUNCTION_ENV.ownResources} must be a JSON object of the pipeline's resources`,
        error,
      );
    }
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  }
}
