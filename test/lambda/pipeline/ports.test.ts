import fc from 'fast-check';
import { MASK } from '../../../lambda/alert/redact';
import { PIPELINE_METRIC_NAMES } from '../../../lambda/contract';
import { noMetrics, redactingLogger } from '../../../lambda/pipeline/ports';
import { BUCKET, logFileKey } from '../../../scripts/cloudtrail-factory';
import type { LogEntry } from '../../support/recorders';
import { recordingLogger } from '../../support/recorders';

const LEVELS: readonly LogEntry['level'][] = ['debug', 'info', 'warn', 'error'];
/** Shaped like an AWS access key id, which redaction masks wherever it stands. */
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const TOKEN = 'c2VjcmV0LXNlc3Npb24tdG9rZW4';

describe('Function: redactingLogger', () => {
  it.each(LEVELS)('masks secrets in every field of a %s line, nested or quoted', (level) => {
    // Prepare
    const target = recordingLogger();
    const logger = redactingLogger(target);
    const s3Key = logFileKey();

    // Act
    logger[level]('Bad record skipped', {
      bucket: BUCKET,
      s3Key,
      recordIndex: 3,
      password: 'hunter2-hunter2',
      requestParameters: { hlsIngest: { ingestEndpoints: [{ password: 'p4ss-word-9' }] } },
      reason: `record 3: not valid JSON near "secretKey=${TOKEN}"`,
      caller: `used ${KEY_ID}`,
      error: new Error(`SNS said: Authorization: Bearer ${TOKEN}`),
    });

    // Assess
    const [entry] = target.entries;
    expect(entry?.level).toBe(level);
    expect(entry?.message).toBe('Bad record skipped');
    const line = JSON.stringify(entry?.extra);
    for (const secret of ['hunter2-hunter2', 'p4ss-word-9', TOKEN, KEY_ID]) {
      expect(line).not.toContain(secret);
    }
    expect(entry?.extra).toMatchObject({ bucket: BUCKET, s3Key, recordIndex: 3, password: MASK });
    expect(entry?.extra.error).toMatchObject({ name: 'Error' });
  });

  it('passes a line without fields on without fields', () => {
    // Prepare
    const lines: unknown[][] = [];
    const logger = redactingLogger({
      debug: (...args) => lines.push(args),
      info: (...args) => lines.push(args),
      warn: (...args) => lines.push(args),
      error: (...args) => lines.push(args),
    });

    // Act
    for (const level of LEVELS) logger[level]('Invocation summary');

    // Assess
    expect(lines).toEqual(LEVELS.map(() => ['Invocation summary', undefined]));
  });

  it("leaves the caller's fields as they were, for the next line that uses them", () => {
    // Prepare: the pipeline spreads one `where` object into many lines.
    const logger = redactingLogger(recordingLogger());
    const where = { bucket: BUCKET, s3Key: logFileKey(), detail: { token: TOKEN } };
    const before = structuredClone(where);

    // Act
    logger.warn('SNS rejected some alerts; retrying them', where);

    // Assess
    expect(where).toEqual(before);
  });

  it('lets no value under a secret key through, however deep and at any level', () => {
    const paths = fc.array(fc.constantFrom('detail', 'where', 'items', 'failed', '0'), {
      maxLength: 6,
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...LEVELS),
        paths,
        fc.constantFrom('password', 'apiKey', 'x-amz-security-token', 'clientSecret'),
        fc.stringMatching(/^[A-Za-z0-9]{12,24}$/),
        (level, path, secretKey, secret) => {
          // Prepare
          const target = recordingLogger();
          const extra = path.reduceRight<Record<string, unknown>>(
            (inner, key) => ({ [key]: inner, count: 1 }),
            { [secretKey]: secret },
          );

          // Act
          redactingLogger(target)[level]('Log file processed', extra);

          // Assess
          expect(JSON.stringify(target.entries[0]?.extra)).not.toContain(secret);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('Constant: noMetrics', () => {
  it('accepts every metric of the contract and answers nothing', () => {
    // Act
    const results = Object.values(PIPELINE_METRIC_NAMES).map((name) =>
      noMetrics.add(name, 1, 'Count', { reason: 'test' }),
    );

    // Assess
    expect(results.every((result) => result === undefined)).toBe(true);
  });
});
