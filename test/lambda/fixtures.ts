/**
 * @deprecated Transitional: the records, keys and events come from scripts/cloudtrail-factory.ts
 * and the test helpers from test/support/. This file only forwards to them until every test
 * imports them directly; then it is deleted.
 */
import type { CloudTrailRecord } from '../../lambda/read/cloudtrail-record';
import {
  createRng,
  otherServiceRecord as generatedOtherServiceRecord,
} from '../../scripts/cloudtrail-factory';

export {
  ACCOUNT_ID,
  BUCKET,
  REGION,
  ROLE_ARN,
  USER_ARN,
  cloudTrailRecord,
  digestFileJson,
  digestFileKey,
  eventBridgeEvent,
  logFileBody,
  logFileJson,
  logFileKey,
  s3Event,
  s3TestEvent,
} from '../../scripts/cloudtrail-factory';
export { alertFor } from '../support/alerts';
export { TOPIC_ARN, acceptAll, publishedAlerts, s3Body } from '../support/aws-doubles';
export type { LogEntry, MetricEntry } from '../support/recorders';
export { recordingLogger, recordingMetrics } from '../support/recorders';
export { chunked, collect, everyNBytes } from '../support/streams';

const rng = createRng(20240501);

/** @deprecated Use the factory's `otherServiceRecord(rng, { call, overrides })`. */
export function otherServiceRecord(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return generatedOtherServiceRecord(rng, { call: 's3:PutBucketPolicy', overrides });
}

/** @deprecated Use the factory's `otherServiceRecord(rng, { call: 'secretsmanager:GetSecretValue' })`. */
export function serviceOriginatedSecretsRecord(): CloudTrailRecord {
  return generatedOtherServiceRecord(rng, { call: 'secretsmanager:GetSecretValue' });
}
