/**
 * The `mp-audit` command line: parses arguments and runs one command (cli/scan.ts,
 * cli/rules.ts, cli/replay.ts, cli/history.ts, cli/test-alert.ts). bin/mp-audit.js only calls `run` (compiled to dist/cli.js).
 *
 * Start-up matters (`--help` is typed often): this module imports only small leaf modules, and
 * each command's module (with the AWS SDK and the pipeline) is loaded when that command runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BYTES_PER_MB,
  FUNCTION_ENV,
  MEDIAPACKAGE_REGIONS,
  MediaPackageAuditError,
} from '../lambda/contract';
import type { CompiledRules } from '../lambda/match/matcher';
import type { HistoryOptions } from './history';
import type { ReplayOptions } from './replay';
import type { DEFAULT_RULES_PATH } from './rules';
import type { DEFAULT_STACK_NAME } from './test-alert';
import { redactText } from '../lambda/alert/redact';
import { bucketArgument, describeCliError } from './errors';
import type { CommandIo } from './io';
import { errorLine, terminalIo } from './terminal';

/**
 * The defaults of rules.ts and test-alert.ts, spelt here so that help loads neither module;
 * their literal types make a change there a compile error here.
 */
const RULES_PATH_SHOWN: typeof DEFAULT_RULES_PATH = 'config/rules.json';
const STACK_NAME_SHOWN: typeof DEFAULT_STACK_NAME = 'MediaPackageAuditAlerts';

/** Each command's own help, printed by `mp-audit <command> --help`. */
const COMMAND_HELP = {
  scan: `  scan <file|dir|->...           Read local CloudTrail log files and print the changes that
                                 alert. Folders are searched recursively for CloudTrail's
                                 file names (<account>_CloudTrail_<region>_<time>_<id>.json.gz,
                                 or .json once gunzipped); other files, node_modules and
                                 dot-folders are counted as skipped. A file named here is
                                 read whatever its name; - reads standard input (gzip or JSON).
      --json                     One JSON alert per line instead of text.
      --rules <file>             Rules file to apply (default: built-in defaults).
      --max-inflated-mb <n>      Stop reading a file after this many MB of JSON, as the
                                 function does (default 2048); its alerts so far are printed.`,
  rules: `  rules check [file]             Validate a rules file (default ${RULES_PATH_SHOWN})
                                 and print what it does.
  rules test <rules> <logs>...   Show which events in local log files alert, at which
                                 severity, and which suppression silenced which event.
      --json                     One JSON decision per line.`,
  replay: `  replay                         Re-process log files from S3 through the function's
                                 path, skipping alerts already sent (idempotency table).
      --from-dlq <queue-url>     The failed invocations in the dead-letter queue; each
                                 message is deleted once its files are done.
      --bucket <name>            Backfill every log file in a bucket ...
      --prefix <prefix>          ... under this key prefix (e.g. AWSLogs/111122223333/)
      --since <date> --until <date>  ... delivered in [since, until) (ISO 8601, UTC)
      --dry-run                  Print what would alert; publish and delete nothing.
      --topic-arn <arn>          Alert topic (default ${FUNCTION_ENV.alertTopicArn}).
      --idempotency-table <name> (default ${FUNCTION_ENV.idempotencyTableName}).
      --rules <file>             Rules file (default: built-in defaults).
      --region <region>          AWS Region (default AWS_REGION, else the queue URL's).`,
  history: `  history                        Read CloudTrail Event history (LookupEvents: the last 90
                                 days of management events, no trail needed) for the rules'
                                 event sources and CloudTrail, and print what alerts.
      --since <when>             7d, 36h or 90m ago, or a date (ISO 8601, UTC; default 24h).
      --until <when>             The same forms (default now).
      --region <region>          A Region to read; repeat (or use commas) for more
                                 (default AWS_REGION).
      --all-regions              Every Region where MediaPackage has an endpoint.
      --json                     One JSON alert per line instead of text.
      --rules <file>             Rules file to apply (default: built-in defaults).
      --publish                  Also send the alerts through the deployed topic, once per
                                 event: the pipeline and later runs do not send them again.
      --topic-arn <arn>          Alert topic for --publish (default ${FUNCTION_ENV.alertTopicArn}).
      --idempotency-table <name> (default ${FUNCTION_ENV.idempotencyTableName}).`,
  'test-alert': `  test-alert                     Publish one clearly marked test alert through the
                                 deployed alert topic (from the stack's outputs, or
                                 --topic-arn) so you can check email and Slack after deploy.
      --topic-arn <arn>          Alert topic (default: the stack's output).
      --stack-name <name>        Stack to read it from (default ${STACK_NAME_SHOWN}).
      --region <region>          AWS Region (default AWS_REGION).
      --severity <level>         high, medium, low or info (default low: email and Slack
                                 get it, a pager limited to high does not).`,
} as const;
type CommandName = keyof typeof COMMAND_HELP;

