/**
 * The Glue table definition of CloudTrail log files that Athena reads, as AWS documents it in
 * "Create the table for CloudTrail logs in Athena using partition projection" (Athena User
 * Guide): the same columns, SerDe and input format, with partition projection over account,
 * Region and delivery day.
 */

/** Name of the table in the history database. */
export const CLOUDTRAIL_TABLE_NAME = 'cloudtrail_logs';

/** Reads CloudTrail's `{"Records":[...]}` files one record at a time. */
export const CLOUDTRAIL_INPUT_FORMAT = 'com.amazon.emr.cloudtrail.CloudTrailInputFormat';
export const CLOUDTRAIL_OUTPUT_FORMAT =
  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
/**
 * The SerDe AWS's current CloudTrail table uses. (Older versions of the guide used
 * `com.amazon.emr.hive.serde.CloudTrailSerde`, which predates fields such as `tlsdetails`.)
 */
export const CLOUDTRAIL_SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';

/** Columns of a CloudTrail record, in Hive type syntax, as in AWS's partition-projection table. */
export const CLOUDTRAIL_COLUMNS: readonly { readonly name: string; readonly type: string }[] = [
  { name: 'eventversion', type: 'string' },
  {
    name: 'useridentity',
    type:
      'struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,' +
      'accesskeyid:string,username:string,' +
      'onbehalfof:struct<userid:string,identitystorearn:string>,' +
      'sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,' +
      'sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>,' +
      'ec2roledelivery:string,' +
      'webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>>',
  },
  { name: 'eventtime', type: 'string' },
  { name: 'eventsource', type: 'string' },
  { name: 'eventname', type: 'string' },
  { name: 'awsregion', type: 'string' },
  { name: 'sourceipaddress', type: 'string' },
  { name: 'useragent', type: 'string' },
  { name: 'errorcode', type: 'string' },
  { name: 'errormessage', type: 'string' },
  { name: 'requestparameters', type: 'string' },
  { name: 'responseelements', type: 'string' },
  { name: 'additionaleventdata', type: 'string' },
  { name: 'requestid', type: 'string' },
  { name: 'eventid', type: 'string' },
  { name: 'readonly', type: 'string' },
  { name: 'resources', type: 'array<struct<arn:string,accountid:string,type:string>>' },
  { name: 'eventtype', type: 'string' },
  { name: 'apiversion', type: 'string' },
  { name: 'recipientaccountid', type: 'string' },
  { name: 'serviceeventdetails', type: 'string' },
  { name: 'sharedeventid', type: 'string' },
  { name: 'vpcendpointid', type: 'string' },
  { name: 'vpcendpointaccountid', type: 'string' },
  { name: 'eventcategory', type: 'string' },
  {
    name: 'addendum',
    type: 'struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>',
  },
  { name: 'sessioncredentialfromconsole', type: 'string' },
  { name: 'edgedevicedetails', type: 'string' },
  {
    name: 'tlsdetails',
    type: 'struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>',
  },
];

/**
 * Partition columns, all projected: the account and Region of the log file (from its key) and
 * the day CloudTrail delivered it (`yyyy/MM/dd`, UTC), not the day of the call.
 */
export const CLOUDTRAIL_PARTITION_KEYS: readonly {
  readonly name: string;
  readonly type: string;
}[] = [
  { name: 'account', type: 'string' },
  { name: 'region', type: 'string' },
  { name: 'timestamp', type: 'string' },
];

/** How the `account` partition is projected. */
export type AccountProjection =
  { readonly type: 'enum'; readonly accountIds: readonly string[] } | { readonly type: 'injected' };

/** Where the log files are and which partitions to project. */
export interface CloudTrailTableLayout {
  /** Name of the trail bucket (may be a token). */
  readonly bucketName: string;
  /** The trail's key prefix: empty or ending with `/`. */
  readonly keyPrefix: string;
  /** Set for an organization trail, whose keys are `AWSLogs/<org-id>/<account>/...`. */
  readonly organizationId?: string;
  readonly account: AccountProjection;
  /** Regions to project (a multi-Region trail writes one folder per Region). */
  readonly regions: readonly string[];
  /** First day to project, `yyyy/MM/dd`. */
  readonly startDate: string;
}

/** `s3://bucket/[prefix/]AWSLogs/[org-id/]`: everything under it belongs to the trail. */
export function logsLocation(layout: CloudTrailTableLayout): string {
  const organization = layout.organizationId === undefined ? '' : `${layout.organizationId}/`;
  return `s3://${layout.bucketName}/${layout.keyPrefix}AWSLogs/${organization}`;
}

/** The table parameters: partition projection and the storage location template. */
export function projectionParameters(layout: CloudTrailTableLayout): Record<string, string> {
  const account: Record<string, string> =
    layout.account.type === 'enum'
      ? {
          'projection.account.type': 'enum',
          'projection.account.values': layout.account.accountIds.join(','),
        }
      : { 'projection.account.type': 'injected' };
  return {
    classification: 'cloudtrail',
    EXTERNAL: 'TRUE',
    'projection.enabled': 'true',
    ...account,
    'projection.region.type': 'enum',
    'projection.region.values': layout.regions.join(','),
    'projection.timestamp.type': 'date',
    'projection.timestamp.format': 'yyyy/MM/dd',
    'projection.timestamp.interval': '1',
    'projection.timestamp.interval.unit': 'DAYS',
    'projection.timestamp.range': `${layout.startDate},NOW`,
    // Athena substitutes ${account}, ${region} and ${timestamp}; they are not JavaScript templates.
    'storage.location.template':
      logsLocation(layout) + '${account}/CloudTrail/${region}/${timestamp}',
  };
}
