import { ExactRecordCutter } from '../../../lambda/read/exact-record-cutter';
import { RECORD_MAX_BYTES } from '../../../lambda/read/record-cutter';
import { createRng, mediaPackageRecord } from '../../../scripts/cloudtrail-factory';

describe('Class: ExactRecordCutter', () => {
  const before = mediaPackageRecord(createRng(31), {
    source: 'mediapackage.amazonaws.com',
    eventName: 'UpdateChannel',
  });

  it('never holds more than a megabyte and a chunk of a record that goes on and on', () => {
    // Prepare: a record whose parameters run to 8 MiB, fed in 64 KiB chunks.
    const scanner = new ExactRecordCutter('test');
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let largestHeld = 0;

    // Act
    scanner.push(
      Buffer.from(
        `{"Records":[${JSON.stringify(before)},{"eventVersion":"1.08","requestParameters":{"blob":"`,
      ),
    );
    for (let n = 0; n < 128; n += 1) {
      scanner.push(chunk);
      const held = (scanner.recordInProgress() ?? []).reduce((sum, part) => sum + part.length, 0);
      largestHeld = Math.max(largestHeld, held);
    }
    const [salvaged] = scanner.push(
      Buffer.from(`"},"eventID":"e-1","eventSource":"mediapackage.amazonaws.com"}]}`),
    );
    scanner.end();

    // Assess
    expect(largestHeld).toBeLessThanOrEqual(RECORD_MAX_BYTES + chunk.length);
    expect(salvaged?.oversized?.omittedMembers).toEqual(['requestParameters']);
    expect(JSON.parse(String(salvaged?.raw))).toEqual({
      eventVersion: '1.08',
      eventID: 'e-1',
      eventSource: 'mediapackage.amazonaws.com',
    });
  });
});
