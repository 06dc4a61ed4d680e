import { Aws, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ManagementEventsMode } from './config';
import { acknowledgeWildcardResource } from './nag-findings';

/** Why reading `<prefix>AWSLogs/*` is the narrowest grant that works. */
export const LOG_FILES_WILDCARD_REASON =
  'CloudTrail names each log file at delivery time (account, Region, date, random suffix); the function may only read objects under the AWSLogs/ prefix of the trail bucket.';

/** The encryption context CloudTrail gives each log file: the ARN of the trail that wrote it. */
export const TRAIL_ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:cloudtrail:arn';

/** Properties of {@link AuditTrail}. */
export interface AuditTrailProps {
  /**
   * Which management events the trail records. `write-only` is enough to see every
   * MediaPackage change and halves the volume a second trail pays for.
   *
   * @default 'write-only'
   */
  readonly managementEvents?: ManagementEventsMode;

  /**
   * How long log files (and server access logs) are kept before S3 deletes them.
   *
   * @default Duration.days(365)
   */
  readonly logExpiration?: Duration;

  /**
   * Name of the trail. The bucket and key policies name it in `aws:SourceArn`, so it must be
   * known at synth time.
   *
   * @default - a name derived from the construct path
   */
  readonly trailName?: string;

  /**
   * Send the log bucket's object events to EventBridge (for an EventBridge trigger). Set on the
   * bucket resource itself, so no notifications custom resource is deployed.
   *
   * @default false
   */
  readonly eventBridgeEnabled?: boolean;
}

/**
 * A multi-Region CloudTrail trail with a customer-managed KMS key and a hardened log bucket.
 *
 * The key and bucket policies let only this trail write (`aws:SourceArn`), which `cloudtrail.Trail`
 * does not do for non-organization trails; readers are added with {@link AuditTrail.grantReadLogs}.
 */
export class AuditTrail extends Construct {
  /** Where CloudTrail writes its log files. */
  public readonly logBucket: s3.Bucket;
  /** Receives the S3 server access logs of {@link logBucket}. */
  public readonly accessLogsBucket: s3.Bucket;
  /** Encrypts the log files (SSE-KMS). */
  public readonly encryptionKey: kms.Key;
  public readonly trail: cloudtrail.Trail;
  /** ARN of the trail, known before deployment (it goes into policies). */
  public readonly trailArn: string;

  public constructor(scope: Construct, id: string, props: AuditTrailProps = {}) {
    super(scope, id);

    const logExpiration = props.logExpiration ?? Duration.days(365);
    const trailName =
      props.trailName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.trailArn = `arn:${Aws.PARTITION}:cloudtrail:${Aws.REGION}:${Aws.ACCOUNT_ID}:trail/${trailName}`;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudTrail log files of ${trailName}`,
      enableKeyRotation: true,
      // Log files outlive the stack; without the key they could not be read.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cloudTrailPrincipal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogs',
        principals: [cloudTrailPrincipal],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        // This trail only: its ARN (the home Region's, for the files of every Region, as the
        // aws:SourceArn condition already assumes) is the caller and each file's context.
        conditions: {
          StringEquals: {
            'aws:SourceArn': this.trailArn,
            [TRAIL_ENCRYPTION_CONTEXT_KEY]: this.trailArn,
          },
        },
      }),
    );
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [cloudTrailPrincipal],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': this.trailArn } },
      }),
    );

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...hardenedBucketProps(),
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: logExpiration,
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server access log destination of the trail bucket; logging it to itself would loop.',
    });

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      ...hardenedBucketProps(),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'trail-bucket/',
      lifecycleRules: [
        {
          id: 'TierAndExpireLogFiles',
          transitions: logTransitions(logExpiration),
          expiration: logExpiration,
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    if (props.eventBridgeEnabled === true) {
      (this.logBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
    this.logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSCloudTrailAclCheck',
        principals: [cloudTrailPrincipal],
        actions: ['s3:GetBucketAcl'],
        resources: [this.logBucket.bucketArn],
        conditions: { StringEquals: { 'aws:SourceArn': this.trailArn } },
      }),
    );
    this.logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSCloudTrailWrite',
        principals: [cloudTrailPrincipal],
        actions: ['s3:PutObject'],
        resources: [this.logBucket.arnForObjects(`AWSLogs/${Aws.ACCOUNT_ID}/*`)],
        conditions: {
          StringEquals: {
            's3:x-amz-acl': 'bucket-owner-full-control',
            'aws:SourceArn': this.trailArn,
          },
        },
      }),
    );

    // The Trail construct adds bucket-policy statements without aws:SourceArn; handing it a
    // reference (whose policy it cannot change) keeps only the scoped statements above.
    const bucketReference = s3.Bucket.fromBucketAttributes(this, 'LogBucketReference', {
      bucketArn: this.logBucket.bucketArn,
      bucketName: this.logBucket.bucketName,
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName,
      bucket: bucketReference,
      encryptionKey: this.encryptionKey,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      managementEvents:
        (props.managementEvents ?? 'write-only') === 'all'
          ? cloudtrail.ReadWriteType.ALL
          : cloudtrail.ReadWriteType.WRITE_ONLY,
    });
    // CloudTrail checks the bucket and key policies when the trail is created.
    const bucketPolicy = this.logBucket.policy;
    if (bucketPolicy !== undefined) this.trail.node.addDependency(bucketPolicy);
  }

  /**
   * Lets `grantee` read this trail's log files: `s3:GetObject` on `AWSLogs/*` and `kms:Decrypt`
   * of the trail key through S3 and only for files of this trail (their encryption context names
   * its ARN), in both the key policy and the grantee's identity policy.
   */
  public grantReadLogs(grantee: iam.IGrantable): void {
    const logFiles = this.logBucket.arnForObjects('AWSLogs/*');
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [logFiles] });
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      acknowledgeWildcardResource(grantee.grantPrincipal, logFiles, LOG_FILES_WILDCARD_REASON);
    }
    const decryptConditions = {
      StringEquals: {
        'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com`,
        [TRAIL_ENCRYPTION_CONTEXT_KEY]: this.trailArn,
      },
    };
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: decryptConditions,
    });
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [grantee.grantPrincipal],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: decryptConditions,
      }),
    );
  }
}

/** Versioned, private, TLS-only, SSE-S3 and kept when the stack is deleted. */
function hardenedBucketProps(): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    // Most CloudTrail files are a few KB; S3 would charge the 128 KB minimum in colder classes.
    transitionDefaultMinimumObjectSize:
      s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
  };
}

/** Standard-IA after 30 days, Glacier Instant Retrieval after 90, when files live that long. */
function logTransitions(expiration: Duration): s3.Transition[] {
  const days = expiration.toDays();
  const transitions: s3.Transition[] = [];
  if (days > 30) {
    transitions.push({
      storageClass: s3.StorageClass.INFREQUENT_ACCESS,
      transitionAfter: Duration.days(30),
    });
  }
  if (days > 90) {
    transitions.push({
      storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
      transitionAfter: Duration.days(90),
    });
  }
  return transitions;
}
