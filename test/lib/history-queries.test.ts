import { historyQueries } from '../../lib/history-queries';

describe('Function: historyQueries', () => {
  it('adds the injected accounts to every query, after the MediaPackage filter', () => {
    // Act
    const queries = historyQueries({
      table: '"db"."cloudtrail_logs"',
      injectedAccountIds: ['111122223333', '444455556666'],
    });
    // Assess
    for (const { sql } of queries) {
      expect(sql).toContain("AND account IN ('111122223333', '444455556666')");
      expect(sql.indexOf('account IN (')).toBeGreaterThan(sql.indexOf('eventsource IN ('));
    }
  });

  it('reads only write calls where it says "writes" or "changes"', () => {
    // Act
    const queries = historyQueries({ table: '"db"."cloudtrail_logs"' });
    // Assess
    expect(
      queries.filter(({ sql }) => sql.includes("readonly = 'false'")).map(({ name }) => name),
    ).toEqual(['MediaPackage writes in a time range', 'MediaPackage changes per principal']);
  });
});
