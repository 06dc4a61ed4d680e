/**
 * `npm run bench -- --lambda-like`: the quota arithmetic, the parsing of /proc, the cgroup
 * set-up (on a fake cgroup tree, so this runs anywhere, cgroups or not).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CgroupFs, Placement } from '../../../scripts/bench/lambda-like';
import {
  CgroupSandbox,
  cgroupDir,
  cpuMaxLine,
  detectCgroups,
  insideRun,
  parseMountinfo,
  parseProcCgroup,
  quotaFor,
} from '../../../scripts/bench/lambda-like';

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** A cgroup file system in memory: mkdir fills in the interface files, as the kernel does. */
class FakeCgroupFs implements CgroupFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();

  constructor(
    private readonly interfaceFiles: (dir: string) => Record<string, string>,
    /** Returns what the file then reads, or throws like the kernel would. */
    private readonly onWrite: (path: string, text: string) => string = (_, text) => text,
  ) {}

  addDir(dir: string, files: Record<string, string> = {}): void {
    this.dirs.add(dir);
    for (const [name, text] of Object.entries(files)) this.files.set(join(dir, name), text);
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }

  readFile(path: string): string {
    const text = this.files.get(path);
    if (text === undefined) throw errno('ENOENT');
    return text;
  }

  writeFile(path: string, text: string): void {
    if (!this.files.has(path)) throw errno('EACCES');
    this.files.set(path, this.onWrite(path, text));
  }

  mkdir(path: string): void {
    if (!this.dirs.has(dirname(path))) throw errno('ENOENT');
    if (this.exists(path)) throw errno('EEXIST');
    this.addDir(path, this.interfaceFiles(path));
  }

  rmdir(path: string): void {
    if (!this.dirs.has(path)) throw errno('ENOENT');
    if ((this.files.get(join(path, 'cgroup.procs')) ?? '').trim() !== '') throw errno('EBUSY');
    this.dirs.delete(path);
    for (const file of [...this.files.keys()])
      if (file.startsWith(`${path}/`)) this.files.delete(file);
  }

  readdir(path: string): string[] {
    return [...this.dirs, ...this.files.keys()]
      .filter((entry) => dirname(entry) === path)
      .map((entry) => entry.slice(path.length + 1));
  }
}

const V2_FILES = (): Record<string, string> => ({
  'cgroup.procs': '',
  'cgroup.controllers': 'cpu memory',
  'cgroup.subtree_control': '',
  'cpu.max': 'max 100000',
  'cpu.weight': '100',
  'cpu.stat': 'usage_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
  'memory.max': 'max',
  'memory.swap.max': 'max',
  'memory.peak': '0',
  'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
});

/** Root enables controllers with "+cpu +memory"; the file then lists them. */
function v2Write(path: string, text: string, current: () => string): string {
  if (!path.endsWith('cgroup.subtree_control')) return text;
  const enabled = new Set(current().split(/\s+/).filter(Boolean));
  for (const token of text.split(/\s+/)) {
    if (token.startsWith('+')) enabled.add(token.slice(1));
    if (token.startsWith('-')) enabled.delete(token.slice(1));
  }
  return [...enabled].join(' ');
}

function pureV2(onWrite?: (path: string, text: string) => string): FakeCgroupFs {
  const fs: FakeCgroupFs = new FakeCgroupFs(
    V2_FILES,
    onWrite ?? ((path, text) => v2Write(path, text, () => fs.files.get(path) ?? '')),
  );
  fs.addDir('/sys/fs/cgroup', { ...V2_FILES(), 'cgroup.controllers': 'cpuset cpu io memory pids' });
  return fs;
}

const V2_MOUNTINFO =
  '25 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n' +
  '26 1 0:5 / /proc rw,nosuid - proc proc rw\n';

/** As on the machine this was written on: cgroup v1 for cpu and memory, v2 with hugetlb only. */
const HYBRID_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const HYBRID_SELF = '9:name=systemd:/\n4:memory:/session/abc\n1:cpu:/\n0::/\n';

