import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { CloudTrailRecord } from './cloudtrail-record';
import { BadRecordError, LogReadError } from './errors';

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
}

export interface ReadOptions {
  /** Names the object in errors and logs, e.g. `s3://bucket/key` or a file path. */
  readonly objectName: string;
  /**
   * Looks at a record's raw bytes before it is parsed; records it rejects are counted but
   * never parsed. Lets a caller skip the JSON cost of records that cannot matter.
   * @default every record is parsed
   */
  readonly prefilter?: (rawRecord: Buffer) => boolean;
  /**
   * Called for a record that is not a valid JSON object. Without it such a record fails
   * the whole read.
   */
  readonly onBadRecord?: (error: BadRecordError) => void;
  /** Filled in during the read. */
  readonly stats?: ReadStats;
}

export function emptyReadStats(): ReadStats {
  return { bytesRead: 0, records: 0, parsedRecords: 0, badRecords: 0 };
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const MEDIAPACKAGE_MARKER = Buffer.from('mediapackage');

/** True when the raw record text could belong to any MediaPackage event source. */
export function mayMentionMediaPackage(rawRecord: Buffer): boolean {
  return rawRecord.indexOf(MEDIAPACKAGE_MARKER) !== -1;
}

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
): AsyncGenerator<CloudTrailRecord, void, undefined> {
  const stats = options.stats ?? emptyReadStats();
  const scanner = new RecordScanner(options.objectName);
  for await (const chunk of decompress(source, options.objectName)) {
    stats.bytesRead += chunk.length;
    for (const raw of scanner.push(chunk)) {
      const index = stats.records;
      stats.records += 1;
      if (options.prefilter !== undefined && !options.prefilter(raw)) {
        continue;
      }
      stats.parsedRecords += 1;
      const record = parseRecord(raw, index, options.objectName);
      if (record instanceof BadRecordError) {
        stats.badRecords += 1;
        if (options.onBadRecord === undefined) {
          throw new LogReadError(options.objectName, 'invalid-json', record.message, record);
        }
        options.onBadRecord(record);
        continue;
      }
      yield record;
    }
  }
  scanner.end();
}

