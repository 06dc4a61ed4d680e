import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CfnElement, Environment } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BUNDLED_RULES_FILE } from '../../lambda/contract';
import { FUNCTION_CODE_DIR } from '../../lib/audit-function';
import { parseConfig } from '../../lib/config';
import { NO_SUBSCRIBER_WARNING } from '../../lib/mediapackage-audit-alerts';
import { MediaPackageAuditStack, alarmOptions } from '../../lib/mediapackage-audit-stack';
import type { OperationsAlarmsOptions } from '../../lib/operations-alarms';
import { ALARM_DEFAULTS } from '../../lib/operations-alarms';
import { loadRulesFile } from '../../lib/rules-file';
import { CDK_JSON_CONTEXT, TEAMS, logicalId, newApp, writeTempFile } from './support';

/** Text of a suppression reason in the custom rules file, to find in the deployed rules. */
const BUNDLE_MARKER = 'mp-audit-bundle-marker-7c1e';
/** Characters a shell would expand: they must reach the deployed rules verbatim. */
const SHELL_SENSITIVE_REASON = `Nightly rotation by $(deploy) pipeline ${BUNDLE_MARKER}`;

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity?: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

interface Resource {
  Properties: { Code: { S3Key?: string } };
}

interface AppSynth {
  stack: MediaPackageAuditStack;
  assembly?: CloudAssembly;
  outdir: string;
  /**
   * Every unacknowledged finding (errors and warnings) of every validation plugin, but the
   * no-subscriber warning (see {@link AppSynth.noSubscriberWarning}).
   */
  findings: string[];
  /** Whether the validation report holds the construct's no-subscriber warning. */
  noSubscriberWarning: boolean;
}

/** The rule name the no-subscriber annotation has in the validation report. */
const NO_SUBSCRIBER_RULE = `Annotation::${NO_SUBSCRIBER_WARNING}`;

/**
 * Builds the app as `bin/app.ts` does (context -> parseConfig -> stack -> AwsSolutions pack), with
 * the built-in CloudFormation validation on, and synthesizes it into a fresh directory.
 */
function synthApp(
  context: Record<string, unknown>,
  options: { bundle?: boolean; env?: Environment } = {},
): AppSynth {
  const { bundle = false, env } = options;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-audit-synth-'));
  const app = newApp({ context, bundle, cloudFormationValidation: true, outdir });
  const config = parseConfig(app.node.getAllContext() as Record<string, unknown>);
  const stack = new MediaPackageAuditStack(app, 'MediaPackageAuditAlerts', {
    config,
    ...(env === undefined ? {} : { env }),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  let assembly: CloudAssembly | undefined;
  let synthError: unknown;
  try {
    assembly = app.synth();
  } catch (error) {
    synthError = error;
  }
  const reportPath = path.join(outdir, 'validation-report.json');
  const report: ValidationReport = fs.existsSync(reportPath)
    ? (JSON.parse(fs.readFileSync(reportPath, 'utf8')) as ValidationReport)
    : { pluginReports: [] };
  const violations = report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => ({ plugin: plugin.pluginName, ...v })),
  );
  const findings = violations
    .filter((v) => v.ruleName !== NO_SUBSCRIBER_RULE)
    .map(
      (v) =>
        `${v.plugin} ${v.severity ?? ''} ${v.ruleName} at ${v.violatingConstructs
          .map((c) => c.constructPath)
          .join(', ')}`,
    );
  const noSubscriberWarning = violations.some(
    (v) => v.ruleName === NO_SUBSCRIBER_RULE && v.severity === 'warning',
  );
  if (synthError !== undefined && findings.length === 0) {
    findings.push(
      `synth failed: ${synthError instanceof Error ? synthError.message : JSON.stringify(synthError)}`,
    );
  }
  return { stack, assembly, outdir, findings, noSubscriberWarning };
}

