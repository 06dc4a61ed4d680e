import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CLOUDTRAIL_API_CALL_DETAIL_TYPE } from '../../lambda/contract';
import { ConfigError } from '../../lib/config';
import { FastPathForwarderStack, fastPathForwarders } from '../../lib/fast-path-forwarder';
import { fastPathEventPattern } from '../../lib/fast-path-rule';
import type { Statement } from './support';
import { logicalId, newApp, openNagFindings, roleStatements } from './support';

/** The default bus of us-west-2 in the forwarder's own account, as the template writes it. */
const HOME_BUS_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':events:us-west-2:',
      { Ref: 'AWS::AccountId' },
      ':event-bus/default',
    ],
  ],
};

/** A forwarder in eu-west-1 to us-west-2, in a fresh App. */
function newForwarder(
  props: { homeRegion?: string; homeAccount?: string; region?: string } = {},
): FastPathForwarderStack {
  return new FastPathForwarderStack(newApp(), 'Forwarder', {
    homeRegion: props.homeRegion ?? 'us-west-2',
    ...(props.homeAccount === undefined ? {} : { homeAccount: props.homeAccount }),
    env: { region: props.region ?? 'eu-west-1' },
  });
}

describe('Stack: FastPathForwarderStack', () => {
  describe('in eu-west-1, home us-west-2', () => {
    let stack: FastPathForwarderStack;
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      stack = newForwarder();
      template = Template.fromStack(stack);
    });

    it('matches exactly what the home Region’s rule matches', () => {
      // Prepare
      const { source, detailType, detail } = fastPathEventPattern();
      // Assess
      template.resourceCountIs('AWS::Events::Rule', 1);
      template.hasResourceProperties('AWS::Events::Rule', {
        State: 'ENABLED',
        EventPattern: { source, 'detail-type': detailType, detail },
      });
      expect(detailType).toEqual([CLOUDTRAIL_API_CALL_DETAIL_TYPE]);
    });

    it('sends each event to the home Region’s default bus with its own role, undeliverable ones to its dead-letter queue', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [
          {
            Id: 'Target0',
            Arn: HOME_BUS_ARN,
            RoleArn: {
              'Fn::GetAtt': [logicalId(stack, stack.rule.node.findChild('EventsRole')), 'Arn'],
            },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [logicalId(stack, stack.deadLetterQueue), 'Arn'] },
            },
          },
        ],
      });
    });

    it('lets its role put events on that one bus only, assumed by EventBridge', () => {
      // Prepare
      const roleId = logicalId(stack, stack.rule.node.findChild('EventsRole'));
      // Assess
      expect(roleStatements(template, roleId)).toEqual<Statement[]>([
        { Effect: 'Allow', Action: 'events:PutEvents', Resource: HOME_BUS_ARN },
      ]);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
            },
          ],
        },
      });
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.resourceCountIs('AWS::IAM::Policy', 1);
    });

    it('keeps undeliverable events 14 days in an encrypted, TLS-only queue that only the rule may fill', () => {
      // Prepare
      const queueId = logicalId(stack, stack.deadLetterQueue);
      const ruleId = logicalId(stack, stack.rule);
      // Assess
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            },
            {
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
              Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
              Sid: Match.stringLikeRegexp('^AllowEventRule'),
            },
          ],
          Version: '2012-10-17',
        },
      });
    });

    it('needs no bootstrap in its Region: no assets, no bootstrap version check, nothing imported', () => {
      // Prepare
      const json = JSON.stringify(template.toJSON());
      // Assess
      expect(template.toJSON()).not.toHaveProperty('Parameters.BootstrapVersion');
      expect(json).not.toContain('Fn::ImportValue');
      expect(json).not.toContain('cdk-hnb659fds-assets');
    });
  });

  it('targets another account’s bus when given the home account', () => {
    // Act
    const template = Template.fromStack(newForwarder({ homeAccount: '111122223333' }));
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':events:us-west-2:111122223333:event-bus/default',
              ],
            ],
          },
        }),
      ],
    });
  });

  it.each([
    [{ homeRegion: 'Oregon' }, /homeRegion: 'Oregon' is not a Region name/],
    [{ region: 'us-west-2' }, /homeRegion us-west-2 is this stack's own Region/],
  ])('refuses %p', (props, message) => {
    // Act / Assess
    expect(() => newForwarder(props)).toThrow(message);
  });

  it('passes the AwsSolutions pack and the CloudFormation validation with no open finding', () => {
    // Prepare
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-audit-forwarder-'));
    const app = newApp({ cloudFormationValidation: true, outdir });
    new FastPathForwarderStack(app, 'Forwarder', {
      homeRegion: 'us-west-2',
      env: { account: '111122223333', region: 'ap-northeast-1' },
    });

    // Act
    const findings = openNagFindings(app, outdir);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('Function: fastPathForwarders', () => {
  const regions = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];

  it('plans one forwarder per watched Region but the home Region', () => {
    // Act / Assess
    expect(fastPathForwarders('us-west-2', { fastPath: true, regions })).toEqual([
      { region: 'us-east-1', homeRegion: 'us-west-2' },
      { region: 'eu-west-1', homeRegion: 'us-west-2' },
      { region: 'ap-northeast-1', homeRegion: 'us-west-2' },
    ]);
    expect(
      fastPathForwarders('us-east-1', { fastPath: true, regions }).map((f) => f.region),
    ).toEqual(['eu-west-1', 'ap-northeast-1']);
  });

  it('plans none with the fast path off, whether the home Region is known or not', () => {
    // Act / Assess
    expect(fastPathForwarders(undefined, { fastPath: false, regions })).toEqual([]);
    expect(fastPathForwarders('us-west-2', { fastPath: false, regions })).toEqual([]);
  });

  it('stops, naming the regions key and how to give a Region, when the home Region is unknown', () => {
    // Act
    let error: unknown;
    try {
      fastPathForwarders(undefined, { fastPath: true, regions });
    } catch (thrown) {
      error = thrown;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        key: 'regions',
        message: expect.stringMatching(
          /home Region is unknown: run cdk with a Region \(AWS_REGION=.*-c fastPath=false/,
        ) as unknown,
      },
    ]);
  });
});