function hybrid(): FakeCgroupFs {
  const fs = new FakeCgroupFs((dir): Record<string, string> =>
    dir.startsWith('/sys/fs/cgroup/cpu/')
      ? {
          'cgroup.procs': '',
          'cpu.cfs_period_us': '100000',
          'cpu.cfs_quota_us': '-1',
          'cpu.shares': '1024',
          'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
        }
      : {
          'cgroup.procs': '',
          'memory.limit_in_bytes': '9223372036854771712',
          'memory.memsw.limit_in_bytes': '9223372036854771712',
          'memory.max_usage_in_bytes': '0',
          'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
        },
  );
  fs.addDir('/sys/fs/cgroup/cpu', { 'cgroup.procs': '1\n' });
  fs.addDir('/sys/fs/cgroup/memory', { 'cgroup.procs': '' });
  fs.addDir('/sys/fs/cgroup/memory/session');
  fs.addDir('/sys/fs/cgroup/memory/session/abc', { 'cgroup.procs': '42\n' });
  fs.addDir('/sys/fs/cgroup/unified', {
    'cgroup.controllers': 'hugetlb',
    'cgroup.subtree_control': '',
  });
  return fs;
}

describe('quotaFor: Lambda CPU in proportion to memory', () => {
  it('gives 512 MB about 0.289 vCPU: 28.9 ms per 100 ms, and 512 MiB', () => {
    const quota = quotaFor(512, 2);
    expect(quota.lambdaVcpu).toBeCloseTo(0.2894, 4);
    expect(quota.quotaUs).toBe(28943);
    expect(quota.periodUs).toBe(100_000);
    expect(cpuMaxLine(quota)).toBe('28943 100000');
    expect(quota.memoryBytes).toBe(536_870_912);
    expect(quota.capped).toBe(false);
  });

  it('gives one vCPU at 1,769 MB and two at 3,538 MB', () => {
    expect(quotaFor(1769, 2).quotaUs).toBe(100_000);
    expect(quotaFor(3538, 2).quotaUs).toBe(200_000);
    expect(quotaFor(1024, 2).quotaUs).toBe(57_886);
  });

  it("caps the quota at the machine's cores, and says so", () => {
    const quota = quotaFor(10240, 2);
    expect(quota.lambdaVcpu).toBeCloseTo(5.79, 2);
    expect(quota.vcpu).toBe(2);
    expect(quota.quotaUs).toBe(200_000);
    expect(quota.capped).toBe(true);
  });

  it('scales linearly below one vCPU', () => {
    for (const memoryMb of [128, 256, 512, 1024, 1536]) {
      expect(quotaFor(memoryMb, 2).quotaUs).toBe(Math.round((memoryMb / 1769) * 100_000));
    }
  });

  it('rejects nonsense', () => {
    expect(() => quotaFor(0, 2)).toThrow();
    expect(() => quotaFor(512, 0)).toThrow();
  });
});

