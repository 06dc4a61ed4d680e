import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CfnElement, StackProps } from 'aws-cdk-lib';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SEVERITIES } from '../../lambda/match/rules-schema';
import type { MediaPackageAuditAlertsProps } from '../../lib/mediapackage-audit-alerts';
import { MediaPackageAuditAlerts } from '../../lib/mediapackage-audit-alerts';

/** The feature flags `cdk synth` uses, so tests synthesize what the CLI would. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** Options of {@link newApp}. */
export interface NewAppOptions {
  /** Extra context, e.g. the app's configuration keys. */
  readonly context?: Record<string, unknown>;
  /**
   * Run esbuild for the function. Off by default: templates do not depend on the bundle, and
   * each bundling costs seconds (`aws:cdk:bundling-stacks` is how `cdk` itself skips it).
   */
  readonly bundle?: boolean;
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation at synth, as `cdk synth` does. Off by
   * default in template tests: starting its engine costs several seconds per test file; the
   * app-level test turns it on.
   */
  readonly cloudFormationValidation?: boolean;
  /** Cloud assembly directory. */
  readonly outdir?: string;
}

/** An App with cdk.json's feature flags. */
export function newApp(options: NewAppOptions = {}): App {
  return new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
}

/** An environment-agnostic stack in a fresh App, as `cdk synth` without credentials makes. */
export function newStack(props: StackProps = {}): Stack {
  return new Stack(newApp(), 'TestStack', props);
}

/** A policy statement as CloudFormation sees it. */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

/** `Action` as an array. */
export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/**
 * Renders a CloudFormation string value (`Fn::Join` of literals, `Ref`s and `Fn::GetAtt`s) as
 * text, writing a `Ref` as `<Ref:Id>` and an attribute as `<Id.Attr>`: the JSON an environment
 * variable built with `Stack.toJsonString` holds, with placeholders for deploy-time values.
 */
export function renderCfnString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const join = record['Fn::Join'] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map(renderCfnString).join(join[0]);
    if (typeof record.Ref === 'string') return `<Ref:${record.Ref}>`;
    const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt !== undefined) return `<${getAtt[0]}.${getAtt[1]}>`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/**
 * A cycle in the references between the resources of `template` (`Ref`, `Fn::GetAtt`,
 * `Fn::Sub` and `DependsOn`), as the logical IDs around it, or `undefined`: CloudFormation
 * refuses a template with one, which synth does not notice.
 */
export function dependencyCycle(template: {
  Resources: Record<string, { DependsOn?: string | string[] } & Record<string, unknown>>;
}): string[] | undefined {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const targets = new Set<string>();
    const dependsOn = resource.DependsOn;
    for (const target of typeof dependsOn === 'string' ? [dependsOn] : (dependsOn ?? [])) {
      targets.add(target);
    }
    collectReferences(resource, targets);
    edges.set(id, new Set([...targets].filter((target) => ids.has(target) && target !== id)));
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function collectReferences(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectReferences(item, into);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (typeof record.Ref === 'string') into.add(record.Ref);
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') into.add(getAtt[0]);
  const sub = record['Fn::Sub'];
  const subText: unknown =
    typeof sub === 'string' ? sub : Array.isArray(sub) ? (sub as unknown[])[0] : undefined;
  if (typeof subText === 'string') {
    for (const [, name] of subText.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g)) {
      if (name !== undefined) into.add(name);
    }
  }
  for (const value of Object.values(record)) collectReferences(value, into);
}

/** Logical ID of the CloudFormation resource behind `construct`. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** A template as JSON, resources by logical ID. */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
}

/** The CloudFormation properties of the resource behind `construct`. */
export function resourceProperties(stack: Stack, construct: IConstruct): Record<string, unknown> {
  const resources = (Template.fromStack(stack).toJSON() as TemplateJson).Resources;
  const resource = resources[logicalId(stack, construct)];
  if (resource === undefined) throw new Error(`no resource for ${construct.node.path}`);
  return resource.Properties;
}

/** Statements of the identity policies attached to the role with logical ID `roleId`. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

/** Statements of the key policy of the key with logical ID `keyId`. */
export function keyStatements(template: Template, keyId: string): Statement[] {
  const resource = (template.toJSON() as TemplateJson).Resources[keyId];
  if (resource === undefined) throw new Error(`no key ${keyId}`);
  return (resource.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
}

/** Statements of the policy of the topic with logical ID `topicId`. */
export function topicPolicyStatements(template: Template, topicId: string): Statement[] {
  const policies = template.findResources('AWS::SNS::TopicPolicy', {
    Properties: { Topics: [{ Ref: topicId }] },
  });
  const [policy] = Object.values(policies) as {
    Properties: { PolicyDocument: { Statement: Statement[] } };
  }[];
  if (policy === undefined) throw new Error(`no topic policy for ${topicId}`);
  return policy.Properties.PolicyDocument.Statement;
}

/** The function's environment variable `name`, rendered and parsed as JSON. */
export function jsonEnvironmentVariable(template: Template, name: string): unknown {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [name]: Match.anyValue() } } },
  });
  const [fn] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  if (fn === undefined) throw new Error(`no function has ${name}`);
  return JSON.parse(renderCfnString(fn.Properties.Environment.Variables[name])) as unknown;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes `content` (text, or a value written as JSON) to `name` in a fresh temporary directory,
 * removed after the test file, and returns the file's path.
 */
