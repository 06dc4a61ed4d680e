/**
 * `npm run bench -- --lambda-like`: runs each measured process under a CPU quota and a memory
 * limit like a Lambda function's, with Linux cgroups.
 *
 * Lambda gives CPU in proportion to memory, one vCPU at 1,769 MB, so a 512 MB function gets
 * about 0.289 vCPU. Here that share becomes a CFS bandwidth quota (cgroup v2 `cpu.max`, v1
 * `cpu.cfs_quota_us`/`cpu.cfs_period_us`): the process may use 28.9 ms of CPU per 100 ms period,
 * on any core, then waits for the next period. The memory limit is `memory.max` (v1
 * `memory.limit_in_bytes`), with swap forbidden where the kernel accounts it.
 *
 * Each measured process gets a fresh cgroup (`mp-bench-<our pid>-<n>`), so its peak memory and
 * OOM kills are its own; the cgroup is removed when the process has exited, and on Ctrl-C or
 * error. The process is put in the cgroup before it starts: a shell writes its own pid to
 * `cgroup.procs`, then execs node.
 *
 * Everything that touches the file system goes through {@link CgroupFs}, so the tests can drive
 * this module with a fake cgroup tree.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';

/** Lambda: a full vCPU at 1,769 MB, and CPU in proportion to memory. */
export const LAMBDA_MB_PER_VCPU = 1769;
export const LAMBDA_MIN_MEMORY_MB = 128;
export const LAMBDA_MAX_MEMORY_MB = 10240;
/** The CFS period, as the kernel's default: the quota is spent per 100 ms. */
export const CFS_PERIOD_US = 100_000;
/**
 * Scheduler weight of the run cgroups, ten times the default (v2 cpu.weight 100, v1 cpu.shares
 * 1024): on a busy machine the quota, not the other work, should be the limit, as Lambda
 * reserves a function's share. The quota still caps it.
 */
const CGROUP2_WEIGHT = 1000;
const CGROUP1_SHARES = 10240;
/** The kernel refuses a quota under 1 ms. */
const CFS_MIN_QUOTA_US = 1000;

export interface Quota {
  readonly memoryMb: number;
  /** memoryMb / 1769, what Lambda would give. */
  readonly lambdaVcpu: number;
  /** What the quota allows here: lambdaVcpu, capped at this machine's cores. */
  readonly vcpu: number;
  readonly capped: boolean;
  readonly quotaUs: number;
  readonly periodUs: number;
  /** Lambda's "MB" are MiB. */
  readonly memoryBytes: number;
}

/** The CPU quota and memory limit of a Lambda function of `memoryMb`, on a machine of `cores`. */
export function quotaFor(memoryMb: number, cores: number): Quota {
  if (!Number.isFinite(memoryMb) || memoryMb <= 0) throw new Error(`bad memory size ${memoryMb}`);
  if (!Number.isFinite(cores) || cores < 1) throw new Error(`bad core count ${cores}`);
  const lambdaVcpu = memoryMb / LAMBDA_MB_PER_VCPU;
  const vcpu = Math.min(lambdaVcpu, cores);
  return {
    memoryMb,
    lambdaVcpu,
    vcpu,
    capped: lambdaVcpu > cores,
    quotaUs: Math.max(CFS_MIN_QUOTA_US, Math.round(vcpu * CFS_PERIOD_US)),
    periodUs: CFS_PERIOD_US,
    memoryBytes: memoryMb * 2 ** 20,
  };
}

/** cgroup v2 `cpu.max`: "<quota> <period>". */
export function cpuMaxLine(quota: Quota): string {
  return `${quota.quotaUs} ${quota.periodUs}`;
}

