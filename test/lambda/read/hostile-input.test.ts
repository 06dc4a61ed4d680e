/**
 * The reader against damaged and hostile files, as an attacker or a careless writer makes
 * them: whatever the damage, where it sits, the layout and the chunking, no valid record
 * before it is lost, damage that does not break the records around it loses nothing, huge or
 * deep records cost bounded memory and still alert, and budgets stop a read after delivering
 * what it found.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { ReadRecord } from '../../../lambda/read/cloudtrail-record';
import { OMITTED_PARTS } from '../../../lambda/read/cloudtrail-record';
import type { BadRecordError } from '../../../lambda/errors';
import { LogReadError } from '../../../lambda/errors';
import type { ReadOptions, ReadStats } from '../../../lambda/read/log-reader';
import { emptyReadStats, readCloudTrailRecords } from '../../../lambda/read/log-reader';
import {
  DEFAULT_COMPILED_RULES,
  evaluateRecord,
  rawRecordFilter,
} from '../../../lambda/match/matcher';
import { RECORD_MAX_BYTES } from '../../../lambda/read/record-cutter';
import { scanLogObject } from '../../../lambda/pipeline/scan-log-object';
import type { GeneratedRecord, Rng } from '../../../scripts/cloudtrail-factory';
import {
  OTHER_SERVICE_CALLS,
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';
import { chunked } from '../../support/streams';

const OBJECT_NAME = 's3://trail/AWSLogs/111122223333/CloudTrail/us-west-2/x.json.gz';

interface Read {
  readonly records: ReadRecord[];
  readonly bad: BadRecordError[];
  readonly error: LogReadError | undefined;
  readonly stats: ReadStats;
}

/** Reads as the function does: fast path, prefilter, read-only skip, bad records reported. */
async function read(
  bytes: Buffer,
  cuts: readonly number[] = [],
  extra: Partial<ReadOptions> = {},
): Promise<Read> {
  const filter = rawRecordFilter(DEFAULT_COMPILED_RULES);
  const stats = emptyReadStats();
  const bad: BadRecordError[] = [];
  const records: ReadRecord[] = [];
  let error: LogReadError | undefined;
  try {
    for await (const record of readCloudTrailRecords(chunked(bytes, cuts), {
      objectName: OBJECT_NAME,
      prefilter: filter,
      sourcePrefilter: filter.bySource,
      skipReadOnly: true,
      stats,
      onBadRecord: (reported) => bad.push(reported),
      ...extra,
    })) {
      records.push(record);
    }
  } catch (thrown) {
    if (!(thrown instanceof LogReadError)) throw thrown;
    error = thrown;
  }
  return { records, bad, error, stats };
}

/** The eventIDs the default rules alert on, in order. */
function alerting(records: readonly ReadRecord[]): string[] {
  return records
    .filter((record) => evaluateRecord(record, DEFAULT_COMPILED_RULES).kind === 'alert')
    .map((record) => String(record.eventID));
}

function write(rng: Rng): GeneratedRecord {
  return mediaPackageRecord(rng, {
    source: 'mediapackage.amazonaws.com',
    eventName: 'UpdateChannel',
  });
}

function noise(rng: Rng): GeneratedRecord {
  return otherServiceRecord(rng, { call: rng.pick(OTHER_SERVICE_CALLS) });
}

/** A busy file: mostly other services, some MediaPackage writes and reads. */
function busy(seed: number, count: number): GeneratedRecord[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, n) => {
    if (n % 5 === 1) return write(rng);
    if (n % 7 === 3) {
      return mediaPackageRecord(rng, {
        source: 'mediapackagev2.amazonaws.com',
        eventName: 'GetChannel',
      });
    }
    return noise(rng);
  });
}

function alertingIds(records: readonly GeneratedRecord[]): string[] {
  return alerting(JSON.parse(JSON.stringify(records)) as ReadRecord[]);
}

