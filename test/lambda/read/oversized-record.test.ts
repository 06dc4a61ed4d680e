import fc from 'fast-check';
import type { SalvagedRecord } from '../../../lambda/read/oversized-record';
import { MEMBER_MAX_BYTES, OversizedRecord } from '../../../lambda/read/oversized-record';
import { cloudTrailRecord } from '../../../scripts/cloudtrail-factory';
import { everyNBytes } from '../../support/streams';

interface Read {
  readonly salvaged: SalvagedRecord;
  /** Offset in `bytes` just past the record, or -1 when it had not ended. */
  readonly end: number;
  readonly reader: OversizedRecord;
}

/** Feeds `bytes` to a new OversizedRecord, cut at `cuts`, until the record ends. */
function readOversized(bytes: Buffer, cuts: readonly number[] = []): Read {
  const reader = new OversizedRecord();
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort(
    (a, b) => a - b,
  );
  let start = 0;
  let end = -1;
  for (const point of [...points, bytes.length]) {
    // A chunk as a stream hands it on: a copy, so nothing can read past its end.
    const chunk = Buffer.from(bytes.subarray(start, point));
    const at = reader.consume(chunk, 0);
    if (at !== -1) {
      end = start + at;
      break;
    }
    start = point;
  }
  return { salvaged: reader.result(), end, reader };
}

/** The fields kept, as JSON reads them. */
const kept = (salvaged: { readonly raw: Buffer }): unknown =>
  JSON.parse(salvaged.raw.toString('utf8'));
const bytesOf = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
/** A field too big to keep. */
const HUGE = 'x'.repeat(MEMBER_MAX_BYTES);

describe('Class: OversizedRecord', () => {
  it('keeps the fields an alert needs and drops, by name, the one too big to hold', () => {
    // Prepare
    const { requestParameters, ...small } = cloudTrailRecord({
      requestParameters: { id: 'live-1', blob: HUGE },
    });
    const bytes = bytesOf({ ...small, requestParameters });

    // Act
    const { salvaged, end } = readOversized(bytes, everyNBytes(bytes.length, 4096));

    // Assess
    expect(kept(salvaged)).toEqual(small);
    expect(salvaged).toMatchObject({
      eventSource: 'mediapackage.amazonaws.com',
      recordBytes: bytes.length,
      omittedMembers: ['requestParameters'],
    });
    expect(end).toBe(bytes.length);
  });

  it('ends just past its closing brace, whatever follows in the chunk', () => {
    // Prepare: the record starts inside a chunk, and braces, brackets and commas in its strings.
    const record = { eventName: 'A}],{', nested: { list: [1, { b: '"}' }] } };
    const text = JSON.stringify(record);
    const chunk = Buffer.from(`xx,${text},{"eventName":"next"}]}`);
    const reader = new OversizedRecord();

    // Act
    const end = reader.consume(chunk, 3);
    const again = reader.consume(chunk, end);

    // Assess
    expect(end).toBe(3 + text.length);
    expect(again).toBe(end);
    expect(kept(reader.result())).toEqual(record);
    expect(reader.result().recordBytes).toBe(text.length);
  });

  it('reads escapes, quotes and multi-byte characters cut between chunks, one byte at a time', () => {
    // Prepare
    const record = cloudTrailRecord({
      eventName: 'Update"Channel\\',
      requestParameters: { 'ke\\y"}': 'é😀\\"\\\\', path: 'C:\\media\\' },
    });
    const bytes = bytesOf(record);

    // Act
    const { salvaged, end } = readOversized(bytes, everyNBytes(bytes.length, 1));

    // Assess
    expect(kept(salvaged)).toEqual(JSON.parse(bytes.toString('utf8')));
    expect(end).toBe(bytes.length);
  });

  it('reads any small record to the same fields however its bytes are cut', () => {
    const layouts = fc.constantFrom(undefined, 1, '\t');
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
        layouts,
        fc.array(fc.nat(), { maxLength: 12 }),
        (record, indent, cuts) => {
          // Prepare
          const bytes = Buffer.from(JSON.stringify(record, null, indent));

          // Act
          const { salvaged, end } = readOversized(
            bytes,
            cuts.map((cut) => cut % bytes.length),
          );

          // Assess
          expect(kept(salvaged)).toEqual(JSON.parse(bytes.toString('utf8')));
          expect(salvaged.omittedMembers).toEqual([]);
          expect(salvaged.recordBytes).toBe(bytes.length);
          expect(end).toBe(bytes.length);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('keeps the fields an alert needs after other fields used up the kept budget', () => {
    // Prepare: four fields just under the field limit fill the budget of kept bytes.
    const filler = 'f'.repeat(MEMBER_MAX_BYTES - 16);
    const fillers = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`extra${n}`, filler] as const));
    const record = cloudTrailRecord();
    const bytes = bytesOf({ ...fillers, ...record });

    // Act
    const { salvaged } = readOversized(bytes, everyNBytes(bytes.length, 65_536));

    // Assess
    const fields = kept(salvaged) as Record<string, unknown>;
    for (const key of ['userIdentity', 'eventTime', 'eventSource', 'eventName', 'eventID']) {
      expect(fields[key]).toEqual(record[key]);
    }
    expect(salvaged.omittedMembers).toEqual([
      'extra5',
      'requestParameters',
      'responseElements',
      'tlsDetails',
    ]);
  });

  it('names a dropped field by its key as JSON reads it, escapes and all', () => {
    // Prepare
    const bytes = Buffer.from(`{"request\\"Parameters\\u0021":${JSON.stringify(HUGE)}}`);

    // Act
    const { salvaged } = readOversized(bytes);

    // Assess
    expect(salvaged.omittedMembers).toEqual(['request"Parameters!']);
  });

  it.each([
    ['keeps the last of a repeated key, as JSON.parse does', 'Other', { eventName: 'Other' }],
    ['keeps no stale value when the last of a repeated key is dropped', HUGE, {}],
  ])('%s', (_name, last, expected) => {
    // Prepare
    const bytes = Buffer.from(`{"eventName":"DeleteChannel","eventName":${JSON.stringify(last)}}`);

    // Act
    const { salvaged } = readOversized(bytes);

    // Assess
    expect(kept(salvaged)).toEqual(expected);
  });

  it('drops a damaged field by name and keeps the fields around it', () => {
    // Prepare
    const bytes = Buffer.from(
      '{"eventSource":"mediapackage.amazonaws.com","responseElements":tru,"eventName":"DeleteChannel"}',
    );

    // Act
    const { salvaged } = readOversized(bytes);

    // Assess
    expect(kept(salvaged)).toEqual({
      eventSource: 'mediapackage.amazonaws.com',
      eventName: 'DeleteChannel',
    });
    expect(salvaged.omittedMembers).toEqual(['responseElements']);
  });

  it('names the first sixteen dropped fields and counts the rest', () => {
    // Prepare
    const fields = Array.from({ length: 20 }, (_, n) => `"field${n}":tru`);
    const bytes = Buffer.from(`{${fields.join(',')}}`);

    // Act
    const { salvaged } = readOversized(bytes);

    // Assess
    expect(salvaged.omittedMembers).toEqual([
      ...Array.from({ length: 16 }, (_, n) => `field${n}`),
      '4 more',
    ]);
  });

  it.each([
    ['an escaped event source', '"mediapackage\\u002eamazonaws.com"', 'mediapackage.amazonaws.com'],
    ['an event source that is not a string', '42', undefined],
  ])('reads %s as JSON does', (_name, value, eventSource) => {
    // Prepare
    const bytes = Buffer.from(`{"eventSource":${value}}`);

    // Act
    const { salvaged } = readOversized(bytes);

    // Assess
    expect(salvaged.eventSource).toBe(eventSource);
  });
});

