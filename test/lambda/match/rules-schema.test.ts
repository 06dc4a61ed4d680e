import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RulesValidationError } from '../../../lambda/match/rules-schema';
import {
  RulesJsonError,
  closestKey,
  editDistance,
  parseRules,
  parseRulesText,
  rulesJsonSchema,
} from '../../../lambda/match/rules-schema';
import { validationError } from '../../support/rules-errors';

const SOURCE = 'config/team-rules.json';
const REPO = join(__dirname, '..', '..', '..');
const REASON = 'Deploy role changes are reviewed in CI';
const GOOD_SUPPRESSION = { reason: REASON, account: '111122223333' };

/** The lines of the message that report a problem at `path`. */
function linesAt(error: RulesValidationError, path: string): string[] {
  return error.message.split('\n').filter((line) => line.startsWith(`  ${path}: `));
}

interface SchemaCase {
  readonly name: string;
  readonly rules: unknown;
  readonly path: string;
  readonly expected: string;
}

const SCHEMA_CASES: readonly SchemaCase[] = [
  {
    name: 'an unknown top-level key',
    rules: { version: 1, severityRule: [] },
    path: 'severityRule',
    expected: 'unknown key; did you mean "severityRules"?',
  },
  {
    name: 'an unknown key under eventNames',
    rules: { version: 1, eventNames: { include: ['*'], exlude: [] } },
    path: 'eventNames.exlude',
    expected: 'unknown key; did you mean "exclude"?',
  },
  {
    name: 'an unknown key in a severity rule',
    rules: { version: 1, severityRules: [{ name: 'DeleteChannel', severity: 'high' }] },
    path: 'severityRules[0].name',
    expected:
      'unknown key; the keys here are eventName, eventSource, outcome, identityType, via, severity',
  },
  {
    name: 'an unknown key in the second suppression',
    rules: {
      version: 1,
      suppressions: [GOOD_SUPPRESSION, { ...GOOD_SUPPRESSION, principal: 'arn:aws:iam::*' }],
    },
    path: 'suppressions[1].principal',
    expected: 'unknown key; did you mean "principalArn"?',
  },
  {
    name: 'an unknown key under selfProtection',
    rules: { version: 1, selfProtection: { enabled: true, level: 'high' } },
    path: 'selfProtection.level',
    expected: 'unknown key; the keys here are enabled, severity',
  },
  {
    name: 'an empty include pattern',
    rules: { version: 1, eventNames: { include: ['Update*', ''] } },
    path: 'eventNames.include[1]',
    expected: 'expected an event name pattern, e.g. "Rotate*"; an empty pattern matches nothing',
  },
  {
    name: 'an empty event source pattern',
    rules: { version: 1, eventSources: [''] },
    path: 'eventSources[0]',
    expected: 'an empty pattern matches nothing',
  },
  {
    name: 'an event name pattern with a space',
    rules: { version: 1, eventNames: { exclude: ['Delete Channel'] } },
    path: 'eventNames.exclude[0]',
    expected: 'expected an event name pattern made of A-Za-z0-9* and * wildcards',
  },
  {
    name: 'an event name pattern with a hyphen in a severity rule',
    rules: { version: 1, severityRules: [{ eventName: 'Delete-*', severity: 'high' }] },
    path: 'severityRules[0].eventName',
    expected: 'expected an event name pattern made of',
  },
  {
    name: 'an event source pattern in capitals',
    rules: { version: 1, eventSources: ['mediapackage.amazonaws.com', 'MediaLive.amazonaws.com'] },
    path: 'eventSources[1]',
    expected: 'expected an event source pattern made of',
  },
  {
    name: 'an event name pattern longer than 512 characters',
    rules: { version: 1, eventNames: { include: ['A'.repeat(513)] } },
    path: 'eventNames.include[0]',
    expected: 'expected an event name pattern of at most 512 characters',
  },
  {
    name: 'a control character in a principal ARN pattern',
    rules: {
      version: 1,
      suppressions: [
        { reason: REASON, principalArn: ['arn:aws:iam::111122223333:role/deploy\u0007'] },
      ],
    },
    path: 'suppressions[0].principalArn[0]',
    expected: 'expected a pattern without control characters',
  },
  {
    name: 'a newline in a user agent pattern',
    rules: { version: 1, suppressions: [{ reason: REASON, userAgent: ['aws-cli/*\n'] }] },
    path: 'suppressions[0].userAgent[0]',
    expected: 'expected a pattern without control characters',
  },
  {
    name: 'an account that is not digits',
    rules: { version: 1, suppressions: [{ reason: REASON, account: ['acct-1111'] }] },
    path: 'suppressions[0].account[0]',
    expected: 'expected a 12-digit account ID or pattern made of',
  },
  {
    name: 'a Region in capitals',
    rules: { version: 1, suppressions: [{ reason: REASON, region: ['US-WEST-2'] }] },
    path: 'suppressions[0].region[0]',
    expected: 'expected a Region or pattern made of',
  },
  {
    name: 'an IPv4 CIDR with a /33 prefix',
    rules: { version: 1, suppressions: [{ reason: REASON, sourceIp: ['203.0.113.0/33'] }] },
    path: 'suppressions[0].sourceIp[0]',
    expected: 'expected an IPv4 or IPv6 address or CIDR block, e.g. "203.0.113.0/24"',
  },
  {
    name: 'an IPv6 CIDR with a /129 prefix',
    rules: {
      version: 1,
      suppressions: [{ reason: REASON, sourceIp: ['198.51.100.0/24', '2001:db8::/129'] }],
    },
    path: 'suppressions[0].sourceIp[1]',
    expected: 'expected an IPv4 or IPv6 address or CIDR block',
  },
  {
    name: 'an IPv4 address with an octet over 255',
    rules: { version: 1, suppressions: [{ reason: REASON, sourceIp: ['203.0.113.256'] }] },
    path: 'suppressions[0].sourceIp[0]',
    expected: 'expected an IPv4 or IPv6 address or CIDR block',
  },
  {
    name: 'a host name where an IP address is expected',
    rules: {
      version: 1,
      suppressions: [{ reason: REASON, sourceIp: ['cloudformation.amazonaws.com'] }],
    },
    path: 'suppressions[0].sourceIp[0]',
    expected: 'expected an IPv4 or IPv6 address or CIDR block',
  },
  {
    name: 'an unknown severity in a severity rule',
    rules: { version: 1, severityRules: [{ eventName: 'Delete*', severity: 'critical' }] },
    path: 'severityRules[0].severity',
    expected: 'expected one of high, medium, low, info',
  },
  {
    name: 'an unknown default severity',
    rules: { version: 1, defaultSeverity: 'urgent' },
    path: 'defaultSeverity',
    expected: 'expected one of high, medium, low, info',
  },
  {
    name: 'an unknown self-protection severity',
    rules: { version: 1, selfProtection: { severity: 'critical' } },
    path: 'selfProtection.severity',
    expected: 'expected one of high, medium, low, info',
  },
  {
    name: 'an unknown outcome in a severity rule',
    rules: { version: 1, severityRules: [{ outcome: 'error', severity: 'high' }] },
    path: 'severityRules[0].outcome',
    expected: 'expected "success" or "failed"',
  },
  {
    name: 'a suppression without a reason',
    rules: {
      version: 1,
      suppressions: [GOOD_SUPPRESSION, { principalArn: 'arn:aws:iam::111122223333:role/ci' }],
    },
    path: 'suppressions[1].reason',
    expected: 'a reason is required: say why these events need no alert',
  },
  {
    name: 'a suppression with a blank reason',
    rules: { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, reason: '   ' }] },
    path: 'suppressions[0].reason',
    expected: 'a reason of at least 3 characters is required: say why these events need no alert',
  },
  {
    name: 'a suppression whose reason is not text',
    rules: { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, reason: 42 }] },
    path: 'suppressions[0].reason',
    expected: 'a reason is required',
  },
  {
    name: 'an identity type in the wrong case',
    rules: { version: 1, severityRules: [{ identityType: 'root', severity: 'high' }] },
    path: 'severityRules[0].identityType',
    expected:
      '"root" is not an identity type; did you mean "Root"? the identity types are Root, IAMUser, AssumedRole, FederatedUser, SAMLUser, WebIdentityUser, IdentityCenterUser, AWSAccount, AWSService, Unknown',
  },
  {
    name: 'a misspelt identity type in a list',
    rules: {
      version: 1,
      suppressions: [{ reason: REASON, identityType: ['AssumedRole', 'IAMuser'] }],
    },
    path: 'suppressions[0].identityType[1]',
    expected: '"IAMuser" is not an identity type; did you mean "IAMUser"?',
  },
  {
    name: 'a via value that is not one',
    rules: { version: 1, severityRules: [{ via: ['terraform'], severity: 'info' }] },
    path: 'severityRules[0].via[0]',
    expected:
      '"terraform" is not a via value; the via values are console, aws-cli, sdk, cloudformation, iac, aws-service, unknown',
  },
  {
    name: 'a via of the wrong type',
    rules: { version: 1, suppressions: [{ reason: REASON, via: 3 }] },
    path: 'suppressions[0].via',
    expected: 'expected a via value or a list of them: console, aws-cli',
  },
  {
    name: 'an empty identity type list',
    rules: { version: 1, suppressions: [{ reason: REASON, identityType: [] }] },
    path: 'suppressions[0].identityType',
    expected: 'expected at least one value',
  },
  {
    name: 'a suppression with no condition',
    rules: { version: 1, suppressions: [{ reason: REASON, expires: '2099-01-01' }] },
    path: 'suppressions[0]',
    expected:
      'expected at least one condition (principalArn, account, region, sourceIp, userAgent, eventName, eventSource, identityType, via)',
  },
  {
    name: 'a suppression of every principal',
    rules: { version: 1, suppressions: [{ reason: REASON, principalArn: '*' }] },
    path: 'suppressions[0]',
    expected: 'this suppression matches every event',
  },
  {
    name: 'a suppression of every IPv4 address',
    rules: { version: 1, suppressions: [{ reason: REASON, sourceIp: '0.0.0.0/0' }] },
    path: 'suppressions[0]',
    expected: 'this suppression matches every event',
  },
  {
    name: 'a suppression whose every condition is a match-all',
    rules: {
      version: 1,
      suppressions: [
        GOOD_SUPPRESSION,
        { reason: REASON, principalArn: '**', sourceIp: ['::/0'], eventName: ['Update*', '*'] },
      ],
    },
    path: 'suppressions[1]',
    expected: 'this suppression matches every event',
  },
  {
    name: 'an expiry that is not a date',
    rules: { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, expires: '31/12/2026' }] },
    path: 'suppressions[0].expires',
    expected: 'expected a date like "2026-12-31" (UTC)',
  },
  {
    name: 'an expiry timestamp without a Z',
    rules: { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, expires: '2026-12-31T10:00:00' }] },
    path: 'suppressions[0].expires',
    expected: 'expected a date like "2026-12-31" (UTC)',
  },
  {
    name: 'an expiry in month 13',
    rules: { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, expires: '2026-13-01' }] },
    path: 'suppressions[0].expires',
    expected: 'expected a real calendar date',
  },
  {
    name: 'version 2',
    rules: { version: 2 },
    path: 'version',
    expected: 'expected "version": 1',
  },
  {
    name: 'version as a string',
    rules: { version: '1' },
    path: 'version',
    expected: 'expected "version": 1',
  },
  {
    name: 'a missing version',
    rules: {},
    path: 'version',
    expected: 'expected "version": 1',
  },
  {
    name: 'an empty list of event sources',
    rules: { version: 1, eventSources: [] },
    path: 'eventSources',
    expected: 'expected at least one event source',
  },
  {
    name: 'alertOnReadOnly as text',
    rules: { version: 1, alertOnReadOnly: 'yes' },
    path: 'alertOnReadOnly',
    expected: 'expected true or false',
  },
];

