import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SEVERITIES } from '../../lambda/match/rules-schema';
import {
  DETECTION_PATHS,
  FUNCTION_ENV,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../lambda/contract';
import {
  INCOMPLETE_REASONS,
  PIPELINE_METRIC_NAMES,
  UNREADABLE_REASONS,
} from '../../lib/pipeline-metrics';
import {
  REGION,
  cloudTrailRecord,
  createRng,
  digestFileKey,
  logFileBody,
  logFileKey,
  otherServiceRecord,
  s3Event,
} from '../../scripts/cloudtrail-factory';
import { TOPIC_ARN, acceptAll, s3Body } from '../support/aws-doubles';
import { recordingLogger } from '../support/recorders';

/** One embedded-metric-format line, as Powertools prints it and CloudWatch reads it. */
interface EmfLine {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

/**
 * The namespace and dimension values of each metric the function emitted. A metric emitted
 * with several dimension sets (AlertsPublished: by severity, and again by path) has them all.
 */
interface Emitted {
  namespace: string;
  dimensionSets: string[][];
  values: Record<string, unknown>;
  /** Each emission's dimension values, one per dimension set. */
  emissions: Record<string, unknown>[];
}

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);

/** The inflated-bytes budget the construct writes for `maxInflatedMb: 1`, in its variable. */
const ONE_MB_BUDGET = String(1024 * 1024);

/**
 * Runs the real handler (real Powertools Metrics) over one S3 event and returns what it printed
 * as EMF, by metric name. The byte budget comes from the environment variable the construct sets,
 * at 1 MB, so that one object, a valid log file of about 2 MB uncompressed, runs out of it. Metrics are off in tests (test/support/env.ts); the handler module is
 * loaded only here, after turning them on, because Powertools reads the switch when the
 * module creates its `Metrics`.
 */
async function emittedMetrics(): Promise<Map<string, Emitted>> {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  const previousBudget = process.env[FUNCTION_ENV.maxInflatedBytes];
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env[FUNCTION_ENV.maxInflatedBytes] = ONE_MB_BUDGET;
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const { createHandler } = await import('../../lambda/handler');
    const logKey = logFileKey();
    const unreadableKey = logFileKey({ suffix: 'BrokenGzip000000' });
    const oversizedKey = logFileKey({ suffix: 'OverBudget000000' });
    const oversized = logFileBody(
      Array.from({ length: 4000 }, (_, n) =>
        otherServiceRecord(createRng(n), { call: 's3:PutBucketPolicy' }),
      ),
    );
    s3Mock.on(GetObjectCommand, { Key: logKey }).callsFake(() => ({
      Body: s3Body(logFileBody([cloudTrailRecord()])),
    }));
    s3Mock.on(GetObjectCommand, { Key: unreadableKey }).callsFake(() => ({
      Body: s3Body(gzipSync('{"Records":[').subarray(0, 12)),
    }));
    s3Mock.on(GetObjectCommand, { Key: oversizedKey }).callsFake(() => ({
      Body: s3Body(oversized),
    }));
    snsMock.on(PublishBatchCommand).callsFake(acceptAll);
    const handler = createHandler({
      s3: new S3Client({ region: REGION }),
      sns: new SNSClient({ region: REGION }),
      topicArn: TOPIC_ARN,
      logger: recordingLogger(),
    });
    await handler(s3Event([logKey, digestFileKey(), unreadableKey, oversizedKey]));
  } finally {
    write.mockRestore();
    process.env.POWERTOOLS_METRICS_DISABLED = previous;
    if (previousBudget === undefined) delete process.env[FUNCTION_ENV.maxInflatedBytes];
    else process.env[FUNCTION_ENV.maxInflatedBytes] = previousBudget;
  }
  const emitted = new Map<string, Emitted>();
  for (const line of lines.join('').split('\n')) {
    if (!line.startsWith('{"_aws"')) continue;
    const emf = JSON.parse(line) as EmfLine;
    for (const directive of emf._aws.CloudWatchMetrics) {
      for (const { Name } of directive.Metrics) {
        const seen = emitted.get(Name);
        const sets = (seen?.dimensionSets ?? []).concat(
          directive.Dimensions.filter(
            (set) => !(seen?.dimensionSets ?? []).some((s) => s.join() === set.join()),
          ),
        );
        emitted.set(Name, {
          namespace: directive.Namespace,
          dimensionSets: sets,
          values: seen?.values ?? emf,
          emissions: [...(seen?.emissions ?? []), emf],
        });
      }
    }
  }
  return emitted;
}

describe('Contract: the metrics the function emits are the ones the alarms watch', () => {
  let emitted: Map<string, Emitted>;

  beforeAll(async () => {
    // Act
    emitted = await emittedMetrics();
  });

  afterAll(() => {
    s3Mock.restore();
    snsMock.restore();
  });

  it('emits in the namespace and under the service name the alarms use', () => {
    // Assess
    expect(emitted.size).toBeGreaterThan(0);
    for (const [, metric] of emitted) {
      expect(metric.namespace).toBe(METRICS_NAMESPACE);
      expect(metric.values.service).toBe(SERVICE_NAME);
    }
  });

  it.each([
    PIPELINE_METRIC_NAMES.logFilesProcessed,
    PIPELINE_METRIC_NAMES.recordsScanned,
    PIPELINE_METRIC_NAMES.bytesRead,
    PIPELINE_METRIC_NAMES.processingDuration,
  ])('emits %s with the service dimension only', (name) => {
    // Assess
    expect(emitted.get(name)?.dimensionSets).toEqual([['service']]);
  });

  it('emits AlertsPublished by service and severity, and again by service and detection path', () => {
    // Prepare
    const metric = emitted.get(PIPELINE_METRIC_NAMES.alertsPublished);
    const bySeverity = metric?.emissions.find((values) => values.severity !== undefined);
    const byPath = metric?.emissions.find((values) => values.path !== undefined);
    // Assess: the dashboard's two graphs name exactly these sets.
    expect(metric?.dimensionSets).toEqual(
      expect.arrayContaining([
        ['service', 'severity'],
        ['service', 'path'],
      ]),
    );
    expect(metric?.dimensionSets).toHaveLength(2);
    expect(SEVERITIES).toContain(bySeverity?.severity);
    expect(DETECTION_PATHS).toContain(byPath?.path);
  });

  it('emits ObjectsUnreadable with exactly service and reason, a reason the alarm sums', () => {
    // Prepare
    const metric = emitted.get(PIPELINE_METRIC_NAMES.objectsUnreadable);
    // Assess
    expect(metric?.dimensionSets).toEqual([['service', 'reason']]);
    expect(UNREADABLE_REASONS).toContain(metric?.values.reason);
  });

  it('emits ObjectsIncomplete with exactly service and reason, a reason the alarm sums', () => {
    // Prepare
    const metric = emitted.get(PIPELINE_METRIC_NAMES.objectsIncomplete);
    // Assess: the object over the 1 MB budget taken from the construct's variable.
    expect(metric?.dimensionSets).toEqual([['service', 'reason']]);
    expect(metric?.values.reason).toBe('byte-budget');
    expect(INCOMPLETE_REASONS).toContain(metric?.values.reason);
  });

  it('emits ObjectsSkipped and AlertsByEventName split by one more dimension', () => {
    // Assess
    expect(emitted.get(PIPELINE_METRIC_NAMES.objectsSkipped)?.dimensionSets).toEqual([
      ['service', 'reason'],
    ]);
    expect(emitted.get(PIPELINE_METRIC_NAMES.alertsByEventName)?.dimensionSets).toEqual([
      ['service', 'eventName'],
    ]);
  });
});
