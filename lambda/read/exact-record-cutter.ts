/**
 * The exact way to cut a log: a byte-by-byte scan of JSON's strings and nesting. It reads any
 * JSON layout and reports malformed documents precisely; FastRecordCutter hands it the
 * files (or the rest of a file) that do not have CloudTrail's own compact layout.
 *
 * It never gives up on a file part-way: damage is noted (the first problem, with its byte
 * offset, is reported by `end`) and the scan goes on, so no record before or after it is lost.
 * A non-object entry in `Records` or stray bytes between records become a bad entry, counted
 * like a record; a byte-order mark, NUL padding and whitespace around the document are
 * skipped; bytes after the document are skipped up to the next `{`, which starts another
 * document whose records are read too. A record over RECORD_MAX_BYTES is never held whole:
 * OversizedRecord keeps its small top-level fields.
 */
import { LogReadError } from '../errors';
import type { LogReadFailure } from '../errors';
import { OversizedRecord } from './oversized-record';
import type { CutRecord, CutterStart, RecordCutter } from './record-cutter';
import { RECORD_MAX_BYTES, mayMentionMediaPackage } from './record-cutter';

// Local to each byte-level reader, beside its hot loop: an imported binding would be a
// property load on every byte where the code runs as CommonJS (the CLI).
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NUL = 0x00;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);
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