/** Damage inserted between two records, and whether the records after it survive it. */
const INSERTIONS: readonly { name: string; text: string; entries: number }[] = [
  { name: 'a number', text: '42', entries: 1 },
  { name: 'a string', text: '"x,},{\\"eventVersion\\":"', entries: 1 },
  { name: 'null', text: 'null', entries: 1 },
  { name: 'an array holding an object', text: '[1,{"a":"b"}]', entries: 1 },
  { name: 'stray bytes', text: 'garbage\u0000', entries: 1 },
  {
    name: 'a MediaPackage record that is not JSON',
    text: '{"eventVersion":"1.08","eventSource":"mediapackage.amazonaws.com",broken}',
    entries: 1,
  },
];

function join(records: readonly string[], layout: 'compact' | 'pretty'): string {
  return layout === 'compact'
    ? `{"Records":[${records.join(',')}]}`
    : `{\n  "Records": [\n    ${records.join(',\n    ')}\n  ]\n}\n`;
}

function serialise(record: GeneratedRecord, layout: 'compact' | 'pretty'): string {
  return layout === 'compact' ? JSON.stringify(record) : JSON.stringify(record, null, 2);
}

describe('Property: damage never costs the records around it', () => {
  it('keeps every valid record before and after a bad entry, in any layout and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 2, max: 40 }),
        fc.nat(),
        fc.constantFrom(...INSERTIONS),
        fc.constantFrom<'compact' | 'pretty'>('compact', 'pretty'),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (seed, count, at, insertion, layout, rawCuts, gzip) => {
          // Prepare
          const records = busy(seed, count);
          const position = at % (records.length + 1);
          const parts = records.map((record) => serialise(record, layout));
          parts.splice(position, 0, insertion.text);
          const text = join(parts, layout);
          const bytes = gzip ? gzipSync(text) : Buffer.from(text);
          const cuts = [...new Set(rawCuts.map((cut) => cut % bytes.length))].sort((a, b) => a - b);

          // Act
          const result = await read(bytes, cuts);

          // Assess
          expect(result.error).toBeUndefined();
          expect(alerting(result.records)).toEqual(alertingIds(records));
          expect(result.bad.map((bad) => bad.recordIndex)).toEqual([position]);
          expect(result.stats.records).toBe(records.length + insertion.entries);
        },
      ),
      { numRuns: 120, seed: 4242 },
    );
  });

  it('keeps every valid record before truncation or trailing bytes at any byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<'compact' | 'pretty'>('compact', 'pretty'),
        fc.constantFrom('truncate', 'trailing', 'nul-padding', 'second-document'),
        async (seed, count, share, layout, damage) => {
          // Prepare
          const records = busy(seed, count);
          const text = join(
            records.map((record) => serialise(record, layout)),
            layout,
          );
          const cut = Math.floor(text.length * share);
          const second = join([serialise(write(createRng(seed + 1)), layout)], layout);
          const damaged = {
            truncate: text.slice(0, cut),
            trailing: `${text}\nHTTP/1.1 500 oops`,
            'nul-padding': `${text}${'\u0000'.repeat(4096)}`,
            'second-document': `${text}${second}`,
          }[damage];

          // Act
          const result = await read(Buffer.from(damaged), [Math.max(1, cut)]);

          // Assess: all before the damage, whichever way the file ends.
          const found = alerting(result.records);
          if (damage === 'truncate') {
            const whole = records.filter((_, n) => {
              const upTo = join(
                records.slice(0, n + 1).map((record) => serialise(record, layout)),
                layout,
              );
              return upTo.length - (layout === 'compact' ? 2 : 6) <= cut;
            });
            expect(found).toEqual(alertingIds(whole));
          } else if (damage === 'second-document') {
            expect(found).toEqual([
              ...alertingIds(records),
              ...alertingIds([write(createRng(seed + 1))]),
            ]);
            expect(result.error?.reason).toBe('invalid-json');
          } else {
            expect(found).toEqual(alertingIds(records));
            expect(result.error?.reason).toBe(damage === 'trailing' ? 'invalid-json' : undefined);
          }
        },
      ),
      { numRuns: 80, seed: 77 },
    );
  });
});

