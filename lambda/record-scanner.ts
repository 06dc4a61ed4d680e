/**
 * The exact way to cut a log: a byte-by-byte scan of JSON's strings and nesting. It reads any
 * JSON layout and reports malformed documents precisely; CompactRecordSplitter hands it the
 * files (or the rest of a file) that do not have CloudTrail's own compact layout.
 */
import { LogReadError } from './errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const RECORDS_KEY = 'Records';
const EVENT_SOURCE_KEY = 'eventSource';
/** Captured strings are keys and event sources: short. Longer ones are marked unknown. */
export const CAPTURE_LIMIT = 64;
const NON_ASCII = /[\u0080-\uffff]/;
const SOURCE_NONE = 0;
/** The record's key `"eventSource"` has just ended. */
const SOURCE_KEY = 1;
/** ... and its colon was read. */
const SOURCE_COLON = 2;
/** ... and its string value is being read. */
const SOURCE_VALUE = 3;

const EVENT_SOURCE_KEY_BYTES = Buffer.from(EVENT_SOURCE_KEY);
/** The longest escaped spelling of `eventSource`: every character as `\uXXXX`. */
const ESCAPED_KEY_LIMIT = EVENT_SOURCE_KEY.length * 6;

/** Whether chunk[start, end) holds exactly the bytes of `eventSource`. */
function isEventSourceKey(chunk: Buffer, start: number, end: number): boolean {
  if (end - start !== EVENT_SOURCE_KEY_BYTES.length) return false;
  for (let k = 0; k < EVENT_SOURCE_KEY_BYTES.length; k += 1) {
    if (chunk[start + k] !== EVENT_SOURCE_KEY_BYTES[k]) return false;
  }
  return true;
}

/** A record's raw bytes and its top-level `eventSource` as the scanner read it. */
export interface ScannedRecord {
  readonly raw: Buffer;
  /**
   * The string value of the record's own `eventSource` key; undefined when the record has
   * none (or a non-string one), null when it could not be read exactly (escapes, too long).
   */
  readonly eventSource: string | null | undefined;
  /** Position in the Records array. */
  readonly index: number;
  /** The source prefilter already decided to parse it. */
  readonly keep: boolean;
  /**
   * Set by a cutter that may have cut in the wrong place (see CompactRecordSplitter): when
   * these bytes do not parse, call it before the next `push` to re-read from this record's
   * first byte with the byte-by-byte scanner. Returns what replaces the rest of this batch.
   */
  readonly recut?: () => ScannedRecord[];
}

/** Cuts a stream of JSON bytes into the raw records of its top-level `Records` array. */
export interface RecordCutter {
  /** Consumes one chunk and returns the records it completed, in order. */
  push(chunk: Buffer): ScannedRecord[];
  /** Once the input is over: the records only the end completes (bytes held back). */
  flush(): ScannedRecord[];
  /**
   * Checks, after `flush`, that the document was whole and had a Records array.
   * @throws LogReadError when it was not.
   */
  end(): void;
  /** Records completed so far, kept or skipped. */
  readonly recordCount: number;
  /** How the records are being cut; see CutPath. */
  readonly path: CutPath;
}

/**
 * `fast`: by native byte search, CloudTrail's own layout (the last record is always read
 * exactly); `exact`: byte by byte; `fast-then-exact`: the fast path met a record it would not
 * vouch for and handed it (and the rest of its chunk) to the exact scanner.
 */
export type CutPath = 'fast' | 'exact' | 'fast-then-exact';

/** Where a scanner starts: at the document's first byte, or between two records. */
export interface ScannerStart {
  /** Start inside the Records array, before the record with this index. */
  readonly betweenRecords: number;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Finds the top-level `Records` array in a stream of JSON bytes and cuts out each element's
 * raw bytes. It tracks only strings, nesting and the top-level keys: each record's content is
 * validated by `JSON.parse`, the document's outline here. The hot loop keeps its state in
 * local variables and walks strings byte by byte: CloudTrail strings are short, and a tight
 * JavaScript loop beats a native `indexOf` call per string (measured: about 2x).
 */
export class RecordScanner implements RecordCutter {
  private depth = 0;
  private started = false;
  private finished = false;
  private inString = false;
  private escapePending = false;
  private inRecordsArray = false;
  private recordsSeen = false;
  private recording = false;
  private recordParts: Buffer[] = [];
  /** A captured string (a document key, or a record's key or value) spanning chunks. */
  private captureCarry = '';
  private captureLength = 0;
  private captureEscaped = false;
  private lastTopLevelString = '';
  /** Where the record's top-level `"eventSource": "..."` stands: see SOURCE_* states. */
  private sourceState = SOURCE_NONE;
  private recordSource: string | null | undefined = undefined;
  private sourceUncertain = false;
  /** Records completed so far, kept or skipped. */
  public recordCount = 0;
  public readonly path = 'exact';

