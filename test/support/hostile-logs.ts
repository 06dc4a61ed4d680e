/**
 * Hostile CloudTrail log files, as an attacker or a careless API caller would write them, built
 * around realistic records from scripts/cloudtrail-factory.ts: MediaPackage writes that must
 * alert (their eventIDs known), MediaPackage reads and other services' calls that must not.
 * Each case says which alerts it must produce and what a reader should report about it.
 *
 * Files are produced as a stream of segments (`bytes` repeated `times` times), never held
 * whole: a gzip bomb inflating to 20 GiB or a 2 GiB string costs the generator a few MB. Gzip
 * files repeat a deflate block compressed once (each block is full-flushed from a fresh
 * deflater, so it references only itself and can be repeated as is); the CRC-32 of a repeated
 * block comes from zlib's crc32_combine, so the trailer is right without reading 20 GiB.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type {
  GeneratedRecord,
  MediaPackageSource,
  OtherServiceCall,
  Rng,
} from '../../scripts/cloudtrail-factory';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  OTHER_SERVICE_CALLS,
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../scripts/cloudtrail-factory';
import { DEFAULT_MAX_INFLATED_BYTES } from '../../lambda/read/read-budget';

// ---------------------------------------------------------------------------------------------
// What a case must produce
// ---------------------------------------------------------------------------------------------

/** An alert a case must produce exactly once. */
export interface ExpectedAlert {
  /** The record's eventID; null when the record has none (the alert then gets a digest id). */
  readonly eventID: string | null;
  readonly requestID: string;
  readonly eventName: string;
  /** The record is over the reader's 1 MiB cap: its request parameters must be omitted, with a note. */
  readonly omitsParameters: boolean;
  /** Position of the record's entry in Records (entries of all documents counted in order). */
  readonly index: number;
}

/**
 * What reading the file should report:
 * - `none`: a valid CloudTrail document; no bad record, read to the end (`mp-audit scan` exits 0);
 * - `record`: the document is read to the end but some entries are not records (bad records
 *   counted, exit 0);
 * - `document`: damage the reader reports as the object not read cleanly (exit 1);
 * - `budget`: a read budget (time or inflated bytes) stops the read (exit 1 when the file
 *   inflates past the CLI's 2 GiB budget).
 */
export type Damage = 'none' | 'record' | 'document' | 'budget';

/** Filled while the file is generated: complete once its segments are exhausted. */
export interface Expectation {
  readonly alerts: ExpectedAlert[];
  /** Entries written in `Records` arrays, records and non-object entries alike. */
  entries: number;
  /** Bytes of the file once inflated. */
  inflatedBytes: number;
}

/** A run of the file's inflated bytes: `bytes`, `times` times in a row. */
export interface Segment {
  readonly bytes: Buffer;
  readonly times: number;
}

/** One hostile file. */
export interface HostileLog {
  /** Short kebab-case name, unique in a suite; used in file names. */
  readonly name: string;
  readonly description: string;
  readonly gzip: boolean;
  readonly damage: Damage;
  /** Generates the file afresh (deterministic): its segments and what they must produce. */
  readonly generate: () => GeneratedLog;
}

