import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { STORM_INDEX } from '../lambda/contract';

/** Partition key Powertools' DynamoDB persistence layer writes. */
export const IDEMPOTENCY_PARTITION_KEY = 'id';

/** Attribute Powertools writes the record's expiry (epoch seconds) to; the table's TTL. */
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

/** The calls Powertools' idempotency utility makes (all on items, some conditional). */
export const IDEMPOTENCY_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/**
 * The DynamoDB table Powertools' idempotency utility keeps its records in: one small item per
 * published alert (keyed by a hash of the CloudTrail eventID), deleted by TTL after the
 * function's `IDEMPOTENCY_TTL_SECONDS` (15 days by default). The pipeline's other short-lived
 * state lives here too, under its own key prefixes and the same TTL attribute: storm windows
 * and decisions (with the sparse `storm` index), and the last known state of each resource.
 *
 * On-demand billing (a few writes per alert), point-in-time recovery, encryption with the
 * AWS-managed key `aws/dynamodb` (whose key policy already lets DynamoDB use it for any
 * principal of the account, so grantees need no KMS permission). The table is deleted with the
 * stack: it only holds a dedupe window, and losing it can at worst let a replayed event alert a
 * second time.
 */
export class IdempotencyTable extends Construct {
  public readonly table: dynamodb.Table;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: IDEMPOTENCY_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TTL_ATTRIBUTE,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Sparse: only storm items carry its keys (a window's collapsed events, the digests due).
    this.table.addGlobalSecondaryIndex({
      indexName: STORM_INDEX.name,
      partitionKey: { name: STORM_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STORM_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /**
   * Lets `grantee` read, write and delete idempotency records: `GetItem`, `PutItem`,
   * `UpdateItem` and `DeleteItem` on this table only (no scans, queries or table changes); and
   * `Query` on the storm index only, to read a storm window's events and the digests due.
   */
  public grantIdempotency(grantee: iam.IGrantable): iam.Grant {
    const items = iam.Grant.addToPrincipal({
      grantee,
      actions: [...IDEMPOTENCY_ACTIONS],
      resourceArns: [this.table.tableArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.tableArn}/index/${STORM_INDEX.name}`],
    });
    return items;
  }
}
