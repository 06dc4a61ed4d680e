/**
 * The fast way to cut a log, for the layout CloudTrail itself writes: compact JSON whose
 * records all start with the same key (`{"Records":[{"eventVersion":…},{"eventVersion":…}]}`).
 *
 * Instead of looking at every byte in JavaScript, it lets `Buffer#indexOf` (native, memchr
 * speed) find two things: the boundaries `},{"eventVersion":` between records, and each
 * record's `"eventSource":"…"`. A record is handed on only when one of its event sources is
 * one the caller watches (or cannot be read plainly); the rest, over 99% of a busy trail, are
 * counted and never copied or parsed.
 *
 * Why it is safe. In valid JSON a quote after `{` cannot be inside a string (it would be
 * escaped), so `},{"eventVersion":` only ever occurs between two objects of an array. Between
 * records it is a true boundary; inside a record (an array of objects whose first key is also
 * `eventVersion`, which CloudTrail does not write) it would cut the record in two, and neither
 * piece parses. So a piece that is handed on and does not parse makes the reader re-read from
 * there with the exact byte-by-byte cutter (`recut`), which also takes records over 1 MiB;
 * the fast path takes over again inside the next record that starts in a later chunk. A file
 * that does not start with this layout, the last record and the document's end are read by the
 * exact cutter, so truncation and trailing garbage are reported exactly as it reports them.
 *
 * What it does not do: check the JSON of records it skips (nor does the exact cutter parse
 * them), and it would treat such an inner array object, if it named a watched source and
 * sat between two others like it, as a record: an extra alert, never a missed one.
 */
import { LogReadError } from '../errors';
import type { LogReadFailure } from '../errors';
import { READ_EVENT_NAME_PREFIXES } from './cloudtrail-record';
import { CAPTURE_LIMIT, ExactRecordCutter } from './exact-record-cutter';
import type { CutPath, CutRecord, RecordCutter } from './record-cutter';
import { RECORD_MAX_BYTES } from './record-cutter';

// Local to each byte-level reader, beside its hot loop: an imported binding would be a
// property load on every byte where the code runs as CommonJS (the CLI).
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** The file's first bytes, up to the first record's first key. */
const DOCUMENT_HEAD = Buffer.from('{"Records":[{"');
/** Where the first record's `{` is. */
const FIRST_RECORD_AT = DOCUMENT_HEAD.length - 2;
const FIRST_KEY = /^[A-Za-z0-9_]{1,64}$/;
/**
 * The key `"eventSource"` less its first two bytes, which are checked apart: a needle whose
 * first byte is rare lets indexOf skip ahead with memchr (measured: 3x faster than searching
 * for `"eventSource"`, whose first byte is the commonest in JSON).
 */
const SOURCE_KEY_TAIL = Buffer.from('ventSource"');
/** Any escape that could spell `eventSource` or a watched source differently. */
const UNICODE_ESCAPE = Buffer.from('\\u');
/** Bytes of the next chunk joined to an unfinished record to find where it ends. */
const STITCH_BYTES = 16 * 1024;
/** A record still unfinished after this many bytes is left to the exact cutter. */
const MAX_CARRIED_BYTES = RECORD_MAX_BYTES;
/** The top-level `"eventName":"` (the first one: CloudTrail writes it before any value). */
const EVENT_NAME_KEY = Buffer.from('"eventName":"');
/** CloudTrail's `"readOnly":` (the last one: CloudTrail writes it after the parameters). */
const READ_ONLY_KEY = Buffer.from('"readOnly":');
const TRUE = Buffer.from('true');
/** Event names of reads, as `isReadOnlyCall` knows them. */
const READ_NAME_PREFIXES = READ_EVENT_NAME_PREFIXES.map((prefix) => Buffer.from(prefix));

const LOWER_E = 0x65;
const FIRST_NON_ASCII = 0x80;

/** Decides from a record's event source: true to parse, false to skip, undefined to ask. */
export type SourcePrefilter = (eventSource: string | null | undefined) => boolean | undefined;

