import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULES } from '../../lambda/match/rules-schema';
import { loadRulesFile, RulesFileError } from '../../lib/rules-file';
import { validationError } from '../support/rules-errors';

describe('Function: loadRulesFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mp-audit-rules-file-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('says plainly that a missing file is not found, on one line, with what to do', () => {
    // Prepare
    const path = join(dir, 'no-such-rules.json');

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error).toBeInstanceOf(RulesFileError);
    expect(error.name).toBe('RulesFileError');
    expect(error).toMatchObject({ path, problem: 'not-found' });
    expect(error.message).toBe(
      `rules file ${path} not found (create one: see README "Rules", or leave out rulesFile for the defaults)`,
    );
  });

  it("gives the caller's advice for a missing file", () => {
    // Prepare
    const path = join(dir, 'missing', 'rules.json');

    // Act
    const error = validationError(() =>
      loadRulesFile(path, { whenMissing: 'or run without --rules' }),
    );

    // Assess
    expect(error.message).toBe(`rules file ${path} not found (or run without --rules)`);
  });

  it('says a folder is a folder, naming it', () => {
    // Prepare
    const path = dir;

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error).toMatchObject({ problem: 'directory' });
    expect(error.message).toBe(`rules file ${path} is a directory; name the JSON file in it`);
  });

  it('says a file it may not read is a permission problem, naming it', () => {
    // Prepare: tests may run as root, whom a file mode does not stop.
    const path = join(dir, 'locked.json');
    jest.spyOn(fs, 'readFileSync').mockImplementationOnce(() => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), {
        code: 'EACCES',
      });
    });

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error).toMatchObject({ problem: 'permission' });
    expect(error.message).toBe(
      `rules file ${path} cannot be read: permission denied (EACCES); check its owner and mode`,
    );
    expect(error.cause).toMatchObject({ code: 'EACCES' });
  });

  it('says where a file stops being JSON, on one line', async () => {
    // Prepare
    const path = join(dir, 'trailing-comma.json');
    await writeFile(path, '{\n  "version": 1,\n}\n');

    // Act
    const error = validationError(() => loadRulesFile(path));

    // Assess
    expect(error).toMatchObject({ problem: 'json' });
    expect(error.message).toBe(
      `rules file ${path} is not valid JSON at line 3, column 1: expected double-quoted property name`,
    );
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
