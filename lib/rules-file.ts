import { readFileSync } from 'node:fs';
import type { RulesConfig } from '../lambda/match/rules-schema';
import { parseRulesText, RulesValidationError } from '../lambda/match/rules-schema';

/**
 * Reads and validates a rules file (JSON). Used at synth time by the construct and by the
 * `mp-audit` CLI, so both reject the same mistakes with the same messages.
 * @throws RulesValidationError naming the file, the path in it and what is expected
 */
export function loadRulesFile(path: string): RulesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RulesValidationError(
      path,
      [
        {
          path: '(file)',
          message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        },
      ],
      error,
    );
  }
  return parseRulesText(text, path);
}