  public constructor(
    private readonly objectName: string,
    private readonly sourcePrefilter?: (
      eventSource: string | null | undefined,
    ) => boolean | undefined,
    start?: ScannerStart,
  ) {
    if (start !== undefined) {
      this.started = true;
      this.depth = 2;
      this.inRecordsArray = true;
      this.lastTopLevelString = RECORDS_KEY;
      this.recordCount = start.betweenRecords;
    }
  }

  public push(chunk: Buffer): ScannedRecord[] {
    const completed: ScannedRecord[] = [];
    const length = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    let recording = this.recording;
    let inRecordsArray = this.inRecordsArray;
    let recordStart = recording ? 0 : -1;
    // Strings worth reading: document keys (depth 1) and a record's own keys and values
    // (depth 3). -1 when the current string is not one of them.
    let captureStart = inString && (depth === 1 || (recording && depth === 3)) ? 0 : -1;
    let i = 0;
    if (inString && this.escapePending) {
      this.escapePending = false;
      i = 1;
    }
    while (i < length) {
      if (inString) {
        let byte = chunk[i] as number;
        while (byte !== QUOTE && byte !== BACKSLASH) {
          i += 1;
          if (i >= length) break;
          byte = chunk[i] as number;
        }
        if (i >= length) break;
        if (byte === BACKSLASH) {
          if (captureStart >= 0) this.captureEscaped = true;
          i += 2;
          if (i > length) this.escapePending = true;
          continue;
        }
        inString = false;
        if (captureStart >= 0) {
          if (depth === 3 && this.sourceState !== SOURCE_VALUE) {
            // An escaped key might spell "eventSource" (`"event\u0053ource"`): then the
            // source cannot be known from the bytes, and the record must be parsed.
            if (
              this.captureEscaped &&
              this.captureLength + (i - captureStart) <= ESCAPED_KEY_LIMIT
            ) {
              this.sourceUncertain = true;
            }
            // Most captured strings are a record's other keys and values: compare bytes, and
            // build no string, unless this is exactly the key "eventSource".
            this.sourceState =
              this.captureLength === 0 &&
              !this.captureEscaped &&
              isEventSourceKey(chunk, captureStart, i)
                ? SOURCE_KEY
                : this.captureLength > 0 &&
                    this.captureText(chunk, captureStart, i) === EVENT_SOURCE_KEY
                  ? SOURCE_KEY
                  : SOURCE_NONE;
          } else {
            const text = this.captureText(chunk, captureStart, i);
            const whole =
              this.captureLength + (i - captureStart) <= CAPTURE_LIMIT && !this.captureEscaped;
            if (depth === 1) {
              this.lastTopLevelString = text;
            } else {
              // JSON.parse keeps the last of repeated keys: so does this. Bytes are read as
              // latin1: a non-ASCII value cannot be judged without decoding.
              this.recordSource = whole && !NON_ASCII.test(text) ? text : null;
              this.sourceState = SOURCE_NONE;
            }
          }
          this.captureCarry = '';
          this.captureLength = 0;
          this.captureEscaped = false;
          captureStart = -1;
        }
        i += 1;
        continue;
      }
      const byte = chunk[i] as number;
      if (byte === QUOTE) {
        if (!this.started || this.finished) this.expectInsideDocument();
        if (inRecordsArray && depth === 2 && !recording) this.failNotObject(byte);
        if (depth === 1) {
          captureStart = i + 1;
        } else if (recording && depth === 3) {
          captureStart = i + 1;
          this.sourceState = this.sourceState === SOURCE_COLON ? SOURCE_VALUE : SOURCE_NONE;
        } else {
          // Most strings (inside a record's nested values) need nothing but their end: walk
          // them here, without going round the main loop.
          let j = i + 1;
          while (j < length) {
            const next = chunk[j] as number;
            if (next === QUOTE) break;
            j += next === BACKSLASH ? 2 : 1;
          }
          if (j < length) {
            i = j + 1;
            continue;
          }
          // The string goes on in the next chunk: let the general path carry its state.
          if (j > length) this.escapePending = true;
          inString = true;
          break;
        }
        inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (!this.started) {
          if (byte !== OPEN_BRACE) this.fail('not-cloudtrail', 'the document is not a JSON object');
          this.started = true;
        } else if (this.finished) {
          this.fail('invalid-json', 'content follows the end of the document');
        }
        if (inRecordsArray && depth === 2 && !recording) {
          if (byte !== OPEN_BRACE) {
            this.fail('invalid-json', 'an element of Records is not an object');
          }
          recording = true;
          this.recordParts = [];
          this.recordSource = undefined;
          this.sourceUncertain = false;
          this.sourceState = SOURCE_NONE;
          recordStart = i;
        } else if (recording && depth === 3) {
          this.noStringSource();
        }
        if (byte === OPEN_BRACKET && depth === 1 && this.lastTopLevelString === RECORDS_KEY) {
          inRecordsArray = true;
        }
        depth += 1;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth -= 1;
        if (depth < 0 || !this.started) this.fail('invalid-json', 'unbalanced brackets');
        if (recording && depth === 2) {
          const eventSource = this.sourceUncertain ? null : this.recordSource;
          const index = this.recordCount;
          this.recordCount += 1;
          const verdict = this.sourcePrefilter?.(eventSource);
          if (verdict !== false) {
            this.recordParts.push(chunk.subarray(recordStart, i + 1));
            completed.push({
              raw:
                this.recordParts.length === 1
                  ? (this.recordParts[0] as Buffer)
                  : Buffer.concat(this.recordParts),
              eventSource,
              index,
              keep: verdict === true,
            });
          }
          recording = false;
          this.recordParts = [];
          recordStart = -1;
        } else if (inRecordsArray && depth === 1) {
          inRecordsArray = false;
          this.recordsSeen = true;
        }
        if (depth === 0) this.finished = true;
      } else if (!isJsonWhitespace(byte)) {
        if (!this.started || this.finished) this.expectInsideDocument();
        if (byte !== COMMA && inRecordsArray && depth === 2 && !recording) this.failNotObject(byte);
        if (recording && depth === 3 && this.sourceState !== SOURCE_NONE) {
          if (byte === COLON && this.sourceState === SOURCE_KEY) this.sourceState = SOURCE_COLON;
          else this.noStringSource();
        }
      }
      i += 1;
    }
    if (recording) {
      this.recordParts.push(chunk.subarray(recordStart < 0 ? 0 : recordStart));
    }
    if (inString && captureStart >= 0) {
      if (this.captureCarry.length < CAPTURE_LIMIT) {
        this.captureCarry += chunk.toString(
          'latin1',
          captureStart,
          Math.min(length, captureStart + CAPTURE_LIMIT - this.captureCarry.length),
        );
      }
      this.captureLength += length - captureStart;
    }
    this.depth = depth;
    this.inString = inString;
    this.recording = recording;
    this.inRecordsArray = inRecordsArray;
    return completed;
  }

