/**
 * What the command line says about an error it did not expect: one plain line, with advice for
 * the AWS SDK errors a user can fix (credentials, Region, names, permissions).
 */
import { redactText } from '../lambda/alert/redact';

/** What the command was pointed at, to name it in the advice. */
export interface ErrorContext {
  readonly bucket?: string;
}

interface SdkErrorShape {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly BucketName?: unknown;
}

/** One line for an error, redacted; never a stack. */
export function describeCliError(error: unknown, context: ErrorContext = {}): string {
  const shape: SdkErrorShape = typeof error === 'object' && error !== null ? error : {};
  const name = [shape.name, shape.Code, shape.code].filter(
    (value): value is string => typeof value === 'string',
  );
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const is = (...names: string[]): boolean => name.some((n) => names.includes(n));
  let text: string;
  if (name.some((n) => n.includes('Credentials'))) {
    text =
      "no AWS credentials found: run 'aws configure' (or 'aws sso login'), or choose a profile with AWS_PROFILE=<name>";
  } else if (is('ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired')) {
    text = "your AWS session has expired: sign in again ('aws sso login', or new credentials)";
  } else if (/Region is missing/i.test(message)) {
    text = 'no AWS Region: pass --region <region> or set AWS_REGION';
  } else if (is('NoSuchBucket')) {
    const bucket = typeof shape.BucketName === 'string' ? shape.BucketName : context.bucket;
    text = `bucket not found: ${bucket ?? '(unnamed)'}; check the name (the stack's LogBucketName output) and that your credentials are for its account`;
  } else if (is('AWS.SimpleQueueService.NonExistentQueue', 'QueueDoesNotExist')) {
    text =
      "queue not found: check the URL (the stack's DeadLetterQueueUrl output), its Region and that your credentials are for its account";
  } else if (is('NotFound', 'NotFoundException') && /topic/i.test(message)) {
    text = "topic not found: check the ARN (the stack's AlertTopicArn output) and its account";
  } else if (
    is('AuthorizationError') ||
    (is('AccessDenied', 'AccessDeniedException') && /sns:Publish/.test(message))
  ) {
    text = `not allowed to publish alerts (${message}): the topic accepts only the function and the stack's alertPublisherArns; run as one of those roles`;
  } else if (is('AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation')) {
    text = `access denied (${message}): run as a role allowed to do this, e.g. one of the stack's alertPublisherArns for replay`;
  } else {
    text = message;
  }
  return redactText(text);
}

/** The value of `--bucket` in raw arguments, for naming a missing bucket. */
export function bucketArgument(argv: readonly string[]): string | undefined {
  for (const [index, arg] of argv.entries()) {
    if (arg === '--bucket') return argv[index + 1];
    if (arg.startsWith('--bucket=')) return arg.slice('--bucket='.length);
  }
  return undefined;
}