describe('Function: readCloudTrailRecords, hostile input', () => {
  const rng = createRng(31);
  const before = write(rng);
  const after = write(rng);

  it('skips a UTF-8 byte-order mark and NUL padding around the document', async () => {
    // Prepare
    const text = `\ufeff${join([JSON.stringify(before), JSON.stringify(after)], 'compact')}\u0000\u0000`;

    // Act
    const result = await read(Buffer.from(text));

    // Assess
    expect(result.error).toBeUndefined();
    expect(alerting(result.records)).toEqual([before.eventID, after.eventID]);
  });

  it('names the byte where trailing content starts, without quoting it', async () => {
    // Prepare
    const text = join([JSON.stringify(before)], 'compact');

    // Act
    const result = await read(Buffer.from(`${text}password=hunter2`));

    // Assess
    expect(result.error?.message).toContain(`at byte ${text.length}`);
    expect(result.error?.message).not.toContain('hunter2');
    expect(alerting(result.records)).toEqual([before.eventID]);
  });

  it('never quotes a bad record in its error', async () => {
    // Prepare
    const broken = '{"eventSource":"mediapackage.amazonaws.com","password":"hunter2-secret",}';
    const text = join([JSON.stringify(before), broken, JSON.stringify(after)], 'compact');

    // Act
    const result = await read(Buffer.from(text));

    // Assess
    expect(result.bad).toHaveLength(1);
    expect(result.bad[0]?.message).not.toContain('hunter2');
    expect(result.bad[0]?.mayBeMediaPackage).toBe(true);
    expect(JSON.stringify(result.bad[0]?.cause ?? null)).not.toContain('hunter2');
    expect(alerting(result.records)).toEqual([before.eventID, after.eventID]);
  });

  it.each([
    ['small', 20],
    ['over a megabyte', 4_000],
  ])('recovers the records a lost closing brace ran together (%s)', async (_name, count) => {
    // Prepare: the first record misses its `}`, so it swallows the ones after it.
    const records = busy(5, count);
    const text = join(
      records.map((record) => JSON.stringify(record)),
      'compact',
    );
    const damaged = text.replace('},{"eventVersion"', ',{"eventVersion"');

    // Act
    const result = await read(Buffer.from(damaged), [], { fastPath: true });

    // Assess
    expect(alerting(result.records)).toEqual(alertingIds(records.slice(1)));
    expect(result.bad.length).toBeGreaterThanOrEqual(1);
  });

  it('recovers the records after a lost quote near the end', async () => {
    // Prepare
    const records = busy(6, 30);
    const last = records.length - 5;
    const parts = records.map((record) => JSON.stringify(record));
    parts[last] = (parts[last] as string).replace('"eventTime":"', '"eventTime":');
    const text = join(parts, 'pretty');

    // Act
    const result = await read(Buffer.from(text), [], { fastPath: false });

    // Assess
    const expected = alertingIds(records.filter((_, n) => n !== last));
    expect(alerting(result.records)).toEqual(expected);
  });

  it('alerts on a record of several megabytes without holding it, naming what it dropped', async () => {
    // Prepare
    const huge = {
      ...write(rng),
      requestParameters: { id: 'live-1', description: 'A'.repeat(3 * RECORD_MAX_BYTES) },
    };
    const text = join(
      [JSON.stringify(before), JSON.stringify(huge), JSON.stringify(after)],
      'compact',
    );

    // Act
    const result = await read(Buffer.from(text), [70_000, 1_000_000, 2_500_000]);

    // Assess
    expect(result.error).toBeUndefined();
    expect(alerting(result.records)).toEqual([before.eventID, huge.eventID, after.eventID]);
    const kept = result.records.find((record) => record.eventID === huge.eventID);
    expect(kept?.[OMITTED_PARTS]?.members).toEqual(['requestParameters']);
    expect(kept?.[OMITTED_PARTS]?.recordBytes).toBe(Buffer.byteLength(JSON.stringify(huge)));
    expect(kept?.requestParameters).toBeUndefined();
    expect(result.stats.oversizedRecords).toBe(1);
  });

  it('reads a record nested 100,000 levels deep, with or without an eventID', async () => {
    // Prepare
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const withId = JSON.stringify({ ...write(rng), requestParameters: { id: 'x' } }).replace(
      '"requestParameters":{',
      `"requestParameters":{"nested":${deep},`,
    );
    const withoutIdRecord: Record<string, unknown> = { ...write(rng) };
    delete withoutIdRecord.eventID;
    const withoutId = JSON.stringify(withoutIdRecord).replace(
      '"requestParameters":{',
      `"requestParameters":{"nested":${deep},`,
    );
    const text = join(
      [JSON.stringify(before), withId, withoutId, JSON.stringify(after)],
      'compact',
    );

    // Act
    const alerts: string[] = [];
    const scan = await scanLogObject(
      chunked(Buffer.from(text), [50_000]),
      { bucket: 'trail', key: 'x.json' },
      { onAlert: (alert) => void alerts.push(alert.eventID) },
    );

    // Assess
    expect(scan.readError).toBeNull();
    expect(scan.badRecordCount).toBe(0);
    expect(alerts).toHaveLength(4);
    expect(alerts[0]).toBe(before.eventID);
    expect(alerts[3]).toBe(after.eventID);
  });

  it('counts every record of a compact file where one is written with spaces', async () => {
    // Prepare
    const records = busy(8, 12).map((record) => ({ ...record, eventSource: 'ec2.amazonaws.com' }));
    const parts = records.map((record) => JSON.stringify(record));
    parts[6] = JSON.stringify(records[6], null, 1);

    // Act
    const result = await read(Buffer.from(join(parts, 'compact')));

    // Assess
    expect(result.stats.records).toBe(12);
    expect(result.stats.cutPath).not.toBe('exact');
  });

  it('does not parse MediaPackage reads, but still parses a write whose parameters say readOnly', async () => {
    // Prepare
    const reads = Array.from({ length: 10 }, () =>
      mediaPackageRecord(rng, { source: 'mediapackagev2.amazonaws.com', eventName: 'GetChannel' }),
    );
    const trick = {
      ...write(rng),
      requestParameters: { id: 'live-1', readOnly: true, eventName: 'GetChannel' },
    };
    const text = join(
      [...reads, trick].map((record) => JSON.stringify(record)),
      'compact',
    );

    // Act
    const result = await read(Buffer.from(text));

    // Assess
    expect(alerting(result.records)).toEqual([trick.eventID]);
    expect(result.stats.parsedRecords).toBe(1);
  });

  it('stops at the time budget after yielding what it found', async () => {
    // Prepare: a valid write, then a long run of whitespace inside Records.
    async function* padded(): AsyncGenerator<Buffer> {
      yield Buffer.from(`{"Records":[${JSON.stringify(before)},`);
      const spaces = Buffer.alloc(256 * 1024, 0x20);
      for (;;) {
        // As a network stream would: a chunk at a time, never all at once.
        await new Promise((resolve) => setImmediate(resolve));
        yield spaces;
      }
    }
    const records: ReadRecord[] = [];
    const started = Date.now();

    // Act
    let error: unknown;
    try {
      for await (const record of readCloudTrailRecords(padded(), {
        objectName: OBJECT_NAME,
        deadline: Date.now() + 300,
      })) {
        records.push(record);
      }
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(records.map((record) => record.eventID)).toEqual([before.eventID]);
    expect(error).toBeInstanceOf(LogReadError);
    expect((error as LogReadError).reason).toBe('time-budget');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops at the byte budget of a gzip bomb after yielding what it found', async () => {
    // Prepare: 64 MiB of whitespace that gzips to a few hundred KB.
    const bomb = gzipSync(
      Buffer.concat([
        Buffer.from(`{"Records":[${JSON.stringify(before)},`),
        Buffer.alloc(64 * 1024 * 1024, 0x20),
        Buffer.from(`${JSON.stringify(after)}]}`),
      ]),
    );

    // Act
    const result = await read(bomb, [], { maxInflatedBytes: 8 * 1024 * 1024 });

    // Assess
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(alerting(result.records)).toEqual([before.eventID]);
    expect(result.error?.reason).toBe('byte-budget');
    expect(result.stats.bytesRead).toBeLessThan(16 * 1024 * 1024);
  });
});
