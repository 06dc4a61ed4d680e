import type { IResolvable } from 'aws-cdk-lib';
import { Arn, ArnFormat, Aws, Lazy, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../lambda/match/rules-schema';
import { SEVERITIES } from '../lambda/match/rules-schema';
import { InvalidPropsError, InvalidSubscriptionError, throwIfInvalid } from './errors';
import type { TextCheck } from './prop-checks';
import { checkText, patternCheck } from './prop-checks';
import { MESSAGE_ATTRIBUTES, PEOPLE_MESSAGE_KINDS } from '../lambda/contract';

/** Name of the SNS message attribute every alert carries its severity in. */
export const SEVERITY_ATTRIBUTE = 'severity';

/** The service principal CloudWatch alarms publish to SNS as. */
export const CLOUDWATCH_SERVICE_PRINCIPAL = 'cloudwatch.amazonaws.com';

/**
 * Statement IDs of the publishing fence, in the topic policy and the topic key's policy, for
 * whoever audits the policies.
 */
export const PUBLISH_FENCE_SIDS = {
  /** Topic policy: `sns:Publish` (which also authorizes `PublishBatch`) by anyone else. */
  denyPublish: 'DenyPublishExceptPipelineAndAlarms',
  /** Topic policy: the listed publishers may publish. */
  allowListedPublishers: 'AllowListedPublishers',
  /** Key policy: IAM principals other than the publishers using the key through SNS. */
  denyKeyUse: 'DenyUseThroughSnsExceptPublishers',
  /** Key policy: the listed publishers may use the key through SNS. */
  allowListedPublishersKeyUse: 'AllowListedPublishersThroughSns',
} as const;

/** What the construct and the context schema accept as an email address. */
export const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Whether `value` is an email address SNS can deliver to. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL_PATTERN.test(value);
}

/** An SQS queue ARN; the group holds `.fifo` for a FIFO queue. */
const SQS_QUEUE_ARN_PATTERN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** Why `arn` cannot be subscribed to the topic, or `undefined`: a standard SQS queue ARN. */
export function checkQueueArn(arn: string): string | undefined {
  const match = SQS_QUEUE_ARN_PATTERN.exec(arn);
  if (match === null) {
    return `'${arn}' is not an SQS queue ARN (expected arn:aws:sqs:<region>:<account>:<queue>)`;
  }
  return match[1] === undefined
    ? undefined
    : `'${arn}' is not a standard SQS queue ARN: it is a FIFO queue, and standard SNS topics can only deliver to standard queues`;
}

/**
 * An IAM role or user ARN, with its path: what `aws:PrincipalArn` holds for requests of that role
 * (whatever the session) or user.
 */
export const IAM_PRINCIPAL_ARN_PATTERN =
  /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/**
 * Why `arn` cannot name a principal allowed to publish alerts, or `undefined` when it can: an IAM
 * role or user ARN, exactly (no wildcards, not a role session).
 */
export function checkPublisherArn(arn: string): string | undefined {
  if (/^arn:aws[a-z-]*:sts::\d{12}:assumed-role\//.test(arn)) {
    return `'${arn}' is a role session; give the role's ARN, with its path (aws iam get-role --role-name <name> --query Role.Arn)`;
  }
  if (/[*?]/.test(arn)) {
    return `'${arn}' has a wildcard; name each role or user exactly`;
  }
  return IAM_PRINCIPAL_ARN_PATTERN.test(arn)
    ? undefined
    : `'${arn}' is not an IAM role or user ARN (expected e.g. arn:aws:iam::111122223333:role/MediaOperator)`;
}

/** Why a Slack workspace ID cannot be right, or `undefined`. */
export const checkSlackWorkspaceId: TextCheck = patternCheck(
  /^T[A-Z0-9]{8,20}$/,
  'a Slack workspace ID: T followed by 8-20 upper-case letters or digits, e.g. T0123ABCD',
);

