import { CLOUDTRAIL_COLUMNS } from '../../lib/cloudtrail-table';

describe('Table: CloudTrail', () => {
  it('writes every column type without spaces and with balanced brackets', () => {
    // Assess
    for (const { type } of CLOUDTRAIL_COLUMNS) {
      expect(type).not.toMatch(/\s/);
      expect(type.split('<').length).toBe(type.split('>').length);
    }
  });
});