describe('Stack: MediaPackageAuditStack', () => {
  describe('as `cdk synth -c alertEmails=... -c pagerEmails=... -c slack...=... -c rulesFile=...`', () => {
    let synth: AppSynth;
    let rulesFile: string;

    beforeAll(() => {
      // Prepare
      rulesFile = writeTempFile('rules.json', {
        version: 1,
        eventNames: { include: ['*'], exclude: ['TagResource', 'UntagResource'] },
        suppressions: [
          {
            reason: SHELL_SENSITIVE_REASON,
            principalArn: 'arn:aws:iam::111122223333:role/deploy-*',
            eventName: 'RotateIngestEndpointCredentials',
          },
        ],
      });
      // Act
      synth = synthApp(
        {
          alertEmails: 'ops@example.com,sec@example.com',
          pagerEmails: 'pager@example.com',
          slackWorkspaceId: 'T0123ABCD',
          slackChannelId: 'C0123ABCD',
          teamsTeamId: TEAMS.teamId,
          teamsChannelId: TEAMS.channelId,
          teamsTenantId: TEAMS.tenantId,
          extraSubscriberQueueArns: 'arn:aws:sqs:us-east-1:111122223333:security-alerts',
          rulesFile,
        },
        { bundle: true },
      );
    });

    afterAll(() => {
      fs.rmSync(synth.outdir, { recursive: true, force: true });
    });

    it('passes the AwsSolutions pack and the CloudFormation validation with no open finding', () => {
      // Assess
      expect(synth.findings).toEqual([]);
      expect(synth.assembly).toBeDefined();
    });

    /** The directory of the function's bundled asset. */
    function assetDir(): string {
      const artifact = synth.assembly?.getStackArtifact(synth.stack.artifactId);
      const fn = synth.stack.alerts.alertFunction;
      const logicalId = synth.stack.getLogicalId(fn.node.defaultChild as CfnElement);
      const resources = (artifact?.template as { Resources: Record<string, Resource> } | undefined)
        ?.Resources;
      const s3Key = resources?.[logicalId]?.Properties.Code.S3Key ?? 'missing.zip';
      return path.join(synth.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    }

    it('deploys the prebuilt bundle, minified with a linked source map', () => {
      // Act
      const code = fs.readFileSync(path.join(assetDir(), 'index.js'), 'utf8');
      // Assess: the very file `npm run build` wrote, so synth needs no esbuild.
      expect(code).toBe(fs.readFileSync(path.join(FUNCTION_CODE_DIR, 'index.js'), 'utf8'));
      expect(fs.existsSync(path.join(assetDir(), 'index.js.map'))).toBe(true);
      expect(code.includes('sourceMappingURL=index.js.map')).toBe(true);
      // The SDK clients are bundled, not taken from the runtime: the SNS operation's model.
      expect(code.includes('PublishBatchRequestEntries')).toBe(true);
      expect(/require\(["']@aws-sdk\/client-/.test(code)).toBe(false);
      // Minified: a few very long lines (multi-line template literals keep their newlines).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    });

    it('deploys the validated rules verbatim in a rules file beside the code', () => {
      // Act
      const deployed = fs.readFileSync(path.join(assetDir(), BUNDLED_RULES_FILE), 'utf8');
      // Assess
      expect(deployed).toContain(SHELL_SENSITIVE_REASON);
      expect(JSON.parse(deployed)).toEqual(loadRulesFile(rulesFile));
    });

    it('runs with the baked rules when no MP_AUDIT_RULES is set', () => {
      // Prepare
      const script =
        'const { FunctionEnvironment } = require(process.argv[1]);' +
        'process.stdout.write(JSON.stringify(new FunctionEnvironment({}).rules))';
      // Act: in a plain Node.js process, as Lambda loads the bundle.
      const result = spawnSync(
        process.execPath,
        ['-e', script, path.join(assetDir(), 'index.js')],
        { encoding: 'utf8' },
      );
      // Assess
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual(loadRulesFile(rulesFile));
    });

    it('bundles the slim credential chain: the environment Lambda fills in, no profile, SSO or web-identity providers', () => {
      // Prepare
      const bundle = path.join(assetDir(), 'index.js');
      const code = fs.readFileSync(bundle, 'utf8');
      const script =
        'const bundle = require(process.argv[1]);' +
        'bundle.createPipelineClients(new bundle.FunctionEnvironment({})).s3.config.credentials()' +
        '.then((c) => process.stdout.write(c.accessKeyId))';
      // Act: in a plain Node.js process with the variables Lambda sets.
      const result = spawnSync(process.execPath, ['-e', script, bundle], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-west-2',
          AWS_ACCESS_KEY_ID: 'ASIABUNDLEDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'bundled-secret',
          AWS_SESSION_TOKEN: 'bundled-token',
        },
      });
      // Assess
      expect(result.stdout).toBe('ASIABUNDLEDEXAMPLE');
      expect(code).not.toContain('sso_start_url');
      expect(code).not.toContain('AssumeRoleWithWebIdentity');
      expect(code).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    });

    it('outputs the topics, bucket, function and role, DLQ, table, dashboard and Athena names', () => {
      // Prepare
      const template = Template.fromStack(synth.stack);
      // Assess
      for (const output of [
        'AlertTopicArn',
        'LogBucketName',
        'AlertFunctionName',
        'AlertFunctionRoleArn',
        'DeadLetterQueueUrl',
        'IdempotencyTableName',
        'OperationsTopicArn',
        'DashboardName',
        'AthenaWorkGroupName',
        'AthenaDatabaseName',
        'AthenaResultsBucketName',
      ]) {
        template.hasOutput(output, {});
      }
    });

    it('sends the alarms to the operations topic, which the alert emails get, when no operationsEmails are given', () => {
      // Prepare
      const template = Template.fromStack(synth.stack);
      const topicId = synth.stack.getLogicalId(
        synth.stack.alerts.operationsTopic.node.defaultChild as CfnElement,
      );
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        TopicArn: { Ref: topicId },
        FilterPolicy: Match.absent(),
      });
      // Assess
      template.hasOutput('OperationsTopicArn', { Value: { Ref: topicId } });
      template.allResourcesProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: [{ Ref: topicId }],
      });
    });

    it('does not warn that no one receives the alerts', () => {
      // Assess
      expect(synth.noSubscriberWarning).toBe(false);
    });

    it('passes the configuration to the construct', () => {
      // Prepare
      const template = Template.fromStack(synth.stack);
      // Assess
      // The alert topic's four, and the two alert emails on the operations topic.
      template.resourceCountIs('AWS::SNS::Subscription', 6);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'pager@example.com',
        FilterPolicy: { kind: ['event', 'digest'], severity: ['high'], storm: [{ exists: false }] },
      });
      template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
      template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
        TeamId: TEAMS.teamId,
        TeamsChannelId: TEAMS.channelId,
        TeamsTenantId: TEAMS.tenantId,
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
      });
    });
  });

  describe.each([
    ['a new trail and no options', {}],
    [
      'a new trail, EventBridge and all management events',
      { trigger: 'eventbridge', managementEvents: 'all' },
    ],
    [
      'an existing bucket, prefix and KMS key with the S3 trigger',
      {
        existingBucketName: 'my-trail-logs',
        existingBucketKeyPrefix: 'org',
        existingTrailKmsKeyArn:
          'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        trigger: 's3',
      },
    ],
    [
      'an existing bucket with the EventBridge trigger',
      {
        existingBucketName: 'my-trail-logs',
        existingBucketKeyPrefix: 'org',
        trigger: 'eventbridge',
      },
    ],
    [
      "an organization trail's bucket, Athena accounts and Regions, an operations topic",
      {
        existingBucketName: 'org-trail-logs',
        organizationId: 'o-a1b2c3d4e5',
        athenaAccountIds: '111122223333,444455556666',
        athenaRegions: 'eu-west-1,us-east-1',
        operationsEmails: 'media-ops@example.com',
        noLogFilesAlarmMinutes: 30,
        trigger: 'eventbridge',
      },
    ],
    [
      "a log archive in another account, read through its trail's SNS topic, with its KMS key",
      {
        existingBucketName: 'org-archive-logs',
        existingBucketKeyPrefix: 'org',
        existingBucketAccount: '444455556666',
        existingTrailKmsKeyArn:
          'arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        trigger: 'cloudtrail-sns',
        cloudTrailTopicArn: 'arn:aws:sns:eu-west-1:444455556666:org-trail-log-files',
        reservedConcurrency: 10,
      },
    ],
    [
      "a bucket of this account read through its trail's SNS topic",
      {
        existingBucketName: 'my-trail-logs',
        trigger: 'cloudtrail-sns',
        cloudTrailTopicArn: 'arn:aws:sns:eu-west-1:111122223333:trail-log-files',
      },
    ],
    [
      'a log archive in another account with the EventBridge trigger',
      {
        existingBucketName: 'org-archive-logs',
        existingBucketAccount: '444455556666',
        trigger: 'eventbridge',
      },
    ],
    ['the canary, every 30 minutes', { canary: 'true', canaryScheduleMinutes: 30 }],
  ])('with %s', (_name, context: Record<string, unknown>) => {
    let synth: AppSynth;
    let synthInAccount: AppSynth;

    beforeAll(() => {
      // Prepare / Act
      synth = synthApp(context);
      synthInAccount = synthApp(context, {
        env: { account: '111122223333', region: 'eu-west-1' },
      });
    });

    afterAll(() => {
      fs.rmSync(synth.outdir, { recursive: true, force: true });
      fs.rmSync(synthInAccount.outdir, { recursive: true, force: true });
    });

    it('synthesizes with zero unacknowledged cdk-nag or CloudFormation findings', () => {
      // Assess
      expect(synth.findings).toEqual([]);
    });

    it('synthesizes without findings in an explicit account and Region too', () => {
      // Assess
      expect(synthInAccount.findings).toEqual([]);
    });

    it('synthesizes, warning that no one receives the alerts', () => {
      // Assess: none of these contexts names a subscriber.
      expect(synth.assembly).toBeDefined();
      expect(synth.noSubscriberWarning).toBe(true);
    });
  });

  describe('with the canary (-c canary=true)', () => {
    let synth: AppSynth;

    beforeAll(() => {
      // Prepare / Act
      synth = synthApp({ canary: 'true', alertEmails: 'ops@example.com' });
    });

    afterAll(() => {
      fs.rmSync(synth.outdir, { recursive: true, force: true });
    });

    it('tells the function the canary resource and role, and alarms per path to the operations topic', () => {
      // Prepare
      const template = Template.fromStack(synth.stack);
      const canary = synth.stack.alerts.canary;
      const operationsTopicId = logicalId(synth.stack, synth.stack.alerts.operationsTopic);
      // Assess
      expect(canary).toBeDefined();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            MP_AUDIT_CANARY_RESOURCE_ARN: Match.anyValue(),
            MP_AUDIT_CANARY_ROLE_ARN: Match.anyValue(),
          }),
        },
      });
      const notSeen = Object.values(
        template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'CanarySeen' },
        }),
      ) as { Properties: { AlarmActions: unknown } }[];
      // The fast path is on by default: one alarm per path.
      expect(notSeen).toHaveLength(2);
      for (const alarm of notSeen) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: operationsTopicId }]);
      }
    });

    it('sends the storm digests that are due every minute', () => {
      // Assess
      Template.fromStack(synth.stack).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
      });
    });
  });

  describe('with operationsEmails and tuned alarms', () => {
    let template: Template;
    let stack: MediaPackageAuditStack;

    beforeAll(() => {
      // Prepare / Act
      const synth = synthApp({
        operationsEmails: 'media-ops@example.com',
        errorsAlarmThreshold: '2',
        noLogFilesAlarmMinutes: '120',
        alertSpikeThreshold: '40',
        alertSpikeMinutes: '10',
        athena: 'false',
      });
      stack = synth.stack;
      template = Template.fromStack(stack);
      fs.rmSync(synth.outdir, { recursive: true, force: true });
    });

    it('creates an encrypted operations topic, subscribes the addresses and alarms to it', () => {
      // Prepare
      const alarms = template.findResources('AWS::CloudWatch::Alarm');
      const operationsTopicId = logicalId(stack, stack.alerts.operationsTopic);
      // Assess
      expect(operationsTopicId).not.toBe(logicalId(stack, stack.alerts.topic));
      template.hasResourceProperties('AWS::SNS::Topic', {
        DisplayName: 'MediaPackage audit (operations)',
        KmsMasterKeyId: Match.anyValue(),
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'media-ops@example.com',
        TopicArn: { Ref: operationsTopicId },
      });
      expect(Object.keys(alarms)).toHaveLength(10);
      for (const alarm of Object.values(alarms) as { Properties: Record<string, unknown> }[]) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: operationsTopicId }]);
      }
      template.hasOutput('OperationsTopicArn', { Value: { Ref: operationsTopicId } });
    });

    it('lets only CloudWatch alarms publish to the operations topic, not the function', () => {
      // Prepare
      const operationsTopicId = logicalId(stack, stack.alerts.operationsTopic);
      const policies = template.findResources('AWS::SNS::TopicPolicy', {
        Properties: { Topics: [{ Ref: operationsTopicId }] },
      });
      const [policy] = Object.values(policies) as {
        Properties: { PolicyDocument: { Statement: { Sid?: string; Condition?: unknown }[] } };
      }[];
      // Assess
      expect(
        policy?.Properties.PolicyDocument.Statement.find(
          (statement) => statement.Sid === 'DenyPublishExceptAlarms',
        )?.Condition,
      ).toEqual({ StringNotEquals: { 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' } });
    });

    it('passes the alarm thresholds to the construct', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Threshold: 2,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'LogFilesProcessed',
        EvaluationPeriods: 24,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 40,
        Metrics: Match.arrayWith([
          Match.objectLike({ MetricStat: Match.objectLike({ Period: 600 }) }),
        ]),
      });
    });

    it('leaves out the Athena history and its outputs with athena=false', () => {
      // Assess
      template.resourceCountIs('AWS::Athena::WorkGroup', 0);
      template.resourceCountIs('AWS::Glue::Table', 0);
      const outputs = Object.keys((template.toJSON() as { Outputs: object }).Outputs);
      expect(outputs.filter((name) => name.startsWith('Athena'))).toEqual([]);
    });
  });

  describe('tuned numbers', () => {
    it('reach the function, its log group and the bucket lifecycle', () => {
      // Prepare / Act
      const synth = synthApp({
        logRetentionDays: 30,
        logExpirationDays: 90,
        functionMemoryMb: 1024,
        functionTimeoutSeconds: 600,
        reservedConcurrency: '10',
        maxInflatedMb: '4096',
      });
      const template = Template.fromStack(synth.stack);
      fs.rmSync(synth.outdir, { recursive: true, force: true });
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        MemorySize: 1024,
        Timeout: 600,
        ReservedConcurrentExecutions: 10,
        Environment: {
          Variables: Match.objectLike({ MP_AUDIT_MAX_INFLATED_BYTES: String(4096 * 1024 * 1024) }),
        },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'TierAndExpireLogFiles',
              Status: 'Enabled',
              ExpirationInDays: 90,
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            },
          ],
          TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
        },
      });
    });
  });

  describe('with alertPublisherArns', () => {
    it('lets those roles publish to the alert topic, with no open finding', () => {
      // Prepare / Act
      const operator = 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/MediaOps';
      const synth = synthApp({ alertPublisherArns: operator });
      const template = Template.fromStack(synth.stack);
      fs.rmSync(synth.outdir, { recursive: true, force: true });
      // Assess
      expect(synth.findings).toEqual([]);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: logicalId(synth.stack, synth.stack.alerts.topic) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'AllowListedPublishers',
              Condition: { ArnEquals: { 'aws:PrincipalArn': [operator] } },
            }),
          ]),
        },
      });
    });
  });
});

