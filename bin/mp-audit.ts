import { parseArgs } from 'node:util';
import type { CommandIo } from '../cli/scan';
import { runScan } from '../cli/scan';

const USAGE = `Usage: mp-audit <command> [options]

Commands:
  scan <file|dir>...   Read local CloudTrail log files (.json.gz or .json, folders
                       recursively) and print the MediaPackage changes that alert.
      --json           One JSON alert per line instead of text.

Exit status: 0 on success, 1 when a file could not be read (the others are still
scanned), 2 on wrong usage.`;

/** Runs the CLI and returns its exit code; `io` is injectable for tests. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'scan') {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: {
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
      });
    } catch (error) {
      io.err(`mp-audit scan: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (parsed.values.help === true) {
      io.out(USAGE);
      return 0;
    }
    if (parsed.positionals.length === 0) {
      io.err(`mp-audit scan: name at least one file or folder\n\n${USAGE}`);
      return 2;
    }
    return runScan({ paths: parsed.positionals, json: parsed.values.json === true }, io);
  }
  io.err(`mp-audit: unknown command '${command}'\n\n${USAGE}`);
  return 2;
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
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`mp-audit: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) {
  run();
}