/** A generated file: its inflated content, or (`stored`) the bytes to store as they are. */
export interface GeneratedLog {
  readonly segments: Iterable<Segment>;
  readonly expectation: Expectation;
  /** The segments are the stored bytes already (a cut gzip stream): written unchanged. */
  readonly stored?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Planted secrets
// ---------------------------------------------------------------------------------------------

/** A text every planted secret contains, and nothing else in the files does. */
export const PLANTED_MARKER = 'PLANTED';

/** Secrets planted in MediaPackage writes; none may reach any protocol's text of an alert. */
export const PLANTED_SECRETS = {
  /** Under `pwd` in request parameters. */
  pwd: 'PLANTEDpwdQ7v2Lk9x',
  /** Under `x-api-key` in a `headers` object. */
  apiKey: 'PLANTEDapikeyM3n8Rt5w',
  /** A Bearer token inside an array of strings (a curl command line). */
  bearer: 'PLANTEDbearerTk.eyJ4IjoxfQ.Zx9',
  /** The password of `https://admin:PASS@host` in a URL. */
  urlPassword: 'PLANTEDurlPassW0rd',
  /** An AWS access key id in free text. */
  accessKeyId: 'AKIAZQ3PLANTED7X9QWE',
} as const;

/** The planted secrets as request parameters of a MediaPackage call. */
function secretParameters(): Record<string, unknown> {
  return {
    pwd: PLANTED_SECRETS.pwd,
    headers: { 'x-api-key': PLANTED_SECRETS.apiKey, accept: 'application/json' },
    // No `Authorization:` before it: the token alone must be recognised.
    curlArgs: ['curl', '-X', 'PUT', '-H', `Bearer ${PLANTED_SECRETS.bearer}`],
    originUrl: `https://admin:${PLANTED_SECRETS.urlPassword}@origin.example.com/live/index.m3u8`,
    description: `Rotated after ${PLANTED_SECRETS.accessKeyId} was pasted in a ticket`,
  };
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

const SOURCES = Object.keys(MEDIAPACKAGE_WRITE_CALLS) as MediaPackageSource[];

/** MediaPackage read calls: they must never alert. */
const MEDIAPACKAGE_READS: Readonly<Record<MediaPackageSource, readonly string[]>> = {
  'mediapackage.amazonaws.com': ['DescribeChannel', 'ListChannels', 'DescribeOriginEndpoint'],
  'mediapackagev2.amazonaws.com': ['GetChannel', 'ListChannelGroups', 'GetOriginEndpoint'],
  'mediapackage-vod.amazonaws.com': ['DescribeAsset', 'ListAssets', 'DescribePackagingGroup'],
};

/** Options of a MediaPackage write. */
interface WriteOptions {
  /** Plant the secrets in its parameters, error message and user agent. */
  readonly secrets?: boolean;
  readonly failed?: boolean;
  readonly source?: MediaPackageSource;
  readonly eventName?: string;
}

/** Seeded realistic records. */
class RecordMaker {
  public readonly rng: Rng;

  public constructor(seed: number) {
    this.rng = createRng(seed);
  }

  public write(options: WriteOptions = {}): GeneratedRecord {
    const source = options.source ?? this.rng.pick(SOURCES);
    const eventName = options.eventName ?? this.rng.pick(MEDIAPACKAGE_WRITE_CALLS[source]);
    const secrets = options.secrets === true;
    const failed = options.failed === true;
    const record = mediaPackageRecord(this.rng, {
      source,
      eventName,
      ...(secrets ? { requestParameters: secretParameters() } : {}),
      ...(failed
        ? {
            errorCode: 'AccessDeniedException',
            ...(secrets
              ? {
                  errorMessage: `Origin https://admin:${PLANTED_SECRETS.urlPassword}@origin.example.com refused key ${PLANTED_SECRETS.accessKeyId}`,
                }
              : {}),
          }
        : {}),
    });
    return secrets
      ? { ...record, userAgent: `${record.userAgent} key/${PLANTED_SECRETS.accessKeyId}` }
      : record;
  }

  public read(): GeneratedRecord {
    const source = this.rng.pick(SOURCES);
    return mediaPackageRecord(this.rng, {
      source,
      eventName: this.rng.pick(MEDIAPACKAGE_READS[source]),
    });
  }

  public noise(call?: OtherServiceCall): GeneratedRecord {
    return otherServiceRecord(this.rng, { call: call ?? this.rng.pick(OTHER_SERVICE_CALLS) });
  }

  /**
   * A realistic mix: `writes` MediaPackage writes (every third with planted secrets, every
   * seventh failed), `reads` MediaPackage reads and `noise` other calls, shuffled.
   */
  public mix(writes: number, reads: number, noise: number): MixedRecord[] {
    const records: MixedRecord[] = [
      ...Array.from({ length: writes }, (_, i) => ({
        record: this.write({ secrets: i % 3 === 0, failed: i % 7 === 3 }),
        alerts: true,
      })),
      ...Array.from({ length: reads }, () => ({ record: this.read(), alerts: false })),
      ...Array.from({ length: noise }, () => ({ record: this.noise(), alerts: false })),
    ];
    return this.rng.shuffle(records);
  }
}

interface MixedRecord {
  readonly record: GeneratedRecord;
  readonly alerts: boolean;
}

function expectedOf(
  record: GeneratedRecord,
  index: number,
  omitsParameters = false,
): ExpectedAlert {
  return {
    eventID: typeof record.eventID === 'string' ? record.eventID : null,
    requestID: record.requestID,
    eventName: record.eventName,
    omitsParameters,
    index,
  };
}

// ---------------------------------------------------------------------------------------------
// Documents: CloudTrail's compact layout, or pretty-printed
// ---------------------------------------------------------------------------------------------

/** `compact` is what CloudTrail writes; `pretty` is what a person or a tool re-saves. */
export type Layout = 'compact' | 'pretty';

const HEAD: Record<Layout, string> = { compact: '{"Records":[', pretty: '{\n  "Records": [\n' };
const SEPARATOR: Record<Layout, string> = { compact: ',', pretty: ',\n' };
const TAIL: Record<Layout, string> = { compact: ']}', pretty: '\n  ]\n}\n' };
const SPLICE = '@@HOSTILE-SPLICE@@';

function renderRecord(record: object, layout: Layout): string {
  if (layout === 'compact') return JSON.stringify(record);
  return `    ${JSON.stringify(record, null, 2).replace(/\n/g, '\n    ')}`;
}

function text(value: string | Buffer): Segment {
  return { bytes: typeof value === 'string' ? Buffer.from(value, 'utf8') : value, times: 1 };
}

/**
 * Writes one `{"Records":[...]}` document: separators, entry counting and the expected alerts.
 * Each method returns the text to emit.
 */
class DocumentWriter {
  private first = true;

  public constructor(
    private readonly layout: Layout,
    private readonly expectation: Expectation,
  ) {}

  public head(): string {
    this.first = true;
    return HEAD[this.layout];
  }

  public tail(): string {
    return TAIL[this.layout];
  }

  /** The separator due before the next entry. */
  public separator(): string {
    const separator = this.first ? '' : SEPARATOR[this.layout];
    this.first = false;
    return separator;
  }

  /** Any entry's text (a record, `42`, `null`...), with its separator. */
  public entry(body: string): string {
    this.expectation.entries += 1;
    return `${this.separator()}${body}`;
  }

  public record(record: GeneratedRecord, alerts: boolean): string {
    if (alerts) this.expectation.alerts.push(expectedOf(record, this.expectation.entries));
    return this.entry(renderRecord(record, this.layout));
  }

  /**
   * A record one of whose values is replaced by `inner` (a huge or deep value): the record
   * with `"key":"@@HOSTILE-SPLICE@@"`, cut around the placeholder.
   */
  public *spliced(
    record: GeneratedRecord,
    alerts: boolean,
    omitsParameters: boolean,
    inner: Iterable<Segment>,
  ): Generator<Segment> {
    if (alerts) {
      this.expectation.alerts.push(expectedOf(record, this.expectation.entries, omitsParameters));
    }
    const rendered = renderRecord(record, this.layout);
    const [before, after, ...rest] = rendered.split(JSON.stringify(SPLICE));
    if (before === undefined || after === undefined || rest.length > 0) {
      throw new Error('a spliced record needs exactly one placeholder');
    }
    yield text(this.entry(before));
    yield* inner;
    yield text(after);
  }
}

function newExpectation(): Expectation {
  return { alerts: [], entries: 0, inflatedBytes: 0 };
}

/** A whole document of `records` in `layout`. */
function* documentOf(
  records: readonly MixedRecord[],
  layout: Layout,
  expectation: Expectation,
): Generator<Segment> {
  const doc = new DocumentWriter(layout, expectation);
  yield text(doc.head());
  for (const { record, alerts } of records) yield text(doc.record(record, alerts));
  yield text(doc.tail());
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

function log(
  name: string,
  description: string,
  options: { gzip: boolean; damage: Damage },
  body: (expectation: Expectation) => Iterable<Segment>,
): HostileLog {
  return {
    name,
    description,
    ...options,
    generate: () => {
      const expectation = newExpectation();
      return { segments: body(expectation), expectation };
    },
  };
}

/** A seed per case name, so every case draws its own records. */
function seedOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}

/**
 * A MediaPackage write whose JSON text breaks near the end of the file, with a write after it
 * that must still alert. `literal`: `"readOnly":fals`; `quote`: the closing quote of its event
 * name is lost, so every later quote pairs off the wrong way.
 */
export function syntaxErrorNearEnd(layout: Layout, kind: 'literal' | 'quote'): HostileLog {
  const name = `syntax-error-${kind}-${layout}`;
  return log(
    name,
    kind === 'literal'
      ? 'a MediaPackage write near the end has `"readOnly":fals`; a write follows it'
      : 'a MediaPackage write near the end lost the closing quote of its eventName; a write follows it',
    { gzip: true, damage: kind === 'literal' ? 'record' : 'document' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const records = maker.mix(24, 12, 84);
      const broken = maker.write({
        secrets: true,
        eventName: 'UpdateChannel',
        source: 'mediapackage.amazonaws.com',
      });
      const last = maker.write({ secrets: true });
      const doc = new DocumentWriter(layout, expectation);
      yield text(doc.head());
      for (const { record, alerts } of records) yield text(doc.record(record, alerts));
      const good = doc.record(broken, false);
      const damaged =
        kind === 'literal'
          ? good.replace(/("readOnly": ?)false/, '$1fals')
          : good.replace(/("eventName": ?"UpdateChannel)"/, '$1');
      if (damaged === good) throw new Error(`${name}: could not damage the record`);
      yield text(damaged);
      yield text(doc.record(maker.noise(), false));
      yield text(doc.record(last, true));
      yield text(doc.tail());
    },
  );
}

/** `42`, `"x"`, `null` and `[1,{"a":2}]` as entries of Records, first, between and last. */
export function nonObjectEntries(layout: Layout): HostileLog {
  const name = `non-object-entries-${layout}`;
  return log(
    name,
    'entries `42`, `"x"`, `null`, `[1,{"a":2}]` first, between records and last',
    { gzip: true, damage: 'record' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const records = maker.mix(20, 10, 60);
      const odd = ['42', '"x"', 'null', '[1,{"a":2}]'];
      const doc = new DocumentWriter(layout, expectation);
      yield text(doc.head());
      yield text(doc.entry('42'));
      for (const [index, { record, alerts }] of records.entries()) {
        yield text(doc.record(record, alerts));
        if (index % 9 === 4) yield text(doc.entry(odd[index % odd.length] as string));
      }
      yield text(doc.entry('[1,{"a":2}]'));
      yield text(doc.tail());
    },
  );
}

/**
 * Bytes that belong nowhere between records: letters, control bytes, invalid UTF-8 and a stray
 * `}`, with and without the commas around them.
 */
export function strayBytes(layout: Layout): HostileLog {
  const name = `stray-bytes-${layout}`;
  const junk = [
    Buffer.from('garbage here'),
    Buffer.from([0x01, 0x02, 0xfe, 0xff, 0x7f]),
    Buffer.from('oops } ;'),
  ];
  return log(
    name,
    'stray bytes (text, control bytes, invalid UTF-8, a `}`) between records',
    { gzip: true, damage: 'record' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const records = maker.mix(20, 10, 60);
      const doc = new DocumentWriter(layout, expectation);
      yield text(doc.head());
      for (const [index, { record, alerts }] of records.entries()) {
        yield text(doc.record(record, alerts));
        if (index % 11 === 5) {
          const bytes = junk[index % junk.length] as Buffer;
          // `{...},junk,{...}` and `{...}junk,{...}`.
          yield text(index % 2 === 0 ? Buffer.concat([Buffer.from(','), bytes]) : bytes);
        }
      }
      yield text(doc.tail());
    },
  );
}

/** Text after the document's end: a line of garbage, brackets, more garbage. */
export function trailingBytes(layout: Layout): HostileLog {
  const name = `trailing-bytes-${layout}`;
  return log(
    name,
    'bytes after the end of the document',
    { gzip: true, damage: 'document' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      yield* documentOf(maker.mix(20, 10, 60), layout, expectation);
      yield text('\ntrailing garbage ]} ]]} \u0000 end\n');
    },
  );
}

/** NUL bytes before and after the document (a file pre-allocated, then written short). */
export function nulPadding(layout: Layout): HostileLog {
  const name = `nul-padding-${layout}`;
  return log(
    name,
    '4 KiB of NUL bytes before the document and 64 KiB after it',
    { gzip: false, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      yield text(Buffer.alloc(4096));
      yield* documentOf(maker.mix(20, 10, 60), layout, expectation);
      yield text(Buffer.alloc(65_536));
    },
  );
}

/** A UTF-8 byte-order mark before the document. */
export function byteOrderMark(layout: Layout): HostileLog {
  const name = `byte-order-mark-${layout}`;
  return log(
    name,
    'a UTF-8 byte-order mark before the document',
    { gzip: false, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      yield text(Buffer.from([0xef, 0xbb, 0xbf]));
      yield* documentOf(maker.mix(20, 10, 60), layout, expectation);
    },
  );
}

/** Two whole documents, one after the other (two log files joined). */
export function concatenatedDocuments(layout: Layout): HostileLog {
  const name = `two-documents-${layout}`;
  return log(
    name,
    'two whole documents one after the other',
    { gzip: true, damage: 'document' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      yield* documentOf(maker.mix(12, 6, 40), layout, expectation);
      if (layout === 'pretty') yield text('\n');
      yield* documentOf(maker.mix(12, 6, 40), layout, expectation);
    },
  );
}

/**
 * A file cut at an arbitrary byte inside a MediaPackage write about two thirds in: plain JSON
 * cut there, or the gzip stream of the whole file cut at the same fraction. Expected: the
 * writes whose text ends before the cut (for gzip: before what the cut stream still inflates
 * to, with zlib's sync flush).
 */
export function truncated(layout: Layout, gzip: boolean): HostileLog {
  const name = `truncated-${gzip ? 'gzip' : 'plain'}-${layout}`;
  return {
    name,
    description: `the ${gzip ? 'gzip stream' : 'JSON'} cut at an arbitrary byte two thirds in`,
    gzip,
    damage: 'document',
    generate: () => {
      const maker = new RecordMaker(seedOf(name));
      const full = newExpectation();
      const ends: number[] = [];
      const doc = new DocumentWriter(layout, full);
      let body = doc.head();
      for (const { record, alerts } of maker.mix(30, 15, 90)) {
        body += doc.record(record, alerts);
        if (alerts) ends.push(Buffer.byteLength(body));
      }
      body += doc.tail();
      const whole = Buffer.from(body);
      // An arbitrary byte in the middle of the write that ends nearest two thirds in.
      const target = Math.floor((whole.length * 2) / 3);
      const index = ends.findIndex((end) => end > target);
      const cutAt = Math.max(1, (ends[index] ?? whole.length) - 77);
      const expectation = newExpectation();
      let bytes: Buffer;
      let readable: number;
      if (gzip) {
        const zipped = zlib.gzipSync(whole);
        bytes = zipped.subarray(0, Math.floor((zipped.length * cutAt) / whole.length));
        readable = zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
      } else {
        bytes = whole.subarray(0, cutAt);
        readable = cutAt;
      }
      full.alerts.forEach((alert, n) => {
        if ((ends[n] as number) <= readable) expectation.alerts.push(alert);
      });
      expectation.entries = full.entries;
      expectation.inflatedBytes = readable;
      // The stored bytes are the cut file itself: gzip or not, it is written as is.
      return { segments: [text(bytes)], expectation, stored: true };
    },
  };
}

/**
 * The value nested `depth` levels deep (objects and arrays alternating), with the planted
 * secrets at the bottom.
 */
function* nestedValue(depth: number): Generator<Segment> {
  const opens: string[] = [];
  const closes: string[] = [];
  for (let level = 0; level < depth; level += 1) {
    opens.push(level % 2 === 0 ? '{"nested":' : '[');
    closes.push(level % 2 === 0 ? '}' : ']');
  }
  yield text(opens.join(''));
  yield text(JSON.stringify(secretParameters()));
  yield text(closes.reverse().join(''));
}

/**
 * A MediaPackage write whose request parameters hold a value nested `depth` levels deep; with
 * or without its eventID. It must alert (its parameters are not a reason to lose it).
 */
export function deepNesting(depth: number, withEventId: boolean, layout: Layout): HostileLog {
  const name = `nested-${depth}-${withEventId ? 'with' : 'without'}-event-id-${layout}`;
  return log(
    name,
    `a MediaPackage write with a value nested ${depth.toLocaleString('en-US')} levels deep in its request parameters, ${withEventId ? 'with' : 'without'} an eventID`,
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const records = maker.mix(6, 3, 20);
      const deep = withParameters(
        maker.write({ source: 'mediapackagev2.amazonaws.com', eventName: 'UpdateChannel' }),
        { policy: SPLICE },
      );
      const record: Record<string, unknown> = { ...deep };
      if (!withEventId) delete record.eventID;
      const doc = new DocumentWriter(layout, expectation);
      yield text(doc.head());
      for (const { record: r, alerts } of records.slice(0, 15)) yield text(doc.record(r, alerts));
      // Well under the reader's 1 MiB cap even at 100,000 levels: parsed, not cut.
      yield* doc.spliced(record as GeneratedRecord, true, false, nestedValue(depth));
      for (const { record: r, alerts } of records.slice(15)) yield text(doc.record(r, alerts));
      yield text(doc.tail());
    },
  );
}

const MIB = 1024 * 1024;

/** `record` with `extra` added to (or replacing members of) its request parameters. */
function withParameters(record: GeneratedRecord, extra: Record<string, unknown>): GeneratedRecord {
  return {
    ...record,
    requestParameters: {
      ...(record.requestParameters as Record<string, unknown> | null),
      ...extra,
    },
  };
}

/** `unit` repeated into a block of about `blockBytes`, and how many blocks make at most `total`. */
function blocks(unit: string, total: number, blockBytes = MIB): { block: Buffer; times: number } {
  const perBlock = Math.max(1, Math.floor(blockBytes / Buffer.byteLength(unit)));
  const block = Buffer.from(unit.repeat(perBlock));
  return { block, times: Math.max(1, Math.floor(total / block.length)) };
}

/**
 * A MediaPackage write with `bytes` of structured request parameters (an array of manifest
 * objects, secrets planted in each): over the reader's cap, so it must alert with its
 * parameters omitted and a note.
 */
export function bigRequestParameters(bytes: number, layout: Layout): HostileLog {
  const mib = Math.round(bytes / MIB);
  const name = `request-parameters-${mib}mib-${layout}`;
  return log(
    name,
    `one MediaPackage write with ${mib.toLocaleString('en-US')} MiB of request parameters`,
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const records = maker.mix(6, 3, 20);
      const big = withParameters(
        maker.write({ source: 'mediapackagev2.amazonaws.com', eventName: 'UpdateOriginEndpoint' }),
        { hlsManifests: SPLICE },
      );
      const manifest = (n: number): string =>
        JSON.stringify({
          manifestName: `index-${n}`,
          childManifestName: `child-${n}`,
          url: `https://admin:${PLANTED_SECRETS.urlPassword}@origin.example.com/out/v1/${n}/index.m3u8`,
          scteHls: { adMarkerHls: 'DATERANGE' },
          filterConfiguration: { manifestFilter: 'audio_language:eng,fra;video_height:240-1080' },
          headers: { 'x-api-key': PLANTED_SECRETS.apiKey },
          programDateTimeIntervalSeconds: 60,
        });
      const { block, times } = blocks(`${manifest(1)},`, bytes);
      const doc = new DocumentWriter(layout, expectation);
      yield text(doc.head());
      for (const { record, alerts } of records.slice(0, 15)) yield text(doc.record(record, alerts));
      yield* doc.spliced(big, true, true, [
        text('['),
        { bytes: block, times },
        text(`${manifest(2)}]`),
      ]);
      for (const { record, alerts } of records.slice(15)) yield text(doc.record(record, alerts));
      yield text(doc.tail());
    },
  );
}

/**
 * A MediaPackage write whose description is one string of about `bytes` (escaped quotes and
 * backslashes in it, so escapes fall on every chunk boundary sooner or later): it must alert,
 * with its parameters omitted and a note. Nothing may try to hold the string.
 */
export function hugeString(bytes: number): HostileLog {
  const mib = Math.round(bytes / MIB);
  const name = `string-${mib}mib`;
  return log(
    name,
    `one MediaPackage write whose description is a ${mib.toLocaleString('en-US')} MiB string`,
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const big = withParameters(
        maker.write({
          source: 'mediapackage.amazonaws.com',
          eventName: 'UpdateChannel',
          secrets: true,
        }),
        { description: SPLICE },
      );
      // JSON text inside a string: escaped quote, backslash and newline, an odd length so
      // the block's escapes drift across every read chunk boundary.
      const unit = 'Live \\"news\\" channel \\\\ backup \\n QUJDREVGR0g= ';
      const { block, times } = blocks(unit, bytes, MIB + 7);
      const doc = new DocumentWriter('compact', expectation);
      yield text(doc.head());
      yield text(doc.record(maker.noise(), false));
      yield* doc.spliced(big, true, true, [text('"'), { bytes: block, times }, text('"')]);
      yield text(doc.record(maker.write(), true));
      yield text(doc.tail());
    },
  );
}

