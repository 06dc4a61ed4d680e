/**
 * `npm run bench|corpus|hostile|bench:redaction -- --help` as a user runs it: a child process each, because the
 * crash this guards against happened at start-up, before any parsing function was called.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

describe('npm run <bench script> -- --help', () => {
  it.each([
    ['scripts/bench/run.ts', /^usage: npm run bench/],
    ['scripts/bench/corpus.ts', /^usage: npm run corpus/],
    ['scripts/hostile.ts', /^usage: npm run hostile/],
    ['scripts/bench/redaction.ts', /^usage: npm run bench:redaction/],
  ])('%s prints its usage and exits 0, with no stack trace', (script, usage) => {
    const result = spawnSync(process.execPath, [TSX, script, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(usage);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/^\s+at /m);
  });
});
