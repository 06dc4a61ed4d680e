/** In-memory doubles of the deployed delivery and its dependencies, for the pipeline's tests. */
import { S3Client } from '@aws-sdk/client-s3';
import type { AlertMessage } from '../../lambda/alert/sns-message';
import type { AlertDelivery } from '../../lambda/deliver/delivery';
import type { PipelineDeps } from '../../lambda/pipeline/process-trigger';
import { REGION } from '../../scripts/cloudtrail-factory';
import { recordingLogger, recordingMetrics } from './recorders';

/** What reached the topic: each message published, in order. */
export type OnceDelivery = AlertDelivery & { readonly sent: AlertMessage[] };

/**
 * A delivery that publishes each eventID once, as the idempotency table makes the deployed one
 * do (whichever path or retry comes first), keeping what went out; a repeat is reported as
 * already published.
 */
export function onceDelivery(): OnceDelivery {
  const seen = new Set<string>();
  const sent: AlertMessage[] = [];
  return {
    sent,
    deliver: (messages) => {
      const fresh = messages.filter((message) => !seen.has(message.eventID));
      for (const message of fresh) {
        seen.add(message.eventID);
        sent.push(message);
      }
      const repeated = messages.filter((message) => !fresh.includes(message));
      return Promise.resolve({
        published: fresh.length,
        alreadyPublished: repeated.length,
        alreadyPublishedEventIds: repeated.map((message) => message.eventID),
        retried: 0,
      });
    },
  };
}

/**
 * The pipeline's dependencies for a test: `delivery`, an S3 client that is never called
 * unmocked, recording logger and metrics, and `extra` (storms, memory, the canary).
 */
export function recordedDeps(delivery: AlertDelivery, extra: Partial<PipelineDeps> = {}) {
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const deps: PipelineDeps = {
    s3: new S3Client({ region: REGION }),
    delivery,
    logger,
    metrics,
    ...extra,
  };
  return { deps, logger, metrics };
}