/**
 * A gzip bomb: a valid MediaPackage write, then `bytes` of whitespace inside the Records array,
 * then the end of the document; a few MB gzipped. The write must alert before the read stops.
 */
export function gzipBomb(bytes: number): HostileLog {
  const name = `gzip-bomb-${Math.round(bytes / (1024 * MIB))}gib`;
  return log(
    name,
    `a MediaPackage write, then ${Math.round(bytes / (1024 * MIB))} GiB of whitespace in Records`,
    { gzip: true, damage: 'budget' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const doc = new DocumentWriter('compact', expectation);
      yield text(doc.head());
      yield text(doc.record(maker.write({ secrets: true }), true));
      yield { bytes: Buffer.alloc(MIB, 0x20), times: Math.max(1, Math.round(bytes / MIB)) };
      yield text(doc.tail());
    },
  );
}

/** `count` MediaPackage writes in one file, one other call for every four. */
export function manyWrites(count: number): HostileLog {
  const name = `writes-${count}`;
  return log(
    name,
    `${count.toLocaleString('en-US')} MediaPackage writes in one file`,
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const doc = new DocumentWriter('compact', expectation);
      yield text(doc.head());
      let batch = '';
      for (let n = 0; n < count; n += 1) {
        batch += doc.record(maker.write({ secrets: n % 50 === 0, failed: n % 13 === 6 }), true);
        if (n % 4 === 3) batch += doc.record(maker.noise(), false);
        if (batch.length > 256 * 1024) {
          yield text(batch);
          batch = '';
        }
      }
      yield text(batch + doc.tail());
    },
  );
}