export function writeTempFile(name: string, content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-audit-test-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/**
 * What a role's `s3:GetObject` statement on the log files under `keyPrefix` (ending with `/`, or
 * empty) of an imported bucket looks like, for `toContainEqual`.
 */
export function logFilesReadStatement(bucketName: string, keyPrefix: string): unknown {
  return expect.objectContaining({
    Action: 's3:GetObject',
    Resource: {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucketName}/${keyPrefix}AWSLogs/*`],
      ],
    },
  }) as unknown;
}

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:111122223333:security-alerts';
export const SEVERE_QUEUE_ARN = 'arn:aws:sqs:us-east-1:111122223333:severe-alerts';
export const HOOK_URL = 'https://hooks.example.com/mp-audit';
export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:ticketing';
export const EXISTING_KEY_ARN =
  'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A Microsoft Teams channel as the Chatbot console and the channel link give its IDs. */
export const TEAMS = {
  teamId: 'a1b2c3d4-1234-5678-9abc-def012345678',
  channelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
  tenantId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
} as const;

/**
 * The construct as most template tests read it: a new trail, the S3 trigger, every kind of
 * subscriber, Slack, Teams, a reserved concurrency.
 */
export const FULL_PROPS: MediaPackageAuditAlertsProps = {
  alertEmails: ['ops@example.com', 'sec@example.com'],
  pagerEmails: ['pager@example.com'],
  subscriptions: [
    { protocol: 'sqs', endpoint: SEVERE_QUEUE_ARN, severities: ['medium', 'high'] },
    { protocol: 'https', endpoint: HOOK_URL, severities: ['high'] },
    { protocol: 'lambda', endpoint: FUNCTION_ARN },
    { protocol: 'email', endpoint: 'all@example.com', severities: [...SEVERITIES] },
  ],
  slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
  teams: TEAMS,
  extraSubscriberQueueArns: [QUEUE_ARN],
  reservedConcurrentExecutions: 5,
};

/** {@link MediaPackageAuditAlerts} in a fresh stack, and its template. */
export interface BuiltAlerts {
  readonly stack: Stack;
  readonly alerts: MediaPackageAuditAlerts;
  readonly template: Template;
}

/** Builds {@link MediaPackageAuditAlerts} with `props` (or props made in its stack). */
export function buildAlerts(
  props: MediaPackageAuditAlertsProps | ((stack: Stack) => MediaPackageAuditAlertsProps) = {},
  stackProps: StackProps = {},
): BuiltAlerts {
  const stack = newStack(stackProps);
  const alerts = new MediaPackageAuditAlerts(
    stack,
    'Audit',
    typeof props === 'function' ? props(stack) : props,
  );
  return { stack, alerts, template: Template.fromStack(stack) };
}

/** An existing trail's bucket, `my-trail-logs` unless named. */
export function existingBucket(stack: Stack, name = 'my-trail-logs'): s3.IBucket {
  return s3.Bucket.fromBucketName(stack, 'Existing', name);
}

/** {@link FULL_PROPS} built, with the logical IDs its tests name. */
export interface FullAlerts extends BuiltAlerts {
  readonly roleId: string;
  readonly trailKeyId: string;
  readonly topicKeyId: string;
  readonly bucketId: string;
  readonly trailName: string;
  /** The trail's ARN as the template writes it. */
  readonly thisTrailArn: unknown;
}

/** Builds {@link FULL_PROPS}. */
export function buildFullAlerts(): FullAlerts {
  const built = buildAlerts(FULL_PROPS);
  const { stack, alerts, template } = built;
  const trails = template.findResources('AWS::CloudTrail::Trail');
  const trailName = (Object.values(trails)[0] as { Properties: { TrailName: string } }).Properties
    .TrailName;
  return {
    ...built,
    roleId: logicalId(stack, alerts.alertFunctionRole),
    trailKeyId: logicalId(stack, alerts.trailKey as IConstruct),
    topicKeyId: logicalId(stack, alerts.topicKey),
    bucketId: logicalId(stack, alerts.logBucket),
    trailName,
    thisTrailArn: {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cloudtrail:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:trail/${trailName}`,
        ],
      ],
    },
  };
}

/** An existing trail's bucket (`my-trail-logs`), key prefix (`org/`) and KMS key, S3 trigger. */
export function existingTrailProps(stack: Stack): MediaPackageAuditAlertsProps {
  return {
    existingLogBucket: existingBucket(stack),
    existingLogKeyPrefix: 'org/',
    existingLogKey: kms.Key.fromKeyArn(stack, 'ExistingKey', EXISTING_KEY_ARN),
    alertEmails: ['ops@example.com'],
  };
}

/** A new trail that records every management event, read through EventBridge, kept 30 days. */
export const EVENTBRIDGE_PROPS: MediaPackageAuditAlertsProps = {
  trigger: 'eventbridge',
  managementEvents: 'all',
  logExpiration: Duration.days(30),
};

/**
 * Synthesizes `app` (made with `outdir`) with the AwsSolutions pack, then removes `outdir`:
 * the rule names of the findings left open. Synth itself throws on an unacknowledged error.
 */
export function openNagFindings(app: App, outdir: string): string[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    const reportPath = path.join(outdir, 'validation-report.json');
    const report = fs.existsSync(reportPath)
      ? (JSON.parse(fs.readFileSync(reportPath, 'utf8')) as {
          pluginReports: { violations: { ruleName: string }[] }[];
        })
      : { pluginReports: [] };
    return report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
