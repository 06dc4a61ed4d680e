/** What replaces a value that may be a secret. CloudTrail itself masks with the same text. */
export const MASK = '***';

/**
 * Key names whose values may be secrets: passwords, tokens, keys, credentials and ingest
 * user names. Matched case-insensitively anywhere in the key (`IngestPassword`, `authToken`).
 */
const SECRET_KEY =
  /(password|passwd|passphrase|secret|token|credential|private_?key|api_?key|access_?key|authorization|signature|username|^user$)/i;

/** An ARN names a resource (a Secrets Manager secret, an IAM role); it is not secret itself. */
const ARN_VALUE = /^arn:aws[a-z-]*:/;
/** Access key IDs and session tokens that may appear outside any tell-tale key. */
const CREDENTIAL_VALUE = /^(AKIA|ASIA)[A-Z0-9]{16}$|^(FwoGZXIvYXdzE|IQoJb3JpZ2luX2Vj)/;
const MAX_DEPTH = 32;

/**
 * Returns a copy of a JSON value with every value that could hold a secret masked: values
 * under secret-like keys (whatever their type) and strings that look like AWS credentials.
 * ARNs under secret-like keys are kept, since they name the secret rather than hold it.
 */
export function redactSecrets(value: unknown): unknown {
  return redact(value, 0);
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return CREDENTIAL_VALUE.test(value) ? MASK : value;
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (depth >= MAX_DEPTH) {
    return '[nested too deep to show]';
  }
  if (Array.isArray(value)) {
    return value.map((item) => redact(item, depth + 1));
  }
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = SECRET_KEY.test(key) && !isArnOrArns(inner) ? MASK : redact(inner, depth + 1);
  }
  return copy;
}

/** An ARN, or a non-empty list of ARNs (`cdnIdentifierSecretArns`). */
function isArnOrArns(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every(isArnOrArns);
  return typeof value === 'string' && ARN_VALUE.test(value);
}