describe('Method: OversizedRecord.toCutRecord', () => {
  const bytes = bytesOf({ eventSource: 'mediapackagev2.amazonaws.com', blob: HUGE });

  type SourcePrefilter = Parameters<OversizedRecord['toCutRecord']>[1];
  const says =
    (verdict: boolean | undefined): SourcePrefilter =>
    () =>
      verdict;

  it.each([
    ['parses it when the source prefilter says so', says(true), true],
    [
      'leaves it to the raw prefilter when the source prefilter cannot tell',
      says(undefined),
      false,
    ],
    ['leaves it to the raw prefilter without a source prefilter', undefined, false],
  ] as const)('%s', (_name, sourcePrefilter, keep) => {
    // Prepare
    const { reader } = readOversized(bytes);

    // Act
    const cut = reader.toCutRecord(7, sourcePrefilter);

    // Assess
    expect(cut).toMatchObject({
      eventSource: 'mediapackagev2.amazonaws.com',
      index: 7,
      keep,
      oversized: { recordBytes: bytes.length, omittedMembers: ['blob'] },
    });
    expect(kept(cut ?? { raw: Buffer.alloc(0) })).toEqual({
      eventSource: 'mediapackagev2.amazonaws.com',
    });
  });

  it('hands on nothing when the source prefilter rejects the source it read', () => {
    // Prepare
    const { reader } = readOversized(bytes);
    const seen: unknown[] = [];

    // Act
    const cut = reader.toCutRecord(0, (eventSource) => {
      seen.push(eventSource);
      return false;
    });

    // Assess
    expect(cut).toBeUndefined();
    expect(seen).toEqual(['mediapackagev2.amazonaws.com']);
  });
});
