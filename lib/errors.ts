import type { IConstruct } from 'constructs';
import { MediaPackageAuditError } from '../lambda/contract';

/** The base of every error this package throws on purpose; `bin/app.ts` catches it once. */
export { MediaPackageAuditError };

/** Thrown when a construct of this package gets props that contradict each other or are out of range. */
export class InvalidPropsError extends MediaPackageAuditError {
  public constructor(scope: IConstruct, message: string, options?: { readonly cause?: unknown }) {
    super(`${scope.node.path}: ${message}`, options);
    this.name = 'InvalidPropsError';
  }
}

/** Thrown when a subscription of `AlertTopic` cannot work (a bad endpoint, a duplicate, severities). */
export class InvalidSubscriptionError extends InvalidPropsError {
  public constructor(scope: IConstruct, message: string, options?: { readonly cause?: unknown }) {
    super(scope, message, options);
    this.name = 'InvalidSubscriptionError';
  }
}

/**
 * Throws one {@link InvalidPropsError} naming every problem, so that one synth reports them all;
 * `undefined` entries (checks that passed) are skipped.
 */
export function throwIfInvalid(scope: IConstruct, problems: readonly (string | undefined)[]): void {
  const found = problems.filter((problem): problem is string => problem !== undefined);
  if (found.length > 0) throw new InvalidPropsError(scope, found.join('; '));
}