describe('parsing /proc', () => {
  it('finds cgroup v1 hierarchies with their controllers and the v2 mount', () => {
    expect(parseMountinfo(HYBRID_MOUNTINFO)).toEqual([
      { version: 1, mountPoint: '/sys/fs/cgroup/cpu', root: '/', controllers: ['cpu'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/cpuacct', root: '/', controllers: ['cpuacct'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/', controllers: ['memory'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/systemd', root: '/', controllers: [] },
      { version: 2, mountPoint: '/sys/fs/cgroup/unified', root: '/', controllers: [] },
    ]);
  });

  it('reads co-mounted controllers, optional fields and escaped mount points', () => {
    const mounts = parseMountinfo(
      '30 25 0:26 /docker/x /sys/fs/cgroup/cpu\\040acct rw shared:9 - cgroup cgroup rw,nosuid,cpu,cpuacct\n',
    );
    expect(mounts).toEqual([
      {
        version: 1,
        mountPoint: '/sys/fs/cgroup/cpu acct',
        root: '/docker/x',
        controllers: ['cpu', 'cpuacct'],
      },
    ]);
  });

  it('reads /proc/self/cgroup', () => {
    expect(parseProcCgroup(HYBRID_SELF)).toEqual([
      { hierarchyId: 9, controllers: ['name=systemd'], path: '/' },
      { hierarchyId: 4, controllers: ['memory'], path: '/session/abc' },
      { hierarchyId: 1, controllers: ['cpu'], path: '/' },
      { hierarchyId: 0, controllers: [], path: '/' },
    ]);
  });

  it('maps a cgroup path to its directory, also when a container mounts a subtree', () => {
    const whole = { version: 2 as const, mountPoint: '/sys/fs/cgroup', root: '/', controllers: [] };
    expect(cgroupDir(whole, '/')).toBe('/sys/fs/cgroup');
    expect(cgroupDir(whole, '/user.slice/a')).toBe('/sys/fs/cgroup/user.slice/a');
    const subtree = { ...whole, root: '/docker/x' };
    expect(cgroupDir(subtree, '/docker/x/inner')).toBe('/sys/fs/cgroup/inner');
    expect(cgroupDir(subtree, '/docker/x')).toBe('/sys/fs/cgroup');
  });
});

describe('detectCgroups and CgroupSandbox on cgroup v2', () => {
  const quota = quotaFor(512, 2);

  it('enables cpu and memory in the root, then writes cpu.max, memory.max and swap 0 per run', () => {
    const fs = pureV2();
    const detection = detectCgroups({
      mountinfo: V2_MOUNTINFO,
      selfCgroup: '0::/user.slice/session-1.scope\n',
      quota,
      fs,
      pid: 7,
    });
    expect(detection.placement).toEqual({
      kind: 'cgroup2',
      parent: '/sys/fs/cgroup',
      enabledControllers: ['cpu', 'memory'],
    });
    expect(fs.files.get('/sys/fs/cgroup/cgroup.subtree_control')).toBe('cpu memory');
    // The probe is gone.
    expect(fs.readdir('/sys/fs/cgroup').filter((name) => name.startsWith('mp-bench'))).toEqual([]);

    const sandbox = new CgroupSandbox(detection.placement as Placement, quota, fs, 7);
    const run = sandbox.create();
    expect(run.name).toBe('mp-bench-7-1');
    expect(run.procsFiles).toEqual(['/sys/fs/cgroup/mp-bench-7-1/cgroup.procs']);
    expect(fs.files.get('/sys/fs/cgroup/mp-bench-7-1/cpu.max')).toBe('28943 100000');
    expect(fs.files.get('/sys/fs/cgroup/mp-bench-7-1/memory.max')).toBe('536870912');
    expect(fs.files.get('/sys/fs/cgroup/mp-bench-7-1/memory.swap.max')).toBe('0');
    expect(fs.files.get('/sys/fs/cgroup/mp-bench-7-1/cpu.weight')).toBe('1000');

    fs.files.set('/sys/fs/cgroup/mp-bench-7-1/memory.peak', '123456789\n');
    fs.files.set(
      '/sys/fs/cgroup/mp-bench-7-1/memory.events',
      'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n',
    );
    fs.files.set(
      '/sys/fs/cgroup/mp-bench-7-1/cpu.stat',
      'usage_usec 900000\nnr_periods 40\nnr_throttled 31\nthrottled_usec 2500000\n',
    );
    expect(sandbox.stats(run)).toEqual({
      memoryPeakBytes: 123456789,
      oomKills: 1,
      throttledPeriods: 31,
      throttledSeconds: 2.5,
    });
    expect(sandbox.remove(run)).toEqual([]);
    expect(fs.exists('/sys/fs/cgroup/mp-bench-7-1')).toBe(false);
    expect(sandbox.liveDirs()).toEqual([]);
  });

  it('does not write subtree_control when the controllers are already on', () => {
    const fs = pureV2(() => {
      throw errno('EACCES');
    });
    fs.files.set('/sys/fs/cgroup/cgroup.subtree_control', 'cpu memory pids');
    // Every write fails, so the probe fails: but not on subtree_control.
    const detection = detectCgroups({ mountinfo: V2_MOUNTINFO, selfCgroup: '0::/\n', quota, fs });
    expect(detection.placement).toBeNull();
    expect(detection.reasons.join('\n')).toMatch(/could not make a cgroup with the limits/);
    expect(detection.reasons.join('\n')).not.toMatch(/subtree_control/);
  });

  it('explains the no-internal-process rule when enabling controllers is refused', () => {
    const fs = pureV2((path, text) => {
      if (path.endsWith('cgroup.subtree_control')) throw errno('EBUSY');
      return text;
    });
    const detection = detectCgroups({ mountinfo: V2_MOUNTINFO, selfCgroup: '0::/\n', quota, fs });
    expect(detection.placement).toBeNull();
    expect(detection.reasons.join('\n')).toMatch(/EBUSY.*holds processes/);
    expect(detection.reasons.join('\n')).toMatch(/cgroup v1: not mounted/);
  });

  it('refuses limits the kernel did not keep', () => {
    const fs = pureV2((path, text) =>
      path.endsWith('cpu.max') ? 'max 100000' : v2Write(path, text, () => ''),
    );
    const detection = detectCgroups({ mountinfo: V2_MOUNTINFO, selfCgroup: '0::/\n', quota, fs });
    expect(detection.placement).toBeNull();
    expect(detection.reasons.join('\n')).toMatch(
      /limits did not apply: cpu.max reads 'max 100000'/,
    );
    expect(fs.readdir('/sys/fs/cgroup').filter((name) => name.startsWith('mp-bench'))).toEqual([]);
  });

  it('says plainly when there are no cgroups at all', () => {
    const detection = detectCgroups({
      mountinfo: '26 1 0:5 / /proc rw - proc proc rw\n',
      selfCgroup: '',
      quota,
      fs: new FakeCgroupFs(() => ({})),
    });
    expect(detection.placement).toBeNull();
    expect(detection.reasons).toEqual([
      'no cgroup file system is mounted (see /proc/self/mountinfo)',
    ]);
  });
});

describe('detectCgroups and CgroupSandbox on cgroup v1', () => {
  const quota = quotaFor(1024, 2);

  it('falls back from a v2 mount without cpu and memory to v1, under our own cgroups', () => {
    const fs = hybrid();
    const detection = detectCgroups({
      mountinfo: HYBRID_MOUNTINFO,
      selfCgroup: HYBRID_SELF,
      quota,
      fs,
      pid: 9,
    });
    expect(detection.placement).toEqual({
      kind: 'cgroup1',
      cpuParent: '/sys/fs/cgroup/cpu',
      memoryParent: '/sys/fs/cgroup/memory/session/abc',
    });
    expect(detection.reasons).toEqual([
      'cgroup v2 at /sys/fs/cgroup/unified offers [hugetlb], not cpu and memory: those controllers are bound to cgroup v1 hierarchies on this machine',
    ]);

    const sandbox = new CgroupSandbox(detection.placement as Placement, quota, fs, 9);
    const run = sandbox.create();
    expect(run.dirs).toEqual([
      '/sys/fs/cgroup/cpu/mp-bench-9-1',
      '/sys/fs/cgroup/memory/session/abc/mp-bench-9-1',
    ]);
    expect(fs.files.get('/sys/fs/cgroup/cpu/mp-bench-9-1/cpu.cfs_quota_us')).toBe('57886');
    expect(fs.files.get('/sys/fs/cgroup/cpu/mp-bench-9-1/cpu.cfs_period_us')).toBe('100000');
    expect(fs.files.get('/sys/fs/cgroup/cpu/mp-bench-9-1/cpu.shares')).toBe('10240');
    const memory = '/sys/fs/cgroup/memory/session/abc/mp-bench-9-1';
    expect(fs.files.get(`${memory}/memory.limit_in_bytes`)).toBe(String(1024 * 2 ** 20));
    expect(fs.files.get(`${memory}/memory.memsw.limit_in_bytes`)).toBe(String(1024 * 2 ** 20));

    fs.files.set(`${memory}/memory.max_usage_in_bytes`, '80000000\n');
    fs.files.set(`${memory}/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    fs.files.set(
      '/sys/fs/cgroup/cpu/mp-bench-9-1/cpu.stat',
      'nr_periods 20\nnr_throttled 19\nthrottled_time 1500000000\n',
    );
    expect(sandbox.stats(run)).toEqual({
      memoryPeakBytes: 80_000_000,
      oomKills: 2,
      throttledPeriods: 19,
      throttledSeconds: 1.5,
    });

    // A process still inside: removal fails, is reported, and is retried by removeAll.
    fs.files.set(`${memory}/cgroup.procs`, '1234\n');
    expect(sandbox.remove(run)).toEqual([`${memory}: EBUSY`]);
    expect(sandbox.liveDirs()).toEqual([memory]);
    fs.files.set(`${memory}/cgroup.procs`, '');
    expect(sandbox.removeAll()).toEqual([]);
    expect(sandbox.liveDirs()).toEqual([]);
    expect(fs.exists(memory)).toBe(false);
  });

  it('sweeps empty cgroups left by dead runs, not live ones', () => {
    const fs = hybrid();
    const placement: Placement = {
      kind: 'cgroup1',
      cpuParent: '/sys/fs/cgroup/cpu',
      memoryParent: '/sys/fs/cgroup/memory/session/abc',
    };
    const old = new CgroupSandbox(placement, quota, fs, 100).create();
    const alive = new CgroupSandbox(placement, quota, fs, 200).create();
    const swept = new CgroupSandbox(placement, quota, fs, 300).sweepStale((pid) => pid === 200);
    expect(swept.sort()).toEqual([...old.dirs].sort());
    expect(alive.dirs.every((dir) => fs.exists(dir))).toBe(true);
  });

  it('explains a missing memory hierarchy', () => {
    const fs = hybrid();
    const detection = detectCgroups({
      mountinfo: HYBRID_MOUNTINFO.split('\n')
        .filter((line) => !line.includes('memory'))
        .join('\n'),
      selfCgroup: HYBRID_SELF,
      quota,
      fs,
    });
    expect(detection.placement).toBeNull();
    expect(detection.reasons.at(-1)).toBe(
      'cgroup v1: no cgroup v1 hierarchy has the memory controller',
    );
  });
});

describe('starting a process inside the cgroup', () => {
  const quota = quotaFor(512, 2);
  const placement: Placement = { kind: 'cgroup1', cpuParent: '/cpu', memoryParent: '/memory' };

  it('writes the pid of the process to each cgroup.procs before exec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lambda-like-'));
    try {
      const procsFiles = [join(dir, 'cpu.procs'), join(dir, 'memory.procs')];
      for (const file of procsFiles) writeFileSync(file, '');
      const run = { name: 'mp-bench-1-1', dirs: ['/cpu/x', '/memory/x'], procsFiles };
      const sandbox = new CgroupSandbox(placement, quota, new FakeCgroupFs(() => ({})), 1);
      const [command, args] = sandbox.wrap(run, '/bin/sh', ['-c', 'echo $$', 'arg with space']);
      expect(command).toBe('/bin/sh');
      const child = spawnSync(command, args, { encoding: 'utf8' });
      expect(child.status).toBe(0);
      const pid = child.stdout.trim();
      expect(pid).toMatch(/^\d+$/);
      // exec keeps the pid: the process that ran is the one that joined.
      for (const file of procsFiles) expect(readFileSync(file, 'utf8').trim()).toBe(pid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 125 without running the command if it cannot join', () => {
    const run = {
      name: 'mp-bench-1-1',
      dirs: ['/x'],
      procsFiles: ['/nonexistent-dir-for-test/cgroup.procs'],
    };
    const sandbox = new CgroupSandbox(placement, quota, new FakeCgroupFs(() => ({})), 1);
    const [command, args] = sandbox.wrap(run, '/bin/sh', ['-c', 'echo ran']);
    const child = spawnSync(command, args, { encoding: 'utf8' });
    expect(child.status).toBe(125);
    expect(child.stdout).toBe('');
  });

  it('checks from /proc/self/cgroup that the worker ran inside', () => {
    const run = {
      name: 'mp-bench-5-3',
      dirs: ['/sys/fs/cgroup/cpu/mp-bench-5-3', '/sys/fs/cgroup/memory/s/mp-bench-5-3'],
      procsFiles: [],
    };
    expect(insideRun('4:memory:/s/mp-bench-5-3\n1:cpu:/mp-bench-5-3\n0::/\n', run)).toBe(true);
    expect(insideRun('4:memory:/s/mp-bench-5-3\n1:cpu:/\n0::/\n', run)).toBe(false);
    expect(insideRun('4:memory:/s/mp-bench-5-33\n1:cpu:/mp-bench-5-33\n', run)).toBe(false);
    expect(insideRun('0::/mp-bench-5-3\n', { ...run, dirs: ['/sys/fs/cgroup/mp-bench-5-3'] })).toBe(
      true,
    );
  });
});
