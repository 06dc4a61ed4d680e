/**
 * A reproducible corpus of realistic CloudTrail log files for the benchmark: a busy account's
 * mix of services with a small share of MediaPackage calls (reads, writes, failed attempts, all
 * three event sources, a few repeated deliveries of the same event), streamed to gzip so any
 * size fits in constant memory. Beside the files it writes `expected-alerts.json`: the
 * eventIDs that must alert, worked out from what was generated, not by the product's matcher.
 *
 *   npm run corpus -- --size 200MB --out corpus/ [--seed 7] [--files 1] [--mediapackage-share 0.005]
 *   npm run corpus -- --help
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import type {
  GeneratedRecord,
  MediaPackageSource,
  OtherServiceCall,
  Rng,
} from '../cloudtrail-factory';
import type { ParsedArgs, ScriptCommandLine } from './options';
import { fraction, parseCommandLine, parseSize, settleCommandLine, wholeNumber } from './options';
import {
  createRng,
  logObjectKey,
  MEDIAPACKAGE_WRITE_CALLS,
  mediaPackageRecord,
  otherServiceRecord,
} from '../cloudtrail-factory';

const READS: Record<MediaPackageSource, readonly string[]> = {
  'mediapackage.amazonaws.com': [
    'DescribeChannel',
    'ListChannels',
    'DescribeOriginEndpoint',
    'ListOriginEndpoints',
    'ListHarvestJobs',
  ],
  'mediapackagev2.amazonaws.com': [
    'GetChannel',
    'ListChannels',
    'GetOriginEndpoint',
    'ListOriginEndpoints',
    'GetChannelPolicy',
    'ListChannelGroups',
  ],
  'mediapackage-vod.amazonaws.com': [
    'DescribeAsset',
    'ListAssets',
    'DescribePackagingGroup',
    'ListPackagingConfigurations',
  ],
};

const SOURCES = Object.keys(MEDIAPACKAGE_WRITE_CALLS) as MediaPackageSource[];

/** Reads and service calls dominate a real trail; a few writes, and MediaLive's same-named calls. */
const NOISE: readonly [OtherServiceCall, number][] = [
  ['kms:Decrypt', 22],
  ['kms:GenerateDataKey', 10],
  ['sts:AssumeRole', 18],
  ['ec2:DescribeInstances', 16],
  ['logs:CreateLogStream', 12],
  ['s3:CreateBucket', 2],
  ['s3:PutBucketPolicy', 2],
  ['iam:CreateRole', 1],
  ['iam:AttachRolePolicy', 1],
  ['ec2:RunInstances', 3],
  ['lambda:UpdateFunctionCode', 2],
  ['medialive:UpdateChannel', 2],
  ['secretsmanager:GetSecretValue', 9],
];
const NOISE_TOTAL = NOISE.reduce((sum, [, weight]) => sum + weight, 0);

function pickNoise(rng: Rng): OtherServiceCall {
  let ticket = rng.next() * NOISE_TOTAL;
  for (const [call, weight] of NOISE) {
    ticket -= weight;
    if (ticket < 0) return call;
  }
  return 'kms:Decrypt';
}

export interface CorpusOptions {
  readonly out: string;
  /** Uncompressed JSON bytes in all. */
  readonly sizeBytes: number;
  readonly files?: number;
  readonly seed?: number;
  /** Share of records that are MediaPackage calls (reads and writes). @default 0.005 */
  readonly mediaPackageShare?: number;
  /** Share of those MediaPackage calls that are writes (the rest are reads). @default 0.4 */
  readonly writeShare?: number;
}

export interface CorpusFile {
  readonly key: string;
  readonly path: string;
  readonly records: number;
  readonly uncompressedBytes: number;
  readonly alertEventIds: string[];
}

export interface CorpusManifest {
  readonly seed: number;
  readonly files: CorpusFile[];
  readonly totalAlerts: number;
}

/** Generates one MediaPackage record and says whether it must alert. */
function mediaPackageCall(
  rng: Rng,
  at: Date,
  region: string,
  writeShare: number,
): { record: GeneratedRecord; alerts: boolean } {
  const source = rng.pick(SOURCES);
  const write = rng.chance(writeShare);
  const eventName = rng.pick(write ? MEDIAPACKAGE_WRITE_CALLS[source] : READS[source]);
  const failed = rng.chance(0.08);
  const omitReadOnly = rng.chance(0.05);
  const record = mediaPackageRecord(rng, {
    source,
    eventName,
    region,
    eventTime: new Date(at.getTime() - rng.int(0, 300_000)),
    ...(failed
      ? {
          errorCode: rng.pick([
            'AccessDenied',
            'UnprocessableEntityException',
            'NotFoundException',
          ]),
        }
      : {}),
    ...(omitReadOnly ? { readOnly: 'omit' as const } : {}),
  });
  return { record, alerts: write };
}

