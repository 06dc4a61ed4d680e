import ipaddr from 'ipaddr.js';
// zod/mini: the same validation as zod's classic API at a thirtieth of the bundle size, which
// matters for the function's cold start (measured: 14 KB against 450 KB minified).
import * as z from 'zod/mini';
// Named from the core: `z.core.X` keeps all of zod's core (locales, JSON Schema) in the bundle.
import type { $ZodType } from 'zod/v4/core';
import { $ZodArray, $ZodDefault, $ZodObject, $ZodOptional, $ZodPipe, $ZodUnion } from 'zod/v4/core';
import { MediaPackageAuditError } from '../contract';
import { MEDIAPACKAGE_EVENT_SOURCES } from './event-sources';
import { CALL_VIAS, IDENTITY_TYPES } from './identity';

export const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Literal text with `*` wildcards. */
const pattern = (what: string, allowed: RegExp, example: string) =>
  z.string({ error: `expected ${what} as a string, e.g. "${example}"` }).check(
    z.minLength(1, `expected ${what}, e.g. "${example}"; an empty pattern matches nothing`),
    z.maxLength(512, `expected ${what} of at most 512 characters`),
    z.refine((value) => !CONTROL_CHARS.test(value), `expected ${what} without control characters`),
    z.refine(
      (value) => allowed.test(value),
      `expected ${what} made of ${allowed.source.slice(2, -3)} and * wildcards, e.g. "${example}"`,
    ),
  );

const eventNamePattern = pattern('an event name pattern', /^[A-Za-z0-9*]+$/, 'Rotate*');
const eventSourcePattern = pattern(
  'an event source pattern',
  /^[a-z0-9.*-]+$/,
  'mediapackage.amazonaws.com',
);
const textPattern = pattern('a pattern', /^[\s\S]+$/, 'arn:aws:iam::111122223333:role/deploy-*');
const accountPattern = pattern('a 12-digit account ID or pattern', /^[0-9*]+$/, '111122223333');
const regionPattern = pattern('a Region or pattern', /^[a-z0-9*-]+$/, 'us-west-2');

/** Only the usual notations: ipaddr.js also reads `10.0.0` as one host, which misleads. */
function isPlainAddress(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value) || ipaddr.IPv6.isValid(value);
}

/** The prefix length of a CIDR block, or 32/128 for a single address; undefined if invalid. */
export function prefixLength(value: string): number | undefined {
  const [address = '', bits, ...rest] = value.split('/');
  if (rest.length > 0 || !isPlainAddress(address)) return undefined;
  if (bits === undefined) return ipaddr.IPv4.isValidFourPartDecimal(address) ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  try {
    return ipaddr.parseCIDR(`${address}/${Number(bits)}`)[1];
  } catch {
    return undefined;
  }
}

const cidr = z.string().check(
  z.refine((value) => prefixLength(value) !== undefined, {
    error: 'expected an IPv4 or IPv6 address or CIDR block, e.g. "203.0.113.0/24"',
  }),
);

const isoDate = z.string().check(
  z.regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?Z)?$/,
    'expected a date like "2026-12-31" (UTC)',
  ),
  z.refine((value) => {
    // Date.parse rolls 2026-02-30 over to March: check the day survives the round trip.
    const parsed = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    return (
      !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value.slice(0, 10)
    );
  }, 'expected a real calendar date'),
);

function oneOrMany(item: z.ZodMiniString<string>) {
  return z.pipe(
    z.union([item, z.array(item).check(z.minLength(1, 'expected at least one value'))], {
      error: 'expected a value or a list of values',
    }),
    z.transform((value: string | string[]) => (Array.isArray(value) ? value : [value])),
  );
}

/**
 * One or more values of a closed list (`identityType`, `via`). A wrong value is told the closest
 * allowed one, like an unknown key, and always the whole list, which is short.
 */
