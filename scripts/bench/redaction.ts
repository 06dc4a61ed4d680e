/**
 * `npm run bench:redaction [-- --runs N]` (`-- --help` for the usage)
 *
 * How long redaction takes on the hostile inputs the redaction tests use
 * (test/support/hostile-text.ts: about 1 MB of text each, built so that a backtracking or
 * quadratic scan takes minutes) and on 100,000 levels of nesting. Prints the median of --runs
 * runs (default 5) in milliseconds and MB/s per input, and whether the result is the one the
 * tests expect. The tests assert what redaction returns; the time belongs here, where it is
 * read on the machine that measured it.
 */
import { redactSecrets, redactText } from '../../lambda/alert/redact';
import { HOSTILE_TEXTS, nested } from '../../test/support/hostile-text';
import { parseRedactionArgs, REDACTION_COMMAND_LINE, settleCommandLine } from './options';

interface Row {
  readonly input: string;
  readonly chars: number;
  readonly medianMs: number;
  readonly maxMs: number;
  readonly expected: boolean;
}

function measure(
  runs: number,
  work: () => boolean,
): { medianMs: number; maxMs: number; ok: boolean } {
  const times: number[] = [];
  let ok = true;
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    ok = work() && ok;
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)] ?? 0,
    maxMs: times[times.length - 1] ?? 0,
    ok,
  };
}

function main(argv: readonly string[]): number {
  const settled = settleCommandLine(parseRedactionArgs(argv), REDACTION_COMMAND_LINE);
  if ('exitCode' in settled) return settled.exitCode;
  const { runs } = settled.options;
  const rows: Row[] = HOSTILE_TEXTS.map(({ name, text, redacted }) => {
    const { medianMs, maxMs, ok } = measure(runs, () => redactText(text) === redacted);
    return { input: `redactText: ${name}`, chars: text.length, medianMs, maxMs, expected: ok };
  });
  for (const kind of ['objects', 'arrays'] as const) {
    const value = nested(kind, 100_000, 'Zq8vLmN3pRt7Kx2W');
    const { medianMs, maxMs, ok } = measure(runs, () => {
      const json = JSON.stringify(redactSecrets(value));
      return !json.includes('Zq8vLmN3pRt7Kx2W');
    });
    rows.push({
      input: `redactSecrets: 100,000 nested ${kind}`,
      chars: 0,
      medianMs,
      maxMs,
      expected: ok,
    });
  }
  const width = Math.max(...rows.map((row) => row.input.length));
  console.log(`${'input'.padEnd(width)}  median ms  max ms  Mchar/s  expected result`);
  for (const row of rows) {
    const mbPerSecond = row.chars === 0 ? '' : (row.chars / 1e6 / (row.medianMs / 1e3)).toFixed(0);
    console.log(
      `${row.input.padEnd(width)}  ${row.medianMs.toFixed(1).padStart(9)}  ${row.maxMs
        .toFixed(1)
        .padStart(6)}  ${mbPerSecond.padStart(7)}  ${row.expected ? 'yes' : 'NO'}`,
    );
  }
  return rows.every((row) => row.expected) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