/** Why a Slack channel ID cannot be right, or `undefined`. */
export const checkSlackChannelId: TextCheck = patternCheck(
  /^[CG][A-Z0-9]{8,20}$/,
  'a Slack channel ID: C (or G for old private channels) followed by 8-20 upper-case letters or digits, e.g. C0123ABCD',
);

/** A GUID as Microsoft Entra ID and Teams show it, e.g. `a1b2c3d4-1234-5678-9abc-def012345678`. */
const GUID_PATTERN =
  /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** Why a Microsoft Teams team ID cannot be right, or `undefined`. */
export const checkTeamsTeamId: TextCheck = patternCheck(
  GUID_PATTERN,
  'a Microsoft Teams team ID: a GUID as the Chatbot console shows it, e.g. a1b2c3d4-1234-5678-9abc-def012345678',
);

/** Why a Microsoft Entra tenant ID cannot be right, or `undefined`. */
export const checkTeamsTenantId: TextCheck = patternCheck(
  GUID_PATTERN,
  'a Microsoft Teams tenant ID: a GUID as the Chatbot console shows it, e.g. 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
);

/**
 * A Teams channel ID as Chatbot's API takes it (`TeamsChannelConfiguration.ChannelId`): the
 * URL-encoded `19:<id>@thread.tacv2` of the channel's link, `:` as `%3a` and `@` as `%40`.
 */
const TEAMS_CHANNEL_ID_PATTERN = /^[\w\-=+/.,]*%3[aA][\w\-=+/.,]*%40[\w\-=+/.,]*$/;

/** Why a Microsoft Teams channel ID cannot be right, or `undefined`. */
export const checkTeamsChannelId: TextCheck = (value) => {
  if (value.length <= 255 && TEAMS_CHANNEL_ID_PATTERN.test(value)) return undefined;
  const hint = /^19:.*@/.test(value)
    ? ' (give it URL-encoded, as in the channel link: `:` as %3a and `@` as %40)'
    : '';
  return `'${value}' is not a Microsoft Teams channel ID: 19%3a<id>%40thread.tacv2 as in the channel link, e.g. 19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2${hint}`;
};

/**
 * Why `email` cannot be a pager address, or `undefined`: SNS allows one subscription per address
 * and topic, and an address in `alertEmails` already receives every alert.
 */
export function checkPagerEmail(email: string, alertEmails: readonly string[]): string | undefined {
  return alertEmails.includes(email)
    ? `'${email}' is also in alertEmails, which already receives every alert (SNS allows one subscription per address and topic)`
    : undefined;
}

/** Slack delivery through AWS Chatbot (Amazon Q Developer in chat applications). */
export interface SlackConfig {
  /** Slack workspace (team) ID, e.g. `T0123ABCD`, as shown by Chatbot after authorisation. */
  readonly workspaceId: string;
  /** Slack channel ID, e.g. `C0123ABCD`. */
  readonly channelId: string;
}

/** Microsoft Teams delivery through AWS Chatbot (Amazon Q Developer in chat applications). */
export interface TeamsConfig {
  /** Team ID (a GUID), as shown by Chatbot after the team was authorised. */
  readonly teamId: string;
  /**
   * Channel ID, URL-encoded as in the channel's link, e.g.
   * `19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2`.
   */
  readonly channelId: string;
  /** Microsoft Entra tenant ID (a GUID), as shown by Chatbot after the team was authorised. */
  readonly tenantId: string;
}

/** Protocols {@link AlertSubscription} supports. */
export type AlertSubscriptionProtocol = 'email' | 'sqs' | 'https' | 'lambda';

/**
 * One endpoint subscribed to the alert topic, optionally only for some severities (an SNS
 * filter policy on the `severity` message attribute).
 *
 * What each protocol receives: `email` the readable text; `sqs` and `lambda` the alert JSON in
 * the SNS envelope; `https` the AWS Chatbot custom-notification JSON in the SNS envelope.
 */
