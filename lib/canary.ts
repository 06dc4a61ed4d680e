import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as mediapackagev2 from 'aws-cdk-lib/aws-mediapackagev2';
import { Construct } from 'constructs';
import type { DetectionPath } from '../lambda/contract';
import {
  CANARY_TAG_KEY,
  DETECTION_PATHS,
  FUNCTION_ENV,
  METRIC_DIMENSIONS,
  SERVICE_NAME,
} from '../lambda/contract';
import { InvalidPropsError, throwIfInvalid } from './errors';
import { PIPELINE_METRIC_NAMES, pipelineMetric } from './pipeline-metrics';
import type { NumberRule } from './prop-checks';
import { checkDuration } from './prop-checks';

/**
 * The canary function's code, built ahead by `npm run build` (CANARY_BUILD in lib/bundling.ts),
 * like the audit function's (see FUNCTION_CODE_DIR).
 */
export const CANARY_CODE_DIR = path.join(__dirname, '..', 'dist', 'canary');

/** Where docs/operations.md explains the canary's alarms. */
const RUNBOOK = 'docs/operations.md';

/**
 * The canary's timing (`-c canary=true`; the facade's `canary: true | CanaryOptions`). Each has a
 * default explained in docs/operations.md.
 */
export interface CanaryOptions {
  /**
   * How often the canary makes its call: whole minutes, from 5 minutes to 24 hours. Each call
   * is one Lambda invocation and one CloudTrail management event.
   *
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;

  /**
   * How long a path may go without seeing the canary before its alarm fires: longer than
   * {@link schedule}, at most 7 days; a multiple of 5 minutes up to 24 hours, of an hour above
   * (CloudWatch evaluates an alarm over at most a day of periods under an hour).
   *
   * @default - twice the schedule plus 15 minutes (one missed call and a slow log file are
   *   tolerated), rounded up to a multiple of 5 minutes (of an hour above 24 hours)
   */
  readonly missingAfter?: Duration;
}

/** Properties of {@link AuditCanary}. */
export interface AuditCanaryProps extends CanaryOptions {
  /**
   * The audit function: the canary sets FUNCTION_ENV `canaryResourceArn` and `canaryRoleArn`
   * on it, so it recognises the canary's call (and only that call).
   */
  readonly auditFunction: lambda.Function;

  /**
   * The paths the canary's call reaches the audit function by, one alarm each: `log-file`
   * always, `eventbridge` too when the fast path is on.
   */
  readonly paths: readonly DetectionPath[];

  /** Where alarm (and recovery) notifications go: usually the operations topic's action. */
  readonly alarmAction: cloudwatch.IAlarmAction;