/**
 * About `count` records: blocks of realistic other-service records (sixteen drawn from the
 * factory, repeated: their eventIDs repeat, which nothing reads) and `writes` MediaPackage
 * writes spread evenly between them.
 */
export function manyRecords(count: number, writes: number): HostileLog {
  const name = `records-${count}`;
  return log(
    name,
    `${count.toLocaleString('en-US')} records, ${writes} of them MediaPackage writes spread evenly`,
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const pool = Array.from({ length: 16 }, () => JSON.stringify(maker.noise()));
      const unit = pool.map((record) => `,${record}`).join('');
      const perUnit = pool.length;
      const units = Math.max(1, Math.floor(MIB / Buffer.byteLength(unit)));
      const block = Buffer.from(unit.repeat(units));
      const perBlock = units * perUnit;
      const doc = new DocumentWriter('compact', expectation);
      yield text(doc.head());
      yield text(doc.record(maker.noise(), false));
      const blocksTotal = Math.max(1, Math.floor((count - 1 - writes) / perBlock));
      const between = Math.max(1, Math.floor(blocksTotal / writes));
      let left = blocksTotal;
      for (let w = 0; w < writes; w += 1) {
        const times = w === writes - 1 ? left : Math.min(between, left);
        if (times > 0) {
          yield { bytes: block, times };
          expectation.entries += times * perBlock;
          left -= times;
        }
        yield text(doc.record(maker.write({ secrets: w % 10 === 0 }), true));
      }
      yield text(doc.tail());
    },
  );
}

