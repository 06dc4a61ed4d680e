/**
 * Byte streams as the reader receives them: bytes cut into chunks that arrive on later ticks,
 * and a way to collect what an async iterable yielded before it failed.
 */

/** Yields `bytes` cut at the given offsets (out-of-range and repeated cuts are ignored). */
export async function* chunked(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
): AsyncGenerator<Uint8Array, void, undefined> {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort(
    (a, b) => a - b,
  );
  let start = 0;
  for (const point of [...points, bytes.length]) {
    // Each chunk arrives on a later tick, as from a network stream.
    await Promise.resolve();
    yield Buffer.from(bytes.subarray(start, point));
    start = point;
  }
}

/** Offsets that cut `length` bytes into chunks of `size`. */
export function everyNBytes(length: number, size: number): number[] {
  const cuts: number[] = [];
  for (let offset = size; offset < length; offset += size) cuts.push(offset);
  return cuts;
}

/** Collects an async iterable, keeping what was yielded before an error. */
export async function collect<T>(
  iterable: AsyncIterable<T>,
): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}
