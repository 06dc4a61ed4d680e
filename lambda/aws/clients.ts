import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { FunctionEnvironment } from '../function-environment';

/** The SDK clients the pipeline reads and publishes with. */
export interface PipelineClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
}

/**
 * Clients with the SDK's standard settings (so `AWS_ENDPOINT_URL` and profiles work), S3
 * path-style where the environment needs it and following a bucket's Region when S3 answers
 * with a redirect. Throttling and 5xx from SNS are retried inside
 * the call with backoff and jitter.
 */
export function createPipelineClients(
  environment: FunctionEnvironment,
  /** @default the SDK's (AWS_REGION); the CLI pins one taken from a queue URL */
  region?: string,
): PipelineClients {
  const where = region === undefined ? {} : { region };
  return {
    s3: new S3Client({
      forcePathStyle: environment.s3ForcePathStyle,
      // A log archive (another account's bucket) may sit in another Region than the function.
      followRegionRedirects: true,
      ...where,
    }),
    sns: new SNSClient({ maxAttempts: 6, retryMode: 'standard', ...where }),
  };
}
