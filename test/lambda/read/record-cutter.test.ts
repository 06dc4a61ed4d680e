import fc from 'fast-check';
import { MEDIAPACKAGE_EVENT_SOURCES } from '../../../lambda/contract';
import { mayMentionMediaPackage } from '../../../lambda/read/record-cutter';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';

const RUNS = { seed: 42, numRuns: 200 } as const;
/** Any text without the marker, multi-byte characters included. */
const unrelated = fc
  .string({ unit: 'binary', maxLength: 40 })
  .filter((text) => !text.includes('mediapackage'));
/** A MediaPackage event source between two such texts. */
const sourceAmidBytes = fc.tuple(
  unrelated,
  fc.constantFrom(...MEDIAPACKAGE_EVENT_SOURCES),
  unrelated,
);

describe('Function: mayMentionMediaPackage', () => {
  it.each(MEDIAPACKAGE_EVENT_SOURCES)(
    'flags a record of %s whose bytes were cut short mid-record',
    (source) => {
      // Prepare: what a bad entry keeps of a MediaPackage write that lost its end.
      const eventName = MEDIAPACKAGE_WRITE_CALLS[source][0] as string;
      const text = JSON.stringify(mediaPackageRecord(createRng(7), { source, eventName }));
      const damaged = Buffer.from(text.slice(0, text.indexOf(source) + source.length + 20));

      // Act
      const result = mayMentionMediaPackage(damaged);

      // Assess
      expect(result).toBe(true);
    },
  );

  it('does not flag a record of another service that never names MediaPackage', () => {
    // Prepare
    const raw = Buffer.from(
      JSON.stringify(otherServiceRecord(createRng(7), { call: 'ec2:RunInstances' })),
    );

    // Act
    const result = mayMentionMediaPackage(raw);

    // Assess
    expect(result).toBe(false);
  });

  it('finds a MediaPackage source wherever it stands among any other bytes', () => {
    fc.assert(
      fc.property(sourceAmidBytes, ([before, source, after]) => {
        // Act
        const result = mayMentionMediaPackage(Buffer.from(`${before}${source}${after}`));

        // Assess
        expect(result).toBe(true);
      }),
      RUNS,
    );
  });

  it('looks only at the bytes of the view it is given, not at the rest of its buffer', () => {
    fc.assert(
      fc.property(sourceAmidBytes, ([before, source, after]) => {
        // Prepare: cutters hand on records as views into the chunk they were cut from.
        const chunk = Buffer.from(`${source}${before}|${after}${source}`);
        const start = Buffer.byteLength(source);
        const view = chunk.subarray(start, start + Buffer.byteLength(`${before}|${after}`));

        // Act
        const result = mayMentionMediaPackage(view);

        // Assess
        expect(result).toBe(false);
      }),
      RUNS,
    );
  });
});