function enumList<const T extends readonly [string, ...string[]]>(
  what: string,
  plural: string,
  values: T,
) {
  const allowed = `the ${plural} are ${values.join(', ')}`;
  // A refined string, not z.enum (nor a pipe): either aborts its union branch on a miss, and zod
  // then reports only the union's message, losing the "did you mean". The JSON Schema still
  // lists the values (meta).
  const item = z.string({ error: `expected ${what}: ${allowed}` }).check(
    z.refine((value) => (values as readonly string[]).includes(value), {
      error: (issue) => {
        const input = String(issue.input);
        const closest = closestKey(input, values);
        return `${JSON.stringify(input.slice(0, 64))} is not ${what}; ${closest === undefined ? '' : `did you mean "${closest}"? `}${allowed}`;
      },
    }),
    z.meta({ enum: [...values] }),
  );
  return z.pipe(
    z.union([item, z.array(item).check(z.minLength(1, 'expected at least one value'))], {
      error: `expected ${what} or a list of them: ${values.join(', ')}`,
    }),
    // Checked above: every value is one of `values`.
    z.transform(
      (value: string | string[]) => (Array.isArray(value) ? value : [value]) as T[number][],
    ),
  );
}

const identityTypeCondition = () =>
  z
    .optional(enumList('an identity type', 'identity types', IDENTITY_TYPES))
    .check(
      z.describe(
        `The caller's identity type, as CloudTrail's userIdentity.type says it (${IDENTITY_TYPES.join(', ')}); any other type is Unknown. One or a list; any of them matches.`,
      ),
    );
const viaCondition = () =>
  z
    .optional(enumList('a via value', 'via values', CALL_VIAS))
    .check(
      z.describe(
        `How the call was made, told from userAgent, invokedBy and sessionContext: ${CALL_VIAS.join(', ')} (iac: Terraform, OpenTofu, Pulumi; a CDK deploy goes through CloudFormation). One or a list; any of them matches.`,
      ),
    );

/**
 * Why a change made as root is `high` by default: the root user bypasses every IAM guardrail
 * and should never touch a media pipeline in daily work. Only a severity rule that names Root
 * in its identityType overrides this (see severityOf in matcher.ts).
 */
export const ROOT_SEVERITY: Severity = 'high';

const severityEnum = (error?: string) =>
  z.enum(SEVERITIES, { error: error ?? `expected one of ${SEVERITIES.join(', ')}` });

const severityRule = z
  .strictObject(
    {
      eventName: z.optional(eventNamePattern),
      eventSource: z.optional(eventSourcePattern),
      outcome: z.optional(
        z.enum(['success', 'failed'], { error: 'expected "success" or "failed"' }),
      ),
      identityType: identityTypeCondition(),
      via: viaCondition(),
      severity: severityEnum(),
    },
    {
      error: 'expected a severity rule object, e.g. { "eventName": "Rotate*", "severity": "high" }',
    },
  )
  .check(
    z.describe(
      `The first rule whose every condition matches sets the severity. Exception: a change made as the root user is ${ROOT_SEVERITY} whatever the rules say, unless a rule whose identityType names Root matches it first.`,
    ),
  );

/** The conditions a suppression may set; every one given must match. */
export const SUPPRESSION_CONDITIONS = [
  'principalArn',
  'account',
  'region',
  'sourceIp',
  'userAgent',
  'eventName',
  'eventSource',
  'identityType',
  'via',
] as const;

const suppression = z
  .strictObject(
    {
      reason: z
        .string({ error: 'a reason is required: say why these events need no alert' })
        .check(
          z.trim(),
          z.minLength(
            3,
            'a reason of at least 3 characters is required: say why these events need no alert',
          ),
        ),
      expires: z.optional(isoDate),
      principalArn: z.optional(oneOrMany(textPattern)),
      account: z.optional(oneOrMany(accountPattern)),
      region: z.optional(oneOrMany(regionPattern)),
      sourceIp: z.optional(oneOrMany(cidr)),
      userAgent: z.optional(oneOrMany(textPattern)),
      eventName: z.optional(oneOrMany(eventNamePattern)),
      eventSource: z.optional(oneOrMany(eventSourcePattern)),
      identityType: identityTypeCondition(),
      via: viaCondition(),
      /** Tampering alerts are never silenced unless a suppression says so explicitly. */
      includeSelfProtection: z._default(z.boolean({ error: 'expected true or false' }), false),
    },
    { error: 'expected a suppression object with a reason and at least one condition' },
  )
  .check(
    z.superRefine((value, context) => {
      const given = SUPPRESSION_CONDITIONS.filter((key) => value[key] !== undefined);
      if (given.length === 0) {
        context.addIssue({
          code: 'custom',
          message: `expected at least one condition (${SUPPRESSION_CONDITIONS.join(', ')}); without one the suppression would silence every event`,
        });
        return;
      }
      // A condition that failed its own check is reported there; judge only the valid ones.
      const values = given.map((key) => ({ key, items: value[key] }));
      if (values.some(({ items }) => !Array.isArray(items))) return;
      const everything = values.every(({ key, items }) =>
        (items ?? []).some((item) =>
          key === 'sourceIp' ? prefixLength(item) === 0 : /^\*+$/.test(item),
        ),
      );
      if (everything) {
        context.addIssue({
          code: 'custom',
          message:
            'this suppression matches every event (every condition is "*" or a /0 block): narrow it, or turn alerts off by removing the subscription instead',
        });
      }
    }),
  );

