import type { StackProps } from 'aws-cdk-lib';
import { Aws, BootstraplessSynthesizer, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { checkRegion } from './audit-history';
import { ConfigError } from './config';
import { throwIfInvalid } from './errors';
import { fastPathEventPattern } from './fast-path-rule';
import type { MediaPackageAuditConfig } from './mediapackage-audit-stack';
import { checkText } from './prop-checks';

/** Properties of {@link FastPathForwarderStack}. */
export interface FastPathForwarderStackProps extends StackProps {
  /** The Region of the audit stack, whose default event bus receives the events. */
  readonly homeRegion: string;
  /**
   * The account of the audit stack. Another account's bus must allow this one to put events
   * (docs/infrastructure.md, "Organizations").
   *
   * @default - the forwarder's own account
   */
  readonly homeAccount?: string;
}

/**
 * The fast path of one other Region: a rule with the home rule's pattern whose target is the
 * home Region's default event bus (a cross-Region event bus target; CDK gives the rule a role
 * allowed `events:PutEvents` on that bus only). An event EventBridge could not deliver goes to
 * an encrypted dead-letter queue in this Region.
 *
 * It references nothing in the audit stack, so it deploys on its own (`cdk deploy --all`, or a
 * StackSet). It has no assets, so it synthesizes with {@link BootstraplessSynthesizer}: the
 * template goes to CloudFormation inline and the Region needs no `cdk bootstrap`.
 */
export class FastPathForwarderStack extends Stack {
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;
  /** ARN of the bus the events go to. */
  public readonly homeBusArn: string;

  public constructor(scope: Construct, id: string, props: FastPathForwarderStackProps) {
    super(scope, id, {
      description: `MediaPackage audit alerts: forwards this Region's MediaPackage API calls to ${props.homeRegion} (fast path)`,
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    throwIfInvalid(this, [
      checkText('homeRegion', props.homeRegion, checkRegion),
      props.homeRegion === this.region && props.homeAccount === undefined
        ? `homeRegion ${props.homeRegion} is this stack's own Region: the audit stack's rule already sees its events`
        : undefined,
    ]);
    this.homeBusArn = `arn:${Aws.PARTITION}:events:${props.homeRegion}:${props.homeAccount ?? Aws.ACCOUNT_ID}:event-bus/default`;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the rule target that forwards events to the home Region.',
    });

    this.rule = new events.Rule(this, 'Forward', {
      description: `MediaPackage and CloudTrail API calls, forwarded to the default bus of ${props.homeRegion}`,
      eventPattern: fastPathEventPattern(),
      // An event bus target takes no retry policy: EventBridge retries it for 24 hours.
      targets: [
        new targets.EventBus(events.EventBus.fromEventBusArn(this, 'HomeBus', this.homeBusArn), {
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }
}

/** One forwarder to deploy: its Region and the home Region it sends to. */
export interface Forwarder {
  readonly region: string;
  readonly homeRegion: string;
}

/**
 * A forwarder for each watched Region but the home Region; none with the fast path off.
 *
 * @throws ConfigError when the fast path is on but the home Region is unknown: a forwarder must
 * name the bus it sends to.
 */
export function fastPathForwarders(
  homeRegion: string | undefined,
  config: Pick<MediaPackageAuditConfig, 'fastPath' | 'regions'>,
): Forwarder[] {
  if (!config.fastPath) return [];
  if (homeRegion === undefined || Token.isUnresolved(homeRegion)) {
    throw new ConfigError([
      {
        key: 'regions',
        message:
          'the fast path forwards the events of every watched Region to the home Region, and the home Region is unknown: ' +
          'run cdk with a Region (AWS_REGION=eu-west-1 npx cdk synth, or a profile with a region), ' +
          'or turn the fast path off with -c fastPath=false',
      },
    ]);
  }
  return config.regions
    .filter((region) => region !== homeRegion)
    .map((region) => ({ region, homeRegion }));
}
