/**
 * Writes `samples/`: CloudTrail log files laid out as a trail writes them, one digest file, and
 * `expected-alerts.json` (the MediaPackage write calls they hold). Deterministic: the same seed
 * gives the same bytes, so the output is committed and reviewed like code.
 *
 *   npx tsx scripts/make-samples.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type GeneratedRecord,
  type IdentitySpec,
  type MediaPackageRecordOptions,
  type OtherServiceCall,
  type Rng,
  ACCOUNT_ID,
  IDENTITY_PRESETS,
  createRng,
  digestFileBody,
  digestObjectKey,
  logFileBody,
  logFileJson,
  logObjectKey,
  mediaPackageRecord,
  otherServiceRecord,
} from './cloudtrail-factory';

const SEED = 20250314;
const ORG_ID = 'o-a1b2c3d4e5';
const BUCKET = 'amzn-s3-demo-bucket';
const SAMPLES_DIR = join(__dirname, '..', 'samples');
/** Kept out of samples/ so that `mp-audit scan samples` reads only log files. */
export const EXPECTED_ALERTS_FILE = join(__dirname, '..', 'test', 'fixtures', 'sample-alerts.json');

const V1 = 'mediapackage.amazonaws.com';
const V2 = 'mediapackagev2.amazonaws.com';
const VOD = 'mediapackage-vod.amazonaws.com';

type MediaPackageCall = Omit<MediaPackageRecordOptions, 'region' | 'accountId' | 'eventTime'>;

interface PlannedFile {
  /** What the file is for, written to samples/README.md. */
  readonly note: string;
  readonly region: string;
  /** Delivery time, in the key. */
  readonly delivery: string;
  readonly orgId?: string;
  readonly compressed?: boolean;
  readonly mediaPackage: readonly MediaPackageCall[];
  /** Other-service calls that must be present (besides the random mix). */
  readonly required: readonly OtherServiceCall[];
  /** How many random other-service calls to add. */
  readonly noise: number;
}

/** Reads and service calls dominate a real trail; writes such as RunInstances are rare. */
const REGIONAL_NOISE: readonly OtherServiceCall[] = [
  ...Array<OtherServiceCall>(5).fill('kms:Decrypt'),
  ...Array<OtherServiceCall>(4).fill('ec2:DescribeInstances'),
  ...Array<OtherServiceCall>(4).fill('logs:CreateLogStream'),
  ...Array<OtherServiceCall>(3).fill('kms:GenerateDataKey'),
  ...Array<OtherServiceCall>(3).fill('sts:AssumeRole'),
  'ec2:RunInstances',
  's3:PutBucketPolicy',
  'lambda:UpdateFunctionCode',
];

const GLOBAL_NOISE: readonly OtherServiceCall[] = [
  'iam:CreateRole',
  'iam:AttachRolePolicy',
  'sts:AssumeRole',
  'kms:Decrypt',
  'kms:GenerateDataKey',
];

const ROOT: IdentitySpec = IDENTITY_PRESETS.root;

