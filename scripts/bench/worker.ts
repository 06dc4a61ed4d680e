/**
 * One benchmark measurement in a fresh process, so that peak RSS belongs to that mode alone.
 *   node .bench/worker.js <gunzip|naive|pipeline> <file.json.gz>
 * Prints one JSON line: uncompressed bytes, seconds, alerts, the OS's peak RSS, the CPU time
 * used and the cgroups the process ran in.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { CloudTrailRecord } from '../../lambda/read/cloudtrail-record';
import { matchEvent } from '../../lambda/match/matcher';
import { GUNZIP_OPTIONS } from '../../lambda/read/log-reader';
import { scanLogObject } from '../../lambda/pipeline/scan-log-object';

export interface WorkerResult {
  readonly mode: string;
  readonly file: string;
  readonly uncompressedBytes: number;
  readonly seconds: number;
  readonly alertEventIds: string[];
  readonly maxRssBytes: number;
  /** User plus system CPU time of the whole process, start-up included (all threads). */
  readonly cpuSeconds: number;
  /** Of the measured part alone: CPU time over wall time (0.29 means 29% of one core). */
  readonly cpuShare: number;
  /** /proc/self/cgroup, so the runner can check the process ran where it meant it to. */
  readonly procCgroup: string;
}

function cpuSecondsNow(): number {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6;
}

function procCgroup(): string {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return '';
  }
}

async function gunzipOnly(file: string): Promise<{ bytes: number; ids: string[] }> {
  let bytes = 0;
  // The floor at its best: the same zlib settings as the reader (faster than the defaults).
  for await (const chunk of createReadStream(file).pipe(createGunzip(GUNZIP_OPTIONS))) {
    bytes += (chunk as Buffer).length;
  }
  return { bytes, ids: [] };
}

/** What a first handler usually does: read it all, gunzip it all, JSON.parse it all. */
async function naive(file: string): Promise<{ bytes: number; ids: string[] }> {
  const json = gunzipSync(await readFile(file));
  const document = JSON.parse(json.toString('utf8')) as { Records: CloudTrailRecord[] };
  const ids = new Set<string>();
  for (const record of document.Records) {
    if (matchEvent(record) !== undefined && typeof record.eventID === 'string')
      ids.add(record.eventID);
  }
  return { bytes: json.length, ids: [...ids] };
}

async function pipeline(file: string): Promise<{ bytes: number; ids: string[] }> {
  const scan = await scanLogObject(
    createReadStream(file),
    { bucket: '', key: file },
    { objectName: file },
  );
  if (scan.readError !== null) throw scan.readError;
  return { bytes: scan.stats.bytesRead, ids: scan.alerts.map((alert) => alert.eventID) };
}

const MODES = { gunzip: gunzipOnly, naive, pipeline } as const;

async function main(): Promise<void> {
  const [mode = '', file] = process.argv.slice(2);
  const run = MODES[mode as keyof typeof MODES];
  if (run === undefined || file === undefined) {
    console.error('usage: worker <gunzip|naive|pipeline> <file>');
    process.exit(2);
  }
  const cgroup = procCgroup();
  const cpuBefore = cpuSecondsNow();
  const started = process.hrtime.bigint();
  const { bytes, ids } = await run(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSecondsNow();
  const result: WorkerResult = {
    mode,
    file,
    uncompressedBytes: bytes,
    seconds,
    alertEventIds: ids.sort(),
    // getrusage's ru_maxrss, in KiB on Linux: the peak resident set the kernel saw.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds,
    cpuShare: (cpuSeconds - cpuBefore) / seconds,
    procCgroup: cgroup,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
