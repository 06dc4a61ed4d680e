/**
 * Builds everything the package ships (see lib/bundling.ts): the function's bundle, the construct
 * library, the CLI and the library's type declarations. Run by `npm ci` (`prepare`), `npm pack`
 * and `npm test`.
 *
 *   npm run build               everything
 *   npm run build -- --no-types the bundles only (a second or two)
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { CANARY_BUILD, CLI_BUILD, DIST_DIR, FUNCTION_BUILD, LIBRARY_BUILD } from '../lib/bundling';

const USAGE = `Usage: npm run build [-- --no-types]

Builds dist/: the Lambda function's bundle (dist/function), the canary's
(dist/canary), the construct library (dist/index.js), the mp-audit CLI (dist/cli.js)
and the library's type declarations (dist/types, incremental).

  --no-types   Skip the type declarations (they take the longest).
  -h, --help   This help.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { 'no-types': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`build: ${(error as Error).message}\nTry 'npm run build -- --help'.`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  // A stale function bundle must never survive a failed build.
  for (const folder of ['function', 'canary']) {
    rmSync(join(DIST_DIR, folder), { recursive: true, force: true });
  }
  await Promise.all([
    build(FUNCTION_BUILD),
    build(CANARY_BUILD),
    build(LIBRARY_BUILD),
    build(CLI_BUILD),
  ]);
  if (values['no-types'] === true) return 0;
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.types.json'],
    { cwd: join(__dirname, '..'), stdio: 'inherit' },
  );
  return tsc.status ?? 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // esbuild has already printed the errors it found; anything else gets its message.
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
