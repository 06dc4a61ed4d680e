import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AlertTopic, PUBLISH_FENCE_SIDS } from '../../lib/alert-topic';
import { InvalidPropsError } from '../../lib/errors';
import type { Statement } from './support';
import { actionsOf, dependencyCycle, newStack } from './support';

const OPERATOR_ARN = 'arn:aws:iam::111122223333:role/ops/MediaOperator';
const AUDITOR_ARN = 'arn:aws:iam::111122223333:user/alice';
const CLOUDWATCH = 'cloudwatch.amazonaws.com';
const THIS_ACCOUNT = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
const THROUGH_SNS = {
  'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
};
const ACCOUNT_ROOT = {
  AWS: {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
    ],
  },
};

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** The statements of the topic policy of the topic with logical ID `topicId`. */
function topicPolicyStatements(template: Template, topicId: string): Statement[] {
  const policies = template.findResources('AWS::SNS::TopicPolicy', {
    Properties: { Topics: [{ Ref: topicId }] },
  });
  const [policy] = Object.values(policies) as {
    Properties: { PolicyDocument: { Statement: Statement[] } };
  }[];
  if (policy === undefined) throw new Error(`no topic policy for ${topicId}`);
  return policy.Properties.PolicyDocument.Statement;
}

/** The statements of the key policy of the key with logical ID `keyId`. */
function keyPolicyStatements(template: Template, keyId: string): Statement[] {
  const resource = (template.toJSON() as TemplateJson).Resources[keyId];
  if (resource === undefined) throw new Error(`no key ${keyId}`);
  return (resource.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
}

function bySid(statements: Statement[], sid: string): Statement | undefined {
  return statements.find((statement) => statement.Sid === sid);
}

/** Statements that decide `action` with `effect`, whatever else they name. */
function statementsFor(statements: Statement[], effect: string, action: string): Statement[] {
  return statements.filter(
    (statement) =>
      statement.Effect === effect &&
      actionsOf(statement).some(
        (a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))),
      ),
  );
}