/** Storm defaults: more than 10 alerts of one caller and event name in 5 minutes. */
export const STORM_DEFAULTS = { enabled: true, threshold: 10, windowMinutes: 5 } as const;
/** A threshold people can still read through; above it a storm is a flood anyway. */
export const STORM_THRESHOLD_RANGE = { min: 1, max: 1000 } as const;
/**
 * Windows from a minute to a day: a digest waits for its window to end, so a longer window
 * would hold the summary back for longer than anyone waits for it.
 */
export const STORM_WINDOW_MINUTES_RANGE = { min: 1, max: 1440 } as const;

/** A whole number of `unit` within `range`. */
function wholeNumber(unit: string, range: { readonly min: number; readonly max: number }) {
  const expected = `expected a whole number of ${unit} from ${range.min} to ${range.max}`;
  return z
    .number({ error: expected })
    .check(
      z.refine(
        (value) => Number.isInteger(value) && value >= range.min && value <= range.max,
        expected,
      ),
    );
}

export const DEFAULT_SEVERITY_RULES: z.input<typeof severityRule>[] = [
  { outcome: 'failed', severity: 'high' },
  { eventName: 'Rotate*', severity: 'high' },
  { eventName: 'Delete*', severity: 'high' },
  { eventName: '*Policy', severity: 'high' },
  { eventName: 'TagResource', severity: 'low' },
  { eventName: 'UntagResource', severity: 'low' },
];

/** The rules file's schema. Every key has a default, so `{ "version": 1 }` is a whole file. */
export const rulesSchema = z.strictObject(
  {
    $schema: z.optional(z.string({ error: 'expected a string' })),
    version: z.literal(1, { error: 'expected "version": 1' }),
    eventSources: z._default(
      z
        .array(eventSourcePattern, { error: 'expected a list of event source patterns' })
        .check(z.minLength(1, 'expected at least one event source')),
      [...MEDIAPACKAGE_EVENT_SOURCES],
    ),
    eventNames: z._default(
      z.strictObject(
        {
          include: z._default(
            z
              .array(eventNamePattern, { error: 'expected a list of event name patterns' })
              .check(z.minLength(1, 'expected at least one event name pattern')),
            ['*'],
          ),
          exclude: z._default(
            z.array(eventNamePattern, { error: 'expected a list of event name patterns' }),
            [],
          ),
        },
        { error: 'expected { "include": [...], "exclude": [...] }' },
      ),
      { include: ['*'], exclude: [] },
    ),
    alertOnReadOnly: z._default(z.boolean({ error: 'expected true or false' }), false),
    alertOnFailed: z._default(z.boolean({ error: 'expected true or false' }), true),
    severityRules: z
      ._default(
        z.array(severityRule, { error: 'expected a list of severity rules' }),
        DEFAULT_SEVERITY_RULES as z.output<typeof severityRule>[],
      )
      .check(
        z.describe(
          `How loud each alert is: the first matching rule wins, else defaultSeverity. A change made as the root user (identityType Root) is ${ROOT_SEVERITY} whatever these rules say, unless a rule that names Root in its identityType matches it, e.g. { "identityType": ["Root"], "severity": "medium" }.`,
        ),
      ),
    defaultSeverity: z._default(severityEnum(), 'medium'),
    suppressions: z
      ._default(z.array(suppression, { error: 'expected a list of suppressions' }), [])
      .check(
        z.describe(
          'Events that need no alert. Every condition a suppression sets must match (principalArn, account, region, sourceIp, userAgent, eventName, eventSource, identityType, via); within one condition any value matches.',
        ),
      ),
    selfProtection: z._default(
      z.strictObject(
        {
          enabled: z._default(z.boolean({ error: 'expected true or false' }), true),
          severity: z._default(severityEnum(), 'high'),
        },
        { error: 'expected { "enabled": true, "severity": "high" }' },
      ),
      { enabled: true, severity: 'high' },
    ),
    storms: z
      ._default(
        z.strictObject(
          {
            enabled: z._default(z.boolean({ error: 'expected true or false' }), true),
            threshold: z._default(
              wholeNumber('alerts', STORM_THRESHOLD_RANGE),
              STORM_DEFAULTS.threshold,
            ),
            windowMinutes: z._default(
              wholeNumber('minutes', STORM_WINDOW_MINUTES_RANGE),
              STORM_DEFAULTS.windowMinutes,
            ),
          },
          { error: 'expected { "enabled": true, "threshold": 10, "windowMinutes": 5 }' },
        ),
        { ...STORM_DEFAULTS },
      )
      .check(
        z.describe(
          'Alert storms: when more than `threshold` alerts share a caller and an event name within a window of `windowMinutes`, people (email, chat) get the first `threshold` and then one digest for the window; machines still get every event (the rest carry the message attribute storm=collapsed). Self-protection alerts are never collapsed.',
        ),
      ),
  },
  { error: 'expected a JSON object such as { "version": 1 }' },
);