/** What follows `mp-audit` in each command's usage line. */
const COMMAND_SYNOPSIS: Readonly<Record<CommandName, string>> = {
  scan: 'scan <file|dir|->...',
  rules: 'rules check|test',
  replay: 'replay',
  history: 'history',
  'test-alert': 'test-alert',
};

const EXIT_STATUS = `Exit status: 0 on success, 1 when a file or a Region could not be read or a rules
file is invalid (the other files and Regions are still read), 2 on wrong usage.`;

const USAGE = `Usage: mp-audit <command> [options]

Commands:
${Object.values(COMMAND_HELP).join('\n')}

Global options:
  -h, --help                     This help; \`mp-audit <command> --help\` for one command.
  -V, --version                  Print the version.
  -q, --quiet                    No summary line and no progress: only alerts, warnings
                                 and errors.
      --debug                    Print the stack of an unexpected error.

Progress is shown on standard error when it is a terminal. Colour only on a terminal, and
never when NO_COLOR is set (FORCE_COLOR=1 forces it).

${EXIT_STATUS}`;

function commandUsage(command: CommandName): string {
  return `Usage: mp-audit ${COMMAND_SYNOPSIS[command]} [options]\n\n${COMMAND_HELP[command]}\n\n${EXIT_STATUS}`;
}

function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMAND_HELP, name);
}

/** The version in package.json, read relative to this file so it works from any directory. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
type Values = Parsed['values'];

const OPTIONS = {
  json: { type: 'boolean', default: false },
  rules: { type: 'string' },
  'from-dlq': { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  'topic-arn': { type: 'string' },
  'stack-name': { type: 'string' },
  severity: { type: 'string' },
  'idempotency-table': { type: 'string' },
  'max-inflated-mb': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  region: { type: 'string', multiple: true },
  'all-regions': { type: 'boolean', default: false },
  publish: { type: 'boolean', default: false },
} as const;

/** Options that may come before the command as well as after it. */
const GLOBAL_FLAGS = new Set(['--debug', '--quiet', '-q']);

/**
 * parseArgs' error in a few words: its message for an unknown option goes on to explain `--`,
 * which is noise next to the hint to read the command's help.
 */
function parseArgsProblem(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option ${/'[^']*'/.exec(text)?.[0] ?? text}`;
  }
  return text;
}

/** A wrong usage: the problem and where to read more, not the whole usage (exit 2). */
function usageError(io: CommandIo, message: string, command?: CommandName): number {
  io.err(errorLine(io, message));
  io.err(`Try 'mp-audit${command === undefined ? '' : ` ${command}`} --help'.`);
  return 2;
}

/** Runs the CLI and returns its exit code; `io` is injectable for tests. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const firstNotGlobal = argv.findIndex((arg) => !GLOBAL_FLAGS.has(arg));
  const globals = firstNotGlobal === -1 ? argv : argv.slice(0, firstNotGlobal);
  const [command, ...rest] = firstNotGlobal === -1 ? [] : argv.slice(firstNotGlobal);
  if (command === undefined) return usageError(io, 'name a command');
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command === '--version' || command === '-V') {
    io.out(packageVersion());
    return 0;
  }
  if (!isCommandName(command)) return usageError(io, `unknown command '${command}'`);
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return usageError(io, parseArgsProblem(error), command);
  }
  if (parsed.values.help === true) {
    io.out(commandUsage(command));
    return 0;
  }
  const { positionals, values } = parsed;
  const quiet = values.quiet === true || globals.includes('--quiet') || globals.includes('-q');
  const commandIo: CommandIo = quiet ? { ...io, quiet: true, status: undefined } : io;
  if (command === 'rules') return rulesCommand(positionals, values, commandIo);
  if (command === 'test-alert') return testAlertCommand(positionals, values, commandIo);
  let rules: CompiledRules | undefined;
  if (values.rules !== undefined) {
    const { loadCompiledRules } = await import('./rules');
    try {
      rules = loadCompiledRules(values.rules);
    } catch (error) {
      if (!(error instanceof MediaPackageAuditError)) throw error;
      io.err(error.message);
      return 1;
    }
  }
  if (command === 'history') return historyCommand(positionals, values, rules, commandIo);
  return command === 'replay'
    ? replayCommand(values, rules, commandIo)
    : scanCommand(positionals, values, rules, commandIo);
}

/**
 * The one Region a command takes (`--region` is repeatable for history only), or a usage error
 * when it was given more than once.
 */