describe('Function: parseRules', () => {
  it.each(SCHEMA_CASES)(
    'rejects $name, naming the file, $path and what is expected',
    ({ rules, path, expected }) => {
      // Prepare
      const source = SOURCE;

      // Act
      const error = validationError(() => parseRules(rules, source));

      // Assess
      expect(error.name).toBe('RulesValidationError');
      expect(error.message.startsWith(`${SOURCE}: invalid rules:\n`)).toBe(true);
      expect(linesAt(error, path)).toContainEqual(expect.stringContaining(expected));
      expect(error.problems.map((problem) => problem.path)).toContain(path);
    },
  );

  it('reports every problem of a file at once, each under its own path', () => {
    // Prepare
    const rules = {
      version: 1,
      defaultSeverity: 'urgent',
      suppressions: [GOOD_SUPPRESSION, { account: '111122223333' }],
    };

    // Act
    const error = validationError(() => parseRules(rules, SOURCE));

    // Assess
    expect(error.problems.map((problem) => problem.path).sort()).toEqual([
      'defaultSeverity',
      'suppressions[1].reason',
    ]);
  });

  it('rejects a document that is not an object', () => {
    // Prepare
    const rules = [{ version: 1 }];

    // Act
    const error = validationError(() => parseRules(rules, SOURCE));

    // Assess
    expect(linesAt(error, '(top level)')).toEqual([
      expect.stringContaining('expected a JSON object such as { "version": 1 }'),
    ]);
  });

  it('accepts one value or a list for each suppression condition and keeps a list', () => {
    // Prepare
    const rules = {
      version: 1,
      suppressions: [
        {
          reason: `  ${REASON}  `,
          expires: '2026-12-31',
          principalArn: 'arn:aws:sts::111122223333:assumed-role/GitHubActionsDeployRole/*',
          sourceIp: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
        },
      ],
    };

    // Act
    const parsed = parseRules(rules, SOURCE);

    // Assess
    expect(parsed.suppressions).toEqual([
      {
        reason: REASON,
        expires: '2026-12-31',
        principalArn: ['arn:aws:sts::111122223333:assumed-role/GitHubActionsDeployRole/*'],
        sourceIp: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
        includeSelfProtection: false,
      },
    ]);
  });

  it('accepts a match-all condition when another condition narrows the suppression', () => {
    // Prepare
    const rules = {
      version: 1,
      suppressions: [{ reason: REASON, principalArn: '*', eventName: 'TagResource' }],
    };

    // Act
    const parsed = parseRules(rules, SOURCE);

    // Assess
    expect(parsed.suppressions[0]?.eventName).toEqual(['TagResource']);
  });

  it('accepts an expiry timestamp in UTC', () => {
    // Prepare
    const rules = {
      version: 1,
      suppressions: [{ ...GOOD_SUPPRESSION, expires: '2026-12-31T18:30:00.000Z' }],
    };

    // Act
    const parsed = parseRules(rules, SOURCE);

    // Assess
    expect(parsed.suppressions[0]?.expires).toBe('2026-12-31T18:30:00.000Z');
  });

  // Date.parse('2026-02-30') rolls over to 2026-03-02 instead of failing: a day past the
  // month's end must be refused all the same.
  it.each(['2026-02-30', '2026-02-30T10:00:00Z', '2025-04-31'])(
    'rejects the non-existent expiry date %s',
    (expires) => {
      // Prepare
      const rules = { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, expires }] };

      // Act
      const error = validationError(() => parseRules(rules, SOURCE));

      // Assess
      expect(linesAt(error, 'suppressions[0].expires')).toEqual([
        expect.stringContaining('expected a real calendar date'),
      ]);
    },
  );

  // A condition may be a single string instead of a list: an invalid one must be reported with
  // the file and the path, not fail the checks that expect a list.
  it.each([
    ['eventName', 'Update Channel', 'expected an event name pattern made of'],
    ['sourceIp', '203.0.113.0/33', 'expected an IPv4 or IPv6 address or CIDR block'],
    ['principalArn', 'arn:aws:iam::111122223333:role/ci\u0007', 'without control characters'],
    ['account', 'acct-1111', 'expected a 12-digit account ID or pattern'],
  ])('names the path of an invalid single %s value %j', (key, value, expected) => {
    // Prepare
    const rules = { version: 1, suppressions: [{ reason: REASON, [key]: value }] };

    // Act
    const error = validationError(() => parseRules(rules, SOURCE));

    // Assess
    expect(error.message.startsWith(`${SOURCE}: invalid rules:\n`)).toBe(true);
    expect(linesAt(error, `suppressions[0].${key}`)).toContainEqual(
      expect.stringContaining(expected),
    );
  });

  // ipaddr.js reads "/00" as a zero-bit prefix too: "0.0.0.0/00" would silence every event from
  // an IPv4 address, like "/0".
  it('rejects a suppression of every IPv4 address written as 0.0.0.0/00', () => {
    // Prepare
    const rules = { version: 1, suppressions: [{ reason: REASON, sourceIp: '0.0.0.0/00' }] };

    // Act
    const error = validationError(() => parseRules(rules, SOURCE));

    // Assess
    expect(linesAt(error, 'suppressions[0]')).toEqual([
      expect.stringContaining('this suppression matches every event'),
    ]);
  });
});

