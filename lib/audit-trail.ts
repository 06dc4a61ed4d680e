import { Aws, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { throwIfInvalid } from './errors';
import { acknowledgeWildcardResource } from './nag-findings';
import type { NumberRule } from './prop-checks';
import { checkDuration } from './prop-checks';

/** Why reading `<prefix>AWSLogs/*` is the narrowest grant that works. */
export const LOG_FILES_WILDCARD_REASON =
  'CloudTrail names each log file at delivery time (account, Region, date, random suffix); the function may only read objects under the AWSLogs/ prefix of the trail bucket.';

/** The encryption context CloudTrail gives each log file: the ARN of the trail that wrote it. */
export const TRAIL_ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:cloudtrail:arn';

/** Which management events the trail records. */
export const MANAGEMENT_EVENTS_MODES = ['write-only', 'all'] as const;

/** One of {@link MANAGEMENT_EVENTS_MODES}. */
export type ManagementEventsMode = (typeof MANAGEMENT_EVENTS_MODES)[number];

/** The defaults of {@link AuditTrailProps}. */
export const AUDIT_TRAIL_DEFAULTS = {
  managementEvents: 'write-only',
  logExpiration: Duration.days(365),
} as const satisfies Pick<Required<AuditTrailProps>, 'managementEvents' | 'logExpiration'>;

/** What the props of {@link AuditTrail} accept. */
export const AUDIT_TRAIL_LIMITS = {
  /** In days. */
  logExpiration: {
    whole: true,
    min: 1,
    max: 3650,
    expected: 'a whole number of days from 1 to 3650',
  },
} as const satisfies Record<string, NumberRule>;

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
   * How long log files (and server access logs) are kept before S3 deletes them: whole days,
   * from 1 to 3650.
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

/** The service principal CloudTrail writes log files as. */
const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';

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
    // S3 delivers server access logs under a bucket policy here, whatever the app's feature
    // flags: without this flag (an app without cdk.json's recommended flags) CDK falls back to
    // the LogDeliveryWrite ACL, which the enforced bucket ownership refuses at synth.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const logExpiration = props.logExpiration ?? AUDIT_TRAIL_DEFAULTS.logExpiration;
    throwIfInvalid(this, [
      checkDuration('logExpiration', logExpiration, AUDIT_TRAIL_LIMITS.logExpiration, 'days'),
    ]);
    const trailName =
      props.trailName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.trailArn = `arn:${Aws.PARTITION}:cloudtrail:${Aws.REGION}:${Aws.ACCOUNT_ID}:trail/${trailName}`;

    this.encryptionKey = this.createKey(trailName);
    this.accessLogsBucket = this.createAccessLogsBucket(logExpiration);
    this.logBucket = this.createLogBucket(logExpiration, props.eventBridgeEnabled === true);
    this.trail = this.createTrail(
      trailName,
      props.managementEvents ?? AUDIT_TRAIL_DEFAULTS.managementEvents,
    );
  }

  /** The trail key, which only this trail may encrypt with (and describe). */
  private createKey(trailName: string): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudTrail log files of ${trailName}`,
      enableKeyRotation: true,
      // Log files outlive the stack; without the key they could not be read.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cloudTrail = new iam.ServicePrincipal(CLOUDTRAIL_SERVICE_PRINCIPAL);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogs',
        principals: [cloudTrail],
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
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [cloudTrail],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': this.trailArn } },
      }),
    );
    return key;
  }

  private createAccessLogsBucket(logExpiration: Duration): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogsBucket', {
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
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server access log destination of the trail bucket; logging it to itself would loop.',
    });
    return bucket;
  }

  /** The log bucket, which only this trail may write to. */
  private createLogBucket(logExpiration: Duration, eventBridgeEnabled: boolean): s3.Bucket {
    const bucket = new s3.Bucket(this, 'LogBucket', {
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
    if (eventBridgeEnabled) {
      (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
    const cloudTrail = new iam.ServicePrincipal(CLOUDTRAIL_SERVICE_PRINCIPAL);
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSCloudTrailAclCheck',
        principals: [cloudTrail],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: { 'aws:SourceArn': this.trailArn } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSCloudTrailWrite',
        principals: [cloudTrail],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`AWSLogs/${Aws.ACCOUNT_ID}/*`)],
        conditions: {
          StringEquals: {
            's3:x-amz-acl': 'bucket-owner-full-control',
            'aws:SourceArn': this.trailArn,
          },
        },
      }),
    );
    return bucket;
  }

  private createTrail(trailName: string, managementEvents: ManagementEventsMode): cloudtrail.Trail {
    // The Trail construct adds bucket-policy statements without aws:SourceArn; handing it a
    // reference (whose policy it cannot change) keeps only the scoped statements above.
    const bucketReference = s3.Bucket.fromBucketAttributes(this, 'LogBucketReference', {
      bucketArn: this.logBucket.bucketArn,
      bucketName: this.logBucket.bucketName,
    });
    const trail = new cloudtrail.Trail(this, 'Trail', {
      trailName,
      bucket: bucketReference,
      encryptionKey: this.encryptionKey,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      managementEvents:
        managementEvents === 'all'
          ? cloudtrail.ReadWriteType.ALL
          : cloudtrail.ReadWriteType.WRITE_ONLY,
    });
    // CloudTrail checks the bucket and key policies when the trail is created.
    const bucketPolicy = this.logBucket.policy;
    if (bucketPolicy !== undefined) trail.node.addDependency(bucketPolicy);
    return trail;
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