const FILES: readonly PlannedFile[] = [
  {
    note: "Live v1 (mediapackage): create, update (shape of the documented UpdateChannel example), ingest credential rotation, origin endpoints, tagging, reads; MediaLive `UpdateChannel` and MediaPackage's own Secrets Manager call as look-alikes.",
    region: 'us-west-2',
    delivery: '2025-03-14T09:05:00Z',
    mediaPackage: [
      { source: V1, eventName: 'CreateChannel', names: { channel: 'concert-live' } },
      {
        source: V1,
        eventName: 'UpdateChannel',
        names: { channel: 'sports-main' },
        requestParameters: { description: 'updated sports channel description' },
      },
      {
        source: V1,
        eventName: 'RotateIngestEndpointCredentials',
        names: { channel: 'sports-main' },
        identity: IDENTITY_PRESETS.mediaOperator,
        client: 'cli',
      },
      {
        source: V1,
        eventName: 'CreateOriginEndpoint',
        names: { channel: 'concert-live', originEndpoint: 'concert-hls' },
      },
      { source: V1, eventName: 'DeleteOriginEndpoint', names: { originEndpoint: 'hls-ts-backup' } },
      { source: V1, eventName: 'TagResource', names: { channel: 'concert-live' } },
      { source: V1, eventName: 'DescribeChannel' },
      { source: V1, eventName: 'DescribeChannel' },
      { source: V1, eventName: 'ListChannels' },
      { source: V1, eventName: 'ListOriginEndpoints' },
      { source: V1, eventName: 'DescribeOriginEndpoint' },
    ],
    required: ['medialive:UpdateChannel', 'secretsmanager:GetSecretValue', 's3:CreateBucket'],
    noise: 78,
  },
  {
    note: 'v2 (mediapackagev2): channel group, channel and endpoint creation, channel and endpoint policies, untagging, reads; one write (`UpdateChannel`) and one read (`GetOriginEndpoint`) without `readOnly`.',
    region: 'us-west-2',
    delivery: '2025-03-14T09:10:00Z',
    mediaPackage: [
      { source: V2, eventName: 'CreateChannelGroup', names: { channelGroup: 'live-events' } },
      {
        source: V2,
        eventName: 'CreateChannel',
        names: { channelGroup: 'live-events', channel: 'final-match' },
      },
      {
        source: V2,
        eventName: 'PutChannelPolicy',
        names: { channelGroup: 'live-events', channel: 'final-match' },
      },
      {
        source: V2,
        eventName: 'CreateOriginEndpoint',
        names: { channelGroup: 'live-events', channel: 'final-match', originEndpoint: 'hls-ts' },
      },
      {
        source: V2,
        eventName: 'PutOriginEndpointPolicy',
        names: { channelGroup: 'live-events', channel: 'final-match', originEndpoint: 'hls-ts' },
      },
      { source: V2, eventName: 'UpdateChannel', readOnly: 'omit' },
      { source: V2, eventName: 'GetOriginEndpoint', readOnly: 'omit' },
      { source: V2, eventName: 'UntagResource' },
      { source: V2, eventName: 'GetChannel' },
      { source: V2, eventName: 'ListChannels' },
      { source: V2, eventName: 'ListChannelGroups' },
    ],
    required: ['medialive:UpdateChannel'],
    noise: 60,
  },
  {
    note: 'VOD (mediapackage-vod) in Europe: packaging group and configuration, `CreateAsset` with source and role ARNs, tagging, `DeleteAsset`, reads.',
    region: 'eu-west-1',
    delivery: '2025-03-14T09:05:00Z',
    mediaPackage: [
      { source: VOD, eventName: 'CreatePackagingGroup', names: { packagingGroup: 'vod-eu' } },
      {
        source: VOD,
        eventName: 'CreatePackagingConfiguration',
        names: { packagingGroup: 'vod-eu', packagingConfiguration: 'hls-6s' },
      },
      {
        source: VOD,
        eventName: 'CreateAsset',
        names: { packagingGroup: 'vod-eu', asset: 'feature-film-0142' },
      },
      { source: VOD, eventName: 'TagResource', names: { packagingGroup: 'vod-eu' } },
      { source: VOD, eventName: 'DeleteAsset', names: { asset: 'trailer-2024-12' } },
      { source: VOD, eventName: 'DescribeAsset' },
      { source: VOD, eventName: 'ListAssets' },
      { source: VOD, eventName: 'ListPackagingConfigurations' },
      { source: VOD, eventName: 'DescribePackagingGroup' },
    ],
    required: ['secretsmanager:GetSecretValue'],
    noise: 45,
  },
  {
    note: 'us-east-1, where global IAM calls land: an `AccessDenied` `DeleteChannel` (alerts, high) and an `AccessDenied` `DescribeChannel` (a read: no alert); a `CreateHarvestJob` by the root user from the console.',
    region: 'us-east-1',
    delivery: '2025-03-14T09:10:00Z',
    mediaPackage: [
      {
        source: V1,
        eventName: 'DeleteChannel',
        names: { channel: 'news-24x7' },
        identity: IDENTITY_PRESETS.legacyUser,
        client: 'cli',
        errorCode: 'AccessDenied',
      },
      {
        source: V1,
        eventName: 'DescribeChannel',
        names: { channel: 'news-24x7' },
        identity: IDENTITY_PRESETS.legacyUser,
        client: 'cli',
        errorCode: 'AccessDenied',
      },
      {
        source: V1,
        eventName: 'CreateHarvestJob',
        names: { channel: 'news-24x7', originEndpoint: 'hls-ts', harvestJob: 'news-morning' },
        identity: ROOT,
        client: 'console',
      },
      { source: V1, eventName: 'ListChannels' },
    ],
    required: ['iam:CreateRole', 'iam:AttachRolePolicy'],
    noise: 44,
  },
  {
    note: 'Organization trail layout (`AWSLogs/o-.../`): the v2 teardown of a channel group (policy and endpoint deletions, reset, harvest cancel).',
    region: 'eu-west-1',
    delivery: '2025-03-14T09:20:00Z',
    orgId: ORG_ID,
    mediaPackage: [
      {
        source: V2,
        eventName: 'ResetChannelState',
        names: { channelGroup: 'fast-channels', channel: 'retro-tv' },
      },
      {
        source: V2,
        eventName: 'CancelHarvestJob',
        names: { channelGroup: 'fast-channels', channel: 'retro-tv', originEndpoint: 'cmaf-hls' },
      },
      {
        source: V2,
        eventName: 'DeleteOriginEndpointPolicy',
        names: { channelGroup: 'fast-channels', channel: 'retro-tv', originEndpoint: 'cmaf-hls' },
      },
      {
        source: V2,
        eventName: 'DeleteOriginEndpoint',
        names: { channelGroup: 'fast-channels', channel: 'retro-tv', originEndpoint: 'cmaf-hls' },
      },
      {
        source: V2,
        eventName: 'DeleteChannelPolicy',
        names: { channelGroup: 'fast-channels', channel: 'retro-tv' },
      },
      {
        source: V2,
        eventName: 'DeleteChannel',
        names: { channelGroup: 'fast-channels', channel: 'retro-tv' },
      },
      { source: V2, eventName: 'UpdateChannelGroup', names: { channelGroup: 'fast-channels' } },
      { source: V2, eventName: 'GetChannelGroup', names: { channelGroup: 'fast-channels' } },
    ],
    required: [],
    noise: 24,
  },
  {
    note: 'Plain `.json` (not gzipped), as when someone copies a decompressed log file into the bucket: `ConfigureLogs`, `RotateChannelCredentials`, a v1 write and read without `readOnly`, a VOD update.',
    region: 'us-west-2',
    delivery: '2025-03-14T09:15:00Z',
    compressed: false,
    mediaPackage: [
      { source: V1, eventName: 'ConfigureLogs', names: { channel: 'sports-main' } },
      { source: V1, eventName: 'RotateChannelCredentials', names: { channel: 'sports-backup' } },
      { source: V1, eventName: 'UpdateOriginEndpoint', readOnly: 'omit' },
      { source: V1, eventName: 'DescribeOriginEndpoint', readOnly: 'omit' },
      { source: V1, eventName: 'ListHarvestJobs' },
      { source: VOD, eventName: 'UpdatePackagingGroup', names: { packagingGroup: 'vod-prod' } },
    ],
    required: [],
    noise: 14,
  },
];