/** A rules file as written. */
export type RulesInput = z.input<typeof rulesSchema>;
/** A validated rules file with every default filled in. */
export type RulesConfig = z.output<typeof rulesSchema>;
export type SuppressionConfig = RulesConfig['suppressions'][number];

/** A rules file that does not follow the schema; the message names the file and each path. */
export class RulesValidationError extends MediaPackageAuditError {
  public readonly problems: readonly { readonly path: string; readonly message: string }[];

  public constructor(
    source: string,
    problems: readonly { path: string; message: string }[],
    cause?: unknown,
  ) {
    super(
      `${source}: invalid rules:\n${problems.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n')}`,
      { cause },
    );
    this.name = 'RulesValidationError';
    this.problems = problems;
  }
}

/** Rules text that is not JSON: where the parser stopped (when it says) and why. */
export class RulesJsonError extends RulesValidationError {
  /** 1-based line and column of the error, when the parser gave its position. */
  public readonly line: number | undefined;
  public readonly column: number | undefined;
  /** E.g. `not valid JSON at line 3, column 5: expected double-quoted property name`. */
  public readonly reason: string;

  public constructor(source: string, text: string, cause: SyntaxError) {
    const { line, column, detail } = jsonErrorAt(text, cause.message);
    const reason = `not valid JSON${line === undefined ? '' : ` at line ${line}, column ${column}`}: ${detail}`;
    super(source, [{ path: '(file)', message: reason }], cause);
    this.name = 'RulesJsonError';
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/**
 * Line, column and a one-line reason from V8's JSON.parse message. Node 20 says `at position
 * N`, Node 22+ adds `(line L column C)`; some messages give no position, and some quote the
 * text, which may span lines, so the quote is dropped.
 */
function jsonErrorAt(
  text: string,
  message: string,
): { line?: number; column?: number; detail: string } {
  const token = /^Unexpected token '([\s\S])', [\s\S]* is not valid JSON$/.exec(message);
  const position = /at position (\d+)/.exec(message)?.[1];
  const at =
    position !== undefined
      ? Number(position)
      : /end of JSON input/.test(message)
        ? text.length
        : undefined;
  const detail = token
    ? `unexpected character ${JSON.stringify(token[1])}`
    : message
        .replace(/ at position \d+.*$/s, '')
        .replace(/ in JSON$/, '')
        .replace(/\s+/g, ' ');
  const lowered = detail.charAt(0).toLowerCase() + detail.slice(1);
  if (at === undefined) return { detail: lowered };
  const before = text.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: at - lineStart + 1, detail: lowered };
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/**
 * The optimal string alignment distance between `a` and `b`: the fewest one-character
 * insertions, deletions, substitutions and swaps of neighbours that turn one into the other.
 * Swaps count once because they are the commonest typo (`reasno`).
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the table: a swap looks two rows back.
  let previous: number[] = [];
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((row[j - 1] ?? 0) + cost, (row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (previous[j - 2] ?? 0) + 1);
      }
      next.push(best);
    }
    previous = row;
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * The key of `known` closest to `key` by {@link editDistance}, ignoring case, or undefined when
 * none is within a third of `key`'s length (at least one edit): a far-off key gets no guess.
 * The first of `known` wins a tie. Shared by the rules file and the CDK context (lib/ may
 * import this module).
 */
export function closestKey<K extends string>(key: string, known: readonly K[]): K | undefined {
  const wanted = key.toLowerCase();
  let closest: { readonly key: K; readonly distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (closest === undefined || distance < closest.distance)
      closest = { key: candidate, distance };
  }
  const tolerance = Math.max(1, Math.floor(key.length / 3));
  return closest !== undefined && closest.distance <= tolerance ? closest.key : undefined;
}

/**
 * The keys the schema allows in the object at `path` (as zod reports it), found by walking the
 * schema itself so that a new nested object gets suggestions without a list to keep in step.
 */
function keysAt(schema: $ZodType, path: readonly PropertyKey[]): string[] | undefined {
  if (schema instanceof $ZodDefault || schema instanceof $ZodOptional) {
    return keysAt(schema._zod.def.innerType, path);
  }
  if (schema instanceof $ZodPipe) return keysAt(schema._zod.def.in, path);
  if (schema instanceof $ZodUnion) {
    for (const option of schema._zod.def.options) {
      const keys = keysAt(option, path);
      if (keys !== undefined) return keys;
    }
    return undefined;
  }
  const [head, ...rest] = path;
  if (schema instanceof $ZodArray) {
    return typeof head === 'number' ? keysAt(schema._zod.def.element, rest) : undefined;
  }
  if (!(schema instanceof $ZodObject)) return undefined;
  const { shape } = schema._zod.def;
  if (head === undefined) return Object.keys(shape);
  const child = typeof head === 'string' ? shape[head] : undefined;
  return child === undefined ? undefined : keysAt(child, rest);
}

/** One problem per unknown key, with the key it most likely meant or the keys allowed there. */
function unknownKeyProblems(
  path: readonly PropertyKey[],
  keys: readonly string[],
): { path: string; message: string }[] {
  const known = keysAt(rulesSchema, path) ?? [];
  return keys.map((key) => {
    const closest = closestKey(key, known);
    return {
      path: formatPath([...path, key]),
      message:
        closest !== undefined
          ? `unknown key; did you mean "${closest}"?`
          : `unknown key; the keys here are ${known.join(', ')}`,
    };
  });
}

/**
 * Validates parsed rules (from JSON) and fills in defaults.
 * @param source names the file in error messages
 * @throws RulesValidationError listing every problem with its path
 */
export function parseRules(value: unknown, source = 'rules'): RulesConfig {
  const result = rulesSchema.safeParse(value);
  if (result.success) return result.data;
  throw new RulesValidationError(
    source,
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? unknownKeyProblems(issue.path, issue.keys)
        : [{ path: formatPath(issue.path), message: issue.message }],
    ),
  );
}

/**
 * Parses rules from JSON text, reporting JSON syntax errors the same way.
 * @throws RulesJsonError when the text is not JSON, RulesValidationError when it breaks a rule
 */
export function parseRulesText(text: string, source = 'rules'): RulesConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RulesJsonError(source, text, error as SyntaxError);
  }
  return parseRules(value, source);
}

/** The rules in force when no file is given: today's behaviour. */
export const DEFAULT_RULES: RulesConfig = parseRules({ version: 1 }, 'default rules');

/** JSON Schema of the rules file, for editors (`"$schema"`) and documentation. */
export function rulesJsonSchema(): unknown {
  return z.toJSONSchema(rulesSchema, { io: 'input', unrepresentable: 'any' });
}
