/**
 * How the project's JavaScript is built (scripts/build.ts), shared with the benchmark so that
 * what is measured is what ships. No aws-cdk-lib import here: the benchmark loads it.
 *
 * Four bundles, all under `dist/`:
 * - the function (`dist/function/index.js`): everything bundled, SDK included, for Lambda's
 *   Node.js 24; the construct deploys this file, so a user's app needs no esbuild or Docker;
 * - the canary (`dist/canary/index.js`, `-c canary=true`): the scheduled function that makes
 *   the canary's call, built the same way;
 * - the construct library (`dist/index.js`, the package's `main`): our code only, its npm
 *   dependencies loaded from `node_modules` as usual;
 * - the CLI (`dist/cli.js` and `dist/cli-<command>.js`): our code and its small dependencies,
 *   the SDK from `node_modules`.
 */
import * as path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

const ROOT = path.join(__dirname, '..');

/** Where the build writes; the construct reads the function's code from here. */
export const DIST_DIR = path.join(ROOT, 'dist');

/**
 * The SDK's ES module builds let esbuild drop unused commands: measured 650 KB and a 40% faster
 * module load, against 920 KB from the CommonJS builds (npm run bench).
 */
export const FUNCTION_MAIN_FIELDS = ['module', 'main'];

/**
 * Modules replaced in the function's bundle: the SDK's default credential chain by the two
 * links that can apply on Lambda (see lambda/aws/lambda-credentials.ts).
 */
export const FUNCTION_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(ROOT, 'lambda', 'aws', 'lambda-credentials.ts'),
};

/** The Lambda function: one minified file with its source map, as Lambda loads it. */
export const FUNCTION_BUILD: BuildOptions = {
  entryPoints: [path.join(ROOT, 'lambda', 'handler.ts')],
  outfile: path.join(DIST_DIR, 'function', 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // Pin the SDK version the tests ran against instead of the runtime's copy.
  mainFields: FUNCTION_MAIN_FIELDS,
  alias: { ...FUNCTION_ALIASES },
  minify: true,
  // Linked: NODE_OPTIONS=--enable-source-maps finds the map through the comment.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'linked',
  logLevel: 'error',
};

/**
 * The canary function (lib/canary.ts deploys it): the function's settings, its own entry and
 * folder. The same credential alias: it too runs only on Lambda.
 */
export const CANARY_BUILD: BuildOptions = {
  ...FUNCTION_BUILD,
  entryPoints: [path.join(ROOT, 'lambda', 'canary', 'canary-writer.ts')],
  outfile: path.join(DIST_DIR, 'canary', 'index.js'),
  alias: { ...FUNCTION_ALIASES },
};

/** Our own code in one file; npm packages stay `require`s, resolved from `node_modules`. */
function libraryBuild(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [path.join(ROOT, entry)],
    outfile: path.join(DIST_DIR, outfile),
    bundle: true,
    packages: 'external',
    platform: 'node',
    // The oldest Node.js the package supports (package.json engines).
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'error',
  };
}

/** The construct library, the package's `main`. */
export const LIBRARY_BUILD = libraryBuild('lib/index.ts', 'index.js');

/** The commands cli/main.ts imports when they run, each built to `dist/cli-<name>.js`. */
export const CLI_COMMANDS = ['scan', 'rules', 'replay', 'history', 'test-alert'] as const;

/**
 * Keeps cli/main.ts's `import('./scan')` (and the other commands) a `require` of the command's
 * own bundle, so `mp-audit --help` parses only the small main file.
 */
const commandsOutsideMain: Plugin = {
  name: 'commands-outside-main',
  setup(build) {
    const command = new RegExp(`^\\./(${CLI_COMMANDS.join('|')})$`);
    build.onResolve({ filter: command }, (args) => {
      if (path.resolve(args.importer) !== path.join(ROOT, 'cli', 'main.ts')) return undefined;
      return { path: `./cli-${command.exec(args.path)?.[1] ?? ''}.js`, external: true };
    });
  },
};

/**
 * The `mp-audit` command line: `dist/cli.js` (loaded by bin/mp-audit.js) and one bundle per
 * command. Small dependencies are bundled in: zod/mini alone is ~90 module files, ~80 ms of a
 * start when resolved from node_modules. The SDK stays outside, loaded by the commands that
 * call AWS.
 */
export const CLI_BUILD: BuildOptions = {
  ...libraryBuild('cli/main.ts', 'cli.js'),
  entryPoints: {
    cli: path.join(ROOT, 'cli', 'main.ts'),
    ...Object.fromEntries(
      CLI_COMMANDS.map((name) => [`cli-${name}`, path.join(ROOT, 'cli', `${name}.ts`)]),
    ),
  },
  outfile: undefined,
  outdir: DIST_DIR,
  packages: undefined,
  external: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*'],
  plugins: [commandsOutsideMain],
};
