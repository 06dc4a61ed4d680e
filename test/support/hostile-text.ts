/**
 * About 1 MB of text each, built to make a backtracking or quadratic scan take minutes where a
 * linear one takes milliseconds, with what redaction must return for each. The redaction tests
 * assert the result; `npx tsx scripts/bench/redaction.ts` prints how long each takes.
 */

export interface HostileText {
  readonly name: string;
  readonly text: string;
  /** What `redactText` returns for `text`. */
  readonly redacted: string;
}

function unchanged(name: string, text: string): HostileText {
  return { name, text, redacted: text };
}

export const HOSTILE_TEXTS: readonly HostileText[] = [
  unchanged('letters', 'a'.repeat(1_000_000)),
  // A megabyte without a separator looks like key material: masked whole.
  { name: 'base64', text: 'Ab1+'.repeat(250_000), redacted: '***' },
  unchanged('runs of 99 base64 characters', `${'Ab1'.repeat(33)} `.repeat(10_000)),
  unchanged('quotes', '"a'.repeat(500_000)),
  {
    name: 'secret JSON keys',
    text: '"password":"'.repeat(83_000),
    redacted: '"password":"***"password":"'.repeat(41_500),
  },
  { name: 'secret keys', text: 'password='.repeat(111_000), redacted: 'password=***' },
  unchanged('harmless keys', 'x='.repeat(500_000)),
  unchanged('keys that must be judged', 'keyId='.repeat(166_000)),
  unchanged('URL schemes', 'a://'.repeat(250_000)),
  unchanged('URLs without user info', `https://${'x'.repeat(500)}`.repeat(1_960)),
  {
    name: '@ signs',
    text: `https://${'x@'.repeat(250)}`.repeat(1_960),
    redacted: 'https://***@'.repeat(1_960),
  },
  { name: 'PEM headers', text: '-----BEGIN RSA PRIVATE KEY-----'.repeat(32_000), redacted: '***' },
  unchanged('PEM prefixes', '-----BEGIN RSA '.repeat(66_000)),
  unchanged('Bearer words', 'Bearer '.repeat(142_000)),
  { name: 'JWT prefixes', text: 'eyJ'.repeat(333_000), redacted: '***' },
  unchanged('access key prefixes', 'AKIA'.repeat(250_000)),
  unchanged('backslashes and quotes', '\\\\\\"'.repeat(250_000)),
  { name: 'open brackets', text: `password:${'['.repeat(1_000_000)}`, redacted: 'password:***' },
  unchanged('keys of 127 letters', `${'a'.repeat(127)}:`.repeat(7_800)),
  unchanged('colons', ':'.repeat(1_000_000)),
  // Lone surrogates become U+FFFD, so the text can be URL-encoded.
  {
    name: 'lone surrogates',
    text: '\ud800'.repeat(1_000_000),
    redacted: '\ufffd'.repeat(1_000_000),
  },
];

/** `{ password }` wrapped in `levels` objects or arrays: deeper than any stack can recurse. */
export function nested(kind: 'objects' | 'arrays', levels: number, password: string): unknown {
  let value: unknown = { password };
  for (let level = 0; level < levels; level += 1)
    value = kind === 'objects' ? { a: value } : [value];
  return value;
}
