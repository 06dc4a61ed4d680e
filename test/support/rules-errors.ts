import { RulesValidationError } from '../../lambda/match/rules-schema';

/** Runs `act` and returns the RulesValidationError it throws; fails the test otherwise. */
export function validationError(act: () => unknown): RulesValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof RulesValidationError) return error;
    throw error;
  }
  throw new Error('expected a RulesValidationError, but the rules were accepted');
}
