/**
 * The fast path (FastRecordCutter, native byte search) against the exact byte-by-byte
 * scanner: on any valid document, in any chunking, both must yield the same records, report
 * the same bad records and fail with the same reason; and the fast path must really be the
 * one taken on CloudTrail's own layout.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';
import { LogReadError } from '../../../lambda/errors';
import type { ReadOptions, ReadStats } from '../../../lambda/read/log-reader';
import { emptyReadStats, readCloudTrailRecords } from '../../../lambda/read/log-reader';
import type { CutRecord } from '../../../lambda/read/record-cutter';
import { FastRecordCutter } from '../../../lambda/read/fast-record-cutter';
import type { CompiledRules } from '../../../lambda/match/matcher';
import {
  DEFAULT_COMPILED_RULES,
  compileRules,
  evaluateRecord,
  rawRecordFilter,
} from '../../../lambda/match/matcher';
import { parseRules } from '../../../lambda/match/rules-schema';
import type { GeneratedRecord, Rng } from '../../../scripts/cloudtrail-factory';
import {
  OTHER_SERVICE_CALLS,
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';
import { MEDIAPACKAGE_EVENT_SOURCES } from '../../../lambda/match/event-sources';
import { chunked, everyNBytes } from '../../support/streams';

const OBJECT_NAME = 's3://org-cloudtrail-logs/AWSLogs/111122223333/CloudTrail/x.json.gz';
const NOW = new Date('2025-03-14T10:00:00Z');

/** Self-protection on, with the pipeline's own resources: the `own-resources` verdict is used. */
const OWN_RULES: CompiledRules = compileRules(parseRules({ version: 1 }), {
  bucketNames: ['audit-trail-bucket'],
  kmsKeys: ['arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
});

interface ReadOutcome {
  readonly records: unknown[];
  readonly bad: { index: number; mentionsMediaPackage: boolean }[];
  readonly error: string | undefined;
  readonly stats: ReadStats;
}

async function readWith(
  bytes: Buffer,
  fastPath: boolean,
  cuts: readonly number[] = [],
  rules: CompiledRules = DEFAULT_COMPILED_RULES,
): Promise<ReadOutcome> {
  const filter = rawRecordFilter(rules);
  const stats = emptyReadStats();
  const bad: ReadOutcome['bad'] = [];
  const options: ReadOptions = {
    objectName: OBJECT_NAME,
    prefilter: filter,
    sourcePrefilter: filter.bySource,
    fastPath,
    stats,
    onBadRecord: (error) =>
      bad.push({ index: error.recordIndex, mentionsMediaPackage: error.mayBeMediaPackage }),
  };
  const records: unknown[] = [];
  let error: string | undefined;
  try {
    for await (const record of readCloudTrailRecords(chunked(bytes, cuts), options)) {
      // Either reader may hand on more than can match (the exact scanner parses any record
      // with a short escaped string): what must agree is what the rules act on.
      if (evaluateRecord(record, rules, NOW).kind !== 'ignored') records.push(record);
    }
  } catch (thrown) {
    if (!(thrown instanceof LogReadError)) throw thrown;
    error = thrown.reason;
  }
  return { records, bad, error, stats };
}

/** Reads both ways and checks they agree; returns the fast read. */
async function expectSameAsExact(
  bytes: Buffer,
  cuts: readonly number[] = [],
  rules: CompiledRules = DEFAULT_COMPILED_RULES,
): Promise<ReadOutcome> {
  const exact = await readWith(bytes, false, cuts, rules);
  const fast = await readWith(bytes, true, cuts, rules);
  expect(fast.error).toBe(exact.error);
  // Neither gives up part-way: whatever the damage, both yield every record they can.
  expect(fast.records).toEqual(exact.records);
  expect(fast.bad).toEqual(exact.bad);
  if (exact.error === undefined) {
    expect(fast.stats.records).toBe(exact.stats.records);
  }
  expect(exact.stats.cutPath).toBe('exact');
  return fast;
}

function otherRecord(rng: Rng): GeneratedRecord {
  return otherServiceRecord(rng, { call: rng.pick(OTHER_SERVICE_CALLS) });
}

function mediaPackageWrite(rng: Rng, eventName = 'UpdateChannel'): GeneratedRecord {
  return mediaPackageRecord(rng, { source: 'mediapackage.amazonaws.com', eventName });
}

/** A call on CloudTrail itself: self-protection watches every such record. */
function trailRecord(rng: Rng): GeneratedRecord {
  return {
    ...otherServiceRecord(rng, { call: 'iam:CreateRole' }),
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
  };
}

/** A busy file: mostly other services, a few MediaPackage calls, one CloudTrail change. */
function busyRecords(seed: number, count: number): GeneratedRecord[] {
  const rng = createRng(seed);
  const records: GeneratedRecord[] = [];
  for (let n = 0; n < count; n += 1) {
    if (n % 17 === 5) {
      const source = MEDIAPACKAGE_EVENT_SOURCES[n % MEDIAPACKAGE_EVENT_SOURCES.length] as
        | 'mediapackage.amazonaws.com'
        | 'mediapackagev2.amazonaws.com'
        | 'mediapackage-vod.amazonaws.com';
      const eventName = n % 2 === 0 ? 'DeleteChannel' : 'ListChannels';
      records.push(mediaPackageRecord(rng, { source, eventName }));
    } else {
      records.push(otherRecord(rng));
    }
  }
  records.push(trailRecord(rng));
  return records;
}

function document(records: readonly unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ Records: records }));
}

