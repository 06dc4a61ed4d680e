/**
 * `samples/`, as scripts/make-samples.ts writes them: CloudTrail keys, the MediaPackage write
 * calls listed in test/fixtures/sample-alerts.json, the cases the matcher must tell apart, and
 * a digest that hashes the files it lists.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { GeneratedRecord } from '../../scripts/cloudtrail-factory';
import type { ExpectedAlert } from '../../scripts/make-samples';
import { DIGEST_KEY, LOG_KEY } from '../support/cloudtrail-keys';

const SAMPLES = join(__dirname, '..', '..', 'samples');
const MEDIAPACKAGE = new Set([
  'mediapackage.amazonaws.com',
  'mediapackagev2.amazonaws.com',
  'mediapackage-vod.amazonaws.com',
]);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
    )
    .sort();
}

function readJsonFile(path: string): unknown {
  const raw = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
}

function sampleKey(path: string): string {
  return relative(SAMPLES, path).split(sep).join('/');
}

function sampleLogFiles(): { key: string; records: GeneratedRecord[] }[] {
  return listFiles(join(SAMPLES, 'AWSLogs'))
    .filter((path) => LOG_KEY.test(sampleKey(path)))
    .map((path) => ({
      key: sampleKey(path),
      records: (readJsonFile(path) as { Records: GeneratedRecord[] }).Records,
    }));
}

/** The alert contract, restated here so a bug in make-samples cannot hide behind itself. */
function alertsIn(key: string, records: GeneratedRecord[]): ExpectedAlert[] {
  return records
    .filter((r) => MEDIAPACKAGE.has(r.eventSource))
    .filter((r) =>
      r.readOnly === undefined ? !/^(Describe|List|Get|Head)/.test(r.eventName) : !r.readOnly,
    )
    .map((r) => {
      const failed = typeof r.errorCode === 'string';
      let severity: ExpectedAlert['severity'] = 'medium';
      // Root: high whatever the other rules say.
      const asRoot = r.userIdentity.type === 'Root';
      if (
        failed ||
        asRoot ||
        r.eventName.startsWith('Rotate') ||
        r.eventName.startsWith('Delete')
      ) {
        severity = 'high';
      } else if (r.eventName.endsWith('Policy')) {
        severity = 'high';
      } else if (r.eventName === 'TagResource' || r.eventName === 'UntagResource') {
        severity = 'low';
      }
      return {
        eventID: r.eventID,
        eventSource: r.eventSource,
        eventName: r.eventName,
        severity,
        outcome: failed ? 'failed' : 'success',
        file: key,
      };
    });
}

describe('Samples', () => {
  it('holds only log files and digest files under CloudTrail keys', () => {
    // Act
    const keys = listFiles(join(SAMPLES, 'AWSLogs')).map(sampleKey);

    // Assess
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(LOG_KEY.test(key) || DIGEST_KEY.test(key)).toBe(true);
    expect(keys.filter((key) => key.endsWith('.json'))).toHaveLength(1);
    expect(keys.some((key) => key.startsWith('AWSLogs/o-'))).toBe(true);
    expect(keys.filter((key) => DIGEST_KEY.test(key))).toHaveLength(1);
  });

  it('lists in expected-alerts.json exactly the MediaPackage write calls of the files', () => {
    // Prepare
    const expected = readJsonFile(
      join(__dirname, '..', 'fixtures', 'sample-alerts.json'),
    ) as ExpectedAlert[];

    // Act
    const recomputed = sampleLogFiles().flatMap((file) => alertsIn(file.key, file.records));

    // Assess
    const byId = (a: ExpectedAlert, b: ExpectedAlert): number => a.eventID.localeCompare(b.eventID);
    expect([...expected].sort(byId)).toEqual([...recomputed].sort(byId));
    expect(new Set(expected.map((alert) => alert.outcome))).toEqual(new Set(['success', 'failed']));
    expect(new Set(expected.map((alert) => alert.severity))).toEqual(
      new Set(['high', 'medium', 'low']),
    );
    expect(new Set(expected.map((alert) => alert.eventSource))).toEqual(MEDIAPACKAGE);
  });

  it('covers the cases the matcher must tell apart', () => {
    // Act
    const records = sampleLogFiles().flatMap((file) => file.records);
    const has = (predicate: (r: GeneratedRecord) => boolean): boolean => records.some(predicate);

    // Assess
    expect(new Set(records.map((r) => r.eventID)).size).toBe(records.length);
    expect(
      has((r) => r.eventSource === 'medialive.amazonaws.com' && r.eventName === 'UpdateChannel'),
    ).toBe(true);
    expect(has((r) => r.userIdentity.invokedBy === 'mediapackage.amazonaws.com')).toBe(true);
    expect(has((r) => MEDIAPACKAGE.has(r.eventSource) && r.readOnly === undefined)).toBe(true);
    expect(
      has(
        (r) => MEDIAPACKAGE.has(r.eventSource) && r.readOnly === true && r.errorCode !== undefined,
      ),
    ).toBe(true);
    expect(has((r) => r.eventName === 'RotateIngestEndpointCredentials')).toBe(true);
    expect(
      has(
        (r) => r.eventSource === 'mediapackage-vod.amazonaws.com' && r.eventName === 'CreateAsset',
      ),
    ).toBe(true);
    expect(has((r) => r.userIdentity.type === 'Root')).toBe(true);
  });

  it('has a digest file without Records that hashes the log files it lists', () => {
    // Prepare
    const path = listFiles(join(SAMPLES, 'AWSLogs')).find((p) => DIGEST_KEY.test(sampleKey(p)));
    if (path === undefined) throw new Error('no digest file in samples/');

    // Act
    const digest = readJsonFile(path) as {
      Records?: unknown;
      digestS3Object: string;
      logFiles: { s3Object: string; hashValue: string }[];
    };

    // Assess
    expect(digest.Records).toBeUndefined();
    expect(digest.digestS3Object).toBe(sampleKey(path));
    expect(digest.logFiles.length).toBeGreaterThan(0);
    for (const file of digest.logFiles) {
      const body = gunzipSync(readFileSync(join(SAMPLES, file.s3Object)));
      expect(createHash('sha256').update(body).digest('hex')).toBe(file.hashValue);
    }
  });
});