export interface AlertSubscription {
  /** How SNS delivers. */
  readonly protocol: AlertSubscriptionProtocol;
  /**
   * An email address, a standard SQS queue ARN, an `https://` URL or a Lambda function ARN.
   *
   * A queue's owner must let this topic `sqs:SendMessage` (and use the queue's KMS key); an
   * HTTPS endpoint must confirm the subscription. A function in the stack's account (or in any
   * account when the stack is environment-agnostic) gets an invoke permission for this topic;
   * for a function in another account, its owner adds that permission.
   */
  readonly endpoint: string;
  /**
   * Severities delivered to this endpoint.
   *
   * @default - every severity (no filter policy)
   */
  readonly severities?: readonly Severity[];
  /**
   * What the endpoint receives of storms and the canary: `people` gets each event a storm did
   * not collapse and the storms' digests (filter policy on the `kind` and `storm` message
   * attributes: {@link PEOPLE_FILTER_POLICY}); `everything` also gets the collapsed events and
   * the canary's messages, as machines need to.
   *
   * @default 'people' for email, 'everything' for sqs, https and lambda
   */
  readonly receives?: 'people' | 'everything';
}

/**
 * What people's subscriptions receive: events no storm collapsed (`storm` absent) and digests
 * (`kind`), never the canary. Both attributes are on every message the pipeline publishes
 * (`kind`) or may be (`storm`): see lambda/contract.ts. A message with no attributes at all
 * matches no filter policy, which is why CloudWatch alarms go to the operations topic.
 */
export const PEOPLE_FILTER_POLICY = {
  [MESSAGE_ATTRIBUTES.kind]: [...PEOPLE_MESSAGE_KINDS],
  [MESSAGE_ATTRIBUTES.storm]: [{ exists: false }],
} as const;

function peopleFilter(): Record<string, sns.SubscriptionFilter> {
  return {
    [MESSAGE_ATTRIBUTES.kind]: sns.SubscriptionFilter.stringFilter({
      allowlist: [...PEOPLE_MESSAGE_KINDS],
    }),
    [MESSAGE_ATTRIBUTES.storm]: new sns.SubscriptionFilter([{ exists: false }]),
  };
}

/** Properties of {@link AlertTopic}. */
export interface AlertTopicProps {
  /**
   * Email addresses that receive every alert. Each recipient must confirm the subscription
   * from the email SNS sends after deployment.
   *
   * @default - no email subscriptions
   */
  readonly alertEmails?: readonly string[];

  /**
   * Email addresses that receive the pipeline's own alarms (the {@link AlertTopic.operationsTopic}).
   * Each recipient must confirm the subscription.
   *
   * @default - the {@link alertEmails}
   */
  readonly operationsEmails?: readonly string[];

  /**
   * Email addresses that receive only `high` alerts (filter policy `{"severity":["high"]}`),
   * e.g. a pager's email gateway. Each recipient must confirm the subscription.
   *
   * @default - none
   */
  readonly pagerEmails?: readonly string[];

  /**
   * Further endpoints, each optionally limited to some severities.
   *
   * @default - none
   */
  readonly subscriptions?: readonly AlertSubscription[];

  /**
   * Deliver alerts to a Slack channel through AWS Chatbot. The workspace must have been
   * authorised once in the Chatbot console.
   *
   * @default - no Slack delivery
   */
  readonly slack?: SlackConfig;

  /**
   * Name of the Chatbot channel configuration (unique in the account).
   *
   * @default - a name derived from the construct path
   */
  readonly slackChannelConfigurationName?: string;

  /**
   * Deliver alerts to a Microsoft Teams channel through AWS Chatbot, with the same powerless
   * role and read-only guardrail as Slack. The team must have been authorised once in the
   * Chatbot console.
   *
   * @default - no Teams delivery
   */
  readonly teams?: TeamsConfig;

  /**
   * Name of the Chatbot Teams channel configuration (unique in the account).
   *
   * @default - a name derived from the construct path
   */
  readonly teamsChannelConfigurationName?: string;

