import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AlertTopic, PEOPLE_FILTER_POLICY, PUBLISH_FENCE_SIDS } from '../../lib/alert-topic';
import { InvalidPropsError, InvalidSubscriptionError } from '../../lib/errors';
import type { MediaPackageAuditAlertsProps } from '../../lib/mediapackage-audit-alerts';
import { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import type { Statement, TemplateJson } from './support';
import {
  FUNCTION_ARN,
  HOOK_URL,
  QUEUE_ARN,
  SEVERE_QUEUE_ARN,
  TEAMS,
  actionsOf,
  buildAlerts,
  buildFullAlerts,
  dependencyCycle,
  keyStatements,
  logicalId,
  newStack,
  roleStatements,
  topicPolicyStatements,
} from './support';

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

/** Subscriptions of `template` with protocol `protocol` and endpoint `endpoint`. */
function subscriptionsTo(template: Template, protocol: string, endpoint: unknown): unknown[] {
  return Object.values(
    template.findResources('AWS::SNS::Subscription', {
      Properties: { Protocol: protocol, Endpoint: endpoint },
    }),
  );
}

/** Logical IDs of the subscriptions `props` creates, by `protocol endpoint`. */
/** The alert topic's subscriptions (not the operations topic's), by protocol and endpoint. */
function subscriptionIds(props: MediaPackageAuditAlertsProps): Record<string, string> {
  const { template, stack, alerts } = buildAlerts(props);
  const topicRef = JSON.stringify({ Ref: logicalId(stack, alerts.topic) });
  const resources = template.findResources('AWS::SNS::Subscription');
  return Object.fromEntries(
    Object.entries(resources).flatMap(([id, resource]) => {
      const { Protocol, Endpoint, TopicArn } = (
        resource as { Properties: { Protocol: string; Endpoint: unknown; TopicArn: unknown } }
      ).Properties;
      return JSON.stringify(TopicArn) === topicRef
        ? [[`${Protocol} ${JSON.stringify(Endpoint)}`, id]]
        : [];
    }),
  );
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
      expect(bySid(keyStatements(template, keyId), PUBLISH_FENCE_SIDS.denyKeyUse)).toEqual({
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
      const statements = keyStatements(template, keyId);
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
        bySid(keyStatements(template, keyId), PUBLISH_FENCE_SIDS.denyKeyUse)?.Condition,
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

  describe('in MediaPackageAuditAlerts, with every kind of subscriber, Slack and Teams', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;
    let topicKeyId: string;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template, topicKeyId } = buildFullAlerts());
    });

    it('encrypts the topic with its own rotated key and requires TLS to publish', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [topicKeyId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        Description: Match.stringLikeRegexp('alert topic'),
        EnableKeyRotation: true,
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('lets CloudWatch alarms of this account publish to the topic and use its key', () => {
      // Assess
      const fromThisAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: fromThisAccount,
            }),
          ]),
        },
      });
      expect(keyStatements(template, topicKeyId)).toContainEqual(
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: fromThisAccount,
        }),
      );
    });

    it('sends every alert to alertEmails and the extra queue (no filter policy, SNS envelope)', () => {
      // Assess
      for (const email of ['ops@example.com', 'sec@example.com']) {
        template.hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: 'email',
          Endpoint: email,
          FilterPolicy: Match.absent(),
        });
      }
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        Endpoint: QUEUE_ARN,
        RawMessageDelivery: false,
        FilterPolicy: Match.absent(),
      });
    });

    it('keeps the construct IDs of alertEmails subscriptions (no new confirmation on upgrade)', () => {
      // Assess
      expect(alerts.topic.node.tryFindChild('ops@example.com')).toBeDefined();
    });

    it('sends only high alerts to pagerEmails', () => {
      // Assess
      expect(subscriptionsTo(template, 'email', 'pager@example.com')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            // People: no storm-collapsed events, no canary, only high.
            FilterPolicy: { ...PEOPLE_FILTER_POLICY, severity: ['high'] },
          }) as unknown,
        }),
      ]);
    });

    it('keeps storm-collapsed events and the canary from people, not from machines', () => {
      // Assess: a person's email filters on kind and storm; a queue gets everything
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'all@example.com',
        TopicArn: { Ref: logicalId(stack, alerts.topic) },
        FilterPolicy: { kind: ['event', 'digest'], storm: [{ exists: false }] },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        FilterPolicy: Match.absent(),
      });
    });

    it('sends the alarms to an operations topic only CloudWatch may publish to, without a filter', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        TopicArn: { Ref: logicalId(stack, alerts.operationsTopic) },
        FilterPolicy: Match.absent(),
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: logicalId(stack, alerts.operationsTopic) }],
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: {
                StringNotEquals: { 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' },
              },
            }),
          ]),
        }),
      });
    });

    it('filters each generic subscription on its severities', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        Endpoint: SEVERE_QUEUE_ARN,
        TopicArn: { Ref: logicalId(stack, alerts.topic) },
        RawMessageDelivery: false,
        // In severity order, whatever order the props listed them in.
        FilterPolicy: { severity: ['high', 'medium'] },
        FilterPolicyScope: Match.absent(),
      });
      // A machine: every message of its severities, collapsed or not.
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'https',
        Endpoint: HOOK_URL,
        FilterPolicy: { severity: ['high'] },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        FilterPolicy: Match.absent(),
      });
      // Every severity listed: only the people's filter.
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'all@example.com',
        FilterPolicy: PEOPLE_FILTER_POLICY,
      });
      // 8 on the alert topic, and the alert emails again on the operations topic.
      expect(
        Object.values(template.findResources('AWS::SNS::Subscription')).filter(
          (resource) =>
            JSON.stringify(
              (resource as { Properties: { TopicArn: unknown } }).Properties.TopicArn,
            ) === JSON.stringify({ Ref: logicalId(stack, alerts.topic) }),
        ),
      ).toHaveLength(8);
    });

    it('lets the topic invoke a subscribed function of the same account', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: FUNCTION_ARN,
        Principal: 'sns.amazonaws.com',
        SourceArn: { Ref: logicalId(stack, alerts.topic) },
      });
    });

    it('delivers to Slack through Chatbot with a read-only guardrail and a powerless role', () => {
      // Assess
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
        SlackWorkspaceId: 'T0123ABCD',
        SlackChannelId: 'C0123ABCD',
        ConfigurationName: Match.stringLikeRegexp('.+'),
        LoggingLevel: 'ERROR',
        // Alarms too: Chatbot renders CloudWatch alarm notifications itself.
        SnsTopicArns: [
          { Ref: logicalId(stack, alerts.topic) },
          { Ref: logicalId(stack, alerts.operationsTopic) },
        ],
        GuardrailPolicies: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess'],
            ],
          },
        ],
      });
      const chatbotRoles = template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
          },
        },
      });
      const [chatbotRoleId, chatbotRole] = Object.entries(chatbotRoles)[0] ?? [];
      expect(chatbotRole).toBeDefined();
      expect(chatbotRole).not.toHaveProperty(['Properties', 'ManagedPolicyArns']);
      expect(chatbotRole).not.toHaveProperty(['Properties', 'Policies']);
      expect(roleStatements(template, chatbotRoleId ?? '')).toEqual([]);
    });

    it('delivers to Teams through Chatbot with the Slack guardrail and its own powerless role', () => {
      // Assess
      const resources = Object.values((template.toJSON() as TemplateJson).Resources);
      const teamsChannels = resources.filter(
        (r) => r.Type === 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
      );
      expect(teamsChannels).toHaveLength(1);
      const slackChannel = resources.find(
        (r) => r.Type === 'AWS::Chatbot::SlackChannelConfiguration',
      )?.Properties;
      template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
        TeamId: TEAMS.teamId,
        TeamsChannelId: TEAMS.channelId,
        TeamsTenantId: TEAMS.tenantId,
        ConfigurationName: Match.stringLikeRegexp('^[A-Za-z0-9_-]{1,128}$'),
        LoggingLevel: 'ERROR',
        // Alarms too: Chatbot renders CloudWatch alarm notifications itself.
        SnsTopicArns: [
          { Ref: logicalId(stack, alerts.topic) },
          { Ref: logicalId(stack, alerts.operationsTopic) },
        ],
        GuardrailPolicies: slackChannel?.GuardrailPolicies,
      });
      const teamsChannel = teamsChannels[0]?.Properties;
      // Names are unique in the account: the Slack configuration keeps its own.
      expect(teamsChannel?.ConfigurationName).not.toEqual(slackChannel?.ConfigurationName);
      const roleArn = teamsChannel?.IamRoleArn as { 'Fn::GetAtt': [string, string] };
      const [teamsRoleId] = roleArn['Fn::GetAtt'];
      expect(slackChannel?.IamRoleArn).not.toEqual(roleArn);
      const teamsRole = (template.toJSON() as TemplateJson).Resources[teamsRoleId];
      expect(teamsRole?.Type).toBe('AWS::IAM::Role');
      expect(teamsRole?.Properties).toMatchObject({
        AssumeRolePolicyDocument: {
          Statement: [expect.objectContaining({ Principal: { Service: 'chatbot.amazonaws.com' } })],
        },
      });
      expect(teamsRole).not.toHaveProperty(['Properties', 'ManagedPolicyArns']);
      expect(teamsRole).not.toHaveProperty(['Properties', 'Policies']);
      expect(roleStatements(template, teamsRoleId)).toEqual([]);
    });

    it('does not give Chatbot access to the topic key (SNS decrypts before delivery)', () => {
      // Assess
      expect(JSON.stringify(keyStatements(template, topicKeyId))).not.toContain('chatbot');
    });
  });

  describe('subscriptions', () => {
    it.each<[string, MediaPackageAuditAlertsProps, RegExp]>([
      [
        'an address in both alertEmails and pagerEmails',
        { alertEmails: ['ops@example.com'], pagerEmails: ['ops@example.com'] },
        /pagerEmails: 'ops@example.com' is also in alertEmails, which already receives every alert/,
      ],
      [
        'a queue both extra and generic',
        {
          extraSubscriberQueueArns: [QUEUE_ARN],
          subscriptions: [{ protocol: 'sqs', endpoint: QUEUE_ARN, severities: ['high'] }],
        },
        /sqs endpoint '.+' is subscribed twice/,
      ],
      [
        'a FIFO queue',
        { subscriptions: [{ protocol: 'sqs', endpoint: `${QUEUE_ARN}.fifo` }] },
        /is not a standard SQS queue ARN/,
      ],
      [
        'an http URL',
        { subscriptions: [{ protocol: 'https', endpoint: 'http://hooks.example.com/x' }] },
        /is not an https:\/\/ URL/,
      ],
      [
        'an unknown severity',
        {
          subscriptions: [
            { protocol: 'email', endpoint: 'a@example.com', severities: ['critical' as never] },
          ],
        },
        /severities must list some of high, medium, low, info; got \[critical\]/,
      ],
      [
        'no severities',
        { subscriptions: [{ protocol: 'email', endpoint: 'a@example.com', severities: [] }] },
        /severities must list some of/,
      ],
      [
        'an unknown protocol',
        { subscriptions: [{ protocol: 'sms' as never, endpoint: '+15550100' }] },
        /protocol 'sms' is not one of: email, sqs, https, lambda/,
      ],
    ])('refuses %s', (_name, props, message) => {
      // Act
      const build = (): unknown => buildAlerts(props);
      // Assess
      expect(build).toThrow(InvalidSubscriptionError);
      expect(build).toThrow(message);
    });

    it('updates, not replaces, an address moved between alertEmails and pagerEmails', () => {
      // Act
      const asAlert = subscriptionIds({ alertEmails: ['ops@example.com'] });
      const asPager = subscriptionIds({ pagerEmails: ['ops@example.com'] });
      // Assess
      expect(asPager).toEqual(asAlert);
    });

    it('keeps each subscription when the list is reordered', () => {
      // Prepare
      const list = [
        { protocol: 'sqs', endpoint: SEVERE_QUEUE_ARN, severities: ['high'] },
        { protocol: 'https', endpoint: HOOK_URL },
        { protocol: 'lambda', endpoint: FUNCTION_ARN },
        { protocol: 'email', endpoint: 'a@example.com' },
      ] as const;
      // Act
      const forward = subscriptionIds({ subscriptions: [...list] });
      const backward = subscriptionIds({ subscriptions: [...list].reverse() });
      // Assess
      expect(Object.keys(forward)).toHaveLength(4);
      expect(backward).toEqual(forward);
    });

    it('leaves the invoke permission of a function in another account to its owner', () => {
      // Prepare
      const stack = newStack({ env: { account: '444455556666', region: 'us-east-1' } });
      // Act
      new MediaPackageAuditAlerts(stack, 'Audit', {
        subscriptions: [{ protocol: 'lambda', endpoint: FUNCTION_ARN, severities: ['high'] }],
      });
      // Assess
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        FilterPolicy: { severity: ['high'] },
      });
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Permission',
        { Principal: 'sns.amazonaws.com' },
        0,
      );
    });
  });

  describe('Teams', () => {
    it('takes a configuration name and needs no Slack', () => {
      // Act
      const topic = new AlertTopic(newStack(), 'Alerts', {
        teams: TEAMS,
        teamsChannelConfigurationName: 'mp-audit-teams',
      });
      // Assess
      const template = Template.fromStack(topic.topic.stack);
      template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
      template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
        ConfigurationName: 'mp-audit-teams',
        TeamId: TEAMS.teamId,
      });
      expect(topic.teamsChannel).toBeDefined();
      expect(topic.slackChannel).toBeUndefined();
    });

    it.each([
      [{ ...TEAMS, teamId: 'my-team' }, /teams.teamId: 'my-team' is not a Microsoft Teams team ID/],
      [
        { ...TEAMS, tenantId: 'contoso.onmicrosoft.com' },
        /teams.tenantId: 'contoso.onmicrosoft.com' is not a Microsoft Teams tenant ID/,
      ],
      [
        { ...TEAMS, channelId: 'General' },
        /teams.channelId: 'General' is not a Microsoft Teams channel ID: 19%3a<id>%40thread.tacv2/,
      ],
      [
        { ...TEAMS, channelId: '19:b6ef35dc342d56ba5654e6fc6d25a071@thread.tacv2' },
        /give it URL-encoded, as in the channel link/,
      ],
    ])('refuses %p', (teams, message) => {
      // Act
      const build = (): unknown => new AlertTopic(newStack(), 'Alerts', { teams });
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });
  });

  describe('Slack validation', () => {
    it.each([
      [
        { workspaceId: 'workspace', channelId: 'C0123ABCD' },
        /slack.workspaceId: 'workspace' is not a Slack workspace ID/,
      ],
      [
        { workspaceId: 'T0123ABCD', channelId: '#alerts' },
        /slack.channelId: '#alerts' is not a Slack channel ID/,
      ],
    ])('refuses %p', (slack, message) => {
      // Act
      const build = (): unknown => new AlertTopic(newStack(), 'Alerts', { slack });
      // Assess
      expect(build).toThrow(InvalidPropsError);
      expect(build).toThrow(message);
    });
  });
});
