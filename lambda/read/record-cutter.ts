/**
 * What the two record cutters share: the record they cut out of a log file's bytes, the
 * interface the reader drives them through, and the bound on a record held whole.
 * ExactRecordCutter reads any JSON layout byte by byte; FastRecordCutter cuts CloudTrail's own
 * compact layout by native byte search and hands anything else to the exact one.
 */

/**
 * Largest record held whole. CloudTrail omits request parameters over about 100 KB, so real
 * records are far smaller; a bigger one is read by OversizedRecord without holding it.
 */
export const RECORD_MAX_BYTES = 1024 * 1024;

/** A record's raw bytes and its top-level `eventSource` as the cutter read it. */
export interface CutRecord {
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
   * Set for an entry of Records that is not an object (or stray bytes where one should be),
   * or a record damaged past reading: why, without quoting it. `raw` is then empty.
   */
  readonly bad?: string;
  /** For a bad entry: whether its bytes named MediaPackage (an alert may be missing). */
  readonly mayMentionMediaPackage?: boolean;
  /** Set for a record over RECORD_MAX_BYTES: `raw` holds only its small top-level fields. */
  readonly oversized?: { readonly recordBytes: number; readonly omittedMembers: string[] };
  /**
   * Set by a cutter that may have cut in the wrong place (see FastRecordCutter): when
   * these bytes do not parse, call it before the next `push` to re-read from this record's
   * first byte with the byte-by-byte cutter. Returns what replaces the rest of this batch.
   */
  readonly recut?: () => CutRecord[];
}

/** Cuts a stream of JSON bytes into the raw records of its top-level `Records` array. */
export interface RecordCutter {
  /** Consumes one chunk and returns the records it completed, in order. */
  push(chunk: Buffer): CutRecord[];
  /** Once the input is over: the records only the end completes (bytes held back). */
  flush(): CutRecord[];
  /**
   * Checks, after `flush`, that the document was whole and had a Records array.
   * @throws LogReadError when it was not, naming the first problem and where it was.
   */
  end(): void;
  /**
   * After the input is over, the bytes of a record that never ended (a truncated file, or
   * damage that unbalanced the brackets), at most RECORD_MAX_BYTES: the reader tries to
   * recover whole records from them.
   */
  unfinishedRecord(): Buffer | undefined;
  /** Records completed so far, kept or skipped, bad entries included. */
  readonly recordCount: number;
  /** How the records are being cut; see CutPath. */
  readonly path: CutPath;
}

/**
 * `fast`: by native byte search, CloudTrail's own layout (the last record is always read
 * exactly); `exact`: byte by byte; `fast-then-exact`: the fast path met a record it would not
 * vouch for and handed it (and the rest of its chunk) to the exact cutter.
 */
export type CutPath = 'fast' | 'exact' | 'fast-then-exact';

/** Where a cutter starts: at the document's first byte, or between two records. */
export interface CutterStart {
  /** Start inside the Records array, before the record with this index. */
  readonly betweenRecords: number;
  /** Bytes of the document before this point, so problems are reported at true offsets. */
  readonly offset?: number;
}

const MEDIAPACKAGE_MARKER = Buffer.from('mediapackage');

/** True when the raw record text could belong to any MediaPackage event source. */
export function mayMentionMediaPackage(rawRecord: Buffer): boolean {
  return rawRecord.indexOf(MEDIAPACKAGE_MARKER) !== -1;
}