function eventIds(records: readonly unknown[]): string[] {
  return records.map((record) => (record as CloudTrailRecord).eventID as string);
}

describe('Class: FastRecordCutter (the fast path), against the exact scanner', () => {
  it('reads a busy CloudTrail file by native search, parsing only the watched records', async () => {
    // Prepare
    const records = busyRecords(1, 400);
    const bytes = gzipSync(document(records));

    // Act
    const fast = await expectSameAsExact(bytes);

    // Assess
    expect(fast.stats.cutPath).toBe('fast');
    expect(fast.stats.records).toBe(records.length);
    const watched = records.filter(
      (record) =>
        (MEDIAPACKAGE_EVENT_SOURCES as readonly unknown[]).includes(record.eventSource) ||
        record.eventSource === 'cloudtrail.amazonaws.com',
    );
    expect(fast.stats.parsedRecords).toBe(watched.length);
    const alerting = watched.filter((record) => record.eventName !== 'ListChannels');
    expect(alerting.length).toBeGreaterThan(10);
    expect(eventIds(fast.records)).toEqual(eventIds(alerting));
  });

  it('agrees at every chunk boundary, one record cut at each byte in turn', async () => {
    // Prepare: small records so that every boundary, key and value is cut somewhere.
    const bytes = document(busyRecords(2, 6));

    // Act & Assess
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const fast = await expectSameAsExact(bytes, [cut, cut + 1, cut + 40]);
      expect(fast.stats.cutPath).toBe('fast');
    }
  });

  it('agrees in byte-by-byte chunks', async () => {
    const bytes = document(busyRecords(3, 5));
    const fast = await expectSameAsExact(bytes, everyNBytes(bytes.length, 1));
    expect(fast.stats.cutPath).toBe('fast');
  });

  it('judges records of sources that can touch the pipeline by their bytes, as the exact scanner does', async () => {
    // Prepare: KMS and S3 calls, some naming the pipeline's own key or bucket.
    const rng = createRng(4);
    const records: GeneratedRecord[] = [
      otherServiceRecord(rng, { call: 's3:PutBucketPolicy' }),
      {
        ...otherServiceRecord(rng, { call: 's3:PutBucketPolicy' }),
        requestParameters: { bucketName: 'audit-trail-bucket' },
      },
      otherServiceRecord(rng, { call: 'kms:Decrypt' }),
      {
        ...otherServiceRecord(rng, { call: 'kms:Decrypt' }),
        eventName: 'DisableKey',
        readOnly: false,
        requestParameters: {
          keyId: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        },
      },
    ];

    // Act
    const fast = await expectSameAsExact(document(records), [], OWN_RULES);

    // Assess
    expect(eventIds(fast.records)).toEqual(eventIds([records[1], records[3]]));
  });

  it('parses a record whose source or key is spelled with escapes', async () => {
    // Prepare
    const rng = createRng(5);
    const write = mediaPackageWrite(rng);
    // Not last: the last record is always read exactly.
    const text = JSON.stringify({ Records: [otherRecord(rng), write, write, otherRecord(rng)] })
      // The first MediaPackage record gets an escaped value, the second an escaped key.
      .replace('"mediapackage', '"media\\u0070ackage')
      .replace(/"eventSource":"mediapackage/, '"event\\u0053ource":"mediapackage');

    // Act
    const fast = await expectSameAsExact(Buffer.from(text));

    // Assess
    expect(fast.records).toHaveLength(2);
    expect(fast.stats.cutPath).toBe('fast');
  });

  it('learns the first key: records that start with another key are cut just as fast', async () => {
    const records = busyRecords(6, 30).map(({ eventTime, ...rest }) => ({ eventTime, ...rest }));
    const fast = await expectSameAsExact(document(records), [100, 5000]);
    expect(fast.stats.cutPath).toBe('fast');
    expect(fast.records.length).toBeGreaterThan(0);
  });

  it('hands a pretty-printed or differently laid out file to the exact scanner', async () => {
    const records = busyRecords(7, 20);
    for (const text of [
      JSON.stringify({ Records: records }, null, 2),
      JSON.stringify({ Records: records }).replace('{"Records":', '{ "Records": '),
      JSON.stringify({ version: 1, Records: records }),
      '{"Records":[]}',
    ]) {
      const fast = await expectSameAsExact(Buffer.from(text), [9, 13, 14, 15]);
      expect(fast.stats.cutPath).toBe('exact');
    }
  });

  it('re-reads exactly from a watched record that does not parse, and reports it as the exact scanner does', async () => {
    // Prepare: the fifth record, a MediaPackage write, loses a closing quote.
    const records = busyRecords(8, 20);
    const text = JSON.stringify({ Records: records });
    const fifth = JSON.stringify(records[5]);
    const broken = fifth.replace('"eventName":"', '"eventName":');
    expect(broken).not.toBe(fifth);

    // Act
    const fast = await expectSameAsExact(Buffer.from(text.replace(fifth, broken)), [3000]);

    // Assess
    expect(fast.stats.cutPath).toBe('fast-then-exact');
    expect(fast.bad.length + (fast.error === undefined ? 0 : 1)).toBeGreaterThan(0);
  });

  it('never loses a watched record to an inner array of objects that starts like a record', async () => {
    // Prepare: a MediaPackage write whose parameters hold objects keyed like CloudTrail records.
    const rng = createRng(9);
    const inner = { eventVersion: '1.08', eventSource: 'ec2.amazonaws.com', eventName: 'X' };
    const write = {
      ...mediaPackageWrite(rng),
      requestParameters: { items: [inner, inner, inner] },
    };
    const records = [otherRecord(rng), write, otherRecord(rng)];

    // Act
    const fast = await expectSameAsExact(document(records));

    // Assess
    expect(eventIds(fast.records)).toEqual(eventIds([write]));
    expect(fast.stats.cutPath).toBe('fast-then-exact');
  });

  it('reports truncation, trailing bytes and a missing end exactly as the exact scanner does', async () => {
    const whole = JSON.stringify({ Records: busyRecords(10, 12) });
    const cases: [string, string | undefined][] = [
      [whole.slice(0, -2), 'truncated'],
      [whole.slice(0, Math.floor(whole.length / 2)), 'truncated'],
      [`${whole}{}`, 'invalid-json'],
      [`${whole}\n`, undefined],
      [whole.replace(/\]\}$/, ',42]}'), undefined],
    ];
    for (const [text, reason] of cases) {
      const fast = await expectSameAsExact(Buffer.from(text), [40]);
      expect(fast.error).toBe(reason);
    }
    // A non-object entry is a bad record like any other, not the end of the file.
    const withNumber = await readWith(Buffer.from(whole.replace(/\]\}$/, ',42]}')), true, [40]);
    const recordsBefore = (JSON.parse(whole) as { Records: unknown[] }).Records.length;
    expect(withNumber.bad).toEqual([{ index: recordsBefore, mentionsMediaPackage: false }]);
  });

  it('leaves a record of over a megabyte to the exact scanner instead of copying it chunk after chunk', async () => {
    // Prepare
    const rng = createRng(11);
    const huge = {
      ...otherRecord(rng),
      requestParameters: { policy: 'x'.repeat(1_500_000) },
    };
    const records = [otherRecord(rng), huge, mediaPackageWrite(rng)];
    const bytes = document(records);

    // Act
    const fast = await expectSameAsExact(bytes, everyNBytes(bytes.length, 64 * 1024));

    // Assess
    expect(fast.stats.cutPath).toBe('fast-then-exact');
    expect(eventIds(fast.records)).toEqual(eventIds([records[2]]));
  });
});

