/**
 * Properties of the whole record path on arbitrary and damaged CloudTrail documents: the
 * reader, the matcher (default and custom rules, suppressions, self-protection), the alert and
 * its SNS message. CloudTrail writes its fields loosely typed and a bucket can hold anything,
 * so the only errors allowed out are the typed ones the adapter knows how to handle.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { buildAlert, FIELD_MAX_CHARS } from '../../../lambda/alert/alert';
import type { LogObjectRef } from '../../../lambda/read/cloudtrail-record';
import { BadRecordError, LogReadError } from '../../../lambda/errors';
import { readCloudTrailRecords } from '../../../lambda/read/log-reader';
import type { ReadOptions } from '../../../lambda/read/log-reader';
import type { CompiledRules } from '../../../lambda/match/matcher';
import {
  DEFAULT_COMPILED_RULES,
  compileRules,
  evaluateRecord,
  matchEvent,
  rawRecordFilter,
} from '../../../lambda/match/matcher';
import { parseRules } from '../../../lambda/match/rules-schema';
import type { OwnResources } from '../../../lambda/match/self-protection';
import { SNS_MESSAGE_MAX_BYTES, buildAlertMessage } from '../../../lambda/alert/sns-message';
import type { AlertMessage } from '../../../lambda/alert/sns-message';
import type { GeneratedRecord } from '../../../scripts/cloudtrail-factory';
import {
  createRng,
  mediaPackageRecord,
  otherServiceRecord,
} from '../../../scripts/cloudtrail-factory';

const OBJECT: LogObjectRef = {
  bucket: 'org-trail-logs',
  key: 'AWSLogs/111122223333/CloudTrail/us-west-2/2025/03/14/111122223333_CloudTrail_us-west-2_20250314T0910Z_abcdefghijklmnop.json.gz',
};
const NOW = new Date('2025-03-14T10:00:00Z');

const OWN: OwnResources = {
  bucketNames: ['audit-trail-bucket'],
  functionNames: ['mediapackage-audit-alerts'],
  topicArns: ['arn:aws:sns:us-west-2:111122223333:mediapackage-audit-alerts'],
  kmsKeys: ['arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
};

/** Rules that exercise every matcher path: wildcards, severities, every suppression condition. */
const CUSTOM_RULES: CompiledRules = compileRules(
  parseRules({
    version: 1,
    eventSources: ['mediapackage*.amazonaws.com', 'medialive.amazonaws.com'],
    eventNames: { include: ['*'], exclude: ['List*'] },
    alertOnReadOnly: true,
    severityRules: [
      { eventName: '*Channel*', outcome: 'failed', severity: 'high' },
      { eventSource: 'medialive.amazonaws.com', severity: 'low' },
    ],
    suppressions: [
      { reason: 'Lab account changes are expected', account: '999988887777', region: 'eu-*' },
      {
        reason: 'Changes from the office network by Terraform',
        sourceIp: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'],
        userAgent: '*Terraform*',
      },
      {
        reason: 'The deploy role creates and updates channels',
        principalArn: 'arn:aws:sts::*:assumed-role/GitHubActionsDeployRole/*',
        eventName: ['Update*', 'Create*'],
        expires: '2099-12-31',
      },
      {
        reason: 'Migration window, over',
        eventSource: 'mediapackagev2.amazonaws.com',
        expires: '2020-01-01',
      },
    ],
  }),
  OWN,
);

const RULE_SETS: readonly CompiledRules[] = [DEFAULT_COMPILED_RULES, CUSTOM_RULES];

const SOURCES = [
  'mediapackage.amazonaws.com',
  'mediapackagev2.amazonaws.com',
  'mediapackage-vod.amazonaws.com',
] as const;

/** Values CloudTrail or the rules give meaning to, so mutations land near the decisions. */
const MEANINGFUL = [
  '',
  'true',
  'false',
  'null',
  '0',
  'AwsApiCall',
  'AwsCloudTrailInsight',
  'Data',
  'Management',
  'AccessDenied',
  'ListChannels',
  'DescribeChannel',
  'UpdateChannel',
  'StopLogging',
  'cloudtrail.amazonaws.com',
  's3.amazonaws.com',
  'medialive.amazonaws.com',
  ...SOURCES,
  '999988887777',
  'eu-west-1',
  '10.1.2.3',
  '::ffff:10.1.2.3',
  'fe80::1%eth0',
  '0x0a.0x01.0x02.0x03',
  '010.1.2.3',
  '2001:db8::1',
  '999.1.1.1',
  'AWS Internal',
  'arn:aws:sts::111122223333:assumed-role/GitHubActionsDeployRole/GitHubActions',
  'aws-sdk-go-v2/1.36.1 Terraform/1.10.5',
  ...(OWN.bucketNames ?? []),
  ...(OWN.functionNames ?? []),
  ...(OWN.topicArns ?? []),
  ...(OWN.kmsKeys ?? []),
  '1234abcd-12ab-34cd-56ef-1234567890ab',
  'arn:aws:secretsmanager:us-west-2:111122223333:secret:cdn-auth',
];

