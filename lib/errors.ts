import type { IConstruct } from 'constructs';

/** Thrown when a construct of this package gets props that contradict each other or are out of range. */
export class InvalidPropsError extends Error {
  public constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.name = 'InvalidPropsError';
  }
}
