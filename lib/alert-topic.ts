import { Aws, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SlackConfig } from './config';

/** Properties of {@link AlertTopic}. */
export interface AlertTopicProps {
  /**
   * Email addresses to subscribe. Each recipient must confirm the subscription from the email
   * SNS sends after deployment.
   *
   * @default - no email subscriptions
   */
  readonly alertEmails?: readonly string[];

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
   * ARNs of standard SQS queues that receive every alert (SNS envelope, not raw). Each queue's
   * policy (and its KMS key policy, if encrypted) must let this topic send to it.
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
}

/**
 * The encrypted SNS topic alerts go to, with email, Slack (AWS Chatbot) and SQS subscribers.
 *
 * Its customer-managed key lets CloudWatch alarms publish (the AWS-managed `aws/sns` key would
 * not), so later alarms can use the same topic. SNS decrypts messages before delivering them,
 * so subscribers (Chatbot included) need no key access.
 */
export class AlertTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Encrypts the topic's messages at rest. */
  public readonly encryptionKey: kms.Key;
  /** The Slack channel configuration, when Slack delivery is configured. */
  public readonly slackChannel?: chatbot.SlackChannelConfiguration;
  private queueSubscriberCount = 0;

  public constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: 'Encrypts the MediaPackage audit alert topic',
      enableKeyRotation: true,
      // Nothing outlives the topic that this key would have to decrypt.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'MediaPackage audit',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    for (const email of props.alertEmails ?? []) {
      this.addEmailSubscriber(email);
    }
    for (const queueArn of props.extraSubscriberQueueArns ?? []) {
      this.addQueueSubscriber(queueArn);
    }

    if (props.slack !== undefined) {
      this.slackChannel = new chatbot.SlackChannelConfiguration(this, 'SlackChannel', {
        slackChannelConfigurationName:
          props.slackChannelConfigurationName ??
          Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.topic],
        // Chatbot only relays notifications: its role has no permissions and the guardrail caps
        // what channel members could do even with their own user roles.
        role: new iam.Role(this, 'SlackChannelRole', {
          assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
          description: 'AWS Chatbot channel role for MediaPackage audit alerts (no permissions)',
        }),
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
  }

  /** Subscribes an email address; the recipient must confirm it. */
  public addEmailSubscriber(email: string): void {
    this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /**
   * Subscribes an existing standard SQS queue (SNS JSON envelope, not raw delivery). An imported
   * queue's policy cannot be changed from here: its owner must let this topic `sqs:SendMessage`
   * (and, for a queue encrypted with a customer-managed key, let `sns.amazonaws.com` use the key).
   */
  public addQueueSubscriber(queueArn: string): void {
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
   * Lets `grantee` publish: `sns:Publish` on the topic, and `kms:GenerateDataKey`/`kms:Decrypt` of
   * the topic key through SNS, in the key policy and in the grantee's identity policy.
   */
  public grantPublish(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: [this.topic.topicArn],
    });
    const keyActions = ['kms:GenerateDataKey', 'kms:Decrypt'];
    const throughSns = {
      StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` },
    };
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
