/**
 * What every benchmark section shares: medians, running a measured process (timed from spawn to
 * exit, optionally confined like a Lambda function) and the cached generated corpus.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CorpusManifest } from './corpus';
import { generateCorpus } from './corpus';
import type { CgroupSandbox, CgroupStats, RunCgroup } from './lambda-like';

export const ROOT = join(__dirname, '..', '..');
export const BENCH_DIR = join(ROOT, '.bench');

export type Log = (line: string) => void;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** How the measured processes run: as they are, in a cgroup, or pinned to one core. */
export type Confinement =
  | { readonly kind: 'none' }
  | { readonly kind: 'cgroup'; readonly sandbox: CgroupSandbox }
  | { readonly kind: 'taskset' };

export interface ProcessOutcome {
  /** Empty when stdout went to /dev/null. */
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From spawn to exit: Node.js start-up included. */
  readonly wallSeconds: number;
  readonly run: RunCgroup | null;
  readonly stats: CgroupStats | null;
}

export interface ProcessSpec {
  /** Default: this Node.js. */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** 'ignore' is `> /dev/null`: the output costs the process what it costs in a shell pipeline. */
  readonly stdout?: 'pipe' | 'ignore';
}

/** The measured process running now, so that Ctrl-C can stop it before removing its cgroup. */
let currentChild: ChildProcess | null = null;

export function runningChild(): ChildProcess | null {
  return currentChild;
}

export function runProcess(
  confinement: Confinement,
  args: readonly string[],
  spec: ProcessSpec = {},
): Promise<ProcessOutcome> {
  const program = spec.command ?? process.execPath;
  let run: RunCgroup | null = null;
  let command: string = program;
  let commandArgs: string[] = [...args];
  if (confinement.kind === 'cgroup') {
    run = confinement.sandbox.create();
    [command, commandArgs] = confinement.sandbox.wrap(run, program, args);
  } else if (confinement.kind === 'taskset') {
    command = 'taskset';
    commandArgs = ['-c', '0', program, ...args];
  }
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      env: spec.env ?? process.env,
      stdio: ['ignore', spec.stdout ?? 'pipe', 'pipe'],
    });
    currentChild = child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const finish = (error: Error | null, code: number | null, signal: NodeJS.Signals | null) => {
      currentChild = null;
      let stats: CgroupStats | null = null;
      if (run !== null && confinement.kind === 'cgroup') {
        try {
          stats = confinement.sandbox.stats(run);
        } finally {
          for (const failure of confinement.sandbox.remove(run))
            console.error(`could not remove cgroup ${failure}`);
        }
      }
      if (error !== null) {
        reject(error);
        return;
      }
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
        run,
        stats,
      });
    };
    child.once('error', (error) => finish(error, null, null));
    child.once('close', (code, signal) => finish(null, code, signal));
  });
}

/** The generated corpus of this size and seed, generated now if it is not cached in .bench/. */
export async function generatedCorpus(
  sizeMB: number,
  seed: number,
  log: Log,
): Promise<CorpusManifest> {
  const out = join(BENCH_DIR, `corpus-${sizeMB}MB-seed${seed}`);
  const manifestPath = join(out, 'expected-alerts.json');
  if (!existsSync(manifestPath)) {
    log(`generating ${sizeMB} MB corpus in ${relative(ROOT, out)} ...`);
    await generateCorpus({ out, sizeBytes: sizeMB * 1e6, seed });
  }
  return JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest;
}