  /**
   * Retention of the canary function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The defaults of {@link CanaryOptions}; `missingAfter`'s depends on the schedule. */
export const CANARY_DEFAULTS = {
  schedule: Duration.hours(1),
  logRetention: logs.RetentionDays.THREE_MONTHS,
} as const;

/** The longest evaluation range of an alarm whose period is under an hour. */
const SHORT_PERIODS_RANGE = Duration.days(1);
/** The longest evaluation range of an alarm with hour-long periods. */
const LONG_PERIODS_RANGE = Duration.days(7);
const FIVE_MINUTES = Duration.minutes(5);
const ONE_HOUR = Duration.hours(1);

/** What {@link CanaryOptions} accept, in minutes. */
export const CANARY_LIMITS = {
  schedule: {
    whole: true,
    min: 5,
    max: SHORT_PERIODS_RANGE.toMinutes(),
    expected: 'a whole number of minutes from 5 to 1440 (24 hours)',
  },
  missingAfter: {
    whole: true,
    min: 10,
    max: LONG_PERIODS_RANGE.toMinutes(),
    expected:
      'a multiple of 5 minutes up to 1440 (24 hours), or of 60 minutes up to 10080 (7 days)',
  },
} as const satisfies Record<keyof CanaryOptions, NumberRule>;

/** Attempts of one scheduled call: the invocation and Lambda's two retries. */
const ATTEMPTS_PER_CALL = 3;
/** The canary function's errors are counted over this window. */
const ERRORS_PERIOD = Duration.minutes(15);

/**
 * The step of an alarm that must see no canary for `missingAfter`: 5-minute periods, or hours
 * beyond a day (CloudWatch's limit on the evaluation range of shorter periods).
 */
function missingStep(missingAfter: Duration): Duration {
  return missingAfter.toMinutes({ integral: false }) > SHORT_PERIODS_RANGE.toMinutes()
    ? ONE_HOUR
    : FIVE_MINUTES;
}

/**
 * The default `missingAfter` of `schedule`: twice the schedule plus 15 minutes, rounded up to
 * whole alarm periods.
 */
export function defaultMissingAfter(schedule: Duration): Duration {
  const minutes = 2 * schedule.toMinutes({ integral: false }) + 15;
  const step = missingStep(Duration.minutes(minutes)).toMinutes();
  return Duration.minutes(Math.ceil(minutes / step) * step);
}

/** A problem with `missingAfter` beyond its range, or `undefined`. */
function missingAfterProblem(missingAfter: Duration, schedule: Duration): string | undefined {
  if (missingAfter.isUnresolved() || schedule.isUnresolved()) return undefined;
  const range = checkDuration('missingAfter', missingAfter, CANARY_LIMITS.missingAfter, 'minutes');
  if (range !== undefined) return range;
  const minutes = missingAfter.toMinutes({ integral: false });
  if (minutes % missingStep(missingAfter).toMinutes() !== 0) {
    return `missingAfter must be ${CANARY_LIMITS.missingAfter.expected}; got ${missingAfter.toHumanString()}`;
  }
  if (minutes <= schedule.toMinutes({ integral: false })) {
    return `missingAfter (${missingAfter.toHumanString()}) must be longer than the schedule (${schedule.toHumanString()}), or the alarm fires between two calls`;
  }
  return undefined;
}

/** Problems with `paths`: none given, an unknown one, or one twice. */
function pathProblems(paths: readonly DetectionPath[]): (string | undefined)[] {
  const unknown = paths.filter((p) => !(DETECTION_PATHS as readonly string[]).includes(p));
  return [
    paths.length === 0
      ? `paths must name at least one of ${DETECTION_PATHS.join(', ')}`
      : undefined,
    unknown.length > 0
      ? `paths: ${unknown.map((p) => `'${p}'`).join(', ')} is not one of ${DETECTION_PATHS.join(', ')}`
      : undefined,
    new Set(paths).size === paths.length
      ? undefined
      : `paths names a path twice: ${paths.join(', ')}`,
  ];
}

/** Construct IDs and plain names of each path's alarm. */
const PATH_NAMES: Record<DetectionPath, { readonly id: string; readonly text: string }> = {
  eventbridge: { id: 'EventBridge', text: 'the fast path (EventBridge)' },
  'log-file': { id: 'LogFile', text: 'the log file path (CloudTrail log files in S3)' },
};

/** What to check when a path has not seen the canary, sentence by sentence. */
const PATH_CHECKS: Record<DetectionPath, readonly string[]> = {
  'log-file': [
    'Do: check the canary function alarm first (no call, nothing to see).',
    'Then the trail (aws cloudtrail get-trail-status: IsLogging, LatestDeliveryError), the newest objects under AWSLogs/ in the trail bucket (bucket or KMS key policy), the S3 notification or the CloudTrail SNS topic and queue, the audit function errors alarm and its dead-letter queue,',
    'the rules (a rules change that stops matching mediapackagev2 TagResource hides the canary), and the alert topic (a topic or key policy refusing the function publish: CanarySeen is recorded only after the publish succeeded).',
  ],
  eventbridge: [
    'Do: check the canary function alarm first (no call, nothing to see).',
    "Then the trail (EventBridge receives management events only while a trail is logging), the fast path rule on the default event bus (enabled, its target the audit function, the target's dead-letter queue), the audit function errors alarm,",
    'the rules, and the alert topic (CanarySeen is recorded only after the publish succeeded). If only this path is missing while the log file path sees the canary, EventBridge delivery is late or lost: the log file path still alerts.',
  ],
};

/**
 * The canary (`-c canary=true`): proves the whole chain end to end, on a schedule.
 *
 * An EventBridge schedule invokes a small function that tags a MediaPackage v2 channel group the
 * construct creates (an empty group: MediaPackage charges for video ingested and originated,
 * https://aws.amazon.com/mediapackage/pricing/, so it costs nothing) with CANARY_TAG_KEY set to
 * the time of the call. CloudTrail records the call; the audit function, told the group's ARN
 * and the canary's role, recognises that exact call, publishes it as a `kind=canary` message
 * (which no person's subscription receives) and records `CanarySeen` per path. One alarm per
 * path fires when the canary has not been seen for `missingAfter`: the trail, the delivery, the
 * function, the rules and the publisher are all proven at once. A second alarm watches the
 * canary function's own errors.
 *
 * The canary role may call only `mediapackagev2:TagResource`, on that group, with that tag key.
 */
export class AuditCanary extends Construct {
  /** The canary's channel group. */
  public readonly channelGroup: mediapackagev2.CfnChannelGroup;
  /** Its ARN, which the canary tags and the audit function compares with. */
  public readonly channelGroupArn: string;
  /** The canary function's role: only its calls are the canary's. */
  public readonly role: iam.Role;
  /** The scheduled function that makes the canary's call. */
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  /** The schedule rule. */
  public readonly rule: events.Rule;
  public readonly schedule: Duration;
  public readonly missingAfter: Duration;
  /** One alarm per path: the canary has not been seen on it for `missingAfter`. */
  public readonly notSeenAlarms: Readonly<Partial<Record<DetectionPath, cloudwatch.Alarm>>>;
  /** Every scheduled call of the canary function failed. */
  public readonly functionErrorsAlarm: cloudwatch.Alarm;
  /** Every alarm above, the paths first. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  public constructor(scope: Construct, id: string, props: AuditCanaryProps) {
    super(scope, id);
    this.schedule = props.schedule ?? CANARY_DEFAULTS.schedule;
    this.missingAfter = props.missingAfter ?? defaultMissingAfter(this.schedule);
    throwIfInvalid(this, [
      checkDuration('schedule', this.schedule, CANARY_LIMITS.schedule, 'minutes'),
      missingAfterProblem(this.missingAfter, this.schedule),
      ...pathProblems(props.paths),
    ]);

    this.channelGroup = new mediapackagev2.CfnChannelGroup(this, 'ChannelGroup', {
      // [A-Za-z0-9_-], 1-256 characters, unique in the account and Region: the stack's path.
      channelGroupName: Names.uniqueResourceName(this, {
        maxLength: 128,
        separator: '-',
        allowedSpecialCharacters: '-_',
      }),
      description: `MediaPackage audit canary: tagged every ${this.schedule.toHumanString()} to prove the audit pipeline works; holds no channels and costs nothing`,
    });
    this.channelGroupArn = this.channelGroup.attrArn;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? CANARY_DEFAULTS.logRetention,
    });
    this.role = this.createRole();
    this.function = this.createFunction();
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'MediaPackage audit canary: one tag change on the canary channel group',
      schedule: events.Schedule.rate(this.schedule),
      targets: [
        new targets.LambdaFunction(this.function, {
          retryAttempts: 2,
          // A call later than the next one proves nothing more.
          maxEventAge: this.schedule.toMinutes() < 60 ? Duration.minutes(5) : Duration.hours(1),
        }),
      ],
    });

    props.auditFunction.addEnvironment(FUNCTION_ENV.canaryResourceArn, this.channelGroupArn);
    props.auditFunction.addEnvironment(FUNCTION_ENV.canaryRoleArn, this.role.roleArn);

    const notSeen = Object.fromEntries(
      props.paths.map((p) => [p, this.notSeenAlarm(p, props.alarmAction)]),
    ) as Partial<Record<DetectionPath, cloudwatch.Alarm>>;
    this.notSeenAlarms = notSeen;
    this.functionErrorsAlarm = this.errorsAlarm(props.alarmAction);
    this.alarms = [...Object.values(notSeen), this.functionErrorsAlarm];
  }

  /** No AWSLambdaBasicExecutionRole: it allows writing to every log group in the account. */
  private createRole(): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `MediaPackage audit canary: may only set the ${CANARY_TAG_KEY} tag on its own channel group`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['mediapackagev2:TagResource'],
        resources: [this.channelGroup.attrArn],
        // Only the canary's key. Where a service leaves aws:TagKeys out of the request context,
        // ForAllValues over no values holds: the condition narrows, it can never break the call.
        conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [CANARY_TAG_KEY] } },
      }),
    );
    return role;
  }

  private createFunction(): lambda.Function {
    if (!fs.existsSync(path.join(CANARY_CODE_DIR, 'index.js'))) {
      throw new InvalidPropsError(
        this,
        `the canary's code is missing from ${CANARY_CODE_DIR}: run \`npm run build\` (a packaged install ships it built)`,
      );
    }
    return new lambda.Function(this, 'Function', {
      description: 'MediaPackage audit canary: tags the canary channel group on a schedule',
      code: lambda.Code.fromAsset(CANARY_CODE_DIR),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      // One call at a time: a second concurrent one proves nothing.
      reservedConcurrentExecutions: 1,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [FUNCTION_ENV.powertoolsServiceName]: SERVICE_NAME,
        // CANARY_WRITER_ENV.resourceArn; not imported: that module loads the function's runtime
        // dependencies, which a CDK app does not have.
        [FUNCTION_ENV.canaryResourceArn]: this.channelGroup.attrArn,
      },
      retryAttempts: ATTEMPTS_PER_CALL - 1,
      maxEventAge: Duration.hours(1),
    });
  }

  /** The canary has not been seen on `detectionPath` for `missingAfter`. */
  private notSeenAlarm(
    detectionPath: DetectionPath,
    action: cloudwatch.IAlarmAction,
  ): cloudwatch.Alarm {
    const step = missingStep(this.missingAfter);
    const periods = this.missingAfter.toMinutes() / step.toMinutes();
    const name = PATH_NAMES[detectionPath];
    const alarm = new cloudwatch.Alarm(this, `NotSeen${name.id}`, {
      alarmDescription: [
        'MediaPackage audit:',
        `the canary has not been seen on ${name.text} for ${this.missingAfter.toHumanString()} (it tags its channel group every ${this.schedule.toHumanString()}).`,
        `Until it is, a MediaPackage change may not alert on this path: the canary proves the trail, the delivery, the audit function, the rules and the alert topic at once.`,
        ...PATH_CHECKS[detectionPath],
        `Runbook: ${RUNBOOK}#canary-not-seen`,
      ].join(' '),
      metric: pipelineMetric(PIPELINE_METRIC_NAMES.canarySeen, {
        dimensions: { [METRIC_DIMENSIONS.path]: detectionPath },
        statistic: 'SampleCount',
        period: step,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      // No canary seen means no data point at all: that is the condition this alarm watches.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }

  /** Every attempt of a scheduled call failed (the invocation and Lambda's retries). */
  private errorsAlarm(action: cloudwatch.IAlarmAction): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'FunctionErrors', {
      alarmDescription: [
        'MediaPackage audit:',
        `the canary function failed ${ATTEMPTS_PER_CALL} times in ${ERRORS_PERIOD.toMinutes()} minutes: its call (and Lambda's retries) did not tag the canary channel group, so the canary-not-seen alarms will follow; this one says why.`,
        "Do: read the canary function's log (CanaryWriteError: AccessDenied points at its role or an SCP or permissions boundary, ResourceNotFound at a deleted channel group: redeploy the stack), and check MediaPackage's health in the Region.",
        `Runbook: ${RUNBOOK}#canary-function-errors`,
      ].join(' '),
      metric: this.function.metricErrors({ period: ERRORS_PERIOD, statistic: 'Sum' }),
      threshold: ATTEMPTS_PER_CALL,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