describe('Class: FastRecordCutter, handing records to the exact scanner and back', () => {
  const filter = rawRecordFilter(DEFAULT_COMPILED_RULES);

  /** Pushes each chunk; a piece that does not parse is recut, as the reader does. */
  function cutAll(splitter: FastRecordCutter, chunks: readonly Buffer[]): CutRecord[][] {
    return chunks.map((chunk) => {
      const batch = splitter.push(chunk);
      const bad = batch.findIndex(({ raw }) => {
        try {
          JSON.parse(raw.toString('utf8'));
          return false;
        } catch {
          return true;
        }
      });
      const recut = bad === -1 ? undefined : batch[bad]?.recut;
      return recut === undefined ? batch : [...batch.slice(0, bad), ...recut()];
    });
  }

  it('takes the cutting back in the chunk after a record it could not vouch for', () => {
    // Prepare: three chunks, each with MediaPackage writes; one in the first is broken.
    const rng = createRng(13);
    const records = Array.from({ length: 60 }, (_, n) =>
      n % 5 === 2 ? mediaPackageWrite(rng) : otherRecord(rng),
    );
    const broken = JSON.stringify(records[7]);
    // A key with no value: not JSON, but strings and nesting stay whole.
    const text = JSON.stringify({ Records: records }).replace(
      broken,
      broken.replace('"eventVersion":', '"eventVersion":,'),
    );
    const bytes = Buffer.from(text);
    const third = Math.floor(bytes.length / 3);
    const chunks = [
      bytes.subarray(0, third),
      bytes.subarray(third, 2 * third),
      bytes.subarray(2 * third),
    ];
    const splitter = new FastRecordCutter('test', filter.bySource);

    // Act
    const batches = cutAll(splitter, chunks);
    const last = splitter.flush();
    splitter.end();

    // Assess: the exact scanner read the rest of the first chunk (no recut handle), the fast
    // path the next chunks (a recut handle on each record it hands on).
    const [first, second, thirdBatch] = batches as [CutRecord[], CutRecord[], CutRecord[]];
    expect(splitter.path).toBe('fast-then-exact');
    expect(first.some((record) => record.recut === undefined)).toBe(true);
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((record) => record.recut !== undefined)).toBe(true);
    expect(thirdBatch.every((record) => record.recut !== undefined)).toBe(true);
    expect(splitter.recordCount).toBe(records.length);
    const indexes = [...first, ...second, ...thirdBatch, ...last].map((record) => record.index);
    expect(indexes).toEqual(records.flatMap((_, n) => (n % 5 === 2 ? [n] : [])));
  });
});

