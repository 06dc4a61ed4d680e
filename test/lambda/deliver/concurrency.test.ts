import { forEachConcurrently } from '../../../lambda/deliver/concurrency';

describe('Function: forEachConcurrently', () => {
  it('works on every item, starting them in order, never more than the bound at once', async () => {
    // Prepare
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;

    // Act
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 + (item % 3)));
      inFlight -= 1;
    });

    // Assess
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
    expect(inFlight).toBe(0);
  });

  it('does nothing for no items', async () => {
    // Prepare
    const work = jest.fn(() => Promise.resolve());

    // Act
    await forEachConcurrently([], 4, work);

    // Assess
    expect(work).not.toHaveBeenCalled();
  });
});
