import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The ID of the info message that gives the archive account's statements at synth. */
export const CROSS_ACCOUNT_POLICIES_INFO = 'mediapackage-audit-alerts:cross-account-policies';

/** A resource-policy statement, as the archive account pastes it into its bucket or key policy. */
export interface ResourcePolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal: { readonly AWS: string };
  readonly Action: string;
  readonly Resource: string;
  readonly Condition?: Record<string, Record<string, string>>;
}

/** Properties of {@link CrossAccountLogAccess}. */
export interface CrossAccountLogAccessProps {
  /** The function's role, which reads the log files. */
  readonly role: iam.IRole;
  /** The log archive's bucket, in another account. */
  readonly bucket: s3.IBucket;
  /** The trail's key prefix, empty or ending with `/`. */
  readonly keyPrefix: string;
  /** The key the log files are encrypted with, when they use SSE-KMS. */
  readonly key?: kms.IKey;
  /** The account that owns the bucket (12 digits). */
  readonly bucketAccount: string;
}

/** The Region S3 calls KMS from for `key`: the key's own (a bucket's SSE-KMS key is in its Region). */
export function keyRegion(key: kms.IKey): string {
  return Token.isUnresolved(key.env.region) ? Stack.of(key).region : key.env.region;
}

/** The ARN pattern of the log files under `keyPrefix` in `bucket`. */
export function logFilesArn(bucket: s3.IBucket, keyPrefix: string): string {
  return bucket.arnForObjects(`${keyPrefix}AWSLogs/*`);
}

/**
 * The resource side of reading a log archive in another account. The function's role already
 * allows `s3:GetObject` and `kms:Decrypt` (its own account's side); the bucket and key policies
 * of the archive account must allow the role too. This construct writes those two statements
 * (`bucketPolicyStatement`, `keyPolicyStatement`) for the stack's outputs, and says at synth, in
 * an info message, what the archive account must add.
 */
export class CrossAccountLogAccess extends Construct {
  /** The statement for the archive bucket's policy: `s3:GetObject` on the log files. */
  public readonly bucketPolicyStatement: ResourcePolicyStatement;
  /** The statement for the archive key's policy: `kms:Decrypt` through S3, if a key is given. */
  public readonly keyPolicyStatement?: ResourcePolicyStatement;

  public constructor(scope: Construct, id: string, props: CrossAccountLogAccessProps) {
    super(scope, id);
    this.bucketPolicyStatement = bucketStatement(
      props.role.roleArn,
      logFilesArn(props.bucket, props.keyPrefix),
    );
    if (props.key !== undefined) {
      this.keyPolicyStatement = keyStatement(props.role.roleArn, keyRegion(props.key));
    }

    // At synth the role's ARN is not known yet: the message shows where to find it.
    const stack = Stack.of(this);
    const shown = (value: string, placeholder: string): string =>
      Token.isUnresolved(value) ? placeholder : value;
    const role = '<AlertFunctionRoleArn output>';
    const objects = `arn:${shown(stack.partition, 'aws')}:s3:::${props.bucket.bucketName}/${props.keyPrefix}AWSLogs/*`;
    const statements = [
      `bucket policy of ${props.bucket.bucketName}: ${JSON.stringify(bucketStatement(role, objects))}`,
      ...(props.key === undefined
        ? []
        : [
            `key policy of ${props.key.keyArn}: ${JSON.stringify(
              keyStatement(role, shown(keyRegion(props.key), '<region>')),
            )}`,
          ]),
    ];
    Annotations.of(this).addInfo(
      `[${CROSS_ACCOUNT_POLICIES_INFO}] The log archive is in account ${props.bucketAccount}: ` +
        `it must allow this stack's function role. After deploying, copy the statements from the outputs ` +
        `CrossAccountBucketPolicyStatement${props.key === undefined ? '' : ' and CrossAccountKeyPolicyStatement'} ` +
        `(role ARN filled in) into the ${statements.length === 1 ? 'policy' : 'policies'} below; ` +
        `see "Log archive in another account" in docs/infrastructure.md. ${statements.join('; ')}`,
    );
  }
}

function bucketStatement(roleArn: string, objectsArn: string): ResourcePolicyStatement {
  return {
    Sid: 'AllowMediaPackageAuditToReadLogFiles',
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: 's3:GetObject',
    Resource: objectsArn,
  };
}

function keyStatement(roleArn: string, region: string): ResourcePolicyStatement {
  return {
    Sid: 'AllowMediaPackageAuditToDecryptLogFiles',
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
  };
}