const keyName = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      'password',
      'IngestPassword',
      'id',
      'arn',
      'channelName',
      'resourceArn',
      'Records',
    ),
  },
);

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...MEANINGFUL),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
);

/**
 * Up to 400,000 characters of one repeated grapheme. Basic-plane graphemes only: a cut through
 * a surrogate pair has its own test below.
 */
const hugeString = fc
  .tuple(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }),
    fc.constantFrom('', 'é', '\u2028', '"', '\\'),
    fc.integer({ min: 2_000, max: 400_000 }),
  )
  .map(([ascii, extra, length]) => {
    const unit = `${ascii}${extra}`;
    return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  });

/** `{ [key]: value }` as JSON.parse builds it: `__proto__` becomes an own property. */
function objectWith(key: string, value: unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return object;
}

/** Arrays and objects nested up to a few hundred levels, secret-looking keys included. */
const deepValue = fc
  .record({
    depth: fc.integer({ min: 1, max: 400 }),
    keys: fc.array(fc.constantFrom('a', 'password', 'items', '__proto__'), {
      minLength: 1,
      maxLength: 4,
    }),
    leaf: scalar,
  })
  .map(({ depth, keys, leaf }) => {
    let value: unknown = leaf;
    for (let level = 0; level < depth; level += 1) {
      const key = keys[level % keys.length] as string;
      value = level % 3 === 2 ? [value] : objectWith(key, value);
    }
    return value;
  });

const weird: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(keyName, scalar, { maxKeys: 5 }) },
);

/** Where a mutation lands: the fields the pipeline reads, and some it only carries. */
const PATHS = [
  'eventVersion',
  'userIdentity',
  'userIdentity.type',
  'userIdentity.arn',
  'userIdentity.accountId',
  'userIdentity.principalId',
  'userIdentity.userName',
  'userIdentity.invokedBy',
  'userIdentity.sessionContext',
  'userIdentity.sessionContext.attributes',
  'userIdentity.sessionContext.attributes.mfaAuthenticated',
  'userIdentity.sessionContext.sessionIssuer',
  'userIdentity.sessionContext.sessionIssuer.arn',
  'userIdentity.sessionContext.sessionIssuer.userName',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'requestParameters.id',
  'requestParameters.channelName',
  'requestParameters.channelGroupName',
  'requestParameters.originEndpointName',
  'requestParameters.packagingGroupId',
  'requestParameters.resourceArn',
  'requestParameters.resource-arn',
  'requestParameters.bucketName',
  'requestParameters.functionName',
  'requestParameters.topicArn',
  'requestParameters.keyId',
  'requestParameters.name',
  'requestParameters.policy',
  'responseElements',
  'responseElements.id',
  'responseElements.arn',
  'responseElements.Arn',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'resources.0',
  'resources.0.ARN',
  'eventType',
  'managementEvent',
  'recipientAccountId',
  'eventCategory',
  'additionalEventData',
] as const;

type Mutation =
  | { readonly path: string; readonly op: 'delete' }
  | {
      readonly path: string;
      readonly op: 'set';
      readonly value: unknown;
    };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constantFrom(...PATHS), op: fc.constant('delete' as const) }),
  {
    weight: 4,
    arbitrary: fc.record({
      path: fc.constantFrom(...PATHS),
      op: fc.constant('set' as const),
      value: weird,
    }),
  },
);

