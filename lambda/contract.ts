/**
 * The contract between the stack (`lib/`), the function (`lambda/`) and the CLI (`cli/`): every
 * name both sides must spell the same, written once. It imports nothing, so the CDK app, the
 * function's bundle and the CLI can all load it, and renaming a value here breaks compilation
 * on every side instead of a deployment.
 */

/** Powertools service name of the function: the `service` dimension of every metric. */
export const SERVICE_NAME = 'mediapackage-audit-alerts';

/** CloudWatch namespace of the function's metrics. */
export const METRICS_NAMESPACE = 'MediaPackageAudit';

/** The environment variables the stack sets on the function (and the CLI reads). */
export const FUNCTION_ENV = {
  /** ARN of the alert topic. Required by the function. */
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** Name of the idempotency table; unset: at-least-once delivery without a table. */
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  /** How long a published alert's idempotency record lives, in seconds. */
  idempotencyTtlSeconds: 'IDEMPOTENCY_TTL_SECONDS',
  /** The pipeline's own resources as JSON (`OwnResources`), for the tampering rule. */
  ownResources: 'MP_AUDIT_OWN_RESOURCES',
  /** Most uncompressed bytes read from one log file (a decimal string). */
  maxInflatedBytes: 'MP_AUDIT_MAX_INFLATED_BYTES',
  /** Rules as JSON text, for local runs; deployed rules are a file in the code (BUNDLED_RULES_FILE). */
  localRules: 'MP_AUDIT_RULES',
  /** `true`: S3 path-style addressing (local emulators). */
  s3ForcePathStyle: 'MP_AUDIT_S3_FORCE_PATH_STYLE',
  /**
   * The Regions whose events reach the function through EventBridge (comma-separated): the
   * home Region and each forwarded one. Unset: no fast path. An alert the log file path sends
   * for an event in one of them counts as `FastPathMissed`.
   */
  fastPathRegions: 'MP_AUDIT_FAST_PATH_REGIONS',
  /**
   * ARN of the resource the canary writes to (`-c canary=true`). With the canary role below,
   * it tells the canary's own call apart from any other call on any resource.
   */
  canaryResourceArn: 'MP_AUDIT_CANARY_RESOURCE_ARN',
  /** ARN of the IAM role the canary writes with: only its calls are the canary's. */
  canaryRoleArn: 'MP_AUDIT_CANARY_ROLE_ARN',
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/**
 * The file, beside the function's code, that holds the validated rules the stack deployed: part
 * of the code asset, so a rules change changes the asset hash and deploys like a code change.
 */
export const BUNDLED_RULES_FILE = 'rules.json';

/**
 * The pipeline's own resources, which the tampering rule guards (`MP_AUDIT_OWN_RESOURCES`).
 * The function adds its own name and its alert topic.
 */
export interface OwnResources {
  readonly bucketNames?: readonly string[];
  readonly functionNames?: readonly string[];
  readonly topicArns?: readonly string[];
  /** Key ARNs or key ids. */
  readonly kmsKeys?: readonly string[];
}

/** Bytes in a MB of `maxInflatedMb`: MiB, as Lambda's memory setting. */
export const BYTES_PER_MB = 1024 * 1024;

/**
 * The default budget of inflated bytes per object, in MB: 2 GiB, ten times the largest
 * CloudTrail files seen on busy organization trails (tens to hundreds of MB), so only a gzip
 * bomb or a file that is not a real log reaches it.
 */
export const DEFAULT_MAX_INFLATED_MB = 2048;

/**
 * How long an idempotency record lives by default: 15 days, longer than the dead-letter queue
 * keeps a failed invocation (14 days), so a replay from it never re-sends a delivered alert.
 */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 15 * 24 * 60 * 60;

/**
 * How long the pipeline remembers a resource's last known state (to say what its next change
 * changed): a year, since a channel may go months between changes. Each state is at most
 * 32 KiB, masked; an unknown state is read again with a describe call.
 */
export const RESOURCE_STATE_TTL_SECONDS = 365 * 24 * 60 * 60;

/**
 * The IAM actions `describe` calls (lambda/aws/resource-describer.ts), and the only ones it needs (least privilege: reads of the
 * three MediaPackage APIs, no List* of whole accounts, nothing that writes). Grant them on
 * `*` or on the MediaPackage resource ARNs of the watched accounts and Regions.
 */
export const DESCRIBE_ACTIONS: readonly string[] = [
  'mediapackage:DescribeChannel',
  'mediapackage:DescribeOriginEndpoint',
  'mediapackage:ListTagsForResource',
  'mediapackagev2:GetChannelGroup',
  'mediapackagev2:GetChannel',
  'mediapackagev2:GetOriginEndpoint',
  'mediapackagev2:GetChannelPolicy',
  'mediapackagev2:GetOriginEndpointPolicy',
  'mediapackagev2:ListTagsForResource',
  'mediapackage-vod:DescribePackagingGroup',
  'mediapackage-vod:DescribePackagingConfiguration',
  'mediapackage-vod:DescribeAsset',
  'mediapackage-vod:ListTagsForResource',
];

/** The event sources whose write calls alert. */
export const MEDIAPACKAGE_EVENT_SOURCES = [
  'mediapackage.amazonaws.com',
  'mediapackagev2.amazonaws.com',
  'mediapackage-vod.amazonaws.com',
] as const;

/**
 * The Regions of the commercial partition (`aws`) where AWS Elemental MediaPackage has an API
 * endpoint: the union of MediaPackage v2 (`mediapackagev2`), v1 live (`mediapackage`) and VOD
 * (`mediapackage-vod`).
 *
 * Source: "AWS Elemental MediaPackage endpoints and quotas" (AWS General Reference,
 * https://docs.aws.amazon.com/general/latest/gr/mediapackage.html), checked against the
 * endpoint table the AWS SDKs ship (botocore `endpoints.json`, August 2026); read December 2026.
 * A Region added later is watched by naming it in `-c regions=...`. Here, not in lib/, because
 * the stack's fast path and `mp-audit history --all-regions` both read it.
 */
export const MEDIAPACKAGE_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'me-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

/**
 * The Regions of {@link MEDIAPACKAGE_REGIONS} that are disabled in an account until someone opts
 * in (Hyderabad, Melbourne, Malaysia, UAE): a stack cannot be deployed to them before, so
 * `cdk deploy --all` would fail for most accounts if the default named them.
 */
export const OPT_IN_MEDIAPACKAGE_REGIONS: readonly string[] = [
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'me-central-1',
];

/** The `detail-type` of the event CloudTrail sends EventBridge for each management call. */
export const CLOUDTRAIL_API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/**
 * The EventBridge `source`s of the fast path: MediaPackage's three APIs, and CloudTrail for the
 * calls that tamper with the trail (self-protection).
 */
export const FAST_PATH_EVENT_SOURCES = [
  'aws.mediapackage',
  'aws.mediapackagev2',
  'aws.mediapackage-vod',
  'aws.cloudtrail',
] as const;

/** The EventBridge `source` of a CloudTrail `eventSource`: `mediapackage.amazonaws.com` is `aws.mediapackage`. */
export function eventBridgeSource(eventSource: string): string {
  return `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
}

/** The CloudTrail `eventSource` of an EventBridge `source`: the inverse of eventBridgeSource. */
export function cloudTrailEventSource(source: string): string {
  return `${source.replace(/^aws\./, '')}.amazonaws.com`;
}

/**
 * How an alert's event was found: its `AWS API Call via CloudTrail` event on EventBridge
 * (seconds), or the CloudTrail log file delivered to S3 (minutes).
 */
export const DETECTION_PATHS = ['eventbridge', 'log-file'] as const;
export type DetectionPath = (typeof DETECTION_PATHS)[number];

/** Why a log object could not be read to the end: the `reason` of `LogReadError`. */
export const LOG_READ_FAILURES = [
  'empty',
  'corrupt-gzip',
  'truncated',
  'invalid-json',
  'not-cloudtrail',
  'missing-records',
  /** The read ran out of its time budget (the invocation's remaining time less a margin). */
  'time-budget',
  /** The read inflated more bytes than its budget allows (a gzip bomb, a giant file). */
  'byte-budget',
] as const;
export type LogReadFailure = (typeof LOG_READ_FAILURES)[number];

/** Failures that are the read's budget running out (`ObjectsIncomplete`), not damage. */
export const BUDGET_FAILURES = [
  'time-budget',
  'byte-budget',
] as const satisfies readonly LogReadFailure[];
export type IncompleteReadReason = (typeof BUDGET_FAILURES)[number];
/** Damage: the `reason`s of `ObjectsUnreadable`. */
export type UnreadableReason = Exclude<LogReadFailure, IncompleteReadReason>;

/** Whether a read failure is a budget running out rather than damage in the object. */
export function isBudgetFailure(reason: LogReadFailure): reason is IncompleteReadReason {
  return (BUDGET_FAILURES as readonly LogReadFailure[]).includes(reason);
}

/**
 * The metrics the function emits in METRICS_NAMESPACE. Every one carries the dimension
 * `service` = SERVICE_NAME; those marked `+ x` carry exactly one more dimension, `x`
 * (METRIC_DIMENSIONS). CloudWatch matches a metric only with its exact set of dimensions, so
 * alarms name them all.
 */
export const PIPELINE_METRIC_NAMES = {
  logFilesProcessed: 'LogFilesProcessed',
  recordsScanned: 'RecordsScanned',
  bytesRead: 'BytesRead',
  processingDuration: 'ProcessingDuration',
  /** + `severity`; and again + `path` (DetectionPath) */
  alertsPublished: 'AlertsPublished',
  /** Milliseconds from the call (`eventTime`) to its alert's publication, + `path` */
  detectionDelay: 'DetectionDelay',
  /** Alerts the log file path sent for an event the fast path should have delivered first */
  fastPathMissed: 'FastPathMissed',
  /** + `eventName` */
  alertsByEventName: 'AlertsByEventName',
  alertsAlreadyPublished: 'AlertsAlreadyPublished',
  alertsSuppressed: 'AlertsSuppressed',
  /** + `reason` */
  objectsSkipped: 'ObjectsSkipped',
  /** + `reason` (UnreadableReason) */
  objectsUnreadable: 'ObjectsUnreadable',
  /** + `reason` (IncompleteReadReason) */
  objectsIncomplete: 'ObjectsIncomplete',
  badRecords: 'BadRecords',
  oversizedRecords: 'OversizedRecords',
  publishRetries: 'PublishRetries',
  objectsFailed: 'ObjectsFailed',
  /** + `reason` */
  eventsIgnored: 'EventsIgnored',
  /** Milliseconds from the canary's call to the pipeline seeing it, + `path` */
  canarySeen: 'CanarySeen',
  /** Events a storm collapsed: published for machines, kept from people */
  alertsCollapsed: 'AlertsCollapsed',
  /** Storm digests published (one per storm window) */
  digestsPublished: 'DigestsPublished',
  /** Storm digests that could not be read or sent this time (the next invocation tries again) */
  digestFailures: 'DigestFailures',
  /** Alerts whose previous resource state was unknown, + `reason` */
  previousStateUnknown: 'PreviousStateUnknown',
} as const;
export type PipelineMetricName = (typeof PIPELINE_METRIC_NAMES)[keyof typeof PIPELINE_METRIC_NAMES];

/** The one extra dimension some metrics carry (see PIPELINE_METRIC_NAMES). */
export const METRIC_DIMENSIONS = {
  severity: 'severity',
  eventName: 'eventName',
  reason: 'reason',
  path: 'path',
} as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[keyof typeof METRIC_DIMENSIONS];

/**
 * The tag the canary sets on its own resource (`-c canary=true`); its value is the time of the
 * call. The tag alone proves nothing: the pipeline also checks the resource and the caller.
 */
export const CANARY_TAG_KEY = 'mp-audit:canary';

/** What an SNS message on the alert topic is: message attribute `kind`. */
export const MESSAGE_KINDS = ['event', 'digest', 'canary'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The message attributes subscribers filter on beyond the alert's own fields. */
export const MESSAGE_ATTRIBUTES = {
  /** MessageKind. */
  kind: 'kind',
  /** `collapsed` on an event a storm collapsed into its window's digest; absent otherwise. */
  storm: 'storm',
} as const;

/**
 * The idempotency table's index of storm state (sparse: only storm items carry its keys): a
 * window's collapsed events under the window's id, and windows whose digest is due under
 * STORM_DIGESTS_DUE, sorted by when.
 */
export const STORM_INDEX = {
  name: 'storm',
  partitionKey: 'stormPartition',
  sortKey: 'stormSort',
} as const;

/** The index partition of windows whose digest is still to send. */
export const STORM_DIGESTS_DUE = 'storm-digests-due';

/** The `storm` attribute's value on a collapsed event. */
export const STORM_COLLAPSED = 'collapsed';

/**
 * The message kinds people (email, chat) receive: never a canary, and events only when no storm
 * collapsed them (see alertTopic's people filter).
 */
export const PEOPLE_MESSAGE_KINDS: readonly MessageKind[] = ['event', 'digest'];

/**
 * The message of the ERROR line logged for an object a read budget stopped; the operations
 * alarm's Logs Insights query filters on it.
 */
export const INCOMPLETE_READ_MESSAGE = 'Log object not read to the end: read budget exhausted';

/**
 * Base of every error this package throws on purpose (bad configuration, bad props, unreadable
 * input, failed delivery): the CDK app and the CLI catch it once and print its message, not a
 * stack trace. `cause` keeps what led to it.
 */
export class MediaPackageAuditError extends Error {
  public constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Spelled out, not `new.target.name`: the bundle is minified. Subclasses set their own.
    this.name = 'MediaPackageAuditError';
  }
}