function singleRegion(
  values: Values,
  command: CommandName,
  io: CommandIo,
): { region: string | undefined } | { exit: number } {
  const [region, ...more] = values.region ?? [];
  if (more.length > 0) return { exit: usageError(io, `${command}: give --region once`, command) };
  return { region };
}

/** Calls `onInterrupt` on the first Ctrl-C, exits on the second; returns the undo. */
function onFirstInterrupt(
  io: CommandIo,
  message: string,
): { stopped: () => boolean; done: () => void } {
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    io.err(message);
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  return {
    stopped: () => interrupted,
    done: () => process.removeListener('SIGINT', onInterrupt),
  };
}

async function historyCommand(
  positionals: readonly string[],
  values: Values,
  rules: CompiledRules | undefined,
  io: CommandIo,
): Promise<number> {
  if (positionals.length > 0) {
    return usageError(io, `history takes no arguments, got '${positionals[0] ?? ''}'`, 'history');
  }
  // Repeated, or several in one: `--region us-east-1,eu-west-1`.
  const regions = (values.region ?? []).flatMap((value) => value.split(',')).map((r) => r.trim());
  if (values['all-regions'] === true && regions.length > 0) {
    return usageError(io, 'history: give --region or --all-regions, not both', 'history');
  }
  const badRegion = regions.find((region) => !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region));
  if (badRegion !== undefined) {
    return usageError(
      io,
      `history: --region expects a Region name like us-east-1, got '${badRegion}'`,
      'history',
    );
  }
  if (
    values.publish !== true &&
    (values['topic-arn'] ?? values['idempotency-table']) !== undefined
  ) {
    return usageError(
      io,
      'history: --topic-arn and --idempotency-table go with --publish',
      'history',
    );
  }
  const { historyWindow, runHistory } = await import('./history');
  const window = historyWindow(values.since, values.until);
  if ('problem' in window) return usageError(io, `history: ${window.problem}`, 'history');
  for (const note of window.notes) io.err(`mp-audit history: ${note}`);
  const interrupt = onFirstInterrupt(
    io,
    'mp-audit history: stopping after the page in hand (Ctrl-C again to abort)',
  );
  const options: HistoryOptions = {
    start: window.start,
    end: window.end,
    regions: values['all-regions'] === true ? MEDIAPACKAGE_REGIONS : [...new Set(regions)],
    json: values.json === true,
    ...(rules === undefined ? {} : { rules }),
    publish: values.publish === true,
    ...(values['topic-arn'] === undefined ? {} : { topicArn: values['topic-arn'] }),
    ...(values['idempotency-table'] === undefined
      ? {}
      : { idempotencyTable: values['idempotency-table'] }),
    stopRequested: interrupt.stopped,
  };
  try {
    return await runHistory(options, io);
  } finally {
    interrupt.done();
  }
}

async function replayCommand(
  values: Values,
  rules: CompiledRules | undefined,
  io: CommandIo,
): Promise<number> {
  const dates: Record<'since' | 'until', Date | undefined> = { since: undefined, until: undefined };
  for (const key of ['since', 'until'] as const) {
    const value = values[key];
    if (value === undefined) continue;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      return usageError(
        io,
        `replay: --${key} expects a date like 2026-11-01 or 2026-11-01T12:00Z`,
        'replay',
      );
    }
    dates[key] = date;
  }
  if ((values['from-dlq'] === undefined) === (values.bucket === undefined)) {
    return usageError(
      io,
      'replay: give exactly one of --from-dlq <queue-url> or --bucket <name>',
      'replay',
    );
  }
  const region = singleRegion(values, 'replay', io);
  if ('exit' in region) return region.exit;
  const interrupt = onFirstInterrupt(
    io,
    'mp-audit replay: stopping after the file in hand (Ctrl-C again to abort)',
  );
  const options: ReplayOptions = {
    ...(values['from-dlq'] === undefined ? {} : { fromDlq: values['from-dlq'] }),
    ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...(dates.since === undefined ? {} : { since: dates.since }),
    ...(dates.until === undefined ? {} : { until: dates.until }),
    dryRun: values['dry-run'] === true,
    ...(values['topic-arn'] === undefined ? {} : { topicArn: values['topic-arn'] }),
    ...(values['idempotency-table'] === undefined
      ? {}
      : { idempotencyTable: values['idempotency-table'] }),
    ...(rules === undefined ? {} : { rules }),
    ...(region.region === undefined ? {} : { region: region.region }),
    stopRequested: interrupt.stopped,
  };
  try {
    const { runReplay } = await import('./replay');
    return await runReplay(options, io);
  } finally {
    interrupt.done();
  }
}

