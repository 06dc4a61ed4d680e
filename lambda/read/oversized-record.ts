/**
 * Reads a record too big to hold (over RECORD_MAX_BYTES) without holding it: it walks the
 * record's bytes as they pass and keeps only its small top-level fields, so a 500 MB record
 * or a 2 GiB string costs a few hundred KB. Real CloudTrail records are small (CloudTrail
 * omits request parameters over about 100 KB), so the fields an alert needs (who, what,
 * when, where, eventID) survive, while a huge `requestParameters` is dropped and named.
 */
import type { CutRecord } from './record-cutter';

// Local to each byte-level reader, beside its hot loop: an imported binding would be a
// property load on every byte where the code runs as CommonJS (the CLI).
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** A top-level field bigger than this is dropped. */
export const MEMBER_MAX_BYTES = 64 * 1024;
/** Fields other than ESSENTIAL_KEYS are kept while all kept fields stay under this. */
const KEPT_MAX_BYTES = 256 * 1024;
/** Names of dropped fields listed, at most. */
const OMITTED_NAMES_MAX = 16;
const KEY_CAPTURE_MAX = 128;

/** The fields an alert and the matcher read: kept whenever they are small enough. */
const ESSENTIAL_KEYS: ReadonlySet<string> = new Set([
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestID',
  'eventID',
  'readOnly',
  'eventType',
  'managementEvent',
  'eventCategory',
  'recipientAccountId',
  'resources',
]);

/** What was kept of an oversized record. */
export interface SalvagedRecord {
  /** The kept fields as a JSON object's bytes. */
  readonly raw: Buffer;
  readonly eventSource: string | undefined;
  readonly recordBytes: number;
  readonly omittedMembers: string[];
}

/**
 * Walks one record from its opening `{`, chunk by chunk (`consume`), until its closing `}`.
 * Strings are skipped with native `indexOf`; the rest is byte by byte, which is fine for the
 * rare record that comes here.
 */
export class OversizedRecord {
  private depth = 0;
  private inString = false;
  private escapePending = false;
  private recordBytes = 0;
  private ended = false;
  /** The current top-level field (`"key":value`), while it is small enough to keep. */
  private memberParts: Buffer[] = [];
  private memberBytes = 0;
  private memberDropped = false;
  private memberKey: string | undefined;
  /** The key's bytes while its string is being read (capped). */
  private keyParts: Buffer[] | undefined;
  private keyBytes = 0;
  private readonly kept = new Map<string, string>();
  private keptBytes = 0;
  private readonly omitted: string[] = [];
  private omittedCount = 0;