export interface CgroupMount {
  readonly version: 1 | 2;
  readonly mountPoint: string;
  /** The part of the hierarchy mounted there ("/" unless a container bind-mounts a subtree). */
  readonly root: string;
  /** v1: the controllers of that hierarchy (from the super options). v2: empty (see cgroup.controllers). */
  readonly controllers: readonly string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** The cgroup mounts in /proc/self/mountinfo. */
export function parseMountinfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const left = line.slice(0, separator).split(' ');
    const [fstype, , superOptions = ''] = line.slice(separator + 3).split(' ');
    const root = left[3];
    const mountPoint = left[4];
    if (root === undefined || mountPoint === undefined) continue;
    if (fstype === 'cgroup2') {
      mounts.push({
        version: 2,
        mountPoint: unescapeMountField(mountPoint),
        root: unescapeMountField(root),
        controllers: [],
      });
    } else if (fstype === 'cgroup') {
      const ignored = new Set(['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec']);
      mounts.push({
        version: 1,
        mountPoint: unescapeMountField(mountPoint),
        root: unescapeMountField(root),
        controllers: superOptions
          .split(',')
          .filter((option) => option !== '' && !ignored.has(option) && !option.includes('=')),
      });
    }
  }
  return mounts;
}

export interface CgroupMembership {
  readonly hierarchyId: number;
  /** v1: the hierarchy's controllers; v2 ("0::"): empty. */
  readonly controllers: readonly string[];
  readonly path: string;
}

/** /proc/<pid>/cgroup: "hierarchy-ID:controller-list:path" per line. */
export function parseProcCgroup(text: string): CgroupMembership[] {
  const memberships: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (match === null) continue;
    memberships.push({
      hierarchyId: Number(match[1]),
      controllers: (match[2] ?? '').split(',').filter((name) => name !== ''),
      path: match[3] ?? '/',
    });
  }
  return memberships;
}