/** What `bin/app.ts` did: its exit status, its errors and the templates it wrote, by stack. */
interface AppRun {
  status: number | null;
  stderr: string;
  templates: Record<string, { Resources: Record<string, { Type: string; Properties: unknown }> }>;
  /** Every finding of the validation report (cdk-nag, CloudFormation validation). */
  findings: string[];
}

/**
 * Runs `bin/app.ts` as `cdk synth` does, with `context` and the home Region the CLI would set
 * (`CDK_DEFAULT_REGION`; none by default), into a directory removed after.
 */
function runApp(context: Record<string, unknown>, homeRegion?: string): AppRun {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-audit-bin-'));
  try {
    const result = spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'app.ts')],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify(context),
          CDK_OUTDIR: outdir,
          CDK_DEFAULT_REGION: homeRegion,
        },
      },
    );
    const templates: AppRun['templates'] = {};
    for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
      templates[file.replace(/\.template\.json$/, '')] = JSON.parse(
        fs.readFileSync(path.join(outdir, file), 'utf8'),
      ) as AppRun['templates'][string];
    }
    const reportPath = path.join(outdir, 'validation-report.json');
    const report: ValidationReport = fs.existsSync(reportPath)
      ? (JSON.parse(fs.readFileSync(reportPath, 'utf8')) as ValidationReport)
      : { pluginReports: [] };
    const findings = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map((v) => `${plugin.pluginName} ${v.ruleName}`),
    );
    return { status: result.status, stderr: result.stderr, templates, findings };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The resources of `type` in `template`. */