  /**
   * The bytes so far of the record being read, from its `{`, when the scanner is inside a
   * record of the Records array; undefined elsewhere. Lets a faster cutter take over here.
   */
  public recordInProgress(): Buffer[] | undefined {
    return this.recording && this.inRecordsArray && !this.finished
      ? [...this.recordParts]
      : undefined;
  }

  /** The captured string so far plus its end in this chunk, capped. */
  private captureText(chunk: Buffer, start: number, end: number): string {
    return (
      this.captureCarry + chunk.toString('latin1', start, Math.min(end, start + CAPTURE_LIMIT))
    );
  }

  /** The record's `eventSource` key has a value that is not a string: no source to match. */
  private noStringSource(): void {
    if (this.sourceState === SOURCE_COLON) this.recordSource = undefined;
    this.sourceState = SOURCE_NONE;
  }

  public flush(): ScannedRecord[] {
    return [];
  }

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
  private failNotObject(byte: number): never {
    this.fail(
      'invalid-json',
      `an element of Records is not an object (found ${JSON.stringify(String.fromCharCode(byte))})`,
    );
  }

  private fail(
    reason: 'not-cloudtrail' | 'invalid-json' | 'truncated' | 'missing-records',
    detail: string,
  ): never {
    throw new LogReadError(this.objectName, reason, detail);
  }
}

/**
 * The top-level `eventSource` of one raw record, read as the streaming reader reads it (for
 * tools and tests that hold a record's bytes rather than a stream).
 */
export function eventSourceOfRawRecord(raw: Buffer): string | null | undefined {
  const scanner = new RecordScanner('record');
  const [scanned] = scanner.push(
    Buffer.concat([Buffer.from('{"Records":['), raw, Buffer.from(']}')]),
  );
  return scanned?.eventSource;
}