describe('Unknown keys: did you mean', () => {
  it.each([
    ['at the top level', { version: 1, suppresions: [] }, 'suppresions', 'suppressions'],
    [
      'at the top level, in the wrong case',
      { version: 1, DefaultSeverity: 'low' },
      'DefaultSeverity',
      'defaultSeverity',
    ],
    [
      'inside eventNames',
      { version: 1, eventNames: { inclued: ['*'] } },
      'eventNames.inclued',
      'include',
    ],
    [
      'inside a severity rule',
      { version: 1, severityRules: [{ severity: 'high', eventname: 'Delete*' }] },
      'severityRules[0].eventname',
      'eventName',
    ],
    [
      'inside a suppression, letters swapped',
      { version: 1, suppressions: [{ ...GOOD_SUPPRESSION, reasno: 'x' }] },
      'suppressions[0].reasno',
      'reason',
    ],
    [
      'inside the second suppression',
      {
        version: 1,
        suppressions: [GOOD_SUPPRESSION, { ...GOOD_SUPPRESSION, expiers: '2030-01-01' }],
      },
      'suppressions[1].expiers',
      'expires',
    ],
    [
      'inside selfProtection',
      { version: 1, selfProtection: { enable: false } },
      'selfProtection.enable',
      'enabled',
    ],
  ])('suggests the key meant %s', (_name, rules, path, meant) => {
    // Act
    const error = validationError(() => parseRules(rules, SOURCE));

    // Assess
    expect(error.problems).toEqual([{ path, message: `unknown key; did you mean "${meant}"?` }]);
  });

  it('guesses nothing for a far-off key, and lists the keys of its level instead', () => {
    // Act
    const error = validationError(() =>
      parseRules({ version: 1, suppressions: [{ ...GOOD_SUPPRESSION, owner: 'ops' }] }, SOURCE),
    );

    // Assess
    expect(error.message).not.toContain('did you mean');
    expect(error.problems).toEqual([
      {
        path: 'suppressions[0].owner',
        message:
          'unknown key; the keys here are reason, expires, principalArn, account, region, sourceIp, userAgent, eventName, eventSource, identityType, via, includeSelfProtection',
      },
    ]);
  });

  it('reports each unknown key of one object under its own path', () => {
    // Act
    const error = validationError(() =>
      parseRules({ version: 1, alertOnReadonly: true, colour: 'red' }, SOURCE),
    );

    // Assess
    expect(error.problems.map((problem) => problem.path)).toEqual(['alertOnReadonly', 'colour']);
    expect(linesAt(error, 'alertOnReadonly')).toEqual([
      '  alertOnReadonly: unknown key; did you mean "alertOnReadOnly"?',
    ]);
  });
});