  /**
   * ARNs of standard SQS queues that receive every alert (SNS envelope, not raw). Each queue's
   * policy (and its KMS key policy, if encrypted) must let this topic send to it. Use
   * {@link subscriptions} to give a queue only some severities.
   *
   * @default - none
   */
  readonly extraSubscriberQueueArns?: readonly string[];

  /**
   * Display name of the topic (email "From" name).
   *
   * @default 'MediaPackage audit'
   */
  readonly displayName?: string;

  /**
   * IAM roles and users (exact ARNs, with their path) that may publish besides the principals
   * given {@link AlertTopic.grantPublish}, e.g. the roles operators run `mp-audit replay` as. The
   * topic and key policies let them publish and use the key through SNS; everyone else in the
   * account is denied, whatever their IAM policies allow. Principals of the stack's account only.
   *
   * @default - none: only the principals given `grantPublish`, and CloudWatch alarms
   */
  readonly publisherArns?: readonly string[];
}

/**
 * The encrypted SNS topic alerts go to, with email, Slack and Microsoft Teams (AWS Chatbot), SQS,
 * HTTPS and Lambda subscribers, each optionally limited to some severities by an SNS filter policy.
 *
 * Its customer-managed key lets CloudWatch alarms publish (the AWS-managed `aws/sns` key would
 * not), so later alarms can use the same topic. SNS decrypts messages before delivering them,
 * so subscribers (Chatbot included) need no key access.
 *
 * Nobody else can publish: the topic policy denies `sns:Publish` to every principal but those
 * given {@link grantPublish}, those in {@link AlertTopicProps.publisherArns} (by
 * `aws:PrincipalArn`) and CloudWatch (by `aws:PrincipalServiceName`, allowed for this account
 * only), so a fake alert cannot be sent with a broad IAM `sns:Publish` allow. The key policy
 * likewise denies every other IAM principal the key through SNS.
 */
export class AlertTopic extends Construct {
  public readonly topic: sns.Topic;
  /**
   * Where CloudWatch alarms notify: encrypted with the same key, only CloudWatch may publish,
   * and the alert emails and chat channels are subscribed without a filter. Alarms cannot share
   * the alert topic: their notifications carry no message attributes, so the people's filter
   * policy (which drops storm-collapsed events) would drop them too.
   */
  public readonly operationsTopic: sns.Topic;
  /** Encrypts the topic's messages at rest. */
  public readonly encryptionKey: kms.Key;
  /** The Slack channel configuration, when Slack delivery is configured. */
  public readonly slackChannel?: chatbot.SlackChannelConfiguration;
  /** The Microsoft Teams channel configuration, when Teams delivery is configured. */
  public readonly teamsChannel?: chatbot.CfnMicrosoftTeamsChannelConfiguration;
  /** ARNs (`aws:PrincipalArn`) of the IAM principals that may publish. */
  private readonly publisherArns: string[] = [];
  private queueSubscriberCount = 0;
  private tokenSubscriptionCount = 0;
  /** `protocol endpoint` of every subscription: SNS refuses a second one with other attributes. */
  private readonly endpoints = new Set<string>();

  public constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    const listedPublishers = [...(props.publisherArns ?? [])];
    throwIfInvalid(this, [
      ...listedPublishers.map((arn) => checkText('publisherArns', arn, publisherCheck(this))),
      checkText('slack.workspaceId', props.slack?.workspaceId, checkSlackWorkspaceId),
      checkText('slack.channelId', props.slack?.channelId, checkSlackChannelId),
      checkText('teams.teamId', props.teams?.teamId, checkTeamsTeamId),
      checkText('teams.channelId', props.teams?.channelId, checkTeamsChannelId),
      checkText('teams.tenantId', props.teams?.tenantId, checkTeamsTenantId),
    ]);
    this.publisherArns.push(...listedPublishers);