export interface FastCutterOptions {
  /**
   * Skip, unparsed, records whose bytes say they are reads: the first `"eventName":"` (the
   * top-level one, which CloudTrail writes before any value a caller controls) names a read
   * (READ_EVENT_NAME_PREFIXES) and the last `"readOnly":` (the top-level one, written after
   * the parameters) is `true`. Both must hold, so a parameter named `readOnly` cannot hide a
   * write call. Only for rules that never alert on reads.
   * @default false
   */
  readonly skipReadOnly?: boolean;
}

/** Whether `buffer[at...]` starts with `prefix`. */
function startsWithAt(buffer: Buffer, at: number, prefix: Buffer): boolean {
  return buffer.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** See FastCutterOptions.skipReadOnly. */
function isPlainRead(buffer: Buffer, start: number, end: number): boolean {
  const name = buffer.indexOf(EVENT_NAME_KEY, start);
  if (name === -1 || name >= end) return false;
  const nameAt = name + EVENT_NAME_KEY.length;
  if (!READ_NAME_PREFIXES.some((prefix) => startsWithAt(buffer, nameAt, prefix))) return false;
  const flag = buffer.lastIndexOf(READ_ONLY_KEY, end - READ_ONLY_KEY.length);
  return flag >= start && startsWithAt(buffer, flag + READ_ONLY_KEY.length, TRUE);
}

type Layout = { readonly separator: Buffer } | 'other' | 'undecided';

/** Whether the document starts with CloudTrail's compact layout, and its record separator. */
function compactLayout(head: Buffer): Layout {
  const known = Math.min(head.length, DOCUMENT_HEAD.length);
  if (head.compare(DOCUMENT_HEAD, 0, known, 0, known) !== 0) return 'other';
  const keyEnd = head.indexOf(QUOTE, DOCUMENT_HEAD.length);
  if (keyEnd === -1 || keyEnd + 1 >= head.length) {
    return head.length > DOCUMENT_HEAD.length + 64 ? 'other' : 'undecided';
  }
  const key = head.toString('latin1', DOCUMENT_HEAD.length, keyEnd);
  if (!FIRST_KEY.test(key) || head[keyEnd + 1] !== COLON) return 'other';
  return { separator: Buffer.from(`},{"${key}":`) };
}

/** Whether `ventSource"` at `at` is the end of the string `"eventSource"`. */
function isSourceKeyAt(buffer: Buffer, at: number): boolean {
  return at >= 2 && buffer[at - 1] === LOWER_E && buffer[at - 2] === QUOTE;
}

/**
 * The plain string value after the key that ends before `at`, or null when it is not one to
 * judge from bytes: no `:"` straight after the key, an escape, non-ASCII, too long or cut.
 */
function plainSourceValue(buffer: Buffer, at: number, end: number): string | null {
  if (buffer[at] !== COLON || buffer[at + 1] !== QUOTE) return null;
  const first = at + 2;
  const limit = Math.min(end, first + CAPTURE_LIMIT);
  for (let i = first; i < limit; i += 1) {
    const byte = buffer[i] as number;
    if (byte === QUOTE) return buffer.toString('latin1', first, i);
    if (byte === BACKSLASH || byte >= FIRST_NON_ASCII) return null;
  }
  return null;
}

/**
 * Cuts CloudTrail's compact layout with native byte search, and hands anything else to the
 * exact cutter. Memory: the chunk at hand plus one unfinished record.
 */
export class FastRecordCutter implements RecordCutter {
  /** Bytes held over: the document's head until the layout is known, then an unfinished record. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** `},{"eventVersion":` once the layout is known to be compact. */
  private separator: Buffer | undefined;
  /** Set while the exact cutter reads: the whole document, or from a record on. */
  private exact: ExactRecordCutter | undefined;
  /** The record the exact cutter started at; it may hand back once past it (not from the start). */
  private exactFrom: number | undefined;
  private cutCount = 0;
  /** Whether the fast path handed any record but the last to the exact cutter. */
  private gaveUp = false;
  private readonly skipReadOnly: boolean;
  /** The first problem an exact cutter noted before the cutting was taken back from it. */
  private carried: { readonly reason: LogReadFailure; readonly detail: string } | undefined;
  /** Bytes received so far, the current chunk included: where exact cutters start. */
  private received = 0;

  public constructor(
    private readonly objectName: string,
    private readonly sourcePrefilter: SourcePrefilter,
    options: FastCutterOptions = {},
  ) {
    this.skipReadOnly = options.skipReadOnly === true;
  }

  public unfinishedRecord(): Buffer | undefined {
    return this.exact?.unfinishedRecord();
  }

  public get recordCount(): number {
    return this.exact?.recordCount ?? this.cutCount;
  }

  public get path(): CutPath {
    if (this.separator === undefined) return 'exact';
    return this.gaveUp ? 'fast-then-exact' : 'fast';
  }

  public push(chunk: Buffer): CutRecord[] {
    this.received += chunk.length;
    if (this.exact !== undefined && !this.takeBack()) return this.exact.push(chunk);
    if (this.separator !== undefined) return this.cutChunk(chunk);
    this.hold(chunk);
    const head = Buffer.concat(this.pending);
    const layout = compactLayout(head);
    if (layout === 'undecided') {
      this.pending = [head];
      return [];
    }
    this.pending = [];
    this.pendingLength = 0;
    if (layout === 'other') return this.handOver(undefined, [head]);
    this.separator = layout.separator;
    return this.cutChunk(head.subarray(FIRST_RECORD_AT));
  }

  public flush(): CutRecord[] {
    if (this.exact !== undefined) return this.exact.flush();
    // The last record and the document's close are read exactly, errors and all.
    const held = this.pending;
    const exact = this.startExact(
      this.separator === undefined ? undefined : this.cutCount,
      this.received - this.pendingLength,
    );
    return held.flatMap((part) => exact.push(part));
  }

  public end(): void {
    (this.exact ?? this.startExact(undefined, this.received)).end();
    // A problem an exact cutter noted before the fast path took the cutting back.
    if (this.carried !== undefined) {
      throw new LogReadError(this.objectName, this.carried.reason, this.carried.detail);
    }
  }

  /**
   * Takes the cutting back from the exact cutter once it is past the record it was handed
   * and inside a later one: that record's bytes so far become the unfinished record.
   */
  private takeBack(): boolean {
    const exact = this.exact as ExactRecordCutter;
    if (this.exactFrom === undefined || exact.recordCount <= this.exactFrom) return false;
    const inProgress = exact.recordInProgress();
    if (inProgress === undefined) return false;
    this.exact = undefined;
    this.exactFrom = undefined;
    this.carried ??= exact.noted;
    this.cutCount = exact.recordCount;
    this.pending = [];
    this.pendingLength = 0;
    for (const part of inProgress) this.hold(part);
    return true;
  }

  private hold(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
  }

  /** From here on the exact cutter reads: from the start, or between two records. */
  private handOver(betweenRecords: number | undefined, parts: readonly Buffer[]): CutRecord[] {
    // The parts always run to the end of what was received: that places them in the file.
    const offset = this.received - parts.reduce((sum, part) => sum + part.length, 0);
    const exact = this.startExact(betweenRecords, offset);
    return parts.flatMap((part) => exact.push(part));
  }

  private startExact(betweenRecords: number | undefined, offset = 0): ExactRecordCutter {
    this.exactFrom = betweenRecords;
    this.exact = new ExactRecordCutter(
      this.objectName,
      this.sourcePrefilter,
      betweenRecords === undefined ? undefined : { betweenRecords, offset },
    );
    this.pending = [];
    this.pendingLength = 0;
    return this.exact;
  }

  private cutChunk(chunk: Buffer): CutRecord[] {
    const completed: CutRecord[] = [];
    let start = 0;
    if (this.pendingLength > 0) {
      // The record held over ends in this chunk, most likely near its start: join only a
      // little of the chunk to it rather than copying the whole chunk.
      const head = chunk.subarray(0, STITCH_BYTES);
      const rest = chunk.subarray(head.length);
      const carried = this.pendingLength;
      const stitched = Buffer.concat([...this.pending, head]);
      const next = this.cutRecords(stitched, 0, carried, rest, completed);
      if (next < carried) {
        // Still unfinished: hold the record and the rest of the chunk for the next one.
        this.pending = [stitched.subarray(next)];
        this.pendingLength = stitched.length - next;
        if (rest.length > 0) this.hold(rest);
        if (this.pendingLength > MAX_CARRIED_BYTES) {
          this.gaveUp = true;
          completed.push(...this.handOver(this.cutCount, this.pending));
        }
        return completed;
      }
      start = next - carried;
    }
    start = this.cutRecords(chunk, start, Infinity, undefined, completed);
    this.pending = start < chunk.length ? [chunk.subarray(start)] : [];
    this.pendingLength = chunk.length - start;
    return completed;
  }

  /**
   * Cuts the records of `buffer` from `start`, a record's first byte, while records start
   * before `stopAt`; returns where the unfinished record starts. `rest` is what follows
   * `buffer` in this chunk, for a recut.
   */
  private cutRecords(
    buffer: Buffer,
    start: number,
    stopAt: number,
    rest: Buffer | undefined,
    completed: CutRecord[],
  ): number {
    const separator = this.separator as Buffer;
    let sourceAt = buffer.indexOf(SOURCE_KEY_TAIL, start);
    let escapeAt = buffer.indexOf(UNICODE_ESCAPE, start);
    let recordStart = start;
    while (recordStart < stopAt) {
      const boundary = buffer.indexOf(separator, recordStart);
      if (boundary === -1) break;
      const recordEnd = boundary + 1;
      const index = this.cutCount;
      this.cutCount += 1;
      // false: skip; true: parse; undefined: let the prefilter look at the bytes.
      let verdict: boolean | undefined = false;
      let eventSource: string | null | undefined;
      let plain = true;
      // CloudTrail writes one `"eventSource"` key per record: a piece with two may be two
      // records run together (one written with spaces, say), so it is parsed and, if it is,
      // re-read exactly and counted right. The search runs anyway, so this costs nothing.
      let sourceKeys = 0;
      while (sourceAt !== -1 && sourceAt < recordEnd) {
        const isKey = isSourceKeyAt(buffer, sourceAt);
        if (isKey) sourceKeys += 1;
        if (verdict !== true && isKey) {
          const value = plainSourceValue(buffer, sourceAt + SOURCE_KEY_TAIL.length, recordEnd);
          const said = value === null ? true : this.sourcePrefilter(value);
          if (said === true) {
            verdict = true;
            plain = value !== null;
          } else if (said === undefined) {
            verdict = undefined;
            eventSource = value;
          }
        }
        sourceAt = buffer.indexOf(SOURCE_KEY_TAIL, sourceAt + 1);
      }
      if (escapeAt !== -1 && escapeAt < recordEnd) {
        verdict = true;
        plain = false;
        while (escapeAt !== -1 && escapeAt < recordEnd) {
          escapeAt = buffer.indexOf(UNICODE_ESCAPE, escapeAt + 1);
        }
      }
      if (sourceKeys > 1) {
        verdict = true;
        plain = false;
      }
      if (verdict === true && plain && this.skipReadOnly) {
        if (isPlainRead(buffer, recordStart, recordEnd)) verdict = false;
      }
      if (verdict !== false) {
        const from = recordStart;
        completed.push({
          raw: buffer.subarray(from, recordEnd),
          eventSource: verdict === true ? null : eventSource,
          index,
          keep: verdict === true,
          recut: () => {
            this.gaveUp = true;
            this.cutCount = index;
            const remaining = buffer.subarray(from);
            return this.handOver(index, rest === undefined ? [remaining] : [remaining, rest]);
          },
        });
      }
      recordStart = boundary + 2;
    }
    return recordStart;
  }
}
