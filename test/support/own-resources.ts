/** The pipeline's own resources as the construct passes them to the function, for tests. */
import type { OwnResources } from '../../lambda/match/self-protection';
import { ACCOUNT_ID, REGION } from '../../scripts/cloudtrail-factory';

export const OWN_BUCKET = `mp-audit-trail-logs-${ACCOUNT_ID}`;
export const OWN_FUNCTION = 'mp-audit-alerts';
export const OWN_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:mp-audit-alerts`;
export const OWN_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const OWN_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${OWN_KEY_ID}`;

/** One of each: the log bucket, the function, the alert topic and the topic's key. */
export const OWN: OwnResources = {
  bucketNames: [OWN_BUCKET],
  functionNames: [OWN_FUNCTION],
  topicArns: [OWN_TOPIC],
  kmsKeys: [OWN_KEY_ARN],
};
