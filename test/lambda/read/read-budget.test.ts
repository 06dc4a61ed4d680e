import fc from 'fast-check';
import { DELIVERY_MARGIN_MAX_MS, readDeadline } from '../../../lambda/read/read-budget';

const NOW = 1_000;
/** Up to Lambda's longest timeout (15 minutes) and beyond. */
const remainingMs = fc.integer({ min: 0, max: 20 * 60 * 1000 });
const RUNS = { seed: 42, numRuns: 200 } as const;

describe('Function: readDeadline', () => {
  it.each([
    [300_000, 285_000],
    [8_000, 6_000],
    [3_000, 2_000],
    [1_000, 500],
    [0, 0],
  ])('leaves a delivery margin out of %i ms remaining', (remaining, reading) => {
    // Act
    const deadline = readDeadline(remaining, NOW);

    // Assess
    expect(deadline).toBe(NOW + reading);
  });

  it('stops reading at once when the invocation has no time left', () => {
    // Act
    const deadline = readDeadline(-250, NOW);

    // Assess
    expect(deadline).toBe(NOW);
  });

  it('ends reading within the time left, keeping at most the largest margin for delivery', () => {
    fc.assert(
      fc.property(remainingMs, (remaining) => {
        // Act
        const deadline = readDeadline(remaining, NOW);

        // Assess
        expect(deadline).toBeGreaterThanOrEqual(NOW);
        expect(deadline).toBeLessThanOrEqual(NOW + remaining);
        expect(NOW + remaining - deadline).toBeLessThanOrEqual(DELIVERY_MARGIN_MAX_MS);
      }),
      RUNS,
    );
  });

  it('keeps a second for delivery whenever two are left, and half of less', () => {
    fc.assert(
      fc.property(remainingMs, (remaining) => {
        // Act
        const margin = NOW + remaining - readDeadline(remaining, NOW);

        // Assess
        expect(margin).toBeGreaterThanOrEqual(Math.min(1_000, remaining / 2));
      }),
      RUNS,
    );
  });

  it('never reads less when more time is left', () => {
    fc.assert(
      fc.property(remainingMs, remainingMs, (a, b) => {
        // Act
        const [shorter, longer] = [Math.min(a, b), Math.max(a, b)].map((remaining) =>
          readDeadline(remaining, NOW),
        );

        // Assess
        expect(shorter).toBeLessThanOrEqual(longer as number);
      }),
      RUNS,
    );
  });
});