function resourcesOf(template: AppRun['templates'][string] | undefined, type: string): unknown[] {
  return Object.values(template?.Resources ?? {})
    .filter((resource) => resource.Type === type)
    .map((resource) => resource.Properties);
}

describe('App: bin/app.ts', () => {
  describe('with -c regions=us-east-1,eu-west-1,ap-northeast-1, home us-west-2', () => {
    let run: AppRun;

    beforeAll(() => {
      // Act
      run = runApp(
        {
          ...CDK_JSON_CONTEXT,
          alertEmails: 'ops@example.com',
          regions: 'us-east-1,eu-west-1,ap-northeast-1',
        },
        'us-west-2',
      );
    });

    it('synthesizes the audit stack and one forwarder per other Region, with no open finding', () => {
      // Assess
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(Object.keys(run.templates).sort()).toEqual([
        'MediaPackageAuditAlerts',
        'MediaPackageAuditForwarder-ap-northeast-1',
        'MediaPackageAuditForwarder-eu-west-1',
        'MediaPackageAuditForwarder-us-east-1',
      ]);
      expect(run.findings).toEqual([]);
    });

    it('points every forwarder at the default bus of us-west-2', () => {
      // Assess
      for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-1']) {
        const [rule] = resourcesOf(
          run.templates[`MediaPackageAuditForwarder-${region}`],
          'AWS::Events::Rule',
        ) as { Targets: { Arn: unknown }[] }[];
        expect(JSON.stringify(rule?.Targets[0]?.Arn)).toContain(
          '":events:us-west-2:",{"Ref":"AWS::AccountId"},":event-bus/default"',
        );
      }
    });

    it('gives the audit stack the fast path rule and the function every Region that reaches it', () => {
      // Prepare
      const home = run.templates.MediaPackageAuditAlerts;
      const rules = resourcesOf(home, 'AWS::Events::Rule') as {
        // The storm digests' schedule has none.
        EventPattern?: Record<string, unknown>;
      }[];
      const [fn] = resourcesOf(home, 'AWS::Lambda::Function') as {
        Environment: { Variables: Record<string, unknown> };
      }[];
      // Assess
      expect(rules.map((rule) => rule.EventPattern?.['detail-type'])).toContainEqual([
        'AWS API Call via CloudTrail',
      ]);
      expect(fn?.Environment.Variables.MP_AUDIT_FAST_PATH_REGIONS).toBe(
        'us-west-2,us-east-1,eu-west-1,ap-northeast-1',
      );
    });
  });

  it('adds no forwarder for the home Region itself', () => {
    // Act
    const run = runApp(
      { alertEmails: 'ops@example.com', regions: 'us-east-1,eu-west-1,ap-northeast-1' },
      'us-east-1',
    );
    // Assess
    expect(run.status).toBe(0);
    expect(Object.keys(run.templates).sort()).toEqual([
      'MediaPackageAuditAlerts',
      'MediaPackageAuditForwarder-ap-northeast-1',
      'MediaPackageAuditForwarder-eu-west-1',
    ]);
  });

  it('stops synth saying how to name the home Region when it is unknown and the fast path is on', () => {
    // Act
    const run = runApp({ alertEmails: 'ops@example.com' });
    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'regions: the fast path forwards the events of every watched Region',
    );
    expect(run.stderr).toContain('AWS_REGION=');
    expect(run.stderr).toContain('-c fastPath=false');
  });

  it('synthesizes the audit stack alone, environment-agnostic, with -c fastPath=false and no Region', () => {
    // Act
    const run = runApp({ alertEmails: 'ops@example.com', fastPath: 'false' });
    // Assess
    expect(run.status).toBe(0);
    expect(Object.keys(run.templates)).toEqual(['MediaPackageAuditAlerts']);
    expect(JSON.stringify(run.templates.MediaPackageAuditAlerts)).not.toContain(
      'AWS API Call via CloudTrail',
    );
  });

  it('stops synth with the key and what is expected when a context value is wrong', () => {
    // Act
    const result = runApp({ alertEmails: 'not-an-email', trigger: 'sqs' });
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("alertEmails: 'not-an-email' is not an email address");
    expect(result.stderr).toContain("trigger: 'sqs' is not one of: s3, eventbridge");
  });

  it('stops synth naming the closest known key when a key is misspelt, with the other problems', () => {
    // Act: as `cdk synth -c alertEmail=... -c trigger=sqs`, with cdk.json's feature flags.
    const result = runApp({ ...CDK_JSON_CONTEXT, alertEmail: 'ops@example.com', trigger: 'sqs' });
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid CDK context (2 problems):');
    expect(result.stderr).toContain('alertEmail: unknown context key; did you mean alertEmails?');
    expect(result.stderr).toContain("trigger: 'sqs' is not one of: s3, eventbridge");
  });

  it('stops synth naming each key when the concurrency, the read budget or a publisher is wrong', () => {
    // Act
    const result = runApp({
      reservedConcurrency: '0',
      maxInflatedMb: '2GB',
      alertPublisherArns: 'arn:aws:sts::111122223333:assumed-role/MediaOperator/bob',
    });
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid CDK context (3 problems):');
    expect(result.stderr).toContain(
      "reservedConcurrency: '0' is not a whole number of concurrent executions, 1 or more",
    );
    expect(result.stderr).toContain(
      "maxInflatedMb: '2GB' is not a whole number of MB from 1 to 102400",
    );
    expect(result.stderr).toContain(
      "alertPublisherArns: 'arn:aws:sts::111122223333:assumed-role/MediaOperator/bob' is a role session",
    );
  });

  it('stops synth with the file, the path in it and what is expected when the rules are wrong', () => {
    // Prepare
    const rulesFile = writeTempFile('rules.json', { version: 1, defaultSeverity: 'critical' });
    // Act
    const result = runApp({ rulesFile });
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${rulesFile}: invalid rules:`);
    expect(result.stderr).toContain('defaultSeverity: ');
    // The message alone, not a stack trace.
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('Function: alarmOptions', () => {
  it('turns the context defaults back into the alarm construct’s own defaults', () => {
    // Act
    const options = alarmOptions(parseConfig({}).alarms);
    // Assess: durations compared in minutes (Duration.hours(1) and minutes(60) differ as objects).
    const inMinutes = (given: OperationsAlarmsOptions): Record<string, unknown> => ({
      ...given,
      noLogFilesPeriod: given.noLogFilesPeriod?.toMinutes(),
      alertSpikePeriod: given.alertSpikePeriod?.toMinutes(),
    });
    expect(inMinutes(options)).toEqual(inMinutes(ALARM_DEFAULTS));
  });
});
