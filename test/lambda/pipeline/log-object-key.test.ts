/**
 * Properties of classifyObjectKey over every key a trail can write. The named examples (an
 * AWS Config check file, an Insights file, a backfilled digest...) are in
 * trigger-event.test.ts, beside the trigger that meets them first.
 */
import fc from 'fast-check';
import { classifyObjectKey } from '../../../lambda/pipeline/log-object-key';
import type { ObjectKeyOptions } from '../../../scripts/cloudtrail-factory';
import { createRng, digestObjectKey, logObjectKey } from '../../../scripts/cloudtrail-factory';

const RUNS = { seed: 42, numRuns: 200 } as const;

/** Where a trail writes: any account, Region, day, organization and S3 key prefix. */
const placement: fc.Arbitrary<ObjectKeyOptions> = fc.record(
  {
    accountId: fc.stringMatching(/^\d{12}$/),
    region: fc.stringMatching(/^[a-z]{2}(-[a-z]{4,9}){1,2}-\d$/),
    date: fc.date({
      min: new Date('2013-11-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    orgId: fc.stringMatching(/^o-[a-z0-9]{10,32}$/),
    prefix: fc
      .array(fc.stringMatching(/^[A-Za-z0-9_.=-]{1,16}$/), { maxLength: 4 })
      .map((parts) => parts.join('/')),
  },
  { requiredKeys: ['accountId', 'region', 'date'] },
);

/** A log file's key, as CloudTrail writes it or (`.json`) as someone copied it by hand. */
const logKey = fc
  .tuple(placement, fc.integer(), fc.boolean())
  .map(([where, seed, compressed]) => logObjectKey({ ...where, rng: createRng(seed), compressed }));

describe('Function: classifyObjectKey', () => {
  it('reads every log file a trail can write, wherever it writes it', () => {
    fc.assert(
      fc.property(logKey, (key) => {
        // Act
        const result = classifyObjectKey(key);

        // Assess
        expect(result).toEqual({ kind: 'log-file' });
      }),
      RUNS,
    );
  });

  it('skips every digest file a trail can write', () => {
    fc.assert(
      fc.property(placement, fc.boolean(), (where, backfill) => {
        // Act
        const result = classifyObjectKey(digestObjectKey({ ...where, backfill }));

        // Assess
        expect(result).toEqual({ kind: 'skip', reason: 'digest-file' });
      }),
      RUNS,
    );
  });

  it('skips the Insights file beside any log file', () => {
    fc.assert(
      fc.property(logKey, (key) => {
        // Prepare
        const insights = key
          .replace('/CloudTrail/', '/CloudTrail-Insight/')
          .replace('_CloudTrail_', '_CloudTrail-Insight_');

        // Act
        const result = classifyObjectKey(insights);

        // Assess
        expect(result).toEqual({ kind: 'skip', reason: 'insights-file' });
      }),
      RUNS,
    );
  });

  it('skips a folder marker named like any log file', () => {
    fc.assert(
      fc.property(logKey, (key) => {
        // Act
        const result = classifyObjectKey(`${key}/`);

        // Assess
        expect(result).toEqual({ kind: 'skip', reason: 'folder-marker' });
      }),
      RUNS,
    );
  });

  it('skips a log file name with anything after its extension, or missing a date folder', () => {
    fc.assert(
      fc.property(
        logKey,
        fc.constantFrom('.tmp', '~', '.1', '.bak', '.zip', ' '),
        (key, suffix) => {
          // Prepare
          const withoutDay = key.replace(/\/\d{2}\/([^/]+)$/, '/$1');

          // Act
          const results = [classifyObjectKey(`${key}${suffix}`), classifyObjectKey(withoutDay)];

          // Assess
          for (const result of results) {
            expect(result).toEqual({ kind: 'skip', reason: 'not-a-log-file' });
          }
        },
      ),
      RUNS,
    );
  });
});