function isContainer(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Applies a mutation in place; a set through a non-object replaces it with an object. */
function mutate(record: Record<string, unknown>, { path, ...change }: Mutation): void {
  const parts = path.split('.');
  let parent: Record<string, unknown> = record;
  for (const part of parts.slice(0, -1)) {
    const next = parent[part];
    if (!isContainer(next)) {
      if (change.op === 'delete') return;
      parent[part] = {};
    }
    parent = parent[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  if (change.op === 'delete') {
    delete parent[last];
  } else {
    parent[last] = change.value;
  }
}

/** A realistic record to start from: MediaPackage writes and reads, tampering, other services. */
const baseRecord: fc.Arbitrary<GeneratedRecord> = fc
  .record({
    seed: fc.integer(),
    kind: fc.constantFrom('write', 'write', 'write', 'read', 'tamper', 'other'),
    source: fc.constantFrom(...SOURCES),
    name: fc.constantFrom(
      'UpdateChannel',
      'DeleteChannel',
      'CreateOriginEndpoint',
      'PutChannelPolicy',
      'RotateIngestEndpointCredentials',
      'TagResource',
      'CreateAsset',
    ),
    failed: fc.boolean(),
  })
  .map(({ seed, kind, source, name, failed }) => {
    const rng = createRng(seed);
    const errorCode = failed ? { errorCode: 'AccessDeniedException' } : {};
    switch (kind) {
      case 'write':
        return mediaPackageRecord(rng, { source, eventName: name, ...errorCode });
      case 'read':
        return mediaPackageRecord(rng, { source, eventName: 'ListChannels' });
      case 'tamper': {
        const call = rng.pick(['s3:PutBucketPolicy', 'lambda:UpdateFunctionCode'] as const);
        const record = otherServiceRecord(rng, { call, ...errorCode });
        return {
          ...record,
          requestParameters: {
            ...(record.requestParameters as Record<string, unknown> | null),
            bucketName: OWN.bucketNames?.[0],
            functionName: OWN.functionNames?.[0],
          },
        };
      }
      default:
        return otherServiceRecord(rng, { call: 'medialive:UpdateChannel', ...errorCode });
    }
  });

const mutatedRecord = fc
  .tuple(baseRecord, fc.array(mutation, { maxLength: 6 }))
  .map(([record, mutations]) => {
    const copy = structuredClone(record) as unknown as Record<string, unknown>;
    for (const change of mutations) mutate(copy, change);
    return copy;
  });

/** One element of `Records` as text: usually a record, sometimes broken or not an object. */
const recordText = fc.oneof(
  { weight: 10, arbitrary: mutatedRecord.map((record) => JSON.stringify(record)) },
  {
    weight: 1,
    arbitrary: fc.tuple(mutatedRecord, fc.nat()).map(([record, at]) => {
      const text = JSON.stringify(record);
      const cut = at % text.length;
      return `${text.slice(0, cut)}${text.slice(cut + 1)}`;
    }),
  },
  { weight: 1, arbitrary: weird.map((value) => JSON.stringify(value) ?? 'null') },
);

/** Whole documents: mostly `{"Records":[...]}` with other keys, sometimes anything at all. */
const documentText = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(
        fc.array(recordText, { maxLength: 6 }),
        fc.dictionary(
          keyName.filter((key) => key !== 'Records'),
          fc.jsonValue({ maxDepth: 2 }),
          { maxKeys: 2 },
        ),
      )
      .map(([records, extra]) => {
        const head = JSON.stringify(extra);
        const open = head === '{}' ? '{' : `${head.slice(0, -1)},`;
        return `${open}"Records":[${records.join(',')}]}`;
      }),
  },
  { weight: 1, arbitrary: weird.map((value) => JSON.stringify({ Records: value })) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? '') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

/** The bytes in pieces cut at `cuts`, each arriving on a later turn of the event loop. */
async function* chunked(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const point of [...points, bytes.length]) {
    await new Promise((resolve) => setImmediate(resolve));
    yield bytes.subarray(start, point);
    start = point;
  }
}

/** The SNS message is within the limits SNS enforces and the subscribers rely on. */
function expectDeliverable(message: AlertMessage, eventID: string): void {
  const attributeBytes = Object.entries(message.attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
  expect(Buffer.byteLength(message.message) + attributeBytes).toBeLessThanOrEqual(
    SNS_MESSAGE_MAX_BYTES,
  );
  // SNS: under 100 characters, printable ASCII starting with a letter, digit or punctuation.
  expect(message.subject).toMatch(/^[\x21-\x7e][\x20-\x7e]{0,98}$/);
  const structure = JSON.parse(message.message) as Record<string, unknown>;
  expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
  expect(Object.values(structure).every((value) => typeof value === 'string')).toBe(true);
  expect((JSON.parse(structure.sqs as string) as { eventID: unknown }).eventID).toBe(eventID);
  expect(JSON.parse(structure.https as string)).toMatchObject({ version: '1.0', source: 'custom' });
}

describe('Property: reading, matching and alerting on arbitrary CloudTrail documents', () => {
  it('throws nothing but LogReadError or BadRecordError', async () => {
    const seen = { runs: 0, records: 0, alerts: 0, selfProtection: 0, suppressed: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(
        documentText,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom('strict', 'tolerant', 'prefiltered', 'fast'),
        async (text, gzip, cuts, mode) => {
          // Prepare
          const json = Buffer.from(text);
          const bytes = gzip ? gzipSync(json) : json;
          const reported: unknown[] = [];
          const options: ReadOptions = {
            objectName: `s3://${OBJECT.bucket}/${OBJECT.key}`,
            ...(mode === 'strict' ? {} : { onBadRecord: (bad) => reported.push(bad) }),
            ...(mode === 'prefiltered' ? { prefilter: rawRecordFilter(CUSTOM_RULES) } : {}),
            // The fast path: native search on compact documents, the exact scanner on the rest.
            ...(mode === 'fast'
              ? {
                  prefilter: rawRecordFilter(CUSTOM_RULES),
                  sourcePrefilter: rawRecordFilter(CUSTOM_RULES).bySource,
                }
              : {}),
          };
          let thrown: unknown;
          seen.runs += 1;

          // Act
          try {
            for await (const record of readCloudTrailRecords(chunked(bytes, cuts), options)) {
              seen.records += 1;
              for (const rules of RULE_SETS) {
                const decision = evaluateRecord(record, rules, NOW);
                const match = matchEvent(record, rules, NOW);
                expect(match === undefined).toBe(decision.kind !== 'alert');
                if (decision.kind === 'ignored') continue;
                seen.alerts += decision.kind === 'alert' ? 1 : 0;
                seen.suppressed += decision.kind === 'suppressed' ? 1 : 0;
                seen.selfProtection += decision.match.category === 'self-protection' ? 1 : 0;
                buildAlertMessage(buildAlert(decision.match, OBJECT));
              }
            }
          } catch (error) {
            thrown = error;
          }

          // Assess
          seen.errors += thrown === undefined ? 0 : 1;
          if (thrown !== undefined && !(thrown instanceof LogReadError)) {
            expect(thrown).toBeInstanceOf(BadRecordError);
          }
          expect(reported.every((bad) => bad instanceof BadRecordError)).toBe(true);
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: 50_000 },
    );
    // The generators must reach every outcome, or the property proves little.
    expect(seen.alerts).toBeGreaterThan(seen.runs / 3);
    expect(seen.selfProtection).toBeGreaterThan(0);
    expect(seen.suppressed).toBeGreaterThan(0);
    expect(seen.errors).toBeGreaterThan(0);
    expect(seen.errors).toBeLessThan(seen.runs * 0.6);
  }, 90_000);

  it('keeps the SNS message of any matched record deliverable: under 256 KiB, a valid subject, every protocol', () => {
    let matched = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        mutatedRecord,
        fc.constantFrom(...RULE_SETS),
        // A huge eventName has its own test below; here names stay within FIELD_MAX_CHARS.
        fc.option(fc.string({ maxLength: FIELD_MAX_CHARS }), { nil: undefined }),
        (record, rules, eventName) => {
          // Prepare
          const tooLong =
            typeof record.eventName === 'string' && record.eventName.length > FIELD_MAX_CHARS;
          const input = tooLong ? { ...record, eventName: eventName ?? 'UpdateChannel' } : record;
          runs += 1;

          // Act
          const decision = evaluateRecord(input, rules, NOW);
          if (decision.kind === 'ignored') return;
          matched += 1;
          const alert = buildAlert(decision.match, OBJECT);
          const message = buildAlertMessage(alert);

          // Assess
          expectDeliverable(message, alert.eventID);
        },
      ),
      { numRuns: 400, interruptAfterTimeLimit: 50_000 },
    );
    // Most runs must reach the alert, or the property proves little.
    expect(matched).toBeGreaterThan(runs / 3);
  }, 90_000);
});

describe('The alert on hostile fields', () => {
  it('cuts a huge eventName like any other field, so the SNS message stays under 256 KiB', () => {
    // Prepare
    // Every other text field goes through FIELD_MAX_CHARS; eventName is copied whole into the
    // JSON (three times), the email, the Chatbot keywords and metadata, and an attribute.
    const record = {
      ...mediaPackageRecord(createRng(1), {
        source: 'mediapackage.amazonaws.com',
        eventName: 'UpdateChannel',
      }),
      eventName: `Update${'X'.repeat(60_000)}`,
    };
    const match = matchEvent(record);
    if (match === undefined) throw new Error('the record must match');

    // Act
    const alert = buildAlert(match, OBJECT);
    const message = buildAlertMessage(alert);

    // Assess
    expectDeliverable(message, alert.eventID);
  });

  it.each([
    ['a lone surrogate in awsRegion', { awsRegion: 'us-west-2\ud800' }],
    [
      'an eventID over FIELD_MAX_CHARS whose cut splits a surrogate pair',
      { eventID: `a${'😀'.repeat(600)}` },
    ],
  ])('builds the alert of a record with %s instead of throwing URIError', (_case, overrides) => {
    // Prepare
    // The console links are built with encodeURIComponent, which throws on a lone surrogate;
    // the scan then throws, the whole file fails on every retry and its other alerts are lost.
    const record = {
      ...mediaPackageRecord(createRng(2), {
        source: 'mediapackagev2.amazonaws.com',
        eventName: 'DeleteChannel',
      }),
      ...overrides,
    };
    const match = matchEvent(record);
    if (match === undefined) throw new Error('the record must match');

    // Act
    const alert = buildAlert(match, OBJECT);

    // Assess
    expectDeliverable(buildAlertMessage(alert), alert.eventID);
  });
});
