import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ReadRecord } from './cloudtrail-record';
import { OMITTED_PARTS } from './cloudtrail-record';
import { BadRecordError, LogReadError } from '../errors';
import { ExactRecordCutter } from './exact-record-cutter';
import type { CutPath, CutRecord, RecordCutter } from './record-cutter';
import { RECORD_MAX_BYTES, mayMentionMediaPackage } from './record-cutter';
import { FastRecordCutter } from './fast-record-cutter';
import { recoverRecords } from './record-recovery';

/** Counters a read fills in as it goes, so a caller sees them even when the read fails. */
export interface ReadStats {
  /** Bytes of JSON after decompression. */
  bytesRead: number;
  /** Records found in the `Records` array, parsed or not. */
  records: number;
  /** Records handed to `JSON.parse` (all of them unless a prefilter is set). */
  parsedRecords: number;
  /** Records that were not valid JSON objects and were skipped. */
  badRecords: number;
  /** Records over the size cap, read without holding them: their big fields were dropped. */
  oversizedRecords: number;
  /** Whole records found again inside damaged bytes (a record whose brackets broke). */
  recoveredRecords: number;
  /** How the records were cut: see CutPath. */
  cutPath: CutPath;
  /**
   * Position in `Records` of the record last yielded (for one recovered from damaged bytes, the
   * damaged record it was found in): `records` counts ahead, a whole chunk at a time.
   */
  yieldedIndex: number;
}

export interface ReadOptions {
  /** Names the object in errors and logs, e.g. `s3://bucket/key` or a file path. */
  readonly objectName: string;
  /**
   * Looks at a record's raw bytes and its top-level `eventSource` (see CutRecord) before
   * it is parsed; records it rejects are counted but never parsed. Lets a caller skip the
   * JSON cost of records that cannot matter.
   * @default every record is parsed
   */
  readonly prefilter?: (rawRecord: Buffer, eventSource: string | null | undefined) => boolean;
  /**
   * Decides from the `eventSource` alone, before the record's bytes are even sliced: true to
   * parse, false to skip, undefined to ask `prefilter`. Saves work on the many records of
   * sources that cannot matter.
   */
  readonly sourcePrefilter?: (eventSource: string | null | undefined) => boolean | undefined;
  /**
   * With a `sourcePrefilter`, files in CloudTrail's own compact layout are cut by native byte
   * search (FastRecordCutter), several times faster than the byte-by-byte cutter. False
   * forces the byte-by-byte cutter, to compare the two.
   * @default true
   */
  readonly fastPath?: boolean;
  /**
   * Called for a record that is not a valid JSON object. Without it such a record fails
   * the whole read.
   */
  readonly onBadRecord?: (error: BadRecordError) => void;
  /**
   * With a `sourcePrefilter`, the fast path also skips records of a watched source whose
   * bytes say they are reads (see FastRecordCutter), for rules that never alert on reads.
   * @default false
   */
  readonly skipReadOnly?: boolean;
  /**
   * When to stop reading (epoch milliseconds): the read ends with a `time-budget` error after
   * the records found so far. Checked between chunks and between the records handed on.
   * @default no limit
   */
  readonly deadline?: number;
  /**
   * Most bytes to inflate: past them the read ends with a `byte-budget` error after the
   * records found so far (a gzip bomb, a giant file).
   * @default no limit
   */
  readonly maxInflatedBytes?: number;
  /** Filled in during the read. */
  readonly stats?: ReadStats;
}

export function emptyReadStats(): ReadStats {
  return {
    bytesRead: 0,
    records: 0,
    parsedRecords: 0,
    badRecords: 0,
    oversizedRecords: 0,
    recoveredRecords: 0,
    cutPath: 'exact',
    yieldedIndex: -1,
  };
}

/**
 * zlib inflates on the thread pool while the cutter runs on the main thread. Bigger output
 * chunks and a deep read-ahead buffer keep both busy at once (measured: the default 16 KiB
 * chunks left the main thread idle, waiting on each chunk); memory stays bounded by the buffer.
 */