    this.encryptionKey = this.createKey();
    this.topic = this.createTopic(props.displayName ?? 'MediaPackage audit');
    this.operationsTopic = this.createOperationsTopic(
      `${props.displayName ?? 'MediaPackage audit'} (operations)`,
    );
    if (listedPublishers.length > 0) this.allowListedPublishers(listedPublishers);
    this.subscribeAll(props);
    const operationsEmails =
      props.operationsEmails !== undefined && props.operationsEmails.length > 0
        ? props.operationsEmails
        : (props.alertEmails ?? []);
    for (const email of operationsEmails) {
      this.operationsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    if (props.slack !== undefined) {
      this.slackChannel = this.createSlackChannel(props.slack, props.slackChannelConfigurationName);
    }
    if (props.teams !== undefined) {
      this.teamsChannel = this.createTeamsChannel(props.teams, props.teamsChannelConfigurationName);
    }
  }

  /**
   * The condition that exempts the publishers from a deny, by `aws:PrincipalArn`. Evaluated at
   * synth, after grantPublish has added the function's role.
   */
  private unlessPublisher(): IResolvable {
    return Lazy.any({
      produce: () =>
        this.publisherArns.length === 0 ? undefined : { 'aws:PrincipalArn': this.publisherArns },
    });
  }

  /** The topic key: CloudWatch alarms of this account may use it, IAM principals only if publishers. */
  private createKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'Encrypts the MediaPackage audit alert topic',
      enableKeyRotation: true,
      // Nothing outlives the topic that this key would have to decrypt.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal(CLOUDWATCH_SERVICE_PRINCIPAL)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    // Only IAM principals (aws:PrincipalIsAWSService is "false" for them and for SNS acting on
    // their behalf): a service principal, or a request without the key, is never matched, so
    // the deny cannot shut out CloudWatch alarms.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: PUBLISH_FENCE_SIDS.denyKeyUse,
        effect: iam.Effect.DENY,
        principals: [new iam.StarPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': snsEndpoint(this) },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
          ArnNotEquals: this.unlessPublisher(),
        },
      }),
    );
    return key;
  }

  /** The encrypted topic: CloudWatch alarms of this account may publish, IAM principals only if publishers. */
  private createTopic(displayName: string): sns.Topic {
    // sns:Publish also authorizes PublishBatch (SNS has no separate action for it). Both keys are
    // set for whom they exempt: aws:PrincipalArn for IAM principals (role ARN, whatever the
    // session), aws:PrincipalServiceName for CloudWatch calling as its service principal.
    return this.fencedTopic('Topic', displayName, PUBLISH_FENCE_SIDS.denyPublish, {
      ArnNotEquals: this.unlessPublisher(),
    });
  }

  /** The operations topic: CloudWatch alarms of this account publish, nobody else. */
  private createOperationsTopic(displayName: string): sns.Topic {
    return this.fencedTopic('OperationsTopic', displayName, 'DenyPublishExceptAlarms', {});
  }

  /**
   * An encrypted, TLS-only topic CloudWatch alarms of this account may publish to, and everyone
   * else is denied unless `exempt` (a condition) spares them.
   */
  private fencedTopic(
    id: string,
    displayName: string,
    denySid: string,
    exempt: Record<string, unknown>,
  ): sns.Topic {
    const topic = new sns.Topic(this, id, {
      displayName,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal(CLOUDWATCH_SERVICE_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: denySid,
        effect: iam.Effect.DENY,
        principals: [new iam.StarPrincipal()],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringNotEquals: { 'aws:PrincipalServiceName': CLOUDWATCH_SERVICE_PRINCIPAL },
          ...exempt,
        },
      }),
    );
    return topic;
  }

  /** Lets the listed publishers publish, and use the key through SNS, by `aws:PrincipalArn`. */
  private allowListedPublishers(arns: readonly string[]): void {
    const listed = { 'aws:PrincipalArn': arns };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: PUBLISH_FENCE_SIDS.allowListedPublishers,
        principals: [new iam.AccountRootPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnEquals: listed },
      }),
    );
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: PUBLISH_FENCE_SIDS.allowListedPublishersKeyUse,
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': snsEndpoint(this) }, ArnEquals: listed },
      }),
    );
  }

  private subscribeAll(props: AlertTopicProps): void {
    const alertEmails = props.alertEmails ?? [];
    for (const email of alertEmails) {
      this.addEmailSubscriber(email);
    }
    for (const email of props.pagerEmails ?? []) {
      const problem = checkPagerEmail(email, alertEmails);
      if (problem !== undefined)
        throw new InvalidSubscriptionError(this, `pagerEmails: ${problem}`);
      this.addSubscriber({ protocol: 'email', endpoint: email, severities: ['high'] });
    }
    for (const queueArn of props.extraSubscriberQueueArns ?? []) {
      this.addQueueSubscriber(queueArn);
    }
    for (const subscription of props.subscriptions ?? []) {
      this.addSubscriber(subscription);
    }
  }

  private createSlackChannel(
    slack: SlackConfig,
    name: string | undefined,
  ): chatbot.SlackChannelConfiguration {
    return new chatbot.SlackChannelConfiguration(this, 'SlackChannel', {
      slackChannelConfigurationName:
        name ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      slackWorkspaceId: slack.workspaceId,
      slackChannelId: slack.channelId,
      notificationTopics: [this.topic, this.operationsTopic],
      role: this.createChatbotRole('SlackChannelRole'),
      guardrailPolicies: chatbotGuardrailPolicies(),
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
  }

  /**
   * The Teams channel configuration: the L1 resource (aws-cdk-lib has no L2 for Teams), with
   * the Slack channel's role, guardrail and logging level, subscribed to the topic like Slack.
   */
  private createTeamsChannel(
    teams: TeamsConfig,
    name: string | undefined,
  ): chatbot.CfnMicrosoftTeamsChannelConfiguration {
    const channel = new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'TeamsChannel', {
      configurationName: name ?? '',
      teamId: teams.teamId,
      teamsChannelId: teams.channelId,
      teamsTenantId: teams.tenantId,
      snsTopicArns: [this.topic.topicArn, this.operationsTopic.topicArn],
      iamRoleArn: this.createChatbotRole('TeamsChannelRole').roleArn,
      guardrailPolicies: chatbotGuardrailPolicies().map((policy) => policy.managedPolicyArn),
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
    // Named after the resource's own path: the Slack configuration already takes this
    // construct's, and names are unique in the account.
    if (name === undefined) {
      channel.configurationName = Names.uniqueResourceName(channel, {
        maxLength: 128,
        separator: '-',
      });
    }
    return channel;
  }

  /**
   * A Chatbot channel role. Chatbot only relays notifications: the role has no permissions and
   * the guardrail ({@link chatbotGuardrailPolicies}) caps what channel members could do even
   * with their own user roles.
   */
  private createChatbotRole(id: string): iam.Role {
    return new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot channel role for MediaPackage audit alerts (no permissions)',
    });
  }

  /** Subscribes an email address to every alert; the recipient must confirm it. */
  public addEmailSubscriber(email: string): void {
    this.addSubscriber({ protocol: 'email', endpoint: email });
  }

  /**
   * Subscribes an endpoint, limited to `severities` when given. Email and HTTPS subscribers
   * must confirm; see {@link AlertSubscription} for what queues and functions need.
   *
   * Construct IDs come from the endpoint, not from its position in a list: reordering lists
   * replaces nothing, and an email address keeps its ID (the address, as before severities
   * existed) whether it gets every alert or some, so changing its severities only updates the
   * subscription's filter policy and needs no new confirmation.
   */
  public addSubscriber(subscription: AlertSubscription): void {
    const { protocol, endpoint } = subscription;
    checkEndpoint(this, protocol, endpoint);
    this.claimEndpoint(protocol, endpoint);
    const receives = subscription.receives ?? (protocol === 'email' ? 'people' : 'everything');
    const severities = severityFilter(this, subscription.severities);
    const filterPolicy = receives === 'people' ? { ...peopleFilter(), ...severities } : severities;
    switch (protocol) {
      case 'email':
        this.topic.addSubscription(new subscriptions.EmailSubscription(endpoint, { filterPolicy }));
        return;
      case 'https':
        this.topic.addSubscription(
          new subscriptions.UrlSubscription(endpoint, {
            protocol: sns.SubscriptionProtocol.HTTPS,
            filterPolicy,
          }),
        );
        return;
      case 'sqs':
        new sns.Subscription(this, this.subscriptionId(protocol, endpoint), {
          topic: this.topic,
          protocol: sns.SubscriptionProtocol.SQS,
          endpoint,
          rawMessageDelivery: false,
          filterPolicy,
        });
        return;
      case 'lambda': {
        // A function in another account: only its owner can allow this topic to invoke it.
        const fn = lambda.Function.fromFunctionAttributes(
          this,
          this.subscriptionId(protocol, endpoint),
          isOtherAccount(this, endpoint)
            ? { functionArn: endpoint, skipPermissions: true }
            : { functionArn: endpoint, sameEnvironment: true },
        );
        this.topic.addSubscription(new subscriptions.LambdaSubscription(fn, { filterPolicy }));
        return;
      }
    }
  }

  private subscriptionId(protocol: AlertSubscriptionProtocol, endpoint: string): string {
    if (!Token.isUnresolved(endpoint)) return `${protocol} ${endpoint}`;
    this.tokenSubscriptionCount += 1;
    return `Subscription${this.tokenSubscriptionCount}`;
  }

  private claimEndpoint(protocol: string, endpoint: string): void {
    if (Token.isUnresolved(endpoint)) return;
    const key = `${protocol} ${endpoint}`;
    if (this.endpoints.has(key)) {
      throw new InvalidSubscriptionError(
        this,
        `${protocol} endpoint '${endpoint}' is subscribed twice; SNS allows one subscription per endpoint and topic (give it the union of the severities)`,
      );
    }
    this.endpoints.add(key);
  }

  /**
   * Subscribes an existing standard SQS queue (SNS JSON envelope, not raw delivery). An imported
   * queue's policy cannot be changed from here: its owner must let this topic `sqs:SendMessage`
   * (and, for a queue encrypted with a customer-managed key, let `sns.amazonaws.com` use the key).
   */
  public addQueueSubscriber(queueArn: string): void {
    // IDs by position, as released: changing them would replace existing subscriptions.
    checkEndpoint(this, 'sqs', queueArn);
    this.claimEndpoint('sqs', queueArn);
    this.queueSubscriberCount += 1;
    const queue = sqs.Queue.fromQueueArn(
      this,
      `QueueSubscriber${this.queueSubscriberCount}`,
      queueArn,
    );
    this.topic.addSubscription(
      new subscriptions.SqsSubscription(queue, { rawMessageDelivery: false }),
    );
  }

  /**
   * Lets `grantee`, an IAM role or user, publish: `sns:Publish` on the topic, and
   * `kms:GenerateDataKey`/`kms:Decrypt` of the topic key through SNS, in the key policy and in the
   * grantee's identity policy; and exempts it, by `aws:PrincipalArn`, from the topic's and the
   * key's deny of everyone else.
   */
  public grantPublish(grantee: iam.IGrantable): void {
    const principalArn = iamPrincipalArn(grantee.grantPrincipal);
    if (principalArn === undefined) {
      throw new InvalidPropsError(
        this,
        'grantPublish takes an IAM role or user (the topic policy names who may publish by aws:PrincipalArn)',
      );
    }
    if (!this.publisherArns.includes(principalArn)) this.publisherArns.push(principalArn);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: [this.topic.topicArn],
    });
    const keyActions = ['kms:GenerateDataKey', 'kms:Decrypt'];
    const throughSns = { StringEquals: { 'kms:ViaService': snsEndpoint(this) } };
    iam.Grant.addToPrincipal({
      grantee,
      actions: keyActions,
      resourceArns: [this.encryptionKey.keyArn],
      conditions: throughSns,
    });
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [grantee.grantPrincipal],
        actions: keyActions,
        resources: ['*'],
        conditions: throughSns,
      }),
    );
  }
}

