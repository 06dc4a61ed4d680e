/**
 * Finds whole records inside bytes that did not parse as one: damage that breaks a record's
 * strings or brackets (a lost quote, a missing `}`) makes the cutter run it together with the
 * records after it, or never end it. Records are cut again where another record plainly
 * starts (`{` and the record's own first key), and each piece that parses is kept.
 *
 * Work is bounded: the bytes come from one cut record, at most RECORD_MAX_BYTES, and each is
 * parsed at most a few times. A false start inside a damaged record can only add a record,
 * never hide one.
 */
import type { ReadRecord } from './cloudtrail-record';

const FIRST_KEY = /^\{\s*"([A-Za-z0-9_]{1,64})"\s*:/;
const DEFAULT_FIRST_KEY = 'eventVersion';
/** Trailing bytes tried off a last piece (`}`, `]`, `,` and whitespace left by the damage). */
const TRIM_TRIES = 4;

/**
 * The records found in `raw` from its `skip`-th record start on (0: try the start itself; 1:
 * the first piece is known to be bad), in order.
 */
export function recoverRecords(raw: Buffer, skip = 0): ReadRecord[] {
  const text = raw.toString('utf8');
  const key = FIRST_KEY.exec(text)?.[1] ?? DEFAULT_FIRST_KEY;
  const starts = recordStarts(text, key);
  // The bad piece is skipped only when its own start was found: damage to its first key hides
  // its start, and the first start found is then the next record's.
  const first = starts[0] === text.search(/\S/) ? skip : 0;
  const found: ReadRecord[] = [];
  for (let n = first; n < starts.length; n += 1) {
    const from = starts[n] as number;
    const to = starts[n + 1] ?? text.length;
    const record = parsePiece(text.slice(from, to), n + 1 === starts.length);
    if (record !== undefined) found.push(record);
  }
  return found;
}

/** Offsets of `{` followed by optional whitespace and `"key"` and a colon. */
function recordStarts(text: string, key: string): number[] {
  const pattern = new RegExp(`\\{\\s*"${key}"\\s*:`, 'g');
  const starts: number[] = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    starts.push(match.index);
  }
  return starts;
}

function parsePiece(piece: string, last: boolean): ReadRecord | undefined {
  // A whole record followed by damaged bytes that hide the next start (a record whose first
  // key lost its quote): the object that closes first is the record.
  const closed = objectEnd(piece);
  if (closed !== -1 && closed < piece.length) {
    const record = tryParse(piece.slice(0, closed));
    if (record !== undefined) return record;
  }
  let end = trimmedEnd(piece, piece.length);
  for (let attempt = 0; attempt <= (last ? TRIM_TRIES : 1); attempt += 1) {
    const parsed = tryParse(piece.slice(0, end));
    if (parsed !== undefined) return parsed;
    const closing = piece.charCodeAt(end - 1);
    if (closing !== 0x7d && closing !== 0x5d) return undefined;
    end = trimmedEnd(piece, end - 1);
  }
  return undefined;
}

/** Just past the `}` that closes the object `text` starts with (strings skipped), or -1. */
function objectEnd(text: string): number {
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (inString) {
      if (code === 0x5c) at += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
      if (depth === 0) return at + 1;
    }
  }
  return -1;
}

/** Where `text[0, end)` ends once trailing whitespace and commas are dropped (no regex: a
 * `[\s,]+$` search is quadratic on long runs). */
function trimmedEnd(text: string, end: number): number {
  let at = end;
  while (at > 0) {
    const code = text.charCodeAt(at - 1);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09 && code !== 0x2c) break;
    at -= 1;
  }
  return at;
}

function tryParse(candidate: string): ReadRecord | undefined {
  try {
    const value: unknown = JSON.parse(candidate);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as ReadRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
