/**
 * The canary through the pipeline (issue 16): its real call (MediaPackage v2 TagResource on the
 * canary's channel group, by the canary's role, with only the `mp-audit:canary` tag) is
 * published once for machines (kind=canary, no person's message), counted as CanarySeen on each
 * path that sees it, never as AlertsPublished; the same call by anyone else, on anything else,
 * or with another tag is a normal alert.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import {
  CANARY_TAG_KEY,
  MESSAGE_ATTRIBUTES,
  PIPELINE_METRIC_NAMES,
} from '../../../lambda/contract';
import type { CanaryIdentity } from '../../../lambda/match/canary';
import { isCanaryCall } from '../../../lambda/match/canary';
import { processTriggerEvent } from '../../../lambda/pipeline/process-trigger';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';
import {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  apiCallEvent,
  cloudTrailRecord,
  logFileBody,
  logFileKey,
  s3Event,
} from '../../../scripts/cloudtrail-factory';
import { s3Body } from '../../support/aws-doubles';
import { onceDelivery, recordedDeps } from '../../support/once-delivery';

const s3Mock = mockClient(S3Client);

const CANARY: CanaryIdentity = {
  resourceArn: `arn:aws:mediapackagev2:${REGION}:${ACCOUNT_ID}:channelGroup/mp-audit-canary`,
  roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/mp-audit/MpAuditCanaryRole`,
};

beforeEach(() => s3Mock.reset());

function setup() {
  const delivery = onceDelivery();
  const { deps, metrics } = recordedDeps(delivery, {
    isCanaryCall: (record) => isCanaryCall(record, CANARY),
  });
  return { deps, delivery, metrics };
}

interface CanaryCallOptions {
  readonly roleArn?: string;
  readonly resourceArn?: string;
  readonly tags?: Record<string, string>;
}

/** The canary's call as CloudTrail records it, or one thing about it changed. */
function canaryCall(options: CanaryCallOptions = {}): CloudTrailRecord {
  const roleArn = options.roleArn ?? CANARY.roleArn;
  const at = new Date(Date.now() - 3_000).toISOString();
  return cloudTrailRecord({
    eventSource: 'mediapackagev2.amazonaws.com',
    eventName: 'TagResource',
    eventTime: at,
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROACANARYEXAMPLE:canary',
      arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleArn.split('/').pop() ?? ''}/canary`,
      accountId: ACCOUNT_ID,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROACANARYEXAMPLE',
          arn: roleArn,
          accountId: ACCOUNT_ID,
          userName: roleArn.split('/').pop(),
        },
      },
    },
    requestParameters: {
      resourceArn: options.resourceArn ?? CANARY.resourceArn,
      tags: options.tags ?? { [CANARY_TAG_KEY]: at },
    },
    responseElements: null,
    tlsDetails: undefined,
  });
}

function logFileEvent(records: readonly CloudTrailRecord[], suffix: string): unknown {
  const key = logFileKey({ suffix });
  const bytes = logFileBody(records);
  s3Mock
    .on(GetObjectCommand, { Bucket: BUCKET, Key: key })
    .callsFake(() => ({ Body: s3Body(bytes) }));
  return s3Event([key]);
}

const kindOf = (message: AlertMessage): string | undefined =>
  message.attributes[MESSAGE_ATTRIBUTES.kind]?.StringValue;

/** A person's message: what the filter policy {kind: [event, digest], storm: absent} lets by. */
const forPeople = (message: AlertMessage): boolean =>
  ['event', 'digest'].includes(kindOf(message) ?? '') &&
  message.attributes[MESSAGE_ATTRIBUTES.storm] === undefined;

describe('The canary through the pipeline', () => {
  it('its call is published once as kind=canary, seen on each path, never counted as an alert', async () => {
    // Prepare
    const { deps, delivery, metrics } = setup();
    const call = canaryCall();

    // Act: EventBridge first, then the log file that holds it.
    const fast = await processTriggerEvent(apiCallEvent(call), deps);
    const file = await processTriggerEvent(logFileEvent([call], 'CanaryFile000001'), deps);

    // Assess: one message, for machines only.
    expect(delivery.sent).toHaveLength(1);
    const [message] = delivery.sent;
    expect(message?.eventID).toBe(call.eventID);
    expect(kindOf(message as AlertMessage)).toBe('canary');
    expect(forPeople(message as AlertMessage)).toBe(false);
    // Chatbot would not post it: the https text is the alert JSON, not a custom notification.
    const https = (JSON.parse(message?.message ?? '{}') as { https: string }).https;
    expect(https).not.toContain('"source":"custom"');
    // CanarySeen on each path, the second even though the first had published it.
    const seen = metrics.points.filter((point) => point.name === PIPELINE_METRIC_NAMES.canarySeen);
    expect(seen.map((point) => point.dimensions?.path)).toEqual(['eventbridge', 'log-file']);
    expect(seen.every((point) => point.unit === 'Milliseconds')).toBe(true);
    expect(
      metrics.points.filter((point) => point.name === PIPELINE_METRIC_NAMES.alertsPublished),
    ).toEqual([]);
    expect(fast).toMatchObject({ canariesSeen: 1, alertsPublished: 0, alertsAlreadyPublished: 0 });
    expect(file).toMatchObject({ canariesSeen: 1, alertsPublished: 0, alertsAlreadyPublished: 0 });
  });

  it('seen on the log file first, then EventBridge: still one message and one CanarySeen per path', async () => {
    // Prepare
    const { deps, delivery, metrics } = setup();
    const call = canaryCall();

    // Act
    await processTriggerEvent(logFileEvent([call], 'CanaryFile000002'), deps);
    await processTriggerEvent(apiCallEvent(call), deps);

    // Assess
    expect(delivery.sent.map(kindOf)).toEqual(['canary']);
    expect(
      metrics.points
        .filter((point) => point.name === PIPELINE_METRIC_NAMES.canarySeen)
        .map((point) => point.dimensions?.path),
    ).toEqual(['log-file', 'eventbridge']);
  });

  it.each([
    ['by another role', { roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/MpAuditCanaryRole` }],
    [
      'on another resource',
      { resourceArn: `arn:aws:mediapackagev2:${REGION}:${ACCOUNT_ID}:channelGroup/live-prod` },
    ],
    [
      'with an extra tag',
      { tags: { [CANARY_TAG_KEY]: new Date().toISOString(), Owner: 'attacker' } },
    ],
    ['with another tag only', { tags: { 'mp-audit:canary-x': 'now' } }],
  ] as const)('the same call %s is a normal alert', async (_name, options: CanaryCallOptions) => {
    // Prepare
    const { deps, delivery, metrics } = setup();
    const call = canaryCall(options);

    // Act
    const summary = await processTriggerEvent(apiCallEvent(call), deps);

    // Assess
    expect(summary).toMatchObject({ alertsPublished: 1, canariesSeen: 0 });
    expect(delivery.sent.map(kindOf)).toEqual(['event']);
    expect(forPeople(delivery.sent[0] as AlertMessage)).toBe(true);
    expect(
      metrics.points.filter((point) => point.name === PIPELINE_METRIC_NAMES.canarySeen),
    ).toEqual([]);
  });
});
