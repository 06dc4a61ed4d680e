/** An in-memory double of the deployed delivery, shared by the pipeline's tests. */
import type { AlertMessage } from '../../lambda/alert/sns-message';
import type { AlertDelivery } from '../../lambda/deliver/delivery';

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