/** CloudTrail's first key: a record holding it twice is records run together by damage. */
const SECOND_RECORD_KEY = Buffer.from('"eventVersion"');
/** `{`, optional whitespace, a quoted key and a colon: where a record plainly starts. */
const RECORD_START = /\{\s*"eventVersion"\s*:/g;

/**
 * Where another record starts in `held` after its first byte, or -1. Records start with
 * CloudTrail's first key, `eventVersion`, which nothing inside a record repeats.
 */
function nextRecordStart(held: Buffer): number {
  const text = held.toString('latin1');
  RECORD_START.lastIndex = 1;
  const match = RECORD_START.exec(text);
  return match === null ? -1 : match.index;
}

/** Where damage ran a record into the ones after it, and whether its own bytes named MediaPackage. */
interface Damage {
  readonly restart: number;
  readonly mentionsMediaPackage: boolean;
}

/**
 * Looks for damage in a record over RECORD_MAX_BYTES: real records are far smaller, so another
 * plain record start in its first RECORD_MAX_BYTES means a lost `}` or quote ran it into the
 * records after it. Only those first bytes are copied, however big the record.
 */
function findDamage(parts: readonly Buffer[], size: number): Damage | undefined {
  const head = Buffer.concat(parts, Math.min(size, RECORD_MAX_BYTES));
  const restart = nextRecordStart(head);
  if (restart === -1) return undefined;
  return { restart, mentionsMediaPackage: mayMentionMediaPackage(head.subarray(0, restart)) };
}

/** The bytes `[from, to)` of `parts`, as views of them (nothing copied). */
function sliceParts(parts: readonly Buffer[], from: number, to: number): Buffer[] {
  const slices: Buffer[] = [];
  let at = 0;
  for (const part of parts) {
    const start = Math.max(from - at, 0);
    const end = Math.min(to - at, part.length);
    if (start < end) slices.push(part.subarray(start, end));
    at += part.length;
  }
  return slices;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Printable for a message: a byte's character, or its hex code. */
function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f
    ? JSON.stringify(String.fromCharCode(byte))
    : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Finds the top-level `Records` array in a stream of JSON bytes and cuts out each element's
 * raw bytes. It tracks only strings, nesting and the top-level keys: each record's content is
 * validated by `JSON.parse`, the document's outline here. The hot loop keeps its state in
 * local variables and walks strings byte by byte: CloudTrail strings are short, and a tight
 * JavaScript loop beats a native `indexOf` call per string (measured: about 2x).
 */
export class ExactRecordCutter implements RecordCutter {
  private depth = 0;
  /** A document has begun (its `{` was read) and not yet ended. */
  private inDocument = false;
  /** Some document began: bytes outside one are trailing bytes, not a non-JSON file. */
  private documentsSeen = 0;
  private inString = false;
  private escapePending = false;
  private inRecordsArray = false;
  private recordsSeen = false;
  private recording = false;
  /** Skipping an entry of Records that is not an object (a bad entry, already counted). */
  private inBadEntry = false;
  private recordParts: Buffer[] = [];
  private recordBytes = 0;
  /** Set while a record over RECORD_MAX_BYTES is being read. */
  private oversized: OversizedRecord | undefined;
  /** A captured string (a document key, or a record's key or value) spanning chunks. */
  private captureCarry = '';
  private captureLength = 0;
  private captureEscaped = false;
  private lastTopLevelString = '';
  /** Where the record's top-level `"eventSource": "..."` stands: see SOURCE_* states. */
  private sourceState = SOURCE_NONE;
  private recordSource: string | null | undefined = undefined;
  private sourceUncertain = false;
  /** Bytes consumed before the current chunk. */
  private offset: number;
  /** The first problem met, reported by `end`; the scan goes on past it. */
  private problem: { reason: LogReadFailure; detail: string } | undefined;
  /** Records completed so far, kept or skipped, bad entries included. */
  public recordCount = 0;
  public readonly path = 'exact';

  public constructor(
    private readonly objectName: string,
    private readonly sourcePrefilter?: (
      eventSource: string | null | undefined,
    ) => boolean | undefined,
    start?: CutterStart,
  ) {
    this.offset = start?.offset ?? 0;
    if (start !== undefined) {
      this.inDocument = true;
      this.documentsSeen = 1;
      this.depth = 2;
      this.inRecordsArray = true;
      this.lastTopLevelString = RECORDS_KEY;
      this.recordCount = start.betweenRecords;
    }
  }

  public push(chunk: Buffer): CutRecord[] {
    const completed: CutRecord[] = [];
    this.cut(chunk, 0, completed);
    this.offset += chunk.length;
    return completed;
  }

  /**
   * The hot loop: every byte of a log the fast cutter does not take passes here, so it is one
   * long function on purpose: its state lives in locals (written back at the end) and no
   * function is called per byte. Rare work (an oversized or damaged record, the end of one)
   * is in the methods below.
   */
  private cut(chunk: Buffer, from: number, completed: CutRecord[]): void {
    let i = from;
    if (this.oversized !== undefined) {
      i = this.continueOversized(chunk, i, completed);
      if (i < 0) return;
    }
    const length = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    let recording = this.recording;
    let inRecordsArray = this.inRecordsArray;
    let recordStart = recording ? i : -1;
    // Strings worth reading: document keys (depth 1) and a record's own keys and values
    // (depth 3). -1 when the current string is not one of them.
    let captureStart = inString && (depth === 1 || (recording && depth === 3)) ? i : -1;
    if (inString && this.escapePending) {
      this.escapePending = false;
      i += 1;
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
      let byte = chunk[i] as number;
      if (isJsonWhitespace(byte)) {
        // Whitespace changes nothing: skip a run of it in a tight loop (padding can be GBs).
        do {
          i += 1;
        } while (i < length && isJsonWhitespace(chunk[i] as number));
        continue;
      }
      if (depth === 0) {
        // Outside any document: skip what cannot start one, up to the next `{`.
        i = this.skipOutsideDocument(chunk, i);
        if (i >= length) break;
        byte = chunk[i] as number;
      }
      if (inRecordsArray && depth === 2 && !recording) {
        // Between two entries of Records: only `,`, whitespace, `{` and `]` belong here.
        if (byte === OPEN_BRACE || byte === CLOSE_BRACKET || byte === COMMA) {
          this.inBadEntry = false;
        } else if (!isJsonWhitespace(byte) && !this.inBadEntry) {
          this.startBadEntry(byte, this.offset + i, completed);
        }
        if (byte === CLOSE_BRACE) {
          // A stray `}` here would close the array's parent: it is part of the bad entry.
          i += 1;
          continue;
        }
      }
      if (byte === QUOTE) {
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
        if (depth === 0) this.startDocument(this.offset + i);
        if (inRecordsArray && depth === 2 && !recording && !this.inBadEntry) {
          recording = true;
          this.recordParts = [];
          this.recordBytes = 0;
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
        if (recording && depth === 2) {
          this.recordParts.push(chunk.subarray(recordStart, i + 1));
          recording = false;
          recordStart = -1;
          if (this.completeRecord(completed, byte === CLOSE_BRACKET, this.offset + i)) {
            // The `]` was the end of Records, not of the damaged record it closed.
            depth = 1;
            inRecordsArray = false;
            this.recordsSeen = true;
          }
        } else if (inRecordsArray && depth === 1) {
          inRecordsArray = false;
          this.recordsSeen = true;
        }
        if (depth === 0) {
          this.inDocument = false;
          this.lastTopLevelString = '';
        }
      } else if (!isJsonWhitespace(byte)) {
        if (recording && depth === 3 && this.sourceState !== SOURCE_NONE) {
          if (byte === COLON && this.sourceState === SOURCE_KEY) this.sourceState = SOURCE_COLON;
          else this.noStringSource();
        }
      }
      i += 1;
    }
    if (recording) {
      const tail = chunk.subarray(recordStart < 0 ? from : recordStart);
      this.recordParts.push(tail);
      this.recordBytes += tail.length;
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
    if (recording && this.recordBytes > RECORD_MAX_BYTES) this.startOversized(completed);
  }

  /**
   * A record over RECORD_MAX_BYTES. Real ones are far smaller, so first look for damage that
   * ran a record into the ones after it (a lost `}` or quote): if another record plainly
   * starts inside, this one is a bad record and the scan resumes there. Otherwise the record
   * goes to an OversizedRecord, which reads the rest of it without holding it.
   */
  private startOversized(completed: CutRecord[]): void {
    const parts = this.recordParts;
    const size = this.recordBytes;
    const damage = findDamage(parts, size);
    if (damage !== undefined) {
      this.pushDamaged(completed, damage);
      this.resetBetweenRecords();
      for (const part of sliceParts(parts, damage.restart, size)) this.cut(part, 0, completed);
      return;
    }
    const oversized = new OversizedRecord();
    for (const part of this.recordParts) {
      if (oversized.consume(part, 0) !== -1) break;
    }
    this.recordParts = [];
    this.recordBytes = 0;
    this.oversized = oversized;
    // The record's own state is the OversizedRecord's now; the cutter resumes at depth 2.
    this.inString = false;
    this.escapePending = false;
    this.captureCarry = '';
    this.captureLength = 0;
    this.captureEscaped = false;
  }

  /** Feeds an oversized record; returns where the scan resumes, or -1 if it goes on. */
  private continueOversized(chunk: Buffer, from: number, completed: CutRecord[]): number {
    const oversized = this.oversized as OversizedRecord;
    const end = oversized.consume(chunk, from);
    if (end === -1) return -1;
    this.oversized = undefined;
    this.recording = false;
    this.depth = 2;
    completed.push(...this.salvaged(oversized));
    return end;
  }

  /**
   * Hands on a record the prefilter keeps. A record closed by `]`, or holding a second
   * record start, is damage that ran records together: it is parsed whatever its source, so
   * it fails and the records inside are recovered (see recoverRecords).
   */
  private completeRecord(
    completed: CutRecord[],
    closedByBracket: boolean,
    endOffset: number,
  ): boolean {
    const parts = this.recordParts;
    this.recordParts = [];
    this.recordBytes = 0;
    const size = parts.reduce((sum, part) => sum + part.length, 0);
    if (size > RECORD_MAX_BYTES) {
      // A big record that arrived in one chunk: cut off damage, or read it the bounded way.
      const damage = findDamage(parts, size);
      if (damage !== undefined) {
        this.pushDamaged(completed, damage);
        const rest = new ExactRecordCutter(this.objectName, this.sourcePrefilter, {
          betweenRecords: this.recordCount,
          offset: endOffset + 1 - size + damage.restart,
        });
        // A closing `]` belongs to Records, not to the records after the damage.
        const end = closedByBracket ? size - 1 : size;
        for (const part of sliceParts(parts, damage.restart, end)) {
          completed.push(...rest.push(part));
        }
        this.recordCount = rest.recordCount;
        return closedByBracket;
      }
      const oversized = new OversizedRecord();
      for (const part of parts) oversized.consume(part, 0);
      completed.push(...this.salvaged(oversized));
      return false;
    }
    const eventSource = this.sourceUncertain ? null : this.recordSource;
    const index = this.recordCount;
    this.recordCount += 1;
    let verdict = this.sourcePrefilter?.(eventSource);
    const raw = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (verdict === false) {
      const own = raw.indexOf(SECOND_RECORD_KEY);
      if (closedByBracket || (own !== -1 && raw.indexOf(SECOND_RECORD_KEY, own + 1) !== -1)) {
        verdict = true;
      }
    }
    if (verdict !== false) {
      completed.push({
        raw,
        eventSource,
        index,
        keep: verdict === true,
      });
    }
    return false;
  }

  /** A record that damage ran into the ones after it: bad, cut off where the next starts. */
  private pushDamaged(completed: CutRecord[], damage: Damage): void {
    completed.push(
      this.badEntry(
        `damaged: it runs into the records after it (another record starts at its byte ${damage.restart})`,
        damage.mentionsMediaPackage,
      ),
    );
  }

  /** The next entry of Records, counted and handed on as bad (its bytes are not kept). */
  private badEntry(why: string, mayMentionMediaPackage: boolean): CutRecord {
    const index = this.recordCount;
    this.recordCount += 1;
    return {
      raw: Buffer.alloc(0),
      eventSource: undefined,
      index,
      keep: true,
      bad: why,
      mayMentionMediaPackage,
    };
  }

  /** The record an OversizedRecord kept, as the prefilter sees it. */
  private salvaged(oversized: OversizedRecord): CutRecord[] {
    const index = this.recordCount;
    this.recordCount += 1;
    const record = oversized.toCutRecord(index, this.sourcePrefilter);
    return record === undefined ? [] : [record];
  }

  /** The state between two records of the Records array (after damage was cut off). */
  private resetBetweenRecords(): void {
    this.depth = 2;
    this.inRecordsArray = true;
    this.recording = false;
    this.inBadEntry = false;
    this.inString = false;
    this.escapePending = false;
    this.recordParts = [];
    this.recordBytes = 0;
    this.captureCarry = '';
    this.captureLength = 0;
    this.captureEscaped = false;
    this.sourceState = SOURCE_NONE;
  }

  /** An entry of Records that is not an object: counted as a bad record, then skipped. */
  private startBadEntry(byte: number, at: number, completed: CutRecord[]): void {
    this.inBadEntry = true;
    completed.push(
      this.badEntry(
        `an element of Records is not an object (found ${describeByte(byte)} at byte ${at})`,
        false,
      ),
    );
  }

  private startDocument(at: number): void {
    if (this.documentsSeen > 0) {
      this.note(
        'invalid-json',
        `another JSON document follows the first at byte ${at}; its records were read too`,
      );
    }
    this.documentsSeen += 1;
    this.inDocument = true;
    this.lastTopLevelString = '';
  }

  /**
   * Skips bytes outside any document from `i`: whitespace, NUL padding and a leading
   * byte-order mark silently, anything else as a noted problem. Returns the index of the `{`
   * that starts the next document, or the chunk's length.
   */
  private skipOutsideDocument(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i += 1) {
      const byte = chunk[i] as number;
      if (byte === OPEN_BRACE) return i;
      const at = this.offset + i;
      if (isJsonWhitespace(byte) || byte === NUL) continue;
      if (this.documentsSeen === 0 && at < 3 && byte === BYTE_ORDER_MARK[at]) continue;
      if (this.documentsSeen === 0) {
        // Nothing was found yet, so stopping loses nothing: not a CloudTrail file.
        this.fail('not-cloudtrail', 'the document is not a JSON object');
      } else {
        this.note(
          'invalid-json',
          `content follows the end of the document (${describeByte(byte)} at byte ${at})`,
        );
      }
    }
    return chunk.length;
  }

  /**
   * The bytes so far of the record being read, from its `{`, when the cutter is inside a
   * record of the Records array; undefined elsewhere. Lets a faster cutter take over here.
   */
  public recordInProgress(): Buffer[] | undefined {
    return this.recording && this.inRecordsArray && this.oversized === undefined
      ? [...this.recordParts]
      : undefined;
  }

  public unfinishedRecord(): Buffer | undefined {
    if (!this.recording || this.oversized !== undefined || this.recordParts.length === 0) {
      return undefined;
    }
    return Buffer.concat(this.recordParts);
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

  private note(reason: LogReadFailure, detail: string): void {
    this.problem ??= { reason, detail };
  }

  /** The first problem noted so far (a cutter that takes over keeps it for its own `end`). */
  public get noted(): { readonly reason: LogReadFailure; readonly detail: string } | undefined {
    return this.problem;
  }

  public flush(): CutRecord[] {
    return [];
  }

  public end(): void {
    if (this.documentsSeen === 0) {
      this.fail(
        this.problem?.reason ?? 'not-cloudtrail',
        this.problem?.detail ?? 'the object holds no JSON document',
      );
    }
    if (this.inDocument || this.inString) {
      this.fail(
        'truncated',
        `the JSON document ends early, at byte ${this.offset}${this.problem === undefined ? '' : ` (and before: ${this.problem.detail})`}`,
      );
    }
    if (!this.recordsSeen) {
      this.fail('missing-records', 'the document has no Records array');
    }
    if (this.problem !== undefined) this.fail(this.problem.reason, this.problem.detail);
  }

  private fail(reason: LogReadFailure, detail: string): never {
    throw new LogReadError(this.objectName, reason, detail);
  }
}

/**
 * The top-level `eventSource` of one raw record, read as the streaming reader reads it (for
 * tools and tests that hold a record's bytes rather than a stream).
 */
export function eventSourceOfRawRecord(raw: Buffer): string | null | undefined {
  const cutter = new ExactRecordCutter('record');
  const [cut] = cutter.push(Buffer.concat([Buffer.from('{"Records":['), raw, Buffer.from(']}')]));
  return cut?.eventSource;
}