describe('Property: the fast path reads what the exact scanner reads', () => {
  /** Realistic records, some with extra nesting, escapes and odd layouts inside. */
  const recordArbitrary = fc
    .record({
      seed: fc.integer(),
      kind: fc.constantFrom('other', 'other', 'other', 'mp-write', 'mp-read', 'trail', 'own'),
      twist: fc.constantFrom('none', 'none', 'none', 'escape', 'nested', 'no-source', 'unicode'),
    })
    .map(({ seed, kind, twist }) => {
      const rng = createRng(seed);
      const base: GeneratedRecord =
        kind === 'mp-write'
          ? mediaPackageWrite(rng)
          : kind === 'mp-read'
            ? mediaPackageWrite(rng, 'DescribeChannel')
            : kind === 'trail'
              ? trailRecord(rng)
              : kind === 'own'
                ? {
                    ...otherServiceRecord(rng, { call: 's3:PutBucketPolicy' }),
                    requestParameters: { bucketName: 'audit-trail-bucket' },
                  }
                : otherRecord(rng);
      let record: Record<string, unknown> = { ...base };
      if (twist === 'nested') {
        record = { ...record, resources: [{ eventSource: 'x', a: [{}, { b: '},{' }] }] };
      } else if (twist === 'no-source') {
        delete record.eventSource;
      } else if (twist === 'unicode') {
        record = { ...record, userAgent: 'Ünïcødé \u2028 "quoted" \\ agent' };
      }
      const text = JSON.stringify(record);
      return twist === 'escape'
        ? text.replace(/"eventSource":"(.)/, '"eventSource":"\\u0061$1')
        : text;
    });

  it('yields the same records, bad records and errors in any chunking, gzipped or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArbitrary, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom('default', 'own'),
        async (texts, cuts, gzip, ruleSet) => {
          const json = Buffer.from(`{"Records":[${texts.join(',')}]}`);
          const bytes = gzip ? gzipSync(json) : json;
          await expectSameAsExact(
            bytes,
            cuts.map((cut) => cut % (bytes.length + 1)),
            ruleSet === 'own' ? OWN_RULES : DEFAULT_COMPILED_RULES,
          );
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});

describe('Bad records the fast path hands on', () => {
  it('are named by their place in the file, as the exact scanner names them', async () => {
    // Prepare: the third record, a MediaPackage write, has a key with no value.
    const rng = createRng(12);
    const records = [otherRecord(rng), otherRecord(rng), mediaPackageWrite(rng)];
    const third = JSON.stringify(records[2]);
    const damaged = JSON.stringify({ Records: records }).replace(
      third,
      third.replace('"eventVersion":', '"eventVersion":,'),
    );

    // Act
    const fast = await expectSameAsExact(Buffer.from(damaged));

    // Assess
    expect(fast.bad).toEqual([{ index: 2, mentionsMediaPackage: true }]);
  });
});