describe('Construct: AlertTopic', () => {
  describe('with a granted role and listed publishers (the alert topic)', () => {
    let stack: Stack;
    let topic: AlertTopic;
    let role: iam.Role;
    let template: Template;
    let topicId: string;
    let keyId: string;
    let roleArn: object;

    beforeAll(() => {
      // Prepare
      stack = newStack();
      role = new iam.Role(stack, 'Publisher', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      // Act
      topic = new AlertTopic(stack, 'Alerts', { publisherArns: [OPERATOR_ARN, AUDITOR_ARN] });
      topic.grantPublish(role);
      template = Template.fromStack(stack);
      topicId = logicalId(stack, topic.topic);
      keyId = logicalId(stack, topic.encryptionKey);
      roleArn = { 'Fn::GetAtt': [logicalId(stack, role), 'Arn'] };
    });

    it('denies sns:Publish to every principal but the publishers and CloudWatch, with exactly these conditions', () => {
      // Assess: a condition dropped, an operator loosened or a name added fails here.
      expect(
        bySid(topicPolicyStatements(template, topicId), PUBLISH_FENCE_SIDS.denyPublish),
      ).toEqual({
        Sid: 'DenyPublishExceptPipelineAndAlarms',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringNotEquals: { 'aws:PrincipalServiceName': CLOUDWATCH },
          ArnNotEquals: { 'aws:PrincipalArn': [OPERATOR_ARN, AUDITOR_ARN, roleArn] },
        },
      });
    });

    it('excepts the granted role by its role ARN (every session of it), not by a session', () => {
      // Prepare
      const deny = bySid(topicPolicyStatements(template, topicId), PUBLISH_FENCE_SIDS.denyPublish);
      // Assess
      expect(deny?.Condition?.ArnNotEquals?.['aws:PrincipalArn']).toContainEqual(roleArn);
      expect(JSON.stringify(deny)).not.toContain('assumed-role');
    });

    it('covers PublishBatch with sns:Publish, the one action SNS authorizes both with', () => {
      // Prepare
      const statements = topicPolicyStatements(template, topicId);
      // Assess
      expect(statementsFor(statements, 'Deny', 'sns:Publish').map((s) => s.Sid)).toContain(
        PUBLISH_FENCE_SIDS.denyPublish,
      );
      expect(JSON.stringify(statements)).not.toContain('sns:PublishBatch');
    });

    it('lets CloudWatch publish only for alarms of this account (aws:SourceAccount)', () => {
      // Assess
      expect(
        bySid(topicPolicyStatements(template, topicId), 'AllowCloudWatchAlarmsToPublish'),
      ).toEqual({
        Sid: 'AllowCloudWatchAlarmsToPublish',
        Effect: 'Allow',
        Principal: { Service: CLOUDWATCH },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: THIS_ACCOUNT,
      });
    });

    it('allows the listed publishers of this account by aws:PrincipalArn, and nobody else', () => {
      // Prepare
      const allows = statementsFor(
        topicPolicyStatements(template, topicId),
        'Allow',
        'sns:Publish',
      );
      // Assess
      expect(allows.map((s) => s.Sid).sort()).toEqual(
        ['AllowCloudWatchAlarmsToPublish', PUBLISH_FENCE_SIDS.allowListedPublishers].sort(),
      );
      expect(bySid(allows, PUBLISH_FENCE_SIDS.allowListedPublishers)).toEqual({
        Sid: 'AllowListedPublishers',
        Effect: 'Allow',
        Principal: ACCOUNT_ROOT,
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: { ArnEquals: { 'aws:PrincipalArn': [OPERATOR_ARN, AUDITOR_ARN] } },
      });
    });

    it('keeps the TLS-only deny', () => {
      // Assess
      expect(topicPolicyStatements(template, topicId)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });

    it('denies the key through SNS to every IAM principal but the publishers, never to a service', () => {
      // Assess: matching only aws:PrincipalIsAWSService "false" keeps CloudWatch out of its reach.
      expect(bySid(keyPolicyStatements(template, keyId), PUBLISH_FENCE_SIDS.denyKeyUse)).toEqual({
        Sid: 'DenyUseThroughSnsExceptPublishers',
        Effect: 'Deny',
        Principal: '*',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: THROUGH_SNS,
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
          ArnNotEquals: { 'aws:PrincipalArn': [OPERATOR_ARN, AUDITOR_ARN, roleArn] },
        },
      });
    });

    it('lets CloudWatch of this account, the role and the listed publishers use the key', () => {
      // Prepare
      const statements = keyPolicyStatements(template, keyId);
      // Assess
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: CLOUDWATCH },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: THIS_ACCOUNT,
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { AWS: roleArn },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { StringEquals: THROUGH_SNS },
        }),
      );
      expect(bySid(statements, PUBLISH_FENCE_SIDS.allowListedPublishersKeyUse)).toEqual({
        Sid: 'AllowListedPublishersThroughSns',
        Effect: 'Allow',
        Principal: ACCOUNT_ROOT,
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          StringEquals: THROUGH_SNS,
          ArnEquals: { 'aws:PrincipalArn': [OPERATOR_ARN, AUDITOR_ARN] },
        },
      });
    });

    it('names the role in the policies without a circular dependency', () => {
      // Assess
      expect(dependencyCycle(template.toJSON() as TemplateJson)).toBeUndefined();
    });
  });

  describe('with no IAM publisher (the operations topic)', () => {
    let template: Template;
    let topicId: string;
    let keyId: string;

    beforeAll(() => {
      // Prepare
      const stack = newStack();
      // Act
      const topic = new AlertTopic(stack, 'Operations', { alertEmails: ['ops@example.com'] });
      template = Template.fromStack(stack);
      topicId = logicalId(stack, topic.topic);
      keyId = logicalId(stack, topic.encryptionKey);
    });

    it('denies sns:Publish to every principal but CloudWatch', () => {
      // Assess
      expect(
        bySid(topicPolicyStatements(template, topicId), PUBLISH_FENCE_SIDS.denyPublish),
      ).toEqual({
        Sid: 'DenyPublishExceptPipelineAndAlarms',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: { StringNotEquals: { 'aws:PrincipalServiceName': CLOUDWATCH } },
      });
      expect(
        statementsFor(topicPolicyStatements(template, topicId), 'Allow', 'sns:Publish').map(
          (s) => s.Principal,
        ),
      ).toEqual([{ Service: CLOUDWATCH }]);
    });

    it('denies the key through SNS to every IAM principal', () => {
      // Assess
      expect(
        bySid(keyPolicyStatements(template, keyId), PUBLISH_FENCE_SIDS.denyKeyUse)?.Condition,
      ).toEqual({
        StringEquals: THROUGH_SNS,
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      });
    });
  });

  describe('publishers validation', () => {
    it.each([
      [
        'a role session',
        'arn:aws:sts::111122223333:assumed-role/MediaOperator/bob',
        /publisherArns: .* is a role session/,
      ],
      ['a wildcard', 'arn:aws:iam::111122223333:role/Media*', /publisherArns: .* has a wildcard/],
      [
        'a role name',
        'MediaOperator',
        /publisherArns: 'MediaOperator' is not an IAM role or user ARN/,
      ],
    ])('refuses %s', (_name, arn, message) => {
      // Act
      const build = (): unknown => new AlertTopic(newStack(), 'Alerts', { publisherArns: [arn] });
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });

    it("refuses a publisher outside the stack's account", () => {
      // Act
      const build = (): unknown =>
        new AlertTopic(
          newStack({ env: { account: '444455556666', region: 'eu-west-1' } }),
          'Alerts',
          {
            publisherArns: [OPERATOR_ARN],
          },
        );
      // Assess
      expect(build).toThrow(/is not in the stack's account 444455556666/);
    });

    it('refuses to grant publishing to what is not an IAM role or user', () => {
      // Prepare
      const topic = new AlertTopic(newStack(), 'Alerts');
      // Act
      const grant = (): void =>
        topic.grantPublish({ grantPrincipal: new iam.ServicePrincipal('events.amazonaws.com') });
      // Assess
      expect(grant).toThrow(/grantPublish takes an IAM role or user/);
    });
  });
});
