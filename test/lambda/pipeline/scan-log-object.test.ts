import * as alertModule from '../../../lambda/alert/alert';
import { BadRecordError, LogReadError } from '../../../lambda/errors';
import { compileRules } from '../../../lambda/match/matcher';
import { parseRules } from '../../../lambda/match/rules-schema';
import type { LogObjectScanOptions } from '../../../lambda/pipeline/scan-log-object';
import {
  BAD_RECORDS_KEPT,
  SUPPRESSED_KEPT,
  scanLogObject,
} from '../../../lambda/pipeline/scan-log-object';
import type { LogObjectRef } from '../../../lambda/read/cloudtrail-record';
import {
  BUCKET,
  USER_ARN,
  cloudTrailRecord,
  createRng,
  logFileBody,
  logFileKey,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';
import { chunked } from '../../support/streams';

const OBJECT: LogObjectRef = { bucket: BUCKET, key: logFileKey() };
const OBJECT_NAME = `s3://${BUCKET}/${OBJECT.key}`;

/** Scans a log file of `records`, gzipped, cut into chunks at `cuts`. */
function scan(records: readonly unknown[], options?: LogObjectScanOptions, cuts?: number[]) {
  return scanLogObject(chunked(logFileBody(records), cuts), OBJECT, options);
}

/** Rules with one suppression of the factory's caller, until the end of `expires`. */
function suppressingCaller(expires: string) {
  return compileRules(
    parseRules({
      version: 1,
      suppressions: [
        { reason: 'jdoe rehearses the evening show', principalArn: USER_ARN, expires },
      ],
    }),
  );
}

/** Makes building the alert of this eventID fail as no rule or format anticipated. */
function failBuildingAlertOf(eventID: unknown): void {
  const buildAlert = alertModule.buildAlert;
  jest.spyOn(alertModule, 'buildAlert').mockImplementation((match, object) => {
    if (match.record.eventID === eventID) throw new TypeError('unexpected shape');
    return buildAlert(match, object);
  });
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('Function: scanLogObject', () => {
  it('finds one alert per distinct eventID, in file order, and counts the repeats', async () => {
    // Prepare
    const [first, second] = [cloudTrailRecord(), cloudTrailRecord({ eventName: 'DeleteChannel' })];
    const noise = otherServiceRecord(createRng(3), { call: 'ec2:RunInstances' });

    // Act
    const result = await scan([first, noise, second, first]);

    // Assess
    expect(result.alerts.map((alert) => alert.eventID)).toEqual([first.eventID, second.eventID]);
    expect(result).toMatchObject({
      object: OBJECT,
      alertCount: 2,
      duplicateEvents: 1,
      readError: null,
      badRecordCount: 0,
    });
    expect(result.stats.records).toBe(4);
  });

  it('keeps two writes without an eventID as two alerts, however alike', async () => {
    // Prepare: without an eventID two records cannot be told to be the same event.
    const record = cloudTrailRecord({ eventID: undefined });

    // Act
    const result = await scan([record, record]);

    // Assess
    expect(result).toMatchObject({ alertCount: 2, duplicateEvents: 0 });
  });

  it('hands each alert to onAlert while the file is still being read, waiting for each', async () => {
    // Prepare
    const records = Array.from({ length: 5 }, () => cloudTrailRecord());
    const handled: unknown[] = [];
    let handledBeforeLastChunk = -1;
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"Records":[');
      for (const [n, record] of records.entries()) {
        await Promise.resolve();
        yield Buffer.from(`${n === 0 ? '' : ','}${JSON.stringify(record)}`);
      }
      handledBeforeLastChunk = handled.length;
      yield Buffer.from(']}');
    }

    // Act
    const result = await scanLogObject(body(), OBJECT, {
      onAlert: async (alert) => {
        await new Promise((resolve) => setImmediate(resolve));
        handled.push(alert.eventID);
      },
    });

    // Assess
    expect(handled).toEqual(records.map((record) => record.eventID));
    expect(handledBeforeLastChunk).toBeGreaterThanOrEqual(records.length - 1);
    expect(result.alerts).toEqual([]);
    expect(result.alertCount).toBe(records.length);
  });

  it('throws what onAlert throws, instead of reporting the object as damaged', async () => {
    // Prepare
    const failure = new Error('SNS is down');

    // Act
    const outcome = scan([cloudTrailRecord()], { onAlert: () => Promise.reject(failure) });

    // Assess
    await expect(outcome).rejects.toBe(failure);
  });

  it('throws an error of the source (the network), so that the invocation is retried', async () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    async function* body(): AsyncGenerator<Buffer> {
      yield logFileBody([cloudTrailRecord()]).subarray(0, 40);
      await Promise.resolve();
      throw reset;
    }

    // Act
    const outcome = scanLogObject(body(), OBJECT);

    // Assess
    await expect(outcome).rejects.toBe(reset);
  });

  it('returns the damage of a truncated object after the alerts found before it', async () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    const json = logFileBody(records, false);
    const cut = json.indexOf(JSON.stringify(records[2])) + 100;

    // Act
    const result = await scanLogObject(chunked(json.subarray(0, cut)), OBJECT);

    // Assess
    expect(result.alerts.map((alert) => alert.eventID)).toEqual(
      records.slice(0, 2).map((record) => record.eventID),
    );
    expect(result.readError).toBeInstanceOf(LogReadError);
    expect(result.readError).toMatchObject({ objectName: OBJECT_NAME, reason: 'truncated' });
  });

  it.each([
    ['a deadline already past', { deadline: 0 }, 'time-budget'],
    ['a budget of inflated bytes too small', { maxInflatedBytes: 64 }, 'byte-budget'],
  ] as const)(
    'returns a budget error for %s, under the name given',
    async (_name, budget, reason) => {
      // Act
      const result = await scan([cloudTrailRecord()], { ...budget, objectName: 'local.json.gz' });

      // Assess
      expect(result.readError).toMatchObject({ objectName: 'local.json.gz', reason });
    },
  );

  it(`keeps the first ${BAD_RECORDS_KEPT} bad records and counts all of them`, async () => {
    // Prepare: entries of Records that are not objects.
    const entries = [
      ...Array.from({ length: BAD_RECORDS_KEPT + 5 }, (_, n) => n),
      cloudTrailRecord(),
    ];

    // Act
    const result = await scan(entries);

    // Assess
    expect(result.badRecordCount).toBe(BAD_RECORDS_KEPT + 5);
    expect(result.badRecords).toHaveLength(BAD_RECORDS_KEPT);
    expect(result.badRecords[0]).toBeInstanceOf(BadRecordError);
    expect(result.badRecords[0]?.objectName).toBe(OBJECT_NAME);
    expect(result.alertCount).toBe(1);
  });

  it('hands every bad record to onBadRecord with how many came so far, keeping none', async () => {
    // Prepare
    const entries = ['a', cloudTrailRecord(), 'b', null];
    const seen: [number, number][] = [];

    // Act
    const result = await scan(entries, {
      onBadRecord: (error, count) => seen.push([error.recordIndex, count]),
    });

    // Assess
    expect(seen).toEqual([
      [0, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(result).toMatchObject({ badRecords: [], badRecordCount: 3 });
  });

  it.each([
    ['collects a suppressed event', undefined],
    ['hands a suppressed event to onSuppressed', 'callback'],
  ] as const)('%s, and alerts on none', async (_name, delivery) => {
    // Prepare
    const handed: unknown[] = [];
    const options: LogObjectScanOptions = {
      rules: suppressingCaller('2024-06-30'),
      now: new Date('2024-06-30T23:00:00Z'),
      ...(delivery === 'callback' ? { onSuppressed: (decision) => handed.push(decision) } : {}),
    };

    // Act
    const result = await scan([cloudTrailRecord()], options);

    // Assess
    const suppressed = delivery === 'callback' ? handed : result.suppressed;
    expect(suppressed).toMatchObject([{ kind: 'suppressed', suppressionIndex: 0 }]);
    expect(result).toMatchObject({ alertCount: 0, suppressedCount: 1 });
    if (delivery === 'callback') expect(result.suppressed).toEqual([]);
  });

  it('counts exactly the suppressed events, per suppression, each repeat once', async () => {
    // Prepare: DeleteChannel twice silenced by [0], once by [2] (the account), a repeat of one
    // of them, one alert, and an expired [1] that would have silenced everything.
    const rules = compileRules(
      parseRules({
        version: 1,
        suppressions: [
          { reason: 'Deletes are reviewed', eventName: 'DeleteChannel' },
          { reason: 'Migration, over', principalArn: USER_ARN, expires: '2024-01-31' },
          { reason: 'The lab account', account: '444455556666' },
          { reason: 'Never matches', region: 'ap-southeast-9' },
        ],
      }),
    );
    const deleted = [1, 2].map(() => cloudTrailRecord({ eventName: 'DeleteChannel' }));
    const lab = cloudTrailRecord({ recipientAccountId: '444455556666' });
    const alerting = cloudTrailRecord({ eventName: 'UpdateChannel' });
    const handed: number[] = [];

    // Act
    const result = await scan([deleted[0], lab, deleted[1], alerting, deleted[0]], {
      rules,
      now: new Date('2024-06-30T00:00:00Z'),
      onSuppressed: (decision) => handed.push(decision.suppressionIndex),
    });

    // Assess
    expect(result.suppressedCount).toBe(3);
    expect(result.suppressedBySuppression).toEqual([2, 0, 1, 0]);
    expect(handed).toEqual([0, 2, 0]);
    expect(result).toMatchObject({ alertCount: 1, duplicateEvents: 1 });
  });

  it('keeps the first SUPPRESSED_KEPT suppressed events when collecting, and counts them all', async () => {
    // Prepare
    const records = Array.from({ length: SUPPRESSED_KEPT + 7 }, () => cloudTrailRecord());

    // Act
    const result = await scan(records, {
      rules: suppressingCaller('2024-06-30'),
      now: new Date('2024-06-01T00:00:00Z'),
    });

    // Assess
    expect(result.suppressedCount).toBe(SUPPRESSED_KEPT + 7);
    expect(result.suppressedBySuppression).toEqual([SUPPRESSED_KEPT + 7]);
    expect(result.suppressed).toHaveLength(SUPPRESSED_KEPT);
    expect(result.suppressed[0]?.match.record.eventID).toBe(records[0]?.eventID);
  });

  it('reports no suppressed events, one zero per suppression, when none applies', async () => {
    // Act
    const result = await scan([cloudTrailRecord()], {
      rules: suppressingCaller('2024-06-30'),
      now: new Date('2024-07-01T00:00:00Z'),
    });

    // Assess
    expect(result).toMatchObject({ suppressedCount: 0, suppressedBySuppression: [0] });
  });

  it('judges a suppression at the time it is given: expired, the event alerts', async () => {
    // Act
    const result = await scan([cloudTrailRecord()], {
      rules: suppressingCaller('2024-06-30'),
      now: new Date('2024-07-01T00:00:01Z'),
    });

    // Assess
    expect(result).toMatchObject({ alertCount: 1, suppressedCount: 0 });
  });

  it('counts a record no alert could be built for as bad, one that may be MediaPackage, and goes on', async () => {
    // Prepare: the second record's alert cannot be built.
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    failBuildingAlertOf(records[1]?.eventID);

    // Act
    const result = await scan(records);

    // Assess
    expect(result.alerts.map((alert) => alert.eventID)).toEqual([
      records[0]?.eventID,
      records[2]?.eventID,
    ]);
    expect(result.badRecordCount).toBe(1);
    expect(result.badRecords[0]).toMatchObject({
      mayBeMediaPackage: true,
      objectName: OBJECT_NAME,
    });
    expect(result.badRecords[0]?.message).toContain('TypeError');
  });

  // The index is taken from the reader's count of records cut so far, which runs ahead of the
  // record being matched when a chunk holds several: the error names a neighbour instead.
  it('names a record no alert could be built for by its own position in Records', async () => {
    // Prepare
    const records = [cloudTrailRecord(), cloudTrailRecord(), cloudTrailRecord()];
    failBuildingAlertOf(records[0]?.eventID);

    // Act
    const result = await scan(records);

    // Assess
    expect(result.badRecords[0]?.recordIndex).toBe(0);
  });
});