/** Why an endpoint of each protocol cannot be subscribed, or `undefined`. */
const ENDPOINT_CHECKS: Record<AlertSubscriptionProtocol, TextCheck> = {
  email: (endpoint) =>
    isEmailAddress(endpoint) ? undefined : `'${endpoint}' is not an email address`,
  sqs: checkQueueArn,
  https: patternCheck(/^https:\/\/[^\s/]+/, 'an https:// URL'),
  lambda: patternCheck(
    /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/,
    'a Lambda function ARN',
  ),
};

function checkEndpoint(scope: Construct, protocol: AlertSubscriptionProtocol, endpoint: string) {
  // Plain JavaScript callers can pass any string.
  const check = (ENDPOINT_CHECKS as Partial<Record<string, TextCheck>>)[protocol];
  if (check === undefined) {
    throw new InvalidSubscriptionError(
      scope,
      `protocol '${String(protocol)}' is not one of: ${Object.keys(ENDPOINT_CHECKS).join(', ')}`,
    );
  }
  const problem = Token.isUnresolved(endpoint) ? undefined : check(endpoint);
  if (problem !== undefined) {
    throw new InvalidSubscriptionError(scope, `${protocol} endpoint ${problem}`);
  }
}

/** No policy for every severity; `{ severity: [...] }` otherwise. */
function severityFilter(
  scope: Construct,
  severities: readonly Severity[] | undefined,
): Record<string, sns.SubscriptionFilter> | undefined {
  if (severities === undefined) return undefined;
  const unknown = severities.filter((severity) => !SEVERITIES.includes(severity));
  if (unknown.length > 0 || severities.length === 0) {
    throw new InvalidSubscriptionError(
      scope,
      `severities must list some of ${SEVERITIES.join(', ')}; got [${severities.join(', ')}]`,
    );
  }
  const allowlist = SEVERITIES.filter((severity) => severities.includes(severity));
  if (allowlist.length === SEVERITIES.length) return undefined;
  return { [SEVERITY_ATTRIBUTE]: sns.SubscriptionFilter.stringFilter({ allowlist }) };
}