/** Which records must alert, and how: the contract the Lambda's matcher is tested against. */
export interface ExpectedAlert {
  readonly eventID: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly severity: 'high' | 'medium' | 'low';
  readonly outcome: 'success' | 'failed';
  /** Path relative to `samples/`, which is also the S3 key. */
  readonly file: string;
}

const MEDIAPACKAGE_SOURCES: ReadonlySet<string> = new Set([V1, V2, VOD]);

function expectedAlert(record: GeneratedRecord, file: string): ExpectedAlert | undefined {
  if (!MEDIAPACKAGE_SOURCES.has(record.eventSource)) return undefined;
  const readOnly = record.readOnly ?? /^(Describe|List|Get|Head)/.test(record.eventName);
  if (readOnly) return undefined;
  const failed = record.errorCode !== undefined;
  // A change made as root is high whatever else the default rules say.
  const asRoot = record.userIdentity.type === 'Root';
  const severity =
    failed || asRoot
      ? 'high'
      : /^(Rotate|Delete)|Policy$/.test(record.eventName)
        ? 'high'
        : /^(Tag|Untag)Resource$/.test(record.eventName)
          ? 'low'
          : 'medium';
  return {
    eventID: record.eventID,
    eventSource: record.eventSource,
    eventName: record.eventName,
    severity,
    outcome: failed ? 'failed' : 'success',
    file,
  };
}

/** Event times fall in the five minutes before delivery, as CloudTrail batches them. */
function eventTimeIn(rng: Rng, delivery: Date): Date {
  return new Date(delivery.getTime() - rng.int(60, 6 * 60) * 1000);
}

function buildRecords(rng: Rng, plan: PlannedFile): GeneratedRecord[] {
  const delivery = new Date(plan.delivery);
  const common = { region: plan.region, accountId: ACCOUNT_ID };
  const pool = plan.region === 'us-east-1' ? GLOBAL_NOISE : REGIONAL_NOISE;
  const otherCalls = [
    ...plan.required,
    ...Array.from({ length: plan.noise }, () => rng.pick(pool)),
  ];
  const records = [
    ...plan.mediaPackage.map((spec) =>
      mediaPackageRecord(rng, { ...spec, ...common, eventTime: eventTimeIn(rng, delivery) }),
    ),
    ...otherCalls.map((callName) =>
      otherServiceRecord(rng, { call: callName, ...common, eventTime: eventTimeIn(rng, delivery) }),
    ),
  ];
  // IAM records are global: they only belong in the us-east-1 file.
  return rng.shuffle(records.filter((r) => r.awsRegion === plan.region));
}