export const GUNZIP_OPTIONS = { chunkSize: 256 * 1024, highWaterMark: 2 * 1024 * 1024 } as const;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Reads a CloudTrail log object (`{"Records":[...]}`, gzip or plain JSON, told apart by the
 * gzip magic bytes) and yields its records one at a time. Memory stays bounded by the
 * largest single record, whatever the size of the file.
 *
 * @throws LogReadError when the object is empty, not gzip-decodable, truncated, not JSON or
 *   has no `Records` array. Records yielded before the error stay valid.
 */
export async function* readCloudTrailRecords(
  source: AsyncIterable<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<ReadRecord, void, undefined> {
  const stats = options.stats ?? emptyReadStats();
  const cutter: RecordCutter =
    options.sourcePrefilter !== undefined && options.fastPath !== false
      ? new FastRecordCutter(options.objectName, options.sourcePrefilter, {
          skipReadOnly: options.skipReadOnly === true,
        })
      : new ExactRecordCutter(options.objectName, options.sourcePrefilter);
  const maxBytes = options.maxInflatedBytes ?? Infinity;
  const deadline = options.deadline ?? Infinity;
  for await (const chunk of decompress(source, options.objectName)) {
    stats.bytesRead += chunk.length;
    yield* parseCutRecords(cutter.push(chunk), cutter, options, stats, deadline);
    // Checked after the chunk's records are out, so a budget never costs what was found.
    if (stats.bytesRead > maxBytes) {
      throw new LogReadError(
        options.objectName,
        'byte-budget',
        `stopped after ${stats.bytesRead} inflated bytes, over the budget of ${maxBytes}`,
      );
    }
    if (Date.now() >= deadline)
      throw timeBudgetError(options.objectName, `byte ${stats.bytesRead}`);
  }
  yield* parseCutRecords(cutter.flush(), cutter, options, stats, deadline);
  const unfinished = cutter.unfinishedRecord();
  if (unfinished !== undefined) {
    // Whole records inside the bytes of one that never ended (damage near the end).
    for (const record of recoverRecords(unfinished)) {
      stats.recoveredRecords += 1;
      stats.parsedRecords += 1;
      stats.records = cutter.recordCount + stats.recoveredRecords;
      stats.yieldedIndex = cutter.recordCount;
      yield record;
    }
  }
  cutter.end();
}

/** Parses the records a cutter completed, after the prefilter has had its say. */
function* parseCutRecords(
  completed: CutRecord[],
  cutter: RecordCutter,
  options: ReadOptions,
  stats: ReadStats,
  deadline = Infinity,
): Generator<ReadRecord, void, undefined> {
  let batch = completed;
  // Records recovered from damaged bytes are counted on top of the cutter's count.
  const sync = (): void => {
    stats.records = cutter.recordCount + stats.recoveredRecords;
    stats.cutPath = cutter.path;
  };
  sync();
  for (let next = 0; next < batch.length; next += 1) {
    const cut = batch[next] as CutRecord;
    const { raw, eventSource, index, keep, recut, bad, oversized } = cut;
    if (bad !== undefined) {
      reportBadRecord(
        new BadRecordError(options.objectName, index, bad, cut.mayMentionMediaPackage === true),
        options,
        stats,
      );
      continue;
    }
    if (!keep && options.prefilter !== undefined && !options.prefilter(raw, eventSource)) {
      continue;
    }
    if (recut !== undefined && raw.length > RECORD_MAX_BYTES) {
      // Too big to parse whole: the exact cutter reads it the bounded way (or cuts off the
      // damage that made it so big).
      batch = recut();
      sync();
      next = -1;
      continue;
    }
    const record = parseRecord(raw, index, options.objectName);
    if (record instanceof BadRecordError && recut !== undefined) {
      // A fast cut that does not parse may have been made in the wrong place: read on from
      // this record with the exact cutter, which cuts and reports exactly.
      batch = recut();
      sync();
      next = -1;
      continue;
    }
    stats.parsedRecords += 1;
    if (record instanceof BadRecordError) {
      reportBadRecord(record, options, stats);
      // Damage that broke a record's brackets can have swallowed the records after it.
      for (const recovered of recoverRecords(raw, 1)) {
        stats.recoveredRecords += 1;
        stats.parsedRecords += 1;
        sync();
        stats.yieldedIndex = index;
        yield recovered;
      }
      continue;
    }
    // A consumer may take its time over each record (delivering alerts): check between them.
    if (Date.now() >= deadline) throw timeBudgetError(options.objectName, `record ${index}`);
    if (oversized !== undefined) {
      stats.oversizedRecords += 1;
      stats.yieldedIndex = index;
      yield {
        ...record,
        [OMITTED_PARTS]: {
          recordBytes: oversized.recordBytes,
          members: oversized.omittedMembers,
        },
      };
      continue;
    }
    stats.yieldedIndex = index;
    yield record;
  }
  sync();
}

/** Counts a bad record and hands it to `onBadRecord`; without one, it fails the read. */
function reportBadRecord(error: BadRecordError, options: ReadOptions, stats: ReadStats): void {
  stats.badRecords += 1;
  if (options.onBadRecord === undefined) {
    throw new LogReadError(options.objectName, 'invalid-json', error.message, error);
  }
  options.onBadRecord(error);
}

function timeBudgetError(objectName: string, where: string): LogReadError {
  return new LogReadError(
    objectName,
    'time-budget',
    `stopped at ${where}: the time budget of this read ran out`,
  );
}

/**
 * Parses one record. The error never quotes the record: its text may hold secrets, and
 * errors reach logs.
 */
function parseRecord(raw: Buffer, index: number, objectName: string): ReadRecord | BadRecordError {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return new BadRecordError(
      objectName,
      index,
      `not valid JSON${position === undefined ? '' : ` (at character ${position} of the record)`}, ${raw.length} bytes`,
      mayMentionMediaPackage(raw),
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new BadRecordError(objectName, index, 'not a JSON object', mayMentionMediaPackage(raw));
  }
  return value as ReadRecord;
}

/** Yields the object's bytes, gunzipped when they start with the gzip magic number. */
async function* decompress(
  source: AsyncIterable<Uint8Array>,
  objectName: string,
): AsyncGenerator<Buffer, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done === true) {
      break;
    }
    head = head.length === 0 ? Buffer.from(next.value) : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) {
    throw new LogReadError(objectName, 'empty', 'the object has no content');
  }
  async function* whole(): AsyncGenerator<Buffer, void, undefined> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        return;
      }
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  }
  if (head[0] !== GZIP_MAGIC_0 || head[1] !== GZIP_MAGIC_1) {
    yield* whole();
    return;
  }
  const gunzip = createGunzip(GUNZIP_OPTIONS);
  let sourceError: unknown;
  pipeline(Readable.from(whole()), gunzip, (error) => {
    sourceError = error ?? undefined;
  });
  try {
    for await (const chunk of gunzip) {
      yield chunk as Buffer;
    }
  } catch (error) {
    throw gunzipError(objectName, error, sourceError);
  } finally {
    gunzip.destroy();
  }
}

function gunzipError(objectName: string, error: unknown, sourceError: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'Z_BUF_ERROR') {
    return new LogReadError(objectName, 'truncated', 'the gzip stream ends early', error);
  }
  if (code === 'Z_DATA_ERROR' || code === 'Z_STREAM_ERROR') {
    return new LogReadError(
      objectName,
      'corrupt-gzip',
      `the gzip data is corrupt (${(error as Error).message})`,
      error,
    );
  }
  // Anything else came from the source (a network error, say): not the object's fault.
  return sourceError ?? error;
}

export { eventSourceOfRawRecord } from './exact-record-cutter';
export { mayMentionMediaPackage } from './record-cutter';
