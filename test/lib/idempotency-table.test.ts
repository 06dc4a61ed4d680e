import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { STORM_INDEX } from '../../lambda/contract';
import type { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import { actionsOf, buildFullAlerts, logicalId, roleStatements } from './support';

describe('Construct: IdempotencyTable', () => {
  describe('in MediaPackageAuditAlerts', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;
    let roleId: string;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template, roleId } = buildFullAlerts());
    });

    it('keeps idempotency records in an on-demand, encrypted table with TTL and PITR', () => {
      // Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: Match.arrayWith([{ AttributeName: 'id', AttributeType: 'S' }]),
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        },
        DeletionPolicy: 'Delete',
      });
    });

    it("indexes storm state sparsely: a window's collapsed events and the digests due", () => {
      // Assess
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: [
          {
            IndexName: STORM_INDEX.name,
            KeySchema: [
              { AttributeName: STORM_INDEX.partitionKey, KeyType: 'HASH' },
              { AttributeName: STORM_INDEX.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      });
    });

    it('lets the function get, put, update and delete items of the table, and query the storm index only', () => {
      // Prepare
      const tableArn = { 'Fn::GetAtt': [logicalId(stack, alerts.idempotencyTable), 'Arn'] };
      const statements = roleStatements(template, roleId).filter((s) =>
        actionsOf(s).some((action) => action.startsWith('dynamodb:')),
      );
      // Assess
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
          ],
          Resource: tableArn,
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: { 'Fn::Join': ['', [tableArn, `/index/${STORM_INDEX.name}`]] },
        },
      ]);
    });
  });
});