/** `value` as JSON with a space after every `{`, `[`, `:` and `,` (and before `}`, `]`). */
export function spacedJson(value: unknown): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? '[ ]' : `[ ${value.map(spacedJson).join(' , ')} ]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{ }';
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)} : ${spacedJson(v)}`).join(' , ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * A compact file (CloudTrail's layout, so the fast path reads it) in which some records, writes
 * and others, are written with spaces: `}, { "eventVersion" : ...`. Each write must alert
 * exactly once and the record count must be exact.
 */
export function spacedRecordsInCompactFile(): HostileLog {
  const name = 'spaced-records-compact';
  return log(
    name,
    'a compact file with some records (writes among them) written with spaces',
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      const records = maker.mix(30, 15, 90);
      const doc = new DocumentWriter('compact', expectation);
      yield text(doc.head());
      for (const [index, { record, alerts }] of records.entries()) {
        if (index > 0 && index % 5 === 2) {
          if (alerts) expectation.alerts.push(expectedOf(record, expectation.entries));
          yield text(doc.entry(spacedJson(record)));
        } else {
          yield text(doc.record(record, alerts));
        }
      }
      yield text(doc.tail());
    },
  );
}

/** 10% MediaPackage writes, 10% MediaPackage reads (no alert for them), 80% other calls. */
export function tenPercentReads(layout: Layout): HostileLog {
  const name = `ten-percent-reads-${layout}`;
  return log(
    name,
    '10% MediaPackage reads (no alerts), 10% writes, 80% other calls',
    { gzip: true, damage: 'none' },
    function* (expectation) {
      const maker = new RecordMaker(seedOf(name));
      yield* documentOf(maker.mix(25, 25, 200), layout, expectation);
    },
  );
}

