import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { BadRecordError, LogReadError } from '../../../lambda/errors';
import type { LogReadFailure } from '../../../lambda/errors';
import {
  emptyReadStats,
  mayMentionMediaPackage,
  readCloudTrailRecords,
} from '../../../lambda/read/log-reader';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';
import {
  cloudTrailRecord,
  createRng,
  digestFileJson,
  logFileBody,
  logFileJson,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';
import { chunked, collect, everyNBytes } from '../../support/streams';

const OBJECT_NAME = 's3://org-cloudtrail-logs/AWSLogs/111122223333/CloudTrail/x.json.gz';
const rng = createRng(7);

/** A call of another service, as shares a log file with MediaPackage calls. */
function otherCall(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return otherServiceRecord(rng, { call: 's3:PutBucketPolicy', overrides });
}

function read(
  bytes: Uint8Array,
  options: Partial<Parameters<typeof readCloudTrailRecords>[1]> = {},
  cuts: readonly number[] = [],
): ReturnType<typeof collect<unknown>> {
  return collect(
    readCloudTrailRecords(chunked(bytes, cuts), { objectName: OBJECT_NAME, ...options }),
  );
}

/** What a correct reader must yield for a document: what JSON.parse finds under Records. */
function recordsOf(document: string): unknown[] {
  return (JSON.parse(document) as { Records: unknown[] }).Records;
}

function expectLogReadError(error: unknown, reason: LogReadFailure): void {
  expect(error).toBeInstanceOf(LogReadError);
  const logError = error as LogReadError;
  expect(logError.name).toBe('LogReadError');
  expect(logError.reason).toBe(reason);
  expect(logError.objectName).toBe(OBJECT_NAME);
  expect(logError.message).toContain(OBJECT_NAME);
}

/** A gzip file whose deflate data is garbage: the header is valid, the first block is not. */
function corruptGzip(): Buffer {
  const good = logFileBody([cloudTrailRecord()]);
  const bad = Buffer.from(good);
  bad.fill(0xff, 10, bad.length - 8);
  return bad;
}

/** A gzip file whose CRC-32 trailer does not match the data. */
function gzipWithBadChecksum(): Buffer {
  const bad = Buffer.from(logFileBody([cloudTrailRecord()]));
  const crcOffset = bad.length - 8;
  bad.writeUInt32LE((bad.readUInt32LE(crcOffset) ^ 0xffffffff) >>> 0, crcOffset);
  return bad;
}

describe('Function: readCloudTrailRecords', () => {
  it('reads a gzipped log file and yields every record in order with its full content', async () => {
    // Prepare
    const records = [cloudTrailRecord(), otherCall(), cloudTrailRecord()];

    // Act
    const { items, error } = await read(logFileBody(records));

    // Assess
    expect(error).toBeUndefined();
    expect(items).toEqual(recordsOf(logFileJson(records)));
    expect(items.map((item) => (item as { eventID: string }).eventID)).toEqual(
      records.map((record) => record.eventID),
    );
  });

  it('tells gzip from plain JSON by the magic bytes, not by the object name', async () => {
    // Prepare
    const records = [cloudTrailRecord(), otherCall()];
    const expected = recordsOf(logFileJson(records));

    // Act
    const plainNamedGz = await collect(
      readCloudTrailRecords(chunked(logFileBody(records, false)), { objectName: 'copy.json.gz' }),
    );
    const gzipNamedJson = await collect(
      readCloudTrailRecords(chunked(logFileBody(records, true)), { objectName: 'copy.json' }),
    );

    // Assess
    expect(plainNamedGz).toEqual({ items: expected, error: undefined });
    expect(gzipNamedJson).toEqual({ items: expected, error: undefined });
  });

  it('detects gzip even when the magic bytes arrive in separate chunks', async () => {
    // Prepare
    const records = [cloudTrailRecord()];
    const body = logFileBody(records);

    // Act
    const { items, error } = await read(body, {}, everyNBytes(body.length, 1));

    // Assess
    expect(error).toBeUndefined();
    expect(items).toEqual(recordsOf(logFileJson(records)));
  });

  it('finds Records after other top-level keys whose values hold brackets, quotes and "Records"', async () => {
    // Prepare
    const first = cloudTrailRecord({
      requestParameters: { id: 'live-1', description: 'a "quoted" {brace} [x] \\ back\\slash' },
    });
    const second = otherCall({ userAgent: 'agent \\"Records\\":[{' });
    const document = [
      '{',
      '  "note": "say \\"Records\\": [ { } ] here \\\\",',
      '  "meta": { "Records": [ { "fake": true } ], "list": [ [1, { "a": "}" }], "]" ] },',
      '  "empty": {}, "nums": [1, 2.5e3, -0, true, false, null],',
      `  "Records" : [ ${JSON.stringify(first)} ,\n ${JSON.stringify(second)} ],`,
      '  "trailer": ["Records", { "x": "{\\\\\\"}" }]',
      '}\n',
    ].join('\n');
    const expected = recordsOf(document);

    // Act
    const plain = await read(Buffer.from(document), {}, everyNBytes(document.length, 7));
    const gzip = await read(gzipSync(document));

    // Assess
    expect(expected).toHaveLength(2);
    expect(plain).toEqual({ items: expected, error: undefined });
    expect(gzip).toEqual({ items: expected, error: undefined });
  });

  it('yields nothing and does not fail for an empty Records array', async () => {
    // Prepare
    const stats = emptyReadStats();

    // Act
    const { items, error } = await read(gzipSync('{"Records":[]}'), { stats });

    // Assess
    expect(error).toBeUndefined();
    expect(items).toEqual([]);
    expect(stats.records).toBe(0);
  });

  const gzipped = logFileBody([cloudTrailRecord(), otherCall(), cloudTrailRecord()]);
  const plain = logFileBody([cloudTrailRecord(), otherCall()], false);
  const failures: [string, Buffer, LogReadFailure][] = [
    ['an empty object', Buffer.alloc(0), 'empty'],
    ['gzip with corrupt deflate data', corruptGzip(), 'corrupt-gzip'],
    ['gzip with a wrong checksum', gzipWithBadChecksum(), 'corrupt-gzip'],
    ['a truncated gzip file', gzipped.subarray(0, Math.floor(gzipped.length / 2)), 'truncated'],
    ['a gzip file cut inside its trailer', gzipped.subarray(0, gzipped.length - 3), 'truncated'],
    ['a truncated plain JSON file', plain.subarray(0, plain.length - 40), 'truncated'],
    ['plain JSON cut inside a string', Buffer.from('{"Records":[{"eventName":"Upd'), 'truncated'],
    [
      'a non-gzip binary file',
      Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
      'not-cloudtrail',
    ],
    [
      'an HTML error page',
      Buffer.from('<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>'),
      'not-cloudtrail',
    ],
    [
      'a JSON array at top level',
      Buffer.from(`[${logFileJson([cloudTrailRecord()])}]`),
      'not-cloudtrail',
    ],
    ['whitespace only', Buffer.from('  \n\t '), 'not-cloudtrail'],
    ['a digest file (no Records)', gzipSync(digestFileJson()), 'missing-records'],
    ['Records that is an object', Buffer.from('{"Records":{"eventName":"x"}}'), 'missing-records'],
    [
      'trailing garbage after the document',
      Buffer.concat([plain, Buffer.from('\ngarbage')]),
      'invalid-json',
    ],
    ['a second document after the first', Buffer.concat([plain, plain]), 'invalid-json'],
    [
      'an element of Records that is not an object',
      Buffer.from('{"Records":[{},"x"]}'),
      'invalid-json',
    ],
    [
      'a record that is not valid JSON',
      Buffer.from('{"Records":[{"eventSource":"mediapackage.amazonaws.com","eventName":Update}]}'),
      'invalid-json',
    ],
  ];

  it.each(failures)('fails with a typed LogReadError for %s', async (_name, bytes, reason) => {
    // Prepare
    const stats = emptyReadStats();

    // Act
    const { error } = await read(bytes, { stats });

    // Assess
    expectLogReadError(error, reason);
  });

  it('keeps the BadRecordError as the cause when a bad record fails the read', async () => {
    // Prepare
    const bytes = Buffer.from(
      `{"Records":[${JSON.stringify(cloudTrailRecord())},{"eventSource":"mediapackage.amazonaws.com",}]}`,
    );

    // Act
    const { items, error } = await read(bytes);

    // Assess
    expect(items).toHaveLength(1);
    expectLogReadError(error, 'invalid-json');
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(BadRecordError);
    expect((cause as BadRecordError).recordIndex).toBe(1);
  });

  it('reports bad records to onBadRecord and still yields the records around them', async () => {
    // Prepare
    const good = [cloudTrailRecord(), otherCall()];
    const bytes = gzipSync(
      [
        `{"Records":[${JSON.stringify(good[0])},`,
        '{"eventSource":"mediapackage.amazonaws.com","eventName":UpdateChannel},',
        '{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances",},',
        `${JSON.stringify(good[1])}]}`,
      ].join(''),
    );
    const reported: BadRecordError[] = [];
    const stats = emptyReadStats();

    // Act
    const { items, error } = await read(bytes, {
      stats,
      onBadRecord: (bad) => reported.push(bad),
    });

    // Assess
    expect(error).toBeUndefined();
    expect(items).toEqual(JSON.parse(JSON.stringify(good)));
    expect(reported.map((bad) => [bad.recordIndex, bad.mayBeMediaPackage])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(reported.every((bad) => bad instanceof BadRecordError)).toBe(true);
    expect(reported[0]?.message).toContain(OBJECT_NAME);
    expect(stats).toMatchObject({ records: 4, parsedRecords: 4, badRecords: 2 });
  });

  it('yields a whole record between two whose first key lost its closing quote', async () => {
    // Prepare: the lost quotes run the three records together into one bad piece.
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    const damage = (record: CloudTrailRecord): string =>
      JSON.stringify(record).replace('{"eventVersion":', '{"eventVersion:');
    const bytes = gzipSync(
      `{"Records":[${[damage(records[0]!), JSON.stringify(records[1]), damage(records[2]!)].join(',')}]}`,
    );

    // Act
    const { items } = await read(bytes, { onBadRecord: () => undefined });

    // Assess
    expect(items).toContainEqual(JSON.parse(JSON.stringify(records[1])));
  });

  it('counts records the prefilter rejects without parsing them', async () => {
    // Prepare
    const mediaPackage = cloudTrailRecord();
    const bytes = Buffer.from(
      `{"Records":[${JSON.stringify(otherCall())},{"eventSource":"ec2.amazonaws.com",broken},${JSON.stringify(mediaPackage)}]}`,
    );
    const stats = emptyReadStats();
    const seen: string[] = [];

    // Act
    const { items, error } = await read(bytes, {
      stats,
      prefilter: (raw) => {
        seen.push(raw.toString('utf8'));
        return mayMentionMediaPackage(raw);
      },
    });

    // Assess
    expect(error).toBeUndefined();
    expect(items).toEqual([JSON.parse(JSON.stringify(mediaPackage))]);
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe('{"eventSource":"ec2.amazonaws.com",broken}');
    expect(stats).toMatchObject({ records: 3, parsedRecords: 1, badRecords: 0 });
  });

  it.each([
    ['gzip', true],
    ['plain JSON', false],
  ])('counts the uncompressed size in bytesRead for %s', async (_name, gzip) => {
    // Prepare
    const records = [cloudTrailRecord({ requestParameters: { id: 'ch-é😀', description: 'ü' } })];
    const stats = emptyReadStats();

    // Act
    await read(logFileBody(records, gzip), { stats }, [3, 50, 400]);

    // Assess
    expect(stats.bytesRead).toBe(Buffer.byteLength(logFileJson(records)));
    expect(stats.records).toBe(1);
  });

  it('yields the records before a truncation and then fails', async () => {
    // Prepare
    const records = Array.from({ length: 300 }, (_, index) =>
      otherCall({ requestParameters: { bucketName: `bucket-${index * 7919}` } }),
    );
    const body = logFileBody(records);
    const stats = emptyReadStats();

    // Act
    const { items, error } = await read(body.subarray(0, Math.floor(body.length * 0.8)), {
      stats,
    });

    // Assess
    expectLogReadError(error, 'truncated');
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThan(records.length);
    expect(items).toEqual(recordsOf(logFileJson(records.slice(0, items.length))));
    expect(stats.records).toBe(items.length);
  });

  it('pulls the source lazily: the first record comes before the source is exhausted', async () => {
    // Prepare
    const records = Array.from({ length: 50 }, () => cloudTrailRecord());
    const json = Buffer.from(logFileJson(records));
    let pulled = 0;
    let exhausted = false;
    async function* source(): AsyncGenerator<Uint8Array, void, undefined> {
      for await (const chunk of chunked(json, everyNBytes(json.length, 256))) {
        pulled += 1;
        yield chunk;
      }
      exhausted = true;
    }
    const reader = readCloudTrailRecords(source(), { objectName: OBJECT_NAME });

    // Act
    const first = await reader.next();

    // Assess
    expect(first.done).toBe(false);
    expect(first.value).toEqual(JSON.parse(JSON.stringify(records[0])));
    expect(exhausted).toBe(false);
    expect(pulled).toBeLessThan(10);
    await reader.return(undefined);
  });

  it('pulls a gzip source lazily too', async () => {
    // Prepare
    // Random descriptions keep the gzip data large, well past the stream buffers (the reader
    // lets zlib read ahead up to GUNZIP_OPTIONS.highWaterMark, 2 MiB).
    const records = Array.from({ length: 16000 }, () =>
      cloudTrailRecord({
        requestParameters: { id: 'live-1', description: randomBytes(192).toString('base64') },
      }),
    );
    const body = logFileBody(records);
    const cuts = everyNBytes(body.length, 1024);
    let exhausted = false;
    async function* source(): AsyncGenerator<Uint8Array, void, undefined> {
      yield* chunked(body, cuts);
      exhausted = true;
    }
    const reader = readCloudTrailRecords(source(), { objectName: OBJECT_NAME });

    // Act
    const first = await reader.next();

    // Assess
    expect(cuts.length).toBeGreaterThan(2500);
    expect(first.value).toEqual(JSON.parse(JSON.stringify(records[0])));
    expect(exhausted).toBe(false);
    await reader.return(undefined);
  });
});

describe('Property: readCloudTrailRecords', () => {
  const awkwardChars = fc.constantFrom(
    '"',
    '\\',
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    ' ',
    '\n',
    'a',
    'Records',
    'é',
    '😀',
    '\u2028',
    '\u0000',
    '\u001f',
  );
  const text = fc.oneof(
    fc.string({ unit: awkwardChars, maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  );
  const record = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.object({
        key: text,
        values: [text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)],
        maxDepth: 3,
        maxKeys: 5,
      }),
    },
    { weight: 1, arbitrary: fc.constant(null).map(() => cloudTrailRecord()) },
  );
  const otherKeys = fc.dictionary(
    text.filter((key) => key !== 'Records'),
    fc.jsonValue({ maxDepth: 2, stringUnit: awkwardChars }),
    { maxKeys: 3 },
  );

  it('yields exactly JSON.parse(document).Records whatever the content and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 5 }),
        otherKeys,
        otherKeys,
        fc.constantFrom(undefined, 2, '\t'),
        fc.boolean(),
        fc.oneof(
          { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 12 }) },
          { weight: 1, arbitrary: fc.constant('every-byte' as const) },
        ),
        async (records, before, after, indent, gzip, cutSpec) => {
          // Prepare
          const document = JSON.stringify({ ...before, Records: records, ...after }, null, indent);
          const json = Buffer.from(document);
          const bytes = gzip ? gzipSync(json) : json;
          const cuts =
            cutSpec === 'every-byte'
              ? everyNBytes(bytes.length, 1)
              : cutSpec.map((cut) => cut % (bytes.length + 1));
          const stats = emptyReadStats();

          // Act
          const { items, error } = await read(bytes, { stats }, cuts);

          // Assess
          expect(error).toBeUndefined();
          expect(items).toEqual(recordsOf(document));
          expect(stats.bytesRead).toBe(json.length);
        },
      ),
      { numRuns: 250 },
    );
  });

  it("hands the prefilter each record's own eventSource exactly, whatever the chunking", async () => {
    const sourceValue = fc.oneof(
      fc.constantFrom('mediapackage.amazonaws.com', 'ec2.amazonaws.com', 'eventSource', ''),
      fc.string({ unit: awkwardChars, maxLength: 80 }),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(fc.constantFrom('eventSource', 'x'), fc.string({ maxLength: 5 })),
    );
    const sourcedRecord = fc
      .tuple(
        fc.dictionary(
          text.filter((key) => key !== 'eventSource'),
          fc.jsonValue({ maxDepth: 2 }),
          { maxKeys: 3 },
        ),
        sourceValue,
        fc.boolean(),
      )
      .map(([rest, eventSource, first]) =>
        first ? { eventSource, ...rest } : { ...rest, eventSource },
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(sourcedRecord, { maxLength: 6 }),
        fc.constantFrom(undefined, 1),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (records, indent, cutSpec) => {
          // Prepare
          const json = Buffer.from(JSON.stringify({ Records: records }, null, indent));
          const seen: { raw: Buffer; eventSource: string | null | undefined }[] = [];

          // Act
          const { error } = await read(
            json,
            {
              prefilter: (raw, eventSource) => {
                seen.push({ raw: Buffer.from(raw), eventSource });
                return false;
              },
            },
            cutSpec.map((cut) => cut % (json.length + 1)),
          );

          // Assess
          expect(error).toBeUndefined();
          expect(seen).toHaveLength(records.length);
          for (const { raw, eventSource } of seen) {
            const parsed = (JSON.parse(raw.toString('utf8')) as { eventSource?: unknown })
              .eventSource;
            if (eventSource === undefined) expect(typeof parsed).not.toBe('string');
            else if (eventSource !== null) expect(eventSource).toBe(parsed);
            // null (unknown) is allowed only where the bytes cannot show the source exactly:
            // an escape in the record's keys or value, a non-ASCII or a very long value.
            else
              expect(
                raw.includes(0x5c) ||
                  (typeof parsed === 'string' &&
                    (/[\u0080-\uffff]/.test(parsed) || parsed.length > 64)),
              ).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
  );

  it('either yields records or throws a typed error for any damaged file, and always finishes', async () => {
    // Prepare
    const base = [
      cloudTrailRecord(),
      otherCall(),
      cloudTrailRecord({ eventName: 'DeleteChannel' }),
    ];
    const files = [logFileBody(base, true), logFileBody(base, false)];

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (which, mutations, tolerateBadRecords, cuts) => {
          let bytes = Buffer.from(files[which] as Buffer);
          for (const { kind, at, byte } of mutations) {
            const position = bytes.length === 0 ? 0 : at % bytes.length;
            if (kind === 'set' && bytes.length > 0) bytes[position] = byte;
            if (kind === 'insert') {
              bytes = Buffer.concat([
                bytes.subarray(0, position),
                Buffer.from([byte]),
                bytes.subarray(position),
              ]);
            }
            if (kind === 'delete') {
              bytes = Buffer.concat([bytes.subarray(0, position), bytes.subarray(position + 1)]);
            }
            if (kind === 'truncate') bytes = bytes.subarray(0, position);
          }
          const reported: unknown[] = [];

          // Act
          const { error } = await read(
            bytes,
            tolerateBadRecords ? { onBadRecord: (bad) => reported.push(bad) } : {},
            cuts.map((cut) => cut % (bytes.length + 1)),
          );

          // Assess
          if (error !== undefined) {
            expect(error).toBeInstanceOf(LogReadError);
          }
          expect(reported.every((bad) => bad instanceof BadRecordError)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