async function scanCommand(
  positionals: readonly string[],
  values: Values,
  rules: CompiledRules | undefined,
  io: CommandIo,
): Promise<number> {
  if (positionals.length === 0)
    return usageError(io, 'scan: name at least one file or folder', 'scan');
  const maxMb = values['max-inflated-mb'];
  if (maxMb !== undefined && !/^[1-9]\d{0,6}$/.test(maxMb)) {
    return usageError(
      io,
      'scan: --max-inflated-mb expects a whole number of MB, e.g. 16384',
      'scan',
    );
  }
  const { runScan } = await import('./scan');
  return runScan(
    {
      paths: positionals,
      json: values.json === true,
      ...(rules === undefined ? {} : { rules }),
      ...(maxMb === undefined ? {} : { maxInflatedBytes: Number(maxMb) * BYTES_PER_MB }),
    },
    io,
  );
}

async function rulesCommand(
  positionals: readonly string[],
  values: Values,
  io: CommandIo,
): Promise<number> {
  const [action, ...args] = positionals;
  if (action === 'check') {
    if (args.length > 1) return usageError(io, 'rules check takes at most one file', 'rules');
    const { DEFAULT_RULES_PATH, runRulesCheck } = await import('./rules');
    return runRulesCheck(args[0] ?? DEFAULT_RULES_PATH, io);
  }
  if (action === 'test') {
    const [rulesPath, ...paths] = args;
    if (rulesPath === undefined || paths.length === 0) {
      return usageError(
        io,
        'rules test needs a rules file and at least one log file or folder',
        'rules',
      );
    }
    const { runRulesTest } = await import('./rules');
    return runRulesTest({ rulesPath, paths, json: values.json === true }, io);
  }
  return usageError(io, `rules: unknown action '${action ?? ''}' (check or test)`, 'rules');
}

async function testAlertCommand(
  positionals: readonly string[],
  values: Values,
  io: CommandIo,
): Promise<number> {
  if (positionals.length > 0) {
    return usageError(
      io,
      `test-alert takes no arguments, got '${positionals[0] ?? ''}'`,
      'test-alert',
    );
  }
  const region = singleRegion(values, 'test-alert', io);
  if ('exit' in region) return region.exit;
  const { SEVERITIES, runTestAlert } = await import('./test-alert');
  const severity = SEVERITIES.find((level) => level === values.severity);
  if (values.severity !== undefined && severity === undefined) {
    return usageError(
      io,
      `test-alert: --severity expects one of ${SEVERITIES.join(', ')}`,
      'test-alert',
    );
  }
  return runTestAlert(
    {
      ...(values['topic-arn'] === undefined ? {} : { topicArn: values['topic-arn'] }),
      ...(values['stack-name'] === undefined ? {} : { stackName: values['stack-name'] }),
      ...(region.region === undefined ? {} : { region: region.region }),
      ...(severity === undefined ? {} : { severity }),
    },
    io,
  );
}

/** Runs the CLI against the real process: arguments, stdout, stderr and exit code. */
export function run(): void {
  // `mp-audit scan ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io = terminalIo({
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: () => process.stdin,
    env: process.env,
  });
  // The SDK's documented switch for its Node-version notice: an upgrade hint for the SDK's
  // maintainers' schedule, not something a user of this command can act on mid-run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const argv = process.argv.slice(2);
  const debug = argv.includes('--debug');
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // One line a user can act on; the stack only when asked for (--debug).
      io.err(errorLine(io, describeCliError(error, { bucket: bucketArgument(argv) })));
      if (debug && error instanceof Error && error.stack !== undefined) {
        io.err(redactText(error.stack));
      }
      process.exitCode = 1;
    },
  );
}