/**
 * The guardrail of every Chatbot channel configuration: read-only CloudWatch, not the
 * `AdministratorAccess` Chatbot applies when none is given.
 */
export function chatbotGuardrailPolicies(): iam.IManagedPolicy[] {
  return [iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')];
}

/** The SNS endpoint of the stack's Region, as `kms:ViaService` names it. */
function snsEndpoint(scope: Construct): string {
  return `sns.${Stack.of(scope).region}.amazonaws.com`;
}

/** The ARN `aws:PrincipalArn` holds for requests of `principal`, if it is an IAM role or user. */
function iamPrincipalArn(principal: iam.IPrincipal): string | undefined {
  if ('roleArn' in principal && typeof principal.roleArn === 'string') return principal.roleArn;
  if ('userArn' in principal && typeof principal.userArn === 'string') return principal.userArn;
  return undefined;
}

/** A publisher ARN must name an IAM role or user exactly, in the stack's account. */
function publisherCheck(scope: Construct): TextCheck {
  return (arn) => {
    const problem = checkPublisherArn(arn);
    if (problem !== undefined) return problem;
    const stackAccount = Stack.of(scope).account;
    const { account } = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
    return Token.isUnresolved(stackAccount) || account === stackAccount
      ? undefined
      : `'${arn}' is not in the stack's account ${stackAccount}; the topic policy allows principals of its own account only`;
  };
}

/** True only when both accounts are known and differ: the permission cannot be added here. */
function isOtherAccount(scope: Construct, functionArn: string): boolean {
  const stackAccount = Stack.of(scope).account;
  if (Token.isUnresolved(stackAccount) || Token.isUnresolved(functionArn)) return false;
  const { account } = Arn.split(functionArn, ArnFormat.COLON_RESOURCE_NAME);
  return account !== undefined && account !== stackAccount;
}
