import fc from 'fast-check';
import { recoverRecords } from '../../../lambda/read/record-recovery';
import {
  OTHER_SERVICE_CALLS,
  cloudTrailRecord,
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';

/** Records as the cutter sees them: JSON text, one after the other. */
const json = (records: readonly unknown[], indent?: number): string[] =>
  records.map((record) => JSON.stringify(record, null, indent));

/**
 * A record of `cloudTrailRecord()` (or a pretty-printed one) that lost the closing quote of its
 * eventName, so it swallows what follows it.
 */
const lostQuote = (text: string): string => text.replace('"UpdateChannel"', '"UpdateChannel');

/** Plain objects, as the records come back from JSON. */
const parsed = (records: readonly unknown[]): unknown[] =>
  records.map((record) => JSON.parse(JSON.stringify(record)) as unknown);

/** How every factory record starts. */
const FIRST_KEY = '{"eventVersion":';

describe('Function: recoverRecords', () => {
  it('finds, in order, the whole records a lost quote ran together with the damaged one', () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    const [first, ...rest] = json(records);
    const raw = Buffer.from([lostQuote(first as string), ...rest].join(','));

    // Act
    const found = recoverRecords(raw, 1);

    // Assess
    expect(found).toEqual(parsed(records.slice(1)));
  });

  it('keeps the first record too when it is whole and not known to be bad', () => {
    // Prepare: bytes of records that never ended, as a truncated file leaves them.
    const records = [cloudTrailRecord(), cloudTrailRecord()];
    const raw = Buffer.from(json(records).join(','));

    // Act
    const found = recoverRecords(raw);

    // Assess
    expect(found).toEqual(parsed(records));
  });

  it('skips the first record when it is known to be bad, even if it parses', () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord()];
    const raw = Buffer.from(json(records).join(','));

    // Act
    const found = recoverRecords(raw, 1);

    // Assess
    expect(found).toEqual(parsed(records.slice(1)));
  });

  it.each([
    ['the end of the document', ']}'],
    ['the end of the document, on its own lines', '\n]\n}\n'],
    ['two stray brackets and the end of the document', '}}]}'],
  ])('sheds %s after the last record', (_name, tail) => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord()];
    const [first, second] = json(records);
    const raw = Buffer.from(`${lostQuote(first as string)},${second}${tail}`);

    // Act
    const found = recoverRecords(raw, 1);

    // Assess
    expect(found).toEqual(parsed(records.slice(1)));
  });

  it('finds a record followed by the stray bracket that unbalanced the file', () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord()];
    const [first, second] = json(records);
    const raw = Buffer.from(`${first}},${second}`);

    // Act
    const found = recoverRecords(raw);

    // Assess
    expect(found).toEqual(parsed(records));
  });

  it('cuts records where they start in a file of another key order', () => {
    // Prepare: the records' own first key, not CloudTrail's usual eventVersion, marks a start.
    const reordered = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()].map(
      ({ eventID, ...rest }) => ({ eventID, ...rest }),
    );
    const [first, ...rest] = json(reordered);
    const raw = Buffer.from([lostQuote(first as string), ...rest].join(','));

    // Act
    const found = recoverRecords(raw, 1);

    // Assess
    expect(found).toEqual(parsed(reordered.slice(1)));
  });

  it('cuts the records of a pretty-printed file, spaces and line breaks around each first key', () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    const [first, ...rest] = json(records, 2);
    const raw = Buffer.from(`${lostQuote(first as string)},\n${rest.join(',\n')}\n]\n}`);

    // Act
    const found = recoverRecords(raw, 1);

    // Assess
    expect(found).toEqual(parsed(records.slice(1)));
  });

  it.each([
    ['no bytes', ''],
    ['bytes that are not JSON', 'not a record at all'],
    ['a start and nothing after it', '{"eventVersion":'],
    ['one record cut short', JSON.stringify(cloudTrailRecord()).slice(0, 300)],
  ])('finds nothing in %s', (_name, text) => {
    // Act
    const found = recoverRecords(Buffer.from(text));

    // Assess
    expect(found).toEqual([]);
  });

  // The bad record is the first piece, but when its damage hit its own first key it is no
  // record start: skipping the first start found would skip the whole record after it (through
  // the reader, records 0 and 2 with a quote lost in their first key hid the whole record 1).
  it('finds the whole record after a bad one whose own first key was damaged', () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    const [first, ...rest] = json(records);
    const damaged = (first as string).replace(FIRST_KEY, '{"eventVersion:');
    const raw = Buffer.from([damaged, ...rest].join(','));

    // Act
    const found = recoverRecords(raw, 1);

    // Assess
    expect(found).toEqual(parsed(records.slice(1)));
  });

  it('parses a piece a bounded number of times, however many brackets trail it', () => {
    // Prepare
    const raw = Buffer.from(`{"eventVersion":"1.08"${'}'.repeat(10_000)}`);
    const parse = jest.spyOn(JSON, 'parse');

    // Act
    recoverRecords(raw);

    // Assess
    expect(parse.mock.calls.length).toBeLessThan(10);
    parse.mockRestore();
  });

  it('finds every record after one cut short anywhere, whatever the records', () => {
    const recordsOf = fc
      .array(
        fc.oneof(
          fc.integer().map((seed) =>
            mediaPackageRecord(createRng(seed), {
              source: 'mediapackagev2.amazonaws.com',
              eventName: 'DeleteChannel',
            }),
          ),
          fc
            .tuple(fc.integer(), fc.constantFrom(...OTHER_SERVICE_CALLS))
            .map(([seed, call]) => otherServiceRecord(createRng(seed), { call })),
        ),
        { minLength: 2, maxLength: 5 },
      )
      .chain((records) =>
        fc.tuple(
          fc.constant(records),
          // Anywhere, the first key included (see the test above).
          fc.integer({ min: 0, max: JSON.stringify(records[0]).length - 1 }),
          fc.constantFrom('', ']}', '\n]}\n'),
        ),
      );
    fc.assert(
      fc.property(recordsOf, fc.constantFrom(0, 1), ([records, cut, tail], skip) => {
        // Prepare: the first record lost its end, so the cutter ran it into the next ones.
        const [first, ...rest] = json(records);
        const raw = Buffer.from(`${(first as string).slice(0, cut)},${rest.join(',')}${tail}`);

        // Act
        const found = recoverRecords(raw, skip);

        // Assess
        expect(found).toEqual(parsed(records.slice(1)));
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
