import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import {
  CLOUDTRAIL_API_CALL_DETAIL_TYPE,
  FAST_PATH_EVENT_SOURCES,
  FUNCTION_ENV,
} from '../../lambda/contract';
import { fastPathEventPattern } from '../../lib/fast-path-rule';
import type { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';
import type { Statement } from './support';
import { buildAlerts, logicalId, renderCfnString } from './support';

/** CloudTrail's `eventSource` of each fast path source, as AWS spells them. */
const WATCHED_EVENT_SOURCES = [
  'mediapackage.amazonaws.com',
  'mediapackagev2.amazonaws.com',
  'mediapackage-vod.amazonaws.com',
  'cloudtrail.amazonaws.com',
];

/** The rules of `template` whose pattern matches `AWS API Call via CloudTrail` events. */
function apiCallRules(template: Template): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources('AWS::Events::Rule', {
    Properties: { EventPattern: { 'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE] } },
  }) as Record<string, { Properties: Record<string, unknown> }>;
}

/** The function's environment variable `name` as text, `undefined` when it is not set. */
function environmentVariable(template: Template, name: string): string | undefined {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  }[];
  const value = fn?.Properties.Environment?.Variables?.[name];
  return value === undefined ? undefined : renderCfnString(value);
}

describe('Function: fastPathEventPattern', () => {
  it('matches the API-call events of the watched sources, each with its CloudTrail eventSource', () => {
    // Act
    const pattern = fastPathEventPattern();
    // Assess
    expect(pattern).toEqual({
      source: ['aws.mediapackage', 'aws.mediapackagev2', 'aws.mediapackage-vod', 'aws.cloudtrail'],
      detailType: ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: WATCHED_EVENT_SOURCES,
      },
    });
    // No readOnly filter: an ENABLED rule receives no read-only management events anyway.
    expect(JSON.stringify(pattern)).not.toContain('readOnly');
  });
});

describe('Construct: FastPathRule in MediaPackageAuditAlerts', () => {
  describe('by default, environment-agnostic', () => {
    let stack: Stack;
    let alerts: MediaPackageAuditAlerts;
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ stack, alerts, template } = buildAlerts({ alertEmails: ['ops@example.com'] }));
    });

    /** Logical ID of the fast path's rule. */
    function ruleId(): string {
      if (alerts.fastPathRule === undefined) throw new Error('no fast path rule');
      return logicalId(stack, alerts.fastPathRule);
    }

    it('adds one rule on the default bus for the watched sources’ API calls', () => {
      // Prepare
      const rules = Object.values(apiCallRules(template));
      // Assess
      expect(rules).toHaveLength(1);
      expect(rules[0]?.Properties.EventBusName).toBeUndefined();
      expect(rules[0]?.Properties.State).toBe('ENABLED');
      expect(rules[0]?.Properties.EventPattern).toEqual({
        source: [...FAST_PATH_EVENT_SOURCES],
        'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE],
        detail: {
          eventSource: WATCHED_EVENT_SOURCES,
        },
      });
      expect(alerts.fastPathRule).toBeDefined();
    });

    it('invokes the function directly, retried for 6 hours, and keeps what it cannot deliver in the function’s dead-letter queue', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE] },
        Targets: [
          {
            Id: 'Target0',
            Arn: { 'Fn::GetAtt': [logicalId(stack, alerts.alertFunction), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [logicalId(stack, alerts.deadLetterQueue), 'Arn'] },
            },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 6 * 3600 },
          },
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(stack, alerts.alertFunction), 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [ruleId(), 'Arn'] },
      });
    });

    it('lets EventBridge put events in the dead-letter queue from this rule', () => {
      // Prepare
      const [policy] = Object.values(
        template.findResources('AWS::SQS::QueuePolicy', {
          Properties: { Queues: [{ Ref: logicalId(stack, alerts.deadLetterQueue) }] },
        }),
      ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
      // Assess
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId(), 'Arn'] } } },
        }),
      );
    });

    it('tells the function its Regions: the stack’s own, resolved by CloudFormation', () => {
      // Assess
      expect(environmentVariable(template, FUNCTION_ENV.fastPathRegions)).toBe('<Ref:AWS::Region>');
    });
  });

  describe('in a stack of a known Region, with forwarded Regions', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare / Act: the home Region among the watched ones, as bin/app.ts passes them.
      ({ template } = buildAlerts(
        { fastPathRegions: ['us-east-1', 'us-west-2', 'eu-west-1'] },
        { env: { region: 'us-west-2' } },
      ));
    });

    it('lists the home Region first, then each forwarded Region once', () => {
      // Assess
      expect(environmentVariable(template, FUNCTION_ENV.fastPathRegions)).toBe(
        'us-west-2,us-east-1,eu-west-1',
      );
    });
  });

  it('writes AWS::Region and the forwarded Regions when the stack’s Region is not known', () => {
    // Act
    const { template } = buildAlerts({ fastPathRegions: ['eu-west-1', 'ap-northeast-1'] });
    // Assess
    expect(environmentVariable(template, FUNCTION_ENV.fastPathRegions)).toBe(
      '<Ref:AWS::Region>,eu-west-1,ap-northeast-1',
    );
  });

  describe('turned off', () => {
    let template: Template;

    beforeAll(() => {
      // Prepare / Act
      ({ template } = buildAlerts({ fastPath: false }));
    });

    it('adds no rule and leaves the function’s Regions unset', () => {
      // Assess
      expect(apiCallRules(template)).toEqual({});
      expect(environmentVariable(template, FUNCTION_ENV.fastPathRegions)).toBeUndefined();
      expect(environmentVariable(template, FUNCTION_ENV.alertTopicArn)).toBeDefined();
    });
  });

  it.each([
    [
      { fastPath: false, fastPathRegions: ['eu-west-1'] },
      /fastPathRegions only applies to the fast path; remove it or set fastPath=true/,
    ],
    [{ fastPathRegions: ['eu-west-1', 'Ireland'] }, /fastPathRegions.*'Ireland' is not a Region/],
  ])('refuses %p', (props, message) => {
    // Act / Assess
    expect(() => buildAlerts(props)).toThrow(message);
  });
});
