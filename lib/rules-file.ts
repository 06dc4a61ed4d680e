import { readFileSync } from 'node:fs';
import type { RulesConfig } from '../lambda/match/rules-schema';
import { parseRulesText, RulesJsonError, RulesValidationError } from '../lambda/match/rules-schema';

/** Why a rules file could not be taken in as a whole. */
export type RulesFileProblem = 'not-found' | 'directory' | 'permission' | 'unreadable' | 'json';

/**
 * A rules file that is missing, a directory, unreadable or not JSON: one plain line naming the
 * file. A `RulesValidationError` still, so whoever catches bad rules catches this too.
 */
export class RulesFileError extends RulesValidationError {
  public readonly path: string;
  public readonly problem: RulesFileProblem;

  public constructor(path: string, problem: RulesFileProblem, message: string, cause?: unknown) {
    super(path, [{ path: '(file)', message }], cause);
    // One line, not the list of paths: there is no path in a file that was not read.
    this.message = message;
    this.name = 'RulesFileError';
    this.path = path;
    this.problem = problem;
  }
}

export interface LoadRulesFileOptions {
  /**
   * What to do when the file does not exist, said after "not found".
   * @default create one, or leave out `rulesFile` (the construct's prop) for the defaults
   */
  readonly whenMissing?: string;
}

const DEFAULT_WHEN_MISSING =
  'create one: see README "Rules", or leave out rulesFile for the defaults';

/** The plain problem and its one-line message for a failed read of the file. */
function readProblem(
  path: string,
  error: NodeJS.ErrnoException,
  whenMissing: string,
): [RulesFileProblem, string] {
  switch (error.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return ['not-found', `rules file ${path} not found (${whenMissing})`];
    case 'EISDIR':
      return ['directory', `rules file ${path} is a directory; name the JSON file in it`];
    case 'EACCES':
    case 'EPERM':
      return [
        'permission',
        `rules file ${path} cannot be read: permission denied (${error.code}); check its owner and mode`,
      ];
    default:
      return ['unreadable', `rules file ${path} cannot be read: ${error.code ?? error.message}`];
  }
}

/**
 * Reads and validates a rules file (JSON). Used at synth time by the construct and by the
 * `mp-audit` CLI, so both reject the same mistakes with the same messages.
 * @throws RulesFileError when the file cannot be read or is not JSON, in one line
 * @throws RulesValidationError naming the file, each path in it and what is expected
 */
export function loadRulesFile(path: string, options: LoadRulesFileOptions = {}): RulesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const [problem, message] = readProblem(
      path,
      error as NodeJS.ErrnoException,
      options.whenMissing ?? DEFAULT_WHEN_MISSING,
    );
    throw new RulesFileError(path, problem, message, error);
  }
  try {
    return parseRulesText(text, path);
  } catch (error) {
    if (!(error instanceof RulesJsonError)) throw error;
    throw new RulesFileError(path, 'json', `rules file ${path} is ${error.reason}`, error);
  }
}