/** Writes the corpus and its manifest; memory stays flat whatever the size. */
export async function generateCorpus(options: CorpusOptions): Promise<CorpusManifest> {
  const seed = options.seed ?? 1;
  const rng = createRng(seed);
  const fileCount = options.files ?? 1;
  const share = options.mediaPackageShare ?? 0.005;
  const writeShare = options.writeShare ?? 0.4;
  const perFile = Math.ceil(options.sizeBytes / fileCount);
  const files: CorpusFile[] = [];
  const regions = ['us-west-2', 'eu-west-1', 'us-east-1', 'ap-southeast-2'];
  for (let index = 0; index < fileCount; index += 1) {
    const region = regions[index % regions.length] ?? 'us-west-2';
    const delivery = new Date(Date.UTC(2025, 2, 14, 9, 5 * index, 0));
    const key = logObjectKey({ accountId: '111122223333', region, date: delivery, rng });
    const path = join(options.out, key);
    mkdirSync(dirname(path), { recursive: true });
    const gzip = createGzip();
    const sink = createWriteStream(path);
    gzip.pipe(sink);
    const write = async (text: string): Promise<void> => {
      if (!gzip.write(text)) await once(gzip, 'drain');
    };
    const alertEventIds: string[] = [];
    const recent: GeneratedRecord[] = [];
    let bytes = 0;
    let records = 0;
    await write('{"Records":[');
    bytes += 12;
    while (bytes < perFile) {
      let record: GeneratedRecord;
      if (rng.chance(share)) {
        // CloudTrail can deliver the same event twice: now and then repeat a recent one.
        const repeat = recent.length > 0 && rng.chance(0.03);
        if (repeat) {
          record = rng.pick(recent);
        } else {
          const made = mediaPackageCall(rng, delivery, region, writeShare);
          record = made.record;
          if (made.alerts) alertEventIds.push(record.eventID);
          recent.push(record);
        }
      } else {
        record = otherServiceRecord(rng, {
          call: pickNoise(rng),
          region,
          eventTime: new Date(delivery.getTime() - rng.int(0, 300_000)),
        });
      }
      const text = `${records === 0 ? '' : ','}${JSON.stringify(record)}`;
      await write(text);
      bytes += Buffer.byteLength(text);
      records += 1;
    }
    await write(']}');
    bytes += 2;
    gzip.end();
    await once(sink, 'finish');
    files.push({ key, path, records, uncompressedBytes: bytes, alertEventIds });
  }
  const manifest: CorpusManifest = {
    seed,
    files,
    totalAlerts: files.reduce((sum, file) => sum + file.alertEventIds.length, 0),
  };
  writeFileSync(
    join(options.out, 'expected-alerts.json'),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  return manifest;
}

export const CORPUS_USAGE = `usage: npm run corpus -- --out DIR [options]

Writes gzipped CloudTrail log files of --size uncompressed JSON in all, split into --files
files, under DIR in CloudTrail's key layout, and DIR/expected-alerts.json with the eventIDs
that must alert. Seeded: the same options give the same files.

options:
  --out DIR                   where to write (required)
  --size SIZE                 uncompressed JSON in all: 200MB, 1.5GB, 512KB or bytes (default 20MB)
  --seed N                    generator seed (default 1)
  --files N                   number of log files (default 1)
  --mediapackage-share X      share of records that are MediaPackage calls, 0 to 1 (default 0.005)
  --write-share X             share of those calls that are writes, 0 to 1 (default 0.4; 0 gives
                              a file whose MediaPackage calls are all reads)
  -h, --help                  print this and exit

example:
  npm run corpus -- --out corpus/ --size 200MB --seed 7
`;

export const CORPUS_COMMAND_LINE: ScriptCommandLine = { name: 'corpus', usage: CORPUS_USAGE };

/** The command line of `npm run corpus`, parsed without side effects. */
export function parseCorpusArgs(argv: readonly string[]): ParsedArgs<CorpusOptions> {
  return parseCommandLine(argv, (args) => {
    const { values } = parseArgs({
      args,
      options: {
        size: { type: 'string', default: '20MB' },
        out: { type: 'string' },
        seed: { type: 'string', default: '1' },
        files: { type: 'string', default: '1' },
        'mediapackage-share': { type: 'string', default: '0.005' },
        'write-share': { type: 'string', default: '0.4' },
      },
    });
    if (values.out === undefined) throw new Error('--out DIR is required');
    return {
      out: values.out,
      sizeBytes: parseSize('size', values.size),
      seed: wholeNumber('seed', values.seed, 0),
      files: wholeNumber('files', values.files, 1),
      mediaPackageShare: fraction('mediapackage-share', values['mediapackage-share']),
      writeShare: fraction('write-share', values['write-share']),
    };
  });
}

if (require.main === module) {
  const settled = settleCommandLine(parseCorpusArgs(process.argv.slice(2)), CORPUS_COMMAND_LINE);
  if ('exitCode' in settled) process.exit(settled.exitCode);
  const options = settled.options;
  const started = Date.now();
  generateCorpus(options).then(
    (manifest) => {
      for (const file of manifest.files) {
        console.log(
          `${file.path}: ${file.records} records, ${(file.uncompressedBytes / 1e6).toFixed(1)} MB, ${file.alertEventIds.length} alerts`,
        );
      }
      console.log(
        `${manifest.totalAlerts} alerts expected; list in ${join(options.out, 'expected-alerts.json')} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    },
    (error: unknown) => {
      console.error(error instanceof Error ? `corpus: ${error.message}` : error);
      process.exit(1);
    },
  );
}
