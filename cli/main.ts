/**
 * The `mp-audit` command line: parses arguments and runs one command (cli/scan.ts,
 * cli/rules.ts, cli/replay.ts). bin/mp-audit.ts only calls `run`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BYTES_PER_MB, FUNCTION_ENV, MediaPackageAuditError } from '../lambda/contract';
import type { CompiledRules } from '../lambda/match/matcher';
import { runReplay } from './replay';
import type { ReplayOptions } from './replay';
import { DEFAULT_RULES_PATH, loadCompiledRules, runRulesCheck, runRulesTest } from './rules';
import { redactText } from '../lambda/alert/redact';
import { bucketArgument, describeCliError } from './errors';
import type { CommandIo } from './io';
import { runScan } from './scan';

/** Each command's own help, printed by `mp-audit <command> --help`. */
const COMMAND_HELP = {
  scan: `  scan <file|dir>...             Read local CloudTrail log files (.json.gz or .json,
                                 folders recursively) and print the changes that alert.
      --json                     One JSON alert per line instead of text.
      --rules <file>             Rules file to apply (default: built-in defaults).
      --max-inflated-mb <n>      Stop reading a file after this many MB of JSON, as the
                                 function does (default 2048); its alerts so far are printed.`,
  rules: `  rules check [file]             Validate a rules file (default ${DEFAULT_RULES_PATH})
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
} as const;
type CommandName = keyof typeof COMMAND_HELP;

const EXIT_STATUS = `Exit status: 0 on success, 1 when a file could not be read or a rules file is
invalid (the other files are still read), 2 on wrong usage.`;

const USAGE = `Usage: mp-audit <command> [options]

Commands:
${Object.values(COMMAND_HELP).join('\n')}

Global options:
  -h, --help                     This help; \`mp-audit <command> --help\` for one command.
  -V, --version                  Print the version.
      --debug                    Print the stack of an unexpected error.

${EXIT_STATUS}`;

function commandUsage(command: CommandName): string {
  return `Usage: mp-audit ${command === 'scan' ? 'scan <file|dir>...' : command === 'rules' ? 'rules check|test' : 'replay'} [options]\n\n${COMMAND_HELP[command]}\n\n${EXIT_STATUS}`;
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
  'idempotency-table': { type: 'string' },
  'max-inflated-mb': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean', default: false },
  region: { type: 'string' },
} as const;

/** A wrong usage: the problem and where to read more, not the whole usage (exit 2). */
function usageError(io: CommandIo, message: string, command?: CommandName): number {
  io.err(`mp-audit: ${message}`);
  io.err(`Try 'mp-audit${command === undefined ? '' : ` ${command}`} --help'.`);
  return 2;
}

/** Runs the CLI and returns its exit code; `io` is injectable for tests. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  // --debug is global: it may come before the command.
  const [command, ...rest] = argv.filter((arg) => arg !== '--debug');
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
    return usageError(io, (error as Error).message, command);
  }
  if (parsed.values.help === true) {
    io.out(commandUsage(command));
    return 0;
  }
  const { positionals, values } = parsed;
  if (command === 'rules') return rulesCommand(positionals, values, io);
  let rules: CompiledRules | undefined;
  if (values.rules !== undefined) {
    try {
      rules = loadCompiledRules(values.rules);
    } catch (error) {
      if (!(error instanceof MediaPackageAuditError)) throw error;
      io.err(error.message);
      return 1;
    }
  }
  return command === 'replay'
    ? replayCommand(values, rules, io)
    : scanCommand(positionals, values, rules, io);
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
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    io.err('mp-audit replay: stopping after the file in hand (Ctrl-C again to abort)');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
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
    ...(values.region === undefined ? {} : { region: values.region }),
    stopRequested: () => interrupted,
  };
  try {
    return await runReplay(options, io);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
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
    return runRulesTest({ rulesPath, paths, json: values.json === true }, io);
  }
  return usageError(io, `rules: unknown action '${action ?? ''}' (check or test)`, 'rules');
}

/** Runs the CLI against the real process: arguments, stdout, stderr and exit code. */
export function run(): void {
  // `mp-audit scan ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io: CommandIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    drained: () =>
      process.stdout.writableNeedDrain
        ? new Promise((resolve) => process.stdout.once('drain', () => resolve()))
        : undefined,
  };
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
      process.stderr.write(
        `mp-audit: ${describeCliError(error, { bucket: bucketArgument(argv) })}\n`,
      );
      if (debug && error instanceof Error && error.stack !== undefined) {
        process.stderr.write(`${redactText(error.stack)}\n`);
      }
      process.exitCode = 1;
    },
  );
}
