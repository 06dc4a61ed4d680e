import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULES } from '../../lambda/match/rules-schema';
import { loadRulesFile } from '../../lib/rules-file';
import { validationError } from '../support/rules-errors';

describe('Function: loadRulesFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mp-audit-rules-file-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a missing file as unreadable, naming it', () => {
    // Prepare
    const path = join(dir, 'no-such-rules.json');

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error.message).toBe(`${path}: invalid rules:\n  (file): cannot read the file: ENOENT`);
  });

  it('reports a folder as unreadable, naming it', () => {
    // Prepare
    const path = dir;

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error.message).toBe(`${path}: invalid rules:\n  (file): cannot read the file: EISDIR`);
  });

  it('names the file in the problems of its content', async () => {
    // Prepare
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ version: 1, suppressions: [{ region: 'us-west-2' }] }));

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error.message).toBe(
      `${path}: invalid rules:\n  suppressions[0].reason: a reason is required: say why these events need no alert`,
    );
  });

  it('returns the validated rules of a good file with defaults filled in', async () => {
    // Prepare
    const path = join(dir, 'good.json');
    await writeFile(path, JSON.stringify({ version: 1, alertOnReadOnly: true }));

    // Act
    const rules = loadRulesFile(path);

    // Assess
    expect(rules).toEqual({ ...DEFAULT_RULES, alertOnReadOnly: true });
  });
});
