import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { MEDIAPACKAGE_EVENT_SOURCES } from '../../lambda/contract';
import {
  CLOUDTRAIL_COLUMNS,
  CLOUDTRAIL_INPUT_FORMAT,
  CLOUDTRAIL_SERDE,
  CLOUDTRAIL_TABLE_NAME,
} from '../../lib/cloudtrail-table';
import { InvalidPropsError } from '../../lib/errors';
import type { MediaPackageAuditAlertsProps } from '../../lib/mediapackage-audit-alerts';
import { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import { existingBucket, logicalId, newStack, renderCfnString } from './support';

const ORG_ID = 'o-a1b2c3d4e5';

interface TableInput {
  Name: string;
  TableType: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: {
    Location: unknown;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { SerializationLibrary: string };
    Columns: { Name: string; Type: string }[];
  };
}

interface NamedQuery {
  Name: string;
  Database: string;
  WorkGroup: unknown;
  QueryString: unknown;
}

/** The construct in a fresh stack, its template, table input and named queries. */
function build(props: (stack: Stack) => MediaPackageAuditAlertsProps): {
  stack: Stack;
  alerts: MediaPackageAuditAlerts;
  template: Template;
  table: TableInput;
  queries: NamedQuery[];
} {
  const stack = newStack();
  const alerts = new MediaPackageAuditAlerts(stack, 'Audit', props(stack));
  const template = Template.fromStack(stack);
  const [table] = Object.values(template.findResources('AWS::Glue::Table')).map(
    (resource) => (resource as { Properties: { TableInput: TableInput } }).Properties.TableInput,
  );
  const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')).map(
    (resource) => (resource as { Properties: NamedQuery }).Properties,
  );
  if (table === undefined) throw new Error('no Glue table');
  return { stack, alerts, template, table, queries };
}

function orgTrailBucket(stack: Stack): s3.IBucket {
  return existingBucket(stack, 'org-trail-logs');
}