/** Sizes of the cases that grow. */
export interface SuiteSizes {
  readonly bombBytes: number;
  readonly stringBytes: number;
  readonly parameterBytes: readonly number[];
  readonly writes: number;
  readonly depths: readonly number[];
}

/** Sizes for the test suite: enough to show each behaviour, quick on two cores. */
export const TEST_SIZES: SuiteSizes = {
  bombBytes: 8 * 1024 * MIB,
  stringBytes: 300 * MIB,
  parameterBytes: [5 * MIB, 50 * MIB],
  writes: 1_000,
  depths: [5_000, 100_000],
};

/** Every case of the brief at the given sizes, both layouts where a layout can matter. */
export function hostileSuite(sizes: SuiteSizes = TEST_SIZES): HostileLog[] {
  const layouts: Layout[] = ['compact', 'pretty'];
  return [
    ...layouts.flatMap((layout) => [
      syntaxErrorNearEnd(layout, 'literal'),
      syntaxErrorNearEnd(layout, 'quote'),
      nonObjectEntries(layout),
      strayBytes(layout),
      trailingBytes(layout),
      nulPadding(layout),
      byteOrderMark(layout),
      concatenatedDocuments(layout),
      truncated(layout, false),
      truncated(layout, true),
      tenPercentReads(layout),
    ]),
    ...sizes.depths.flatMap((depth) => [
      deepNesting(depth, true, 'compact'),
      deepNesting(depth, false, 'compact'),
    ]),
    deepNesting(sizes.depths[sizes.depths.length - 1] ?? 100_000, true, 'pretty'),
    ...sizes.parameterBytes.map((bytes) => bigRequestParameters(bytes, 'compact')),
    bigRequestParameters(sizes.parameterBytes[0] ?? 5 * MIB, 'pretty'),
    hugeString(sizes.stringBytes),
    gzipBomb(sizes.bombBytes),
    manyWrites(sizes.writes),
    spacedRecordsInCompactFile(),
  ];
}