interface WrittenFile {
  readonly key: string;
  readonly note: string;
  readonly records: number;
  readonly alerts: number;
  readonly bytes: number;
}

function write(key: string, content: Buffer | string): number {
  const path = join(SAMPLES_DIR, key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return Buffer.byteLength(content);
}

function readme(files: readonly WrittenFile[], alertCount: number): string {
  const rows = files.map((f) => `| \`${f.key}\` | ${f.records} | ${f.alerts} | ${f.note} |`);
  const records = files.reduce((sum, f) => sum + f.records, 0);
  return [
    '# Sample CloudTrail log files',
    '',
    'Generated by `npx tsx scripts/make-samples.ts` (seeded: the same bytes every run); do not',
    'edit by hand. Account 111122223333, bucket keys exactly as a trail writes them (the path',
    'under `samples/` is the S3 key). Records are synthetic but shaped like real CloudTrail',
    'records; addresses and accounts are documentation examples.',
    '',
    '`test/fixtures/sample-alerts.json` lists the MediaPackage write calls (`readOnly` false, or absent and',
    'the name not Describe*/List*/Get*) with `severity` (high: failed attempts, calls made as root,',
    'Rotate*, Delete*, *Policy; low: TagResource/UntagResource; medium: the rest) and `outcome`.',
    '',
    '| File | Records | Alerts | What it holds |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `${records} records, ${alertCount} expected alerts in all.`,
    '',
  ].join('\n');
}

function main(): void {
  rmSync(SAMPLES_DIR, { recursive: true, force: true });
  const rng = createRng(SEED);
  const alerts: ExpectedAlert[] = [];
  const written: WrittenFile[] = [];
  const digestInputs: { key: string; body: string }[] = [];

  for (const plan of FILES) {
    const records = buildRecords(rng, plan);
    const key = logObjectKey({
      accountId: ACCOUNT_ID,
      region: plan.region,
      date: new Date(plan.delivery),
      rng,
      ...(plan.orgId ? { orgId: plan.orgId } : {}),
      compressed: plan.compressed !== false,
    });
    const fileAlerts = records
      .map((record) => expectedAlert(record, key))
      .filter((alert): alert is ExpectedAlert => alert !== undefined);
    alerts.push(...fileAlerts);
    const bytes = write(key, logFileBody(records, plan.compressed !== false));
    written.push({
      key,
      note: plan.note,
      records: records.length,
      alerts: fileAlerts.length,
      bytes,
    });
    if (plan.region === 'us-west-2' && !plan.orgId && plan.compressed !== false) {
      digestInputs.push({ key, body: logFileJson(records) });
    }
  }

  const digestEnd = new Date('2025-03-14T10:00:31Z');
  const digestKey = digestObjectKey({
    accountId: ACCOUNT_ID,
    region: 'us-west-2',
    date: digestEnd,
    trailName: 'management-trail',
    trailRegion: 'us-east-1',
  });
  const digest = digestFileBody(rng, {
    accountId: ACCOUNT_ID,
    bucket: BUCKET,
    digestKey,
    start: new Date('2025-03-14T09:00:31Z'),
    end: digestEnd,
    logFiles: digestInputs,
    previousDigestKey: digestObjectKey({
      accountId: ACCOUNT_ID,
      region: 'us-west-2',
      date: new Date('2025-03-14T09:00:31Z'),
      trailName: 'management-trail',
      trailRegion: 'us-east-1',
    }),
  });
  const digestBytes = write(digestKey, gzipSync(Buffer.from(digest, 'utf8')));
  written.push({
    key: digestKey,
    note: 'Digest file (no `Records`): must be skipped.',
    records: 0,
    alerts: 0,
    bytes: digestBytes,
  });

  mkdirSync(dirname(EXPECTED_ALERTS_FILE), { recursive: true });
  writeFileSync(EXPECTED_ALERTS_FILE, `${JSON.stringify(alerts, null, 2)}\n`);
  write('README.md', readme(written, alerts.length));

  for (const file of written) {
    console.log(`${file.key}  ${file.records} records, ${file.alerts} alerts, ${file.bytes} bytes`);
  }
  console.log(`test/fixtures/sample-alerts.json  ${alerts.length} alerts`);
}

main();