function parseRecord(
  raw: Buffer,
  index: number,
  objectName: string,
): CloudTrailRecord | BadRecordError {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return new BadRecordError(
      objectName,
      index,
      `not valid JSON (${(error as Error).message})`,
      mayMentionMediaPackage(raw),
      error,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new BadRecordError(objectName, index, 'not a JSON object', mayMentionMediaPackage(raw));
  }
  return value as CloudTrailRecord;
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
  const gunzip = createGunzip();
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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const RECORDS_KEY = 'Records';
const KEY_CAPTURE_LIMIT = 16;

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Finds the top-level `Records` array in a stream of JSON bytes and cuts out each element's
 * raw bytes. It tracks only strings, nesting and the top-level keys: each record's content is
 * validated by `JSON.parse`, the document's outline here. Strings are skipped with native
 * `indexOf`, which keeps the scan near memory speed on CloudTrail's string-heavy records.
 */
class RecordScanner {
  private depth = 0;
  private started = false;
  private finished = false;
  private inString = false;
  private escapePending = false;
  private inRecordsArray = false;
  private recordsSeen = false;
  private recording = false;
  private recordParts: Buffer[] = [];
  private keyBytes: number[] = [];
  private capturingKey = false;
  private lastTopLevelString = '';

  public constructor(private readonly objectName: string) {}

  /** Consumes one chunk and returns the records it completed, in order. */
  public push(chunk: Buffer): Buffer[] {
    const completed: Buffer[] = [];
    const length = chunk.length;
    let recordStart = this.recording ? 0 : -1;
    let nextQuote = -1;
    let nextBackslash = -1;
    let i = 0;
    while (i < length) {
      if (this.inString) {
        if (this.escapePending) {
          this.escapePending = false;
          i += 1;
          continue;
        }
        if (nextQuote < i) {
          nextQuote = chunk.indexOf(QUOTE, i);
          if (nextQuote === -1) nextQuote = length;
        }
        if (nextBackslash < i) {
          nextBackslash = chunk.indexOf(BACKSLASH, i);
          if (nextBackslash === -1) nextBackslash = length;
        }
        if (nextBackslash < nextQuote) {
          this.captureKey(chunk, i, nextBackslash + 1);
          i = nextBackslash + 2;
          if (i > length) {
            this.escapePending = true;
          }
          continue;
        }
        this.captureKey(chunk, i, nextQuote);
        if (nextQuote === length) {
          i = length;
          continue;
        }
        this.inString = false;
        if (this.capturingKey) {
          this.capturingKey = false;
          this.lastTopLevelString = Buffer.from(this.keyBytes).toString('utf8');
        }
        i = nextQuote + 1;
        continue;
      }
      const byte = chunk[i] as number;
      if (byte === QUOTE) {
        this.expectInsideDocument();
        this.expectValueInRecords(byte);
        this.inString = true;
        if (this.depth === 1) {
          this.capturingKey = true;
          this.keyBytes = [];
        }
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (!this.started) {
          if (byte !== OPEN_BRACE) {
            this.fail('not-cloudtrail', 'the document is not a JSON object');
          }
          this.started = true;
        } else if (this.finished) {
          this.fail('invalid-json', 'content follows the end of the document');
        }
        if (this.inRecordsArray && this.depth === 2 && !this.recording) {
          if (byte !== OPEN_BRACE) {
            this.fail('invalid-json', 'an element of Records is not an object');
          }
          this.recording = true;
          this.recordParts = [];
          recordStart = i;
        }
        if (byte === OPEN_BRACKET && this.depth === 1 && this.lastTopLevelString === RECORDS_KEY) {
          this.inRecordsArray = true;
        }
        this.depth += 1;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth -= 1;
        if (this.depth < 0 || !this.started) {
          this.fail('invalid-json', 'unbalanced brackets');
        }
        if (this.recording && this.depth === 2) {
          this.recordParts.push(chunk.subarray(recordStart, i + 1));
          completed.push(
            this.recordParts.length === 1
              ? (this.recordParts[0] as Buffer)
              : Buffer.concat(this.recordParts),
          );
          this.recording = false;
          this.recordParts = [];
          recordStart = -1;
        } else if (this.inRecordsArray && this.depth === 1) {
          this.inRecordsArray = false;
          this.recordsSeen = true;
        }
        if (this.depth === 0) {
          this.finished = true;
        }
      } else if (!isJsonWhitespace(byte)) {
        this.expectInsideDocument();
        if (byte !== COMMA) {
          this.expectValueInRecords(byte);
        }
      }
      i += 1;
    }
    if (this.recording) {
      this.recordParts.push(chunk.subarray(recordStart < 0 ? 0 : recordStart));
    }
    return completed;
  }

  /** Checks, once the input is over, that the document was whole and had a Records array. */
  public end(): void {
    if (!this.started) {
      this.fail('not-cloudtrail', 'the object holds no JSON document');
    }
    if (!this.finished || this.inString) {
      this.fail('truncated', 'the JSON document ends early');
    }
    if (!this.recordsSeen) {
      this.fail('missing-records', 'the document has no Records array');
    }
  }

  private expectInsideDocument(): void {
    if (!this.started) {
      this.fail('not-cloudtrail', 'the document is not a JSON object');
    }
    if (this.finished) {
      this.fail('invalid-json', 'content follows the end of the document');
    }
  }

  /** Inside the Records array, between elements, only objects may start. */
  private expectValueInRecords(byte: number): void {
    if (this.inRecordsArray && this.depth === 2 && !this.recording) {
      this.fail(
        'invalid-json',
        `an element of Records is not an object (found ${JSON.stringify(String.fromCharCode(byte))})`,
      );
    }
  }

  private captureKey(chunk: Buffer, from: number, to: number): void {
    if (!this.capturingKey) return;
    for (let j = from; j < to && this.keyBytes.length <= KEY_CAPTURE_LIMIT; j += 1) {
      this.keyBytes.push(chunk[j] as number);
    }
  }

  private fail(
    reason: 'not-cloudtrail' | 'invalid-json' | 'truncated' | 'missing-records',
    detail: string,
  ): never {
    throw new LogReadError(this.objectName, reason, detail);
  }
}