// ---------------------------------------------------------------------------------------------
// Bytes out: plain, or gzip of repeated blocks without inflating them
// ---------------------------------------------------------------------------------------------

/** Small parts are joined up to this before they are written or compressed. */
const JOIN_BYTES = MIB;

/** Joins runs of single small segments into bigger ones. */
function* joined(segments: Iterable<Segment>): Generator<Segment> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = (): Segment => {
    const bytes = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    return { bytes, times: 1 };
  };
  for (const segment of segments) {
    if (segment.times === 1) {
      pending.push(segment.bytes);
      pendingBytes += segment.bytes.length;
      if (pendingBytes >= JOIN_BYTES) yield take();
      continue;
    }
    if (pendingBytes > 0) yield take();
    yield segment;
  }
  if (pendingBytes > 0) yield take();
}

function* plainBytes(segments: Iterable<Segment>, expectation: Expectation): Generator<Buffer> {
  for (const { bytes, times } of joined(segments)) {
    for (let n = 0; n < times; n += 1) {
      expectation.inflatedBytes += bytes.length;
      yield bytes;
    }
  }
}

// CRC-32 of concatenations, after zlib's crc32_combine (GF(2) matrix powers).
function gf2Times(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  let v = vector >>> 0;
  for (let i = 0; v !== 0; i += 1, v >>>= 1) {
    if ((v & 1) !== 0) sum ^= matrix[i] as number;
  }
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n += 1) square[n] = gf2Times(matrix, matrix[n] as number);
}

/** CRC-32 of A followed by B, from CRC(A), CRC(B) and B's length (any size up to 2^53). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n += 1, row = (row << 1) >>> 0) odd[n] = row;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let crc = crcA >>> 0;
  let length = lengthB;
  do {
    gf2Square(even, odd);
    if (length % 2 === 1) crc = gf2Times(even, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
    gf2Square(odd, even);
    if (length % 2 === 1) crc = gf2Times(odd, crc);
    length = Math.floor(length / 2);
  } while (length !== 0);
  return (crc ^ crcB) >>> 0;
}

/** CRC-32 of `bytes` repeated `times` times. */
function crc32Repeated(bytes: Buffer, times: number): number {
  let result = 0;
  let resultLength = 0;
  let power = zlib.crc32(bytes);
  let powerLength = bytes.length;
  for (let n = times; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) {
      result = resultLength === 0 ? power : crc32Combine(result, power, powerLength);
      resultLength += powerLength;
    }
    if (n > 1) {
      power = crc32Combine(power, power, powerLength);
      powerLength *= 2;
    }
  }
  return result;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

/**
 * One gzip member for the segments. Each segment is deflated once from a fresh deflater and
 * full-flushed (it refers to nothing before it), so a repeated segment is its deflate bytes
 * repeated; a final empty block ends the stream.
 */
