/**
 * What the SDK's S3 and SNS clients return, for tests that mock them (aws-sdk-client-mock):
 * a GetObject body, a PublishBatch response, and the alerts a PublishBatch request carried.
 */
import { Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { PublishBatchCommandInput, PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import { ACCOUNT_ID, REGION } from '../../scripts/cloudtrail-factory';

/** The alert topic the function publishes to in tests. */
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:mediapackage-audit-alerts`;

/** A GetObject body like the SDK's: a Node.js Readable over the bytes. */
export function s3Body(bytes: Buffer): GetObjectCommandOutput['Body'] {
  return Readable.from([bytes]) as unknown as GetObjectCommandOutput['Body'];
}

/** A PublishBatch response that accepts every entry of the request. */
export function acceptAll(input: PublishBatchCommandInput): PublishBatchCommandOutput {
  return {
    $metadata: {},
    Successful: (input.PublishBatchRequestEntries ?? []).map((entry, index) => ({
      Id: entry.Id,
      MessageId: `9b6c3a2e-0000-4000-8000-${String(index).padStart(12, '0')}`,
    })),
    Failed: [],
  };
}

/** The alert JSON (`default` key) of each entry of a PublishBatch request. */
export function publishedAlerts(
  input: PublishBatchCommandInput | undefined,
): Record<string, unknown>[] {
  return (input?.PublishBatchRequestEntries ?? []).map((entry) => {
    const structure = JSON.parse(entry.Message ?? '{}') as { default: string };
    return JSON.parse(structure.default) as Record<string, unknown>;
  });
}
