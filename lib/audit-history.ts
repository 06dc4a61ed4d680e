import { Aws, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import type { AccountProjection, CloudTrailTableLayout } from './cloudtrail-table';
import {
  CLOUDTRAIL_COLUMNS,
  CLOUDTRAIL_INPUT_FORMAT,
  CLOUDTRAIL_OUTPUT_FORMAT,
  CLOUDTRAIL_PARTITION_KEYS,
  CLOUDTRAIL_SERDE,
  CLOUDTRAIL_TABLE_NAME,
  logsLocation,
  projectionParameters,
} from './cloudtrail-table';
import { throwIfInvalid } from './errors';
import { historyQueries } from './history-queries';
import type { TextCheck } from './prop-checks';
import { checkText, patternCheck } from './prop-checks';

/** First day of the projected `timestamp` partition, as in AWS's example table. */
export const DEFAULT_PROJECTION_START_DATE = '2020/01/01';
/** Athena cancels a query that would scan more: about $5 at $5 per TB. */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 1_000_000_000_000;

/** Why an AWS Organizations organization ID cannot be right, or `undefined`. */
export const checkOrganizationId: TextCheck = patternCheck(
  /^o-[a-z0-9]{10,32}$/,
  'an AWS Organizations ID: o- followed by 10-32 lower-case letters or digits, e.g. o-a1b2c3d4e5',
);

/** Why an AWS account ID cannot be right, or `undefined`. */
export const checkAccountId: TextCheck = patternCheck(/^\d{12}$/, 'an AWS account ID (12 digits)');

/** Why a Region name (`eu-west-1`, `us-gov-west-1`) cannot be right, or `undefined`. */
export const checkRegion: TextCheck = patternCheck(
  /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/,
  'a Region name such as eu-west-1',
);

/** Properties of {@link AuditHistory}. */
export interface AuditHistoryProps {
  /** The bucket the trail writes to. */
  readonly logBucket: s3.IBucket;

  /**
   * The trail's key prefix (the part before `AWSLogs/`): empty or ending with `/`.
   *
   * @default ''
   */
  readonly keyPrefix?: string;

  /**
   * ID of the organization (`o-` + 10-32 lower-case letters or digits) when the bucket holds an
   * organization trail's files (`AWSLogs/<org-id>/<account>/CloudTrail/...`).
   *
   * @default - the bucket holds an account trail's files (`AWSLogs/<account>/CloudTrail/...`)
   */
  readonly organizationId?: string;

  /**
   * Accounts whose files the table projects (`projection.account.type = enum`), so that queries
   * need not name one.
   *
   * @default - the stack's account; for an organization trail, none: the account partition is
   * `injected` and every query names the accounts it searches
   */
  readonly accountIds?: readonly string[];

  /**
   * Regions whose files the table projects. A multi-Region trail writes a folder per Region in
   * use; fewer Regions make queries start faster.
   *
   * @default - every Region of the stack's partition that this aws-cdk-lib knows
   */
  readonly regions?: readonly string[];

  /**
   * First delivery day the table projects (`yyyy/MM/dd`); older files are not queried.
   *
   * @default DEFAULT_PROJECTION_START_DATE ('2020/01/01')
   */
  readonly startDate?: string;

  /**
   * Where the results bucket's server access logs go (prefix `athena-results/`).
   *
   * @default - no access logs (the finding is acknowledged)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * How long query results are kept.
   *
   * @default Duration.days(30)
   */
  readonly resultsExpiration?: Duration;

  /**
   * Bytes one query may scan before Athena cancels it (at least 10 MB).
   *
   * @default DEFAULT_BYTES_SCANNED_CUTOFF (1 TB, about $5)
   */
  readonly bytesScannedCutoffPerQuery?: number;
}

/**
 * Years of CloudTrail history, queryable with Athena: a Glue database and table over the trail
 * bucket (AWS's CloudTrail table with partition projection over account, Region and delivery
 * day, so nothing needs crawling or `ALTER TABLE ADD PARTITION`), a workgroup that enforces
 * encrypted results in its own bucket, and saved queries about MediaPackage.
 *
 * No IAM principal is created: whoever queries needs Athena on the workgroup, Glue read on the
 * database, `s3:GetObject`/`s3:ListBucket` on the trail's logs (and `kms:Decrypt` of the trail
 * key through S3), and read/write on the results bucket (see docs/operations.md).
 */
export class AuditHistory extends Construct {
  /** Query results (SSE-S3, private, TLS only, expired by lifecycle). */
  public readonly resultsBucket: s3.Bucket;
  public readonly database: glue.CfnDatabase;
  public readonly table: glue.CfnTable;
  public readonly workGroup: athena.CfnWorkGroup;
  public readonly namedQueries: readonly athena.CfnNamedQuery[];
  /** Name of the Glue database. */
  public readonly databaseName: string;
  /** Name of the Athena workgroup. */
  public readonly workGroupName: string;
  /** How the `account` partition is projected. */
  public readonly accountProjection: AccountProjection;

  public constructor(scope: Construct, id: string, props: AuditHistoryProps) {
    super(scope, id);
    const startDate = props.startDate ?? DEFAULT_PROJECTION_START_DATE;
    this.validate(props, startDate);

    this.accountProjection =
      props.accountIds !== undefined && props.accountIds.length > 0
        ? { type: 'enum', accountIds: props.accountIds }
        : props.organizationId === undefined
          ? { type: 'enum', accountIds: [Aws.ACCOUNT_ID] }
          : { type: 'injected' };
    this.resultsBucket = this.createResultsBucket(props);
    this.databaseName = glueName(Names.uniqueResourceName(this, { maxLength: 64, separator: '_' }));
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: 'CloudTrail history of the MediaPackage audit alerts (Athena)',
      },
    });
    this.table = this.createTable({
      bucketName: props.logBucket.bucketName,
      keyPrefix: props.keyPrefix ?? '',
      ...(props.organizationId === undefined ? {} : { organizationId: props.organizationId }),
      account: this.accountProjection,
      regions: props.regions ?? defaultRegions(Stack.of(this)),
      startDate,
    });
    this.workGroupName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.workGroup = this.createWorkGroup(props.bytesScannedCutoffPerQuery);
    this.namedQueries = this.createNamedQueries();
  }

  private validate(props: AuditHistoryProps, startDate: string): void {
    const cutoff = props.bytesScannedCutoffPerQuery;
    throwIfInvalid(this, [
      checkText('organizationId', props.organizationId, checkOrganizationId),
      ...(props.accountIds ?? []).map((account) =>
        checkText('accountIds', account, checkAccountId),
      ),
      props.regions !== undefined && props.regions.length === 0
        ? 'regions must name at least one Region'
        : undefined,
      ...(props.regions ?? []).map((region) => checkText('regions', region, checkRegion)),
      isProjectionDate(startDate)
        ? undefined
        : `startDate '${startDate}' is not a date written yyyy/MM/dd`,
      cutoff !== undefined && (!Number.isSafeInteger(cutoff) || cutoff < 10_000_000)
        ? 'bytesScannedCutoffPerQuery must be a whole number of at least 10 MB'
        : undefined,
    ]);
  }

  private createResultsBucket(props: AuditHistoryProps): s3.Bucket {
    const bucket = new s3.Bucket(this, 'ResultsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Results are copies of audit logs: kept (and billed) after the stack is deleted until
      // their lifecycle expires them, rather than failing the deletion of a non-empty bucket.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireQueryResults',
          expiration: props.resultsExpiration ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      ...(props.accessLogsBucket === undefined
        ? {}
        : {
            serverAccessLogsBucket: props.accessLogsBucket,
            serverAccessLogsPrefix: 'athena-results/',
          }),
    });
    if (props.accessLogsBucket === undefined) {
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Query results bucket of the history workgroup, in a deployment that reads an existing trail and owns no access-log bucket: results are derived copies of the trail logs, expire by lifecycle, and Athena records who ran each query (workgroup query history, CloudTrail StartQueryExecution).',
      });
    }
    return bucket;
  }

  private createTable(layout: CloudTrailTableLayout): glue.CfnTable {
    return new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: {
        name: CLOUDTRAIL_TABLE_NAME,
        description: `CloudTrail log files under ${logsLocation(layout)}, partitioned by account, Region and delivery day (projected)`,
        tableType: 'EXTERNAL_TABLE',
        parameters: projectionParameters(layout),
        partitionKeys: CLOUDTRAIL_PARTITION_KEYS.map((key) => ({ ...key })),
        storageDescriptor: {
          location: logsLocation(layout),
          inputFormat: CLOUDTRAIL_INPUT_FORMAT,
          outputFormat: CLOUDTRAIL_OUTPUT_FORMAT,
          serdeInfo: { serializationLibrary: CLOUDTRAIL_SERDE },
          columns: CLOUDTRAIL_COLUMNS.map((column) => ({ ...column })),
        },
      },
    });
  }

  private createWorkGroup(bytesScannedCutoffPerQuery: number | undefined): athena.CfnWorkGroup {
    return new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Queries the CloudTrail history of the MediaPackage audit alerts',
      state: 'ENABLED',
      // Lets CloudFormation delete the workgroup with its saved queries and history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: bytesScannedCutoffPerQuery ?? DEFAULT_BYTES_SCANNED_CUTOFF,
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject('results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }

  private createNamedQueries(): athena.CfnNamedQuery[] {
    const table = `"${this.databaseName}"."${CLOUDTRAIL_TABLE_NAME}"`;
    return historyQueries({
      table,
      ...(this.accountProjection.type === 'injected'
        ? { injectedAccountIds: [Aws.ACCOUNT_ID] }
        : {}),
    }).map((query, index) => {
      const namedQuery = new athena.CfnNamedQuery(this, `Query${index + 1}`, {
        name: query.name,
        description: query.description,
        database: this.databaseName,
        workGroup: this.workGroup.ref,
        queryString: query.sql,
      });
      namedQuery.node.addDependency(this.database);
      return namedQuery;
    });
  }
}

/** Every Region of the stack's partition (`aws` when the stack is environment-agnostic). */
function defaultRegions(stack: Stack): string[] {
  const partition = Token.isUnresolved(stack.region)
    ? 'aws'
    : (RegionInfo.get(stack.region).partition ?? 'aws');
  return RegionInfo.regions
    .filter((region) => region.partition === partition)
    .map((region) => region.name)
    .sort();
}

/** Glue and Athena want lower-case names of letters, digits and underscores. */
function glueName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

function isProjectionDate(value: string): boolean {
  const match = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(value);
  if (match === null) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}
