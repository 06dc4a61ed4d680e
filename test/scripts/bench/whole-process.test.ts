/** What the bench prints of the CLI's whole-process sections. */
import type { CliScanReport, StartupReport } from '../../../scripts/bench/whole-process';
import { cliScanLines, startupLines } from '../../../scripts/bench/whole-process';

const spreadOf = (median: number) => ({ median, min: median * 0.9, max: median * 1.2 });

const startup: StartupReport = {
  status: 'measured',
  runs: 15,
  loadAverage: 0.4,
  bareNodeMs: spreadOf(40),
  helpMs: spreadOf(95),
  versionMs: spreadOf(70),
  helpOverBareMs: 55,
  versionOverBareMs: 30,
};

describe('Function: startupLines', () => {
  it('says how to build the CLI when dist/cli.js is missing', () => {
    expect(startupLines({ status: 'not built: run npm run build' })).toEqual([
      'CLI start-up: not built: run npm run build',
    ]);
  });

  it('gives each median and the difference to bare node', () => {
    const text = startupLines(startup).join('\n');
    expect(text).toMatch(/medians of 15 interleaved runs .*; load average 0\.4:/);
    expect(text).toMatch(/--help +95 \(86–114\) +\(\+55 ms over bare node; target within 100 ms\)/);
    expect(text).toMatch(/--version +70 .*\(\+30 ms over bare node\)/);
  });

  it('signs a difference below bare node', () => {
    const faster = { ...startup, helpOverBareMs: -3 };
    expect(startupLines(faster).join('\n')).toMatch(/\(-3 ms over bare node/);
  });
});

describe('Function: cliScanLines', () => {
  const report: CliScanReport = {
    status: 'measured',
    file: '.bench/corpus-200MB-seed1/a.json.gz',
    uncompressedMB: 200,
    runs: 5,
    loadAverage: 3.2,
    gunzipSeconds: spreadOf(1.7),
    scanSeconds: spreadOf(2),
    gunzipOverScan: spreadOf(0.85),
    alerts: 271,
    expectedAlerts: 271,
  };

  it('gives the ratio gunzip time / scan time against its target', () => {
    const text = cliScanLines(report).join('\n');
    expect(text).toMatch(/gunzip time \/ scan time +0\.85 .*target >= 0\.85/);
    expect(text).toMatch(/alerts 271 \(expected 271\)$/);
  });

  it('marks a scan that found other alerts than the generator made', () => {
    expect(cliScanLines({ ...report, alerts: 270 }).at(-1)).toMatch(/MISMATCH$/);
  });
});