describe('Function: closestKey', () => {
  const KEYS = ['alertEmails', 'pagerEmails', 'alertOnFailed'] as const;

  it.each([
    ['alertEmail', 'alertEmails'],
    ['ALERTEMAILS', 'alertEmails'],
    ['pagerEmials', 'pagerEmails'],
    ['alertOnFail', 'alertOnFailed'],
  ])('takes %s for %s', (key, expected) => {
    // Act / Assess
    expect(closestKey(key, KEYS)).toBe(expected);
  });

  it.each(['zzz', 'email', 'x', 'retention'])('guesses nothing for %s', (key) => {
    // Act / Assess
    expect(closestKey(key, KEYS)).toBeUndefined();
  });

  it('gives the first of equally close keys', () => {
    // Act / Assess
    expect(closestKey('ab', ['ax', 'ay'])).toBe('ax');
  });
});

describe('Function: editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['reason', 'reasno', 1],
    ['exclude', 'exlude', 1],
    ['ca', 'abc', 3],
  ])('%s to %s is %i', (a, b, distance) => {
    // Act / Assess
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('Function: parseRulesText', () => {
  it.each([
    ['a truncated document', '{ "version": 1, '],
    ['a trailing comma', '{ "version": 1, }'],
    ['an empty file', ''],
  ])('reports %s as invalid JSON, naming the file', (_name, text) => {
    // Prepare
    const source = SOURCE;

    // Act
    const error = validationError(() => parseRulesText(text, source));

    // Assess
    expect(error.message.startsWith(`${SOURCE}: invalid rules:\n`)).toBe(true);
    expect(error.problems.map((problem) => problem.path)).toEqual(['(file)']);
    expect(error.problems[0]?.message).toMatch(/^not valid JSON at line 1, column \d+: ./);
  });

  it('says the line and column where the JSON breaks, on the line it breaks', () => {
    // Prepare: a trailing comma on line 3, before the closing brace of line 4.
    const text = '{\n  "version": 1,\n  "alertOnFailed": true,\n}';

    // Act
    const error = validationError(() => parseRulesText(text, SOURCE));

    // Assess
    expect(error).toBeInstanceOf(RulesJsonError);
    expect(error).toMatchObject({ line: 4, column: 1 });
    expect(error.message).toBe(
      `${SOURCE}: invalid rules:\n  (file): not valid JSON at line 4, column 1: expected double-quoted property name`,
    );
  });

  it('keeps the reason on one line and drops the quoted text when the parser gives no position', () => {
    // Prepare: V8 quotes the text (here across lines) instead of saying where.
    const text = '{\n  "version": tru\n}';

    // Act
    const error = validationError(() => parseRulesText(text, SOURCE));

    // Assess
    expect(error.problems[0]?.message).toMatch(/^not valid JSON(?: at line \d+, column \d+)?: \S/);
    expect(error.problems[0]?.message).not.toContain('\n');
  });

  it('validates the parsed document with the same messages as parseRules', () => {
    // Prepare
    const text = JSON.stringify({ version: 1, suppressions: [{ account: '111122223333' }] });

    // Act
    const error = validationError(() => parseRulesText(text, SOURCE));

    // Assess
    expect(linesAt(error, 'suppressions[0].reason')).toEqual([
      expect.stringContaining('a reason is required'),
    ]);
  });
});

describe('Defaults: { "version": 1 }', () => {
  it('fills in exactly what config/rules.json spells out', () => {
    // Prepare
    const committed = readFileSync(join(REPO, 'config', 'rules.json'), 'utf8');

    // Act
    const fromFile = parseRulesText(committed, 'config/rules.json');
    const filled = parseRules({ version: 1 });

    // Assess
    expect(fromFile).toEqual({ ...filled, $schema: './rules.schema.json' });
  });
});

describe('File: config/rules.schema.json', () => {
  it('is what rulesJsonSchema() generates from the zod schema now', () => {
    // Prepare
    const committed = JSON.parse(
      readFileSync(join(REPO, 'config', 'rules.schema.json'), 'utf8'),
    ) as unknown;

    // Act
    const generated = rulesJsonSchema();

    // Assess
    expect(committed).toEqual(generated);
  });
});
