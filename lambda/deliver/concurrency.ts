/**
 * Runs `work` on each item, at most `concurrency` at a time, in the items' order, and resolves
 * when all are done: a few calls in flight keep DynamoDB and SNS latency from adding up, a
 * bound keeps one batch from flooding them. `work` handles its own errors; one it throws
 * rejects the whole run.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
}