  /**
   * Reads `chunk` from `from`. Returns the index just past the record's closing `}`, or -1
   * when the record goes on in the next chunk.
   */
  public consume(chunk: Buffer, from: number): number {
    if (this.ended) return from;
    let i = from;
    let memberStart = this.depth >= 1 ? i : -1;
    let keyStart = this.keyParts !== undefined ? i : -1;
    const length = chunk.length;
    if (this.escapePending && i < length) {
      this.escapePending = false;
      i += 1;
    }
    // The next quote and backslash at or after i, searched again only once passed (-1: none
    // left in this chunk): each search starts past the last, so a chunk costs one pass
    // however long its strings are and however many escapes they hold.
    let quote = -2;
    let backslash = -2;
    while (i < length) {
      if (this.inString) {
        if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(BACKSLASH, i);
        const stop =
          quote === -1 ? backslash : backslash === -1 ? quote : Math.min(quote, backslash);
        if (stop === -1) break;
        if (stop === backslash) {
          i = stop + 2;
          if (i > length) this.escapePending = true;
          continue;
        }
        this.inString = false;
        if (keyStart >= 0) {
          this.captureKey(chunk.subarray(keyStart, stop));
          this.finishKey();
          keyStart = -1;
        }
        i = stop + 1;
        continue;
      }
      const byte = chunk[i] as number;
      if (byte === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.memberKey === undefined && this.keyParts === undefined) {
          this.keyParts = [];
          this.keyBytes = 0;
          keyStart = i + 1;
        }
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        this.depth += 1;
        if (this.depth === 1) memberStart = i + 1;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth -= 1;
        if (this.depth === 0) {
          this.addToMember(chunk.subarray(memberStart, i));
          this.finishMember();
          this.recordBytes += i + 1 - from;
          this.ended = true;
          return i + 1;
        }
      } else if (byte === COMMA && this.depth === 1) {
        this.addToMember(chunk.subarray(memberStart, i));
        this.finishMember();
        memberStart = i + 1;
      }
      i += 1;
    }
    if (keyStart >= 0) this.captureKey(chunk.subarray(keyStart, length));
    if (memberStart >= 0 && this.depth >= 1) this.addToMember(chunk.subarray(memberStart, length));
    this.recordBytes += length - from;
    return -1;
  }

  private captureKey(part: Buffer): void {
    if (this.keyParts === undefined || this.keyBytes >= KEY_CAPTURE_MAX) return;
    const room = KEY_CAPTURE_MAX - this.keyBytes;
    const piece = Buffer.from(part.subarray(0, room));
    this.keyParts.push(piece);
    this.keyBytes += piece.length;
  }

  private finishKey(): void {
    const raw = Buffer.concat(this.keyParts ?? []).toString('utf8');
    this.keyParts = undefined;
    let key = raw;
    if (raw.includes('\\')) {
      try {
        key = JSON.parse(`"${raw}"`) as string;
      } catch {
        // A key cut at KEY_CAPTURE_MAX inside an escape: its raw text names it well enough.
      }
    }
    this.memberKey = key;
  }

  private addToMember(part: Buffer): void {
    if (this.memberDropped || part.length === 0) return;
    this.memberBytes += part.length;
    if (this.memberBytes > MEMBER_MAX_BYTES) {
      this.memberDropped = true;
      this.memberParts = [];
      return;
    }
    // A copy: the chunk it comes from is not kept.
    this.memberParts.push(Buffer.from(part));
  }

  private finishMember(): void {
    const key = this.memberKey;
    const text = this.memberDropped ? undefined : Buffer.concat(this.memberParts).toString('utf8');
    this.memberParts = [];
    this.memberBytes = 0;
    this.memberDropped = false;
    this.memberKey = undefined;
    this.keyParts = undefined;
    if (key === undefined) return;
    const essential = ESSENTIAL_KEYS.has(key);
    if (text !== undefined && (essential || this.keptBytes + text.length <= KEPT_MAX_BYTES)) {
      // JSON keeps the last of repeated keys: so does this, which also bounds what is kept.
      this.keptBytes += text.length - (this.kept.get(key)?.length ?? 0);
      this.kept.set(key, text);
      return;
    }
    this.kept.delete(key);
    this.omittedCount += 1;
    if (this.omitted.length < OMITTED_NAMES_MAX && !this.omitted.includes(key)) {
      this.omitted.push(key.slice(0, 64));
    }
  }

  /**
   * The kept fields, each checked by parsing it alone so a damaged field costs only itself,
   * then joined as text: never re-serialized, since a kept field may be nested deeper than
   * JSON.stringify can go.
   */
  public result(): SalvagedRecord {
    const texts: string[] = [];
    let eventSource: string | undefined;
    for (const [key, text] of this.kept) {
      try {
        const parsed = JSON.parse(`{${text}}`) as Record<string, unknown>;
        if (key === 'eventSource' && typeof parsed.eventSource === 'string') {
          eventSource = parsed.eventSource;
        }
        texts.push(text);
      } catch {
        this.omittedCount += 1;
        if (this.omitted.length < OMITTED_NAMES_MAX) this.omitted.push(key.slice(0, 64));
      }
    }
    const omittedMembers = [...this.omitted];
    if (this.omittedCount > omittedMembers.length) {
      omittedMembers.push(`${this.omittedCount - omittedMembers.length} more`);
    }
    return {
      raw: Buffer.from(`{${texts.join(',')}}`),
      eventSource,
      recordBytes: this.recordBytes,
      omittedMembers,
    };
  }

  /** The salvaged record as a cutter hands it on, unless the prefilter skips it. */
  public toCutRecord(
    index: number,
    sourcePrefilter: ((eventSource: string | null | undefined) => boolean | undefined) | undefined,
  ): CutRecord | undefined {
    const salvaged = this.result();
    const verdict = sourcePrefilter?.(salvaged.eventSource);
    if (verdict === false) return undefined;
    return {
      raw: salvaged.raw,
      eventSource: salvaged.eventSource,
      index,
      keep: verdict === true,
      oversized: { recordBytes: salvaged.recordBytes, omittedMembers: salvaged.omittedMembers },
    };
  }
}