function* gzipBytes(segments: Iterable<Segment>, expectation: Expectation): Generator<Buffer> {
  yield GZIP_HEADER;
  let crc = 0;
  let total = 0;
  for (const { bytes, times } of joined(segments)) {
    const deflated = zlib.deflateRawSync(bytes, {
      level: times > 1 ? 9 : 6,
      finishFlush: zlib.constants.Z_FULL_FLUSH,
    });
    const length = bytes.length * times;
    crc =
      total === 0
        ? crc32Repeated(bytes, times)
        : crc32Combine(crc, crc32Repeated(bytes, times), length);
    total += length;
    expectation.inflatedBytes += length;
    for (let n = 0; n < times; n += 1) yield deflated;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(total % 2 ** 32, 4);
  yield Buffer.concat([zlib.deflateRawSync(Buffer.alloc(0)), trailer]);
}

/** The file's stored bytes as a stream, and what it must produce (complete at its end). */
export function openHostileLog(hostile: HostileLog): {
  stream: Readable;
  expectation: Expectation;
} {
  const { segments, expectation, stored } = hostile.generate();
  const bytes =
    stored === true
      ? plainBytes(segments, newExpectation())
      : hostile.gzip
        ? gzipBytes(segments, expectation)
        : plainBytes(segments, expectation);
  return { stream: Readable.from(bytes, { objectMode: false }), expectation };
}

/** Writes the file to `path`, streaming; resolves with what it must produce and its size. */
export async function writeHostileLog(
  hostile: HostileLog,
  path: string,
): Promise<{ expectation: Expectation; storedBytes: number }> {
  const { stream, expectation } = openHostileLog(hostile);
  let storedBytes = 0;
  stream.on('data', (chunk: Buffer) => {
    storedBytes += chunk.length;
  });
  await pipeline(stream, createWriteStream(path));
  return { expectation, storedBytes };
}

/**
 * What reading the file should report once generated: its declared damage, or `budget` when it
 * inflates past the byte budget (the function's default, which `mp-audit scan` also applies).
 */
export function expectedDamage(
  hostile: HostileLog,
  expectation: Expectation,
  budgetBytes = DEFAULT_MAX_INFLATED_BYTES,
): Damage {
  return expectation.inflatedBytes > budgetBytes ? 'budget' : hostile.damage;
}

/** The file name a case is stored under: a CloudTrail-like name ending as the reader expects. */
export function hostileFileName(hostile: HostileLog): string {
  return `111122223333_CloudTrail_us-west-2_20250314T0910Z_${hostile.name}.json${hostile.gzip ? '.gz' : ''}`;
}

/** Parts of a multipart upload: the local emulator takes request bodies up to 11 MiB. */
const UPLOAD_PART_BYTES = 8 * MIB;

/** Uploads a written file to S3 as `key`: one PutObject, or a multipart upload when large. */
export async function putHostileObject(
  s3: S3Client,
  bucket: string,
  key: string,
  path: string,
  size: number,
): Promise<void> {
  if (size <= UPLOAD_PART_BYTES) {
    const parts: Buffer[] = [];
    for await (const chunk of createReadStream(path)) parts.push(chunk as Buffer);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(parts) }));
    return;
  }
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const done: { ETag: string; PartNumber: number }[] = [];
  for (let start = 0, part = 1; start < size; start += UPLOAD_PART_BYTES, part += 1) {
    const chunks: Buffer[] = [];
    const end = Math.min(size, start + UPLOAD_PART_BYTES) - 1;
    for await (const chunk of createReadStream(path, { start, end })) chunks.push(chunk as Buffer);
    const { ETag } = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: part,
        Body: Buffer.concat(chunks),
      }),
    );
    done.push({ ETag: ETag ?? '', PartNumber: part });
  }
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: done },
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Judging what came out
// ---------------------------------------------------------------------------------------------

/** What an alert is told apart by, wherever it was read (SNS message, `scan --json` line). */
export interface AlertIdentity {
  readonly eventID: string;
  readonly requestID: string | null;
  readonly eventName: string;
}

/**
 * Whether `alert` is the one `expected` asks for: the same eventID or, for a record without
 * one, the same requestID and a digest id.
 */
export function isExpectedAlert(expected: ExpectedAlert, alert: AlertIdentity): boolean {
  return expected.eventID === null
    ? alert.requestID === expected.requestID && alert.eventID.startsWith('sha256-')
    : alert.eventID === expected.eventID;
}

/** How the alerts that came out compare with the alerts a file must produce. */
export interface AlertComparison {
  /** Expected alerts seen more than once. */
  readonly duplicated: string[];
  /** Alerts no expected alert accounts for. */
  readonly unexpected: string[];
  /** Expected alerts not seen, in file order. */
  readonly missing: ExpectedAlert[];
}

/** Compares in one pass over each list (a file may hold 100,000 writes). */
export function compareAlerts(
  expected: readonly ExpectedAlert[],
  alerts: readonly AlertIdentity[],
): AlertComparison {
  const byEventId = new Map<string, ExpectedAlert>();
  const byRequestId = new Map<string, ExpectedAlert>();
  for (const want of expected) {
    if (want.eventID === null) byRequestId.set(want.requestID, want);
    else byEventId.set(want.eventID, want);
  }
  const seen = new Map<ExpectedAlert, number>();
  const unexpected: string[] = [];
  for (const alert of alerts) {
    const want =
      byEventId.get(alert.eventID) ??
      (alert.requestID === null ? undefined : byRequestId.get(alert.requestID));
    if (want === undefined || !isExpectedAlert(want, alert)) {
      unexpected.push(`${alert.eventName} ${alert.eventID}`);
      continue;
    }
    seen.set(want, (seen.get(want) ?? 0) + 1);
  }
  return {
    duplicated: expected.filter((want) => (seen.get(want) ?? 0) > 1).map(describeExpected),
    unexpected,
    missing: expected.filter((want) => !seen.has(want)),
  };
}

/** `UpdateChannel 1b2c...`, or the requestID of a record without an eventID. */
export function describeExpected(want: ExpectedAlert): string {
  return `${want.eventName} ${want.eventID ?? `(no eventID, requestID ${want.requestID})`}`;
}

/** Planted secrets found in a text: their names, and the marker if any part of one is there. */
export function plantedSecretsIn(text: string): string[] {
  const found = Object.entries(PLANTED_SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name);
  return text.includes(PLANTED_MARKER) ? [...found, PLANTED_MARKER] : found;
}