describe('Construct: AuditHistory', () => {
  describe('with its own trail', () => {
    let built: ReturnType<typeof build>;
    let bucketRef: string;

    beforeAll(() => {
      // Prepare / Act
      built = build(() => ({}));
      bucketRef = `<Ref:${logicalId(built.stack, built.alerts.logBucket)}>`;
    });

    it("defines AWS's CloudTrail table: JSON SerDe, CloudTrail input format, its columns", () => {
      // Assess
      const { table } = built;
      expect(table.Name).toBe(CLOUDTRAIL_TABLE_NAME);
      expect(table.TableType).toBe('EXTERNAL_TABLE');
      expect(table.StorageDescriptor).toMatchObject({
        InputFormat: 'com.amazon.emr.cloudtrail.CloudTrailInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
      });
      expect(CLOUDTRAIL_INPUT_FORMAT).toBe(table.StorageDescriptor.InputFormat);
      expect(CLOUDTRAIL_SERDE).toBe(table.StorageDescriptor.SerdeInfo.SerializationLibrary);
      expect(table.StorageDescriptor.Columns.map((column) => column.Name)).toEqual([
        'eventversion',
        'useridentity',
        'eventtime',
        'eventsource',
        'eventname',
        'awsregion',
        'sourceipaddress',
        'useragent',
        'errorcode',
        'errormessage',
        'requestparameters',
        'responseelements',
        'additionaleventdata',
        'requestid',
        'eventid',
        'readonly',
        'resources',
        'eventtype',
        'apiversion',
        'recipientaccountid',
        'serviceeventdetails',
        'sharedeventid',
        'vpcendpointid',
        'vpcendpointaccountid',
        'eventcategory',
        'addendum',
        'sessioncredentialfromconsole',
        'edgedevicedetails',
        'tlsdetails',
      ]);
      expect(table.StorageDescriptor.Columns).toEqual(
        CLOUDTRAIL_COLUMNS.map(({ name, type }) => ({ Name: name, Type: type })),
      );
    });

    it('projects the partitions: this account, every Region, the delivery day since 2020', () => {
      // Assess
      const { table } = built;
      expect(table.PartitionKeys).toEqual([
        { Name: 'account', Type: 'string' },
        { Name: 'region', Type: 'string' },
        { Name: 'timestamp', Type: 'string' },
      ]);
      expect(table.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.account.type': 'enum',
        'projection.account.values': { Ref: 'AWS::AccountId' },
        'projection.region.type': 'enum',
        'projection.timestamp.type': 'date',
        'projection.timestamp.format': 'yyyy/MM/dd',
        'projection.timestamp.interval': '1',
        'projection.timestamp.interval.unit': 'DAYS',
        'projection.timestamp.range': '2020/01/01,NOW',
      });
      const regions = (table.Parameters['projection.region.values'] as string).split(',');
      expect(regions).toEqual(
        RegionInfo.regions
          .filter((region) => region.partition === 'aws')
          .map((region) => region.name)
          .sort(),
      );
      expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-south-1']));
    });

    it('finds the files of the trail bucket by account, Region and day', () => {
      // Assess
      const { table } = built;
      expect(renderCfnString(table.Parameters['storage.location.template'])).toBe(
        `s3://${bucketRef}/AWSLogs/\${account}/CloudTrail/\${region}/\${timestamp}`,
      );
      expect(renderCfnString(table.StorageDescriptor.Location)).toBe(`s3://${bucketRef}/AWSLogs/`);
    });

    it('enforces its workgroup configuration: SSE-S3 results in its own bucket, a scan cutoff', () => {
      // Assess
      built.template.hasResourceProperties('AWS::Athena::WorkGroup', {
        State: 'ENABLED',
        RecursiveDeleteOption: true,
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: 1_000_000_000_000,
          ResultConfiguration: {
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            OutputLocation: {
              'Fn::Join': [
                '',
                [
                  's3://',
                  {
                    Ref: logicalId(built.stack, built.alerts.history?.resultsBucket as IConstruct),
                  },
                  '/results/',
                ],
              ],
            },
          },
        },
      });
    });

    it('keeps results private, encrypted, TLS-only, logged and for 30 days', () => {
      // Prepare
      const resultsId = logicalId(built.stack, built.alerts.history?.resultsBucket as IConstruct);
      // Assess
      built.template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: {
            Rules: [
              {
                Id: 'ExpireQueryResults',
                Status: 'Enabled',
                ExpirationInDays: 30,
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              },
            ],
          },
          LoggingConfiguration: {
            DestinationBucketName: {
              Ref: Match.stringLikeRegexp('AccessLogsBucket'),
            },
            LogFilePrefix: 'athena-results/',
          },
        }),
        DeletionPolicy: 'Retain',
      });
      built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: resultsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('saves four MediaPackage queries in the workgroup, on the database', () => {
      // Prepare
      const history = built.alerts.history;
      // Assess
      expect(built.queries.map((query) => query.Name)).toEqual([
        'MediaPackage writes in a time range',
        'Who rotated which ingest credentials',
        'Failed MediaPackage attempts',
        'MediaPackage changes per principal',
      ]);
      for (const query of built.queries) {
        const sql = renderCfnString(query.QueryString);
        expect(query.Database).toBe(history?.databaseName);
        expect(query.WorkGroup).toEqual({
          Ref: built.stack.getLogicalId(history?.workGroup as CfnElement),
        });
        expect(sql).toContain(`FROM "${history?.databaseName}"."${CLOUDTRAIL_TABLE_NAME}"`);
        expect(sql).toContain(
          `eventsource IN (${MEDIAPACKAGE_EVENT_SOURCES.map((s) => `'${s}'`).join(', ')})`,
        );
        expect(sql).toMatch(
          /WHERE "timestamp" >= date_format\(current_date - INTERVAL '\d+' DAY, '%Y\/%m\/%d'\)/,
        );
        expect(sql).toMatch(/\baccount\b/);
        expect(sql).toMatch(/\bregion\b/);
        // The account partition is an enum: no query has to name an account.
        expect(sql).not.toContain('account IN (');
      }
    });

    it('names the rotation calls and their channel and endpoint in the rotation query', () => {
      // Prepare
      const sql = renderCfnString(built.queries[1]?.QueryString);
      // Assess
      expect(sql).toContain(
        "eventname IN ('RotateIngestEndpointCredentials', 'RotateChannelCredentials')",
      );
      expect(sql).toContain("json_extract_scalar(requestparameters, '$.ingestEndpointId')");
    });

    it('gives the database and workgroup names Glue and Athena accept', () => {
      // Assess
      const history = built.alerts.history;
      expect(history?.databaseName).toMatch(/^[a-z0-9_]{1,64}$/);
      expect(history?.workGroupName).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
      built.template.hasResourceProperties('AWS::Glue::Database', {
        DatabaseInput: { Name: history?.databaseName },
      });
    });
  });

  describe("with an existing organization trail's bucket and key prefix", () => {
    let built: ReturnType<typeof build>;

    beforeAll(() => {
      // Prepare / Act
      built = build((stack) => ({
        existingLogBucket: orgTrailBucket(stack),
        existingLogKeyPrefix: 'org/',
        organizationId: ORG_ID,
        athenaRegions: ['eu-west-1', 'us-east-1'],
      }));
    });

    it('puts the prefix and the organization ID in the location template', () => {
      // Assess
      expect(built.table.Parameters['storage.location.template']).toBe(
        `s3://org-trail-logs/org/AWSLogs/${ORG_ID}/\${account}/CloudTrail/\${region}/\${timestamp}`,
      );
      expect(built.table.StorageDescriptor.Location).toBe(
        `s3://org-trail-logs/org/AWSLogs/${ORG_ID}/`,
      );
    });

    it('injects the account partition and projects the Regions given', () => {
      // Assess
      expect(built.table.Parameters).toMatchObject({
        'projection.account.type': 'injected',
        'projection.region.values': 'eu-west-1,us-east-1',
      });
      expect(built.table.Parameters).not.toHaveProperty(['projection.account.values']);
      expect(built.alerts.history?.accountProjection).toEqual({ type: 'injected' });
    });

    it('names the account in every saved query, as an injected partition requires', () => {
      // Assess
      for (const query of built.queries) {
        expect(renderCfnString(query.QueryString)).toContain(
          "AND account IN ('<Ref:AWS::AccountId>')",
        );
      }
    });

    it('leaves the results bucket without access logs: the stack owns no access-log bucket', () => {
      // Assess
      built.template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: Match.absent(),
        LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireQueryResults' })] },
      });
    });
  });

  describe('with an existing bucket and the accounts to project', () => {
    it('projects exactly those accounts', () => {
      // Prepare / Act
      const built = build((stack) => ({
        existingLogBucket: orgTrailBucket(stack),
        organizationId: ORG_ID,
        athenaAccountIds: ['111122223333', '444455556666'],
      }));
      // Assess
      expect(built.table.Parameters).toMatchObject({
        'projection.account.type': 'enum',
        'projection.account.values': '111122223333,444455556666',
      });
      for (const query of built.queries) {
        expect(renderCfnString(query.QueryString)).not.toContain('account IN (');
      }
    });

    it("projects the stack's account for an account trail's bucket", () => {
      // Prepare / Act
      const built = build((stack) => ({ existingLogBucket: orgTrailBucket(stack) }));
      // Assess
      expect(built.table.Parameters['projection.account.values']).toEqual({
        Ref: 'AWS::AccountId',
      });
      expect(built.table.Parameters['storage.location.template']).toBe(
        's3://org-trail-logs/AWSLogs/${account}/CloudTrail/${region}/${timestamp}',
      );
    });
  });

  describe('with athena turned off', () => {
    it('creates no database, table, workgroup, saved query or results bucket', () => {
      // Prepare
      const stack = newStack();
      // Act
      const alerts = new MediaPackageAuditAlerts(stack, 'Audit', {
        existingLogBucket: orgTrailBucket(stack),
        athena: false,
      });
      // Assess
      const template = Template.fromStack(stack);
      for (const type of [
        'AWS::Glue::Database',
        'AWS::Glue::Table',
        'AWS::Athena::WorkGroup',
        'AWS::Athena::NamedQuery',
        'AWS::S3::Bucket',
      ]) {
        template.resourceCountIs(type, 0);
      }
      expect(alerts.history).toBeUndefined();
    });
  });

  describe('props validation', () => {
    it.each<[string, (stack: Stack) => MediaPackageAuditAlertsProps, RegExp]>([
      [
        'an organization ID without an existing bucket',
        () => ({ organizationId: ORG_ID }),
        /organizationId only applies with existingLogBucket/,
      ],
      [
        'a malformed organization ID',
        (stack) => ({ existingLogBucket: orgTrailBucket(stack), organizationId: 'org-1' }),
        /organizationId: 'org-1' is not an AWS Organizations ID/,
      ],
      [
        'a malformed account ID',
        (stack) => ({ existingLogBucket: orgTrailBucket(stack), athenaAccountIds: ['1234'] }),
        /'1234' is not an AWS account ID \(12 digits\)/,
      ],
      [
        'a malformed Region',
        () => ({ athenaRegions: ['Ireland'] }),
        /'Ireland' is not a Region name/,
      ],
      [
        'Athena settings with athena turned off',
        () => ({ athena: false, athenaRegions: ['eu-west-1'] }),
        /athenaRegions only applies to the Athena history/,
      ],
    ])('refuses %s', (_name, props, message) => {
      // Act
      const act = (): unknown => {
        const stack = newStack();
        return new MediaPackageAuditAlerts(stack, 'Audit', props(stack));
      };
      // Assess
      expect(act).toThrow(InvalidPropsError);
      expect(act).toThrow(message);
    });
  });
});