/** Where a cgroup path (as /proc/self/cgroup shows it) lives under a mount. */
export function cgroupDir(mount: CgroupMount, path: string): string {
  let relative = path;
  if (mount.root !== '/' && (path === mount.root || path.startsWith(`${mount.root}/`))) {
    relative = path.slice(mount.root.length);
  }
  const dir = join(mount.mountPoint, relative);
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** What this module needs of the file system; the tests pass a fake cgroup tree. */
export interface CgroupFs {
  exists(path: string): boolean;
  readFile(path: string): string;
  /** Writes to an existing file (cgroup interface files are never created). */
  writeFile(path: string, text: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  readdir(path: string): string[];
}

export const realCgroupFs: CgroupFs = {
  exists: (path) => nodeFs.existsSync(path),
  readFile: (path) => nodeFs.readFileSync(path, 'utf8'),
  writeFile: (path, text) => {
    // 'r+': a missing interface file is an error, not a new regular file.
    const fd = nodeFs.openSync(path, 'r+');
    try {
      nodeFs.writeSync(fd, text);
    } finally {
      nodeFs.closeSync(fd);
    }
  },
  mkdir: (path) => nodeFs.mkdirSync(path),
  rmdir: (path) => nodeFs.rmdirSync(path),
  readdir: (path) => nodeFs.readdirSync(path),
};

/** How the measured processes are confined. */
export type Placement =
  | {
      readonly kind: 'cgroup2';
      /** The cgroup under which each run's cgroup is made. */
      readonly parent: string;
      /** Controllers this script enabled in the parent's cgroup.subtree_control (left enabled). */
      readonly enabledControllers: readonly string[];
    }
  | { readonly kind: 'cgroup1'; readonly cpuParent: string; readonly memoryParent: string };

export interface Detection {
  readonly placement: Placement | null;
  /** Why each way that was tried could not be used, in plain words. */
  readonly reasons: string[];
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined || error.message.startsWith(code)
      ? error.message
      : `${code}: ${error.message}`;
  }
  return String(error);
}

export interface RunCgroup {
  /** mp-bench-<pid>-<n>. */
  readonly name: string;
  /** The cgroup directories (one for v2; cpu and memory for v1). */
  readonly dirs: readonly string[];
  /** The cgroup.procs files the shell writes its pid to before exec. */
  readonly procsFiles: readonly string[];
}

export interface CgroupStats {
  /** memory.peak (v2, kernel 5.19+) or memory.max_usage_in_bytes (v1); null when not exposed. */
  readonly memoryPeakBytes: number | null;
  readonly oomKills: number;
  readonly throttledPeriods: number | null;
  readonly throttledSeconds: number | null;
}

function statField(text: string, key: string): number | null {
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name === key && value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return null;
}

const RUN_NAME = /^mp-bench-(\d+)-(?:\d+|probe)$/;

/** Makes, fills, reads and removes the per-run cgroups. */
export class CgroupSandbox {
  private counter = 0;
  private readonly live = new Map<string, RunCgroup>();

  constructor(
    readonly placement: Placement,
    readonly quota: Quota,
    private readonly fs: CgroupFs = realCgroupFs,
    private readonly pid: number = process.pid,
  ) {}

  /** One-line description of where and how the limits apply. */
  describe(): string {
    const limits =
      `cpu ${cpuMaxLine(this.quota)} (quota/period, us) at ${this.placement.kind === 'cgroup2' ? `cpu.weight ${CGROUP2_WEIGHT}` : `cpu.shares ${CGROUP1_SHARES}`} ` +
      `(ten times the default, so that other work here is not the limit), memory ${this.quota.memoryBytes} bytes`;
    if (this.placement.kind === 'cgroup2') {
      const enabled =
        this.placement.enabledControllers.length > 0
          ? `; enabled +${this.placement.enabledControllers.join(' +')} in its cgroup.subtree_control (left on)`
          : '';
      return `cgroup v2, a fresh cgroup per measured process under ${this.placement.parent}${enabled}: ${limits}, swap 0`;
    }
    return `cgroup v1, a fresh cgroup per measured process under ${this.placement.cpuParent} (cpu) and ${this.placement.memoryParent} (memory): ${limits}`;
  }

  private parents(): string[] {
    // One v1 hierarchy can carry both controllers: then one directory serves both.
    return this.placement.kind === 'cgroup2'
      ? [this.placement.parent]
      : [...new Set([this.placement.cpuParent, this.placement.memoryParent])];
  }

  /** Creates the next run's cgroup with the quota and the limit written. */
  create(label?: string): RunCgroup {
    const name = `mp-bench-${this.pid}-${label ?? String((this.counter += 1))}`;
    const dirs = this.parents().map((parent) => join(parent, name));
    const run: RunCgroup = { name, dirs, procsFiles: dirs.map((dir) => join(dir, 'cgroup.procs')) };
    try {
      for (const dir of dirs) {
        this.fs.mkdir(dir);
        this.live.set(dir, run);
      }
      const quota = this.quota;
      if (this.placement.kind === 'cgroup2') {
        const dir = dirs[0] as string;
        this.fs.writeFile(join(dir, 'cpu.max'), cpuMaxLine(quota));
        // Priority up to the quota, as Lambda reserves the share: other work here must not be the limit.
        if (this.fs.exists(join(dir, 'cpu.weight')))
          this.fs.writeFile(join(dir, 'cpu.weight'), String(CGROUP2_WEIGHT));
        this.fs.writeFile(join(dir, 'memory.max'), String(quota.memoryBytes));
        // Absent when the kernel does not account swap (no swap, or swapaccount=0).
        if (this.fs.exists(join(dir, 'memory.swap.max')))
          this.fs.writeFile(join(dir, 'memory.swap.max'), '0');
      } else {
        const cpuDir = dirs[0] as string;
        const memoryDir = dirs[dirs.length - 1] as string;
        this.fs.writeFile(join(cpuDir, 'cpu.cfs_period_us'), String(quota.periodUs));
        this.fs.writeFile(join(cpuDir, 'cpu.cfs_quota_us'), String(quota.quotaUs));
        if (this.fs.exists(join(cpuDir, 'cpu.shares')))
          this.fs.writeFile(join(cpuDir, 'cpu.shares'), String(CGROUP1_SHARES));
        this.fs.writeFile(join(memoryDir, 'memory.limit_in_bytes'), String(quota.memoryBytes));
        // Memory plus swap, no more than memory alone: no swap. Only with swap accounting.
        if (this.fs.exists(join(memoryDir, 'memory.memsw.limit_in_bytes')))
          this.fs.writeFile(
            join(memoryDir, 'memory.memsw.limit_in_bytes'),
            String(quota.memoryBytes),
          );
      }
      this.check(run);
    } catch (error) {
      this.remove(run);
      throw error;
    }
    return run;
  }

  /** Reads the limits back: a kernel that silently ignored one would make the figures lie. */
  private check(run: RunCgroup): void {
    const read = (dir: string, file: string): string => this.fs.readFile(join(dir, file)).trim();
    const quota = this.quota;
    const problems: string[] = [];
    if (this.placement.kind === 'cgroup2') {
      const dir = run.dirs[0] as string;
      if (read(dir, 'cpu.max') !== cpuMaxLine(quota))
        problems.push(`cpu.max reads '${read(dir, 'cpu.max')}'`);
      if (read(dir, 'memory.max') !== String(quota.memoryBytes))
        problems.push(`memory.max reads '${read(dir, 'memory.max')}'`);
    } else {
      const cpuDir = run.dirs[0] as string;
      const memoryDir = run.dirs[run.dirs.length - 1] as string;
      if (read(cpuDir, 'cpu.cfs_quota_us') !== String(quota.quotaUs))
        problems.push(`cpu.cfs_quota_us reads '${read(cpuDir, 'cpu.cfs_quota_us')}'`);
      if (read(cpuDir, 'cpu.cfs_period_us') !== String(quota.periodUs))
        problems.push(`cpu.cfs_period_us reads '${read(cpuDir, 'cpu.cfs_period_us')}'`);
      // The kernel rounds the limit down to whole pages; 2^20 multiples are whole pages.
      if (read(memoryDir, 'memory.limit_in_bytes') !== String(quota.memoryBytes))
        problems.push(`memory.limit_in_bytes reads '${read(memoryDir, 'memory.limit_in_bytes')}'`);
    }
    if (problems.length > 0) throw new Error(`limits did not apply: ${problems.join('; ')}`);
  }

  /** Peak memory, OOM kills and CPU throttling of a finished run. */
  stats(run: RunCgroup): CgroupStats {
    const readIf = (path: string): string | null =>
      this.fs.exists(path) ? this.fs.readFile(path) : null;
    if (this.placement.kind === 'cgroup2') {
      const dir = run.dirs[0] as string;
      const peak = readIf(join(dir, 'memory.peak'));
      const events = readIf(join(dir, 'memory.events')) ?? '';
      const cpu = readIf(join(dir, 'cpu.stat')) ?? '';
      const throttledUs = statField(cpu, 'throttled_usec');
      return {
        memoryPeakBytes: peak === null || !/^\d+$/.test(peak.trim()) ? null : Number(peak.trim()),
        oomKills: statField(events, 'oom_kill') ?? 0,
        throttledPeriods: statField(cpu, 'nr_throttled'),
        throttledSeconds: throttledUs === null ? null : throttledUs / 1e6,
      };
    }
    const cpuDir = run.dirs[0] as string;
    const memoryDir = run.dirs[run.dirs.length - 1] as string;
    const peak = readIf(join(memoryDir, 'memory.max_usage_in_bytes'));
    // "oom_kill N" is in memory.oom_control since Linux 4.13.
    const oom = readIf(join(memoryDir, 'memory.oom_control')) ?? '';
    const cpu = readIf(join(cpuDir, 'cpu.stat')) ?? '';
    const throttledNs = statField(cpu, 'throttled_time');
    return {
      memoryPeakBytes: peak === null || !/^\d+$/.test(peak.trim()) ? null : Number(peak.trim()),
      oomKills: statField(oom, 'oom_kill') ?? 0,
      throttledPeriods: statField(cpu, 'nr_throttled'),
      throttledSeconds: throttledNs === null ? null : throttledNs / 1e9,
    };
  }

  /** Removes a run's cgroups; its processes must have exited. Never throws. */
  remove(run: RunCgroup): string[] {
    const failures: string[] = [];
    for (const dir of run.dirs) {
      if (!this.live.has(dir) && !this.fs.exists(dir)) continue;
      try {
        if (this.fs.exists(dir)) this.fs.rmdir(dir);
        this.live.delete(dir);
      } catch (error) {
        failures.push(`${dir}: ${errorText(error)}`);
      }
    }
    return failures;
  }

  /** Removes every cgroup this sandbox made that is still there. Never throws. */
  removeAll(): string[] {
    const runs = new Set(this.live.values());
    return [...runs].flatMap((run) => this.remove(run));
  }

  /** The cgroups still to remove. */
  liveDirs(): string[] {
    return [...this.live.keys()];
  }

  /** Removes empty cgroups left by earlier runs whose process is gone (killed with -9, say). */
  sweepStale(isAlive: (pid: number) => boolean): string[] {
    const removed: string[] = [];
    for (const parent of this.parents()) {
      let names: string[];
      try {
        names = this.fs.readdir(parent);
      } catch {
        continue;
      }
      for (const name of names) {
        const match = RUN_NAME.exec(name);
        if (match === null || Number(match[1]) === this.pid || isAlive(Number(match[1]))) continue;
        try {
          this.fs.rmdir(join(parent, name));
          removed.push(join(parent, name));
        } catch {
          // Still holds a process, or not ours to remove: leave it.
        }
      }
    }
    return removed;
  }

  /**
   * The command that starts `command args` inside the run's cgroup: a shell that writes its own
   * pid to each cgroup.procs, then execs the command, so that nothing runs outside the limits.
   * Exit status 125 if it could not join the cgroup.
   */
  wrap(run: RunCgroup, command: string, args: readonly string[]): [string, string[]] {
    return [
      '/bin/sh',
      [
        '-c',
        'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"',
        'mp-bench-sh',
        String(run.procsFiles.length),
        ...run.procsFiles,
        command,
        ...args,
      ],
    ];
  }
}

/** Whether a process's /proc/<pid>/cgroup shows it inside the run's cgroups. */
export function insideRun(procCgroup: string, run: RunCgroup): boolean {
  const inside = parseProcCgroup(procCgroup).filter(
    (membership) => membership.path.endsWith(`/${run.name}`) || membership.path === `/${run.name}`,
  );
  return inside.length >= run.dirs.length;
}

export interface DetectInput {
  readonly mountinfo: string;
  readonly selfCgroup: string;
  readonly quota: Quota;
  readonly fs?: CgroupFs;
  readonly pid?: number;
  readonly isRoot?: boolean;
}

/**
 * Finds a way to confine processes here, and proves it by making (and removing) a cgroup with
 * the limits written. cgroup v2 first, under the top of the visible hierarchy: v2 lets a cgroup
 * that holds processes (ours) have no controlled children, so the run cgroups cannot go under our
 * own. Then cgroup v1 (cpu and memory hierarchies), under our own cgroups, so that any limit set
 * on us still applies.
 */
export function detectCgroups(input: DetectInput): Detection {
  const fs = input.fs ?? realCgroupFs;
  const pid = input.pid ?? process.pid;
  const reasons: string[] = [];
  const mounts = parseMountinfo(input.mountinfo);
  if (mounts.length === 0) {
    reasons.push('no cgroup file system is mounted (see /proc/self/mountinfo)');
    return { placement: null, reasons };
  }
  if (input.isRoot === false)
    reasons.push('not running as root, so cgroups can only be used if delegated to this user');
  const prove = (placement: Placement): Placement | null =>
    provePlacement(placement, input.quota, fs, pid, reasons);

  for (const mount of mounts.filter((candidate) => candidate.version === 2)) {
    const candidate = cgroup2Placement(fs, mount.mountPoint, reasons);
    const placement = candidate === null ? null : prove(candidate);
    if (placement !== null) return { placement, reasons };
  }
  const candidate = cgroup1Placement(mounts, parseProcCgroup(input.selfCgroup), fs, reasons);
  return { placement: candidate === null ? null : prove(candidate), reasons };
}

/** `placement` if a cgroup with the limits can be made (and removed) there; else null, and why. */
function provePlacement(
  placement: Placement,
  quota: Quota,
  fs: CgroupFs,
  pid: number,
  reasons: string[],
): Placement | null {
  const sandbox = new CgroupSandbox(placement, quota, fs, pid);
  try {
    const run = sandbox.create('probe');
    sandbox.remove(run);
    return placement;
  } catch (error) {
    sandbox.removeAll();
    reasons.push(
      `${placement.kind === 'cgroup2' ? 'cgroup v2' : 'cgroup v1'}: could not make a cgroup with the limits (${errorText(error)})`,
    );
    return null;
  }
}

/**
 * The cgroup v2 hierarchy at `parent` with cpu and memory enabled for its children (enabling
 * them if need be), or null with why not. Not proven yet.
 */
function cgroup2Placement(fs: CgroupFs, parent: string, reasons: string[]): Placement | null {
  let available: string[];
  try {
    available = fs.readFile(join(parent, 'cgroup.controllers')).trim().split(/\s+/);
  } catch (error) {
    reasons.push(`cgroup v2 at ${parent}: cannot read cgroup.controllers (${errorText(error)})`);
    return null;
  }
  const missing = ['cpu', 'memory'].filter((name) => !available.includes(name));
  if (missing.length > 0) {
    reasons.push(
      `cgroup v2 at ${parent} offers [${available.filter((name) => name !== '').join(' ')}], not ${missing.join(' and ')}: ` +
        'those controllers are bound to cgroup v1 hierarchies on this machine',
    );
    return null;
  }
  let enabled: string[];
  try {
    enabled = fs.readFile(join(parent, 'cgroup.subtree_control')).trim().split(/\s+/);
  } catch (error) {
    reasons.push(
      `cgroup v2 at ${parent}: cannot read cgroup.subtree_control (${errorText(error)})`,
    );
    return null;
  }
  const toEnable = ['cpu', 'memory'].filter((name) => !enabled.includes(name));
  if (toEnable.length > 0) {
    try {
      fs.writeFile(
        join(parent, 'cgroup.subtree_control'),
        toEnable.map((name) => `+${name}`).join(' '),
      );
    } catch (error) {
      const busy = (error as NodeJS.ErrnoException).code === 'EBUSY';
      reasons.push(
        `cgroup v2 at ${parent}: cannot enable +${toEnable.join(' +')} in cgroup.subtree_control (${errorText(error)})` +
          (busy
            ? '; that cgroup holds processes, and cgroup v2 lets a cgroup with processes have no controlled children (the root of a container is such a cgroup)'
            : ''),
      );
      return null;
    }
  }
  return { kind: 'cgroup2', parent, enabledControllers: toEnable };
}

/** Our own cgroup v1 cpu and memory cgroups, or null with why not. Not proven yet. */
function cgroup1Placement(
  mounts: readonly CgroupMount[],
  memberships: readonly CgroupMembership[],
  fs: CgroupFs,
  reasons: string[],
): Placement | null {
  const v1 = (controller: string): { dir: string } | string => {
    const mount = mounts.find(
      (candidate) => candidate.version === 1 && candidate.controllers.includes(controller),
    );
    if (mount === undefined) return `no cgroup v1 hierarchy has the ${controller} controller`;
    const membership = memberships.find((candidate) => candidate.controllers.includes(controller));
    const dir = cgroupDir(mount, membership?.path ?? '/');
    return fs.exists(dir) ? { dir } : `our ${controller} cgroup ${dir} is not visible`;
  };
  const cpu = v1('cpu');
  const memory = v1('memory');
  if (typeof cpu === 'string' || typeof memory === 'string') {
    if (mounts.some((mount) => mount.version === 1))
      reasons.push(
        `cgroup v1: ${[cpu, memory].filter((item) => typeof item === 'string').join('; ')}`,
      );
    else reasons.push('cgroup v1: not mounted');
    return null;
  }
  return { kind: 'cgroup1', cpuParent: cpu.dir, memoryParent: memory.dir };
}
