/**
 * Masks secrets before any text leaves the function: in JSON values (`redactSecrets`, by key
 * and by shape) and in free text (`redactText`, by shape and by `key=value` pairs). Both accept
 * any input and bound their work: texts are cut before they are scanned, structures are walked
 * to a fixed depth and node count, and every pattern is linear (no nested quantifiers, bounded
 * repeats, lookbehinds that stop a match from starting inside a run).
 */

/** What replaces a value that may be a secret. CloudTrail itself masks with the same text. */
export const MASK = '***';

/** What replaces a value nested deeper than `redactSecrets` walks. */
export const TOO_DEEP = '[nested too deep to show]';

/** What replaces values once a structure has used up the walk's budget. */
export const NOT_SHOWN = '[not shown: over the redaction limit]';

/** Longest text `redactText` scans by default; the rest is cut with a note. */
export const TEXT_MAX_CHARS = 1_048_576;

/** Longest string `redactSecrets` keeps from any one value (an alert shows far less). */
export const STRING_MAX_CHARS = 32_768;

/** Deepest level `redactSecrets` walks; deeper values become TOO_DEEP. */
export const MAX_DEPTH = 32;

/** Values (containers and scalars) one `redactSecrets` call walks before it stops. */
const MAX_NODES = 20_000;
/** Characters of strings one `redactSecrets` call scans before it stops. */
const MAX_SCANNED_CHARS = 1_048_576;
/** Key names longer than this are judged by their start. */
const KEY_MAX_CHARS = 256;
/** A cut backs off to the last separator within this many characters, so no secret is halved. */
const CUT_BACKOFF_CHARS = 1_024;

// ---------------------------------------------------------------------------------------------
// Secret-like key names, judged by their words
// ---------------------------------------------------------------------------------------------

/**
 * Words that make a key secret, whole or at the end of a word written without separators
 * (`dbpassword`, `oauth`, `xapikey`). Plurals are reduced before the test.
 */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'credential',
  'cookie',
  'signature',
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
  'sessionid',
  'sessid',
  'auth',
  'authorization',
  'username',
]);

/** Short words that make a key secret only when they are the whole word (`bypass` is not). */
const SECRET_WHOLE_WORDS: ReadonlySet<string> = new Set(['pass', 'pwd', 'sig', 'cred']);

/** Two words that together make a key secret (`api-key`, `session_id`, `userName`). */
const SECRET_PAIRS: ReadonlySet<string> = new Set([
  'api key',
  'private key',
  'secret key',
  'access key',
  'session id',
  'user name',
  'pass word',
  'pass phrase',
]);

/**
 * A last word that makes the key describe a secret rather than hold it: `authType`,
 * `tokenExpiration`, `cdnAuthConfiguration`, `passwordLength`. Values under such keys are
 * still walked, so a secret nested inside them is masked by its own key or shape.
 */
const DESCRIPTOR_WORDS: ReadonlySet<string> = new Set([
  'config',
  'configuration',
  'settings',
  'setting',
  'type',
  'kind',
  'method',
  'mode',
  'enabled',
  'disabled',
  'required',
  'status',
  'state',
  'length',
  'count',
  'interval',
  'seconds',
  'ttl',
  'expiration',
  'expiry',
  'expires',
  'version',
  'policy',
  'rotation',
  'url',
  'uri',
  'endpoint',
]);

/** Policy condition keys whose values are shared secrets (a CDN's Referer or User-Agent). */
const SECRET_CONDITION_KEYS: ReadonlySet<string> = new Set(['aws:referer', 'aws:useragent']);

/** Every secret key holds one of these stems, whatever its spelling. */
const MAY_BE_SECRET_KEY = /pass|pwd|secret|token|cred|cookie|sig|key|sess|auth|user|referer|agent/i;

/** Splits a key into lowercase words: camelCase, kebab-case, snake_case, dots, spaces, colons. */
export function keyWords(key: string): string[] {
  return key
    .slice(0, KEY_MAX_CHARS)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .map((word) => word.replace(/\d+$/, ''))
    .filter((word) => word.length > 0);
}

function isSecretWord(word: string): boolean {
  if (SECRET_WHOLE_WORDS.has(word)) return true;
  const singular = word.endsWith('s') ? word.slice(0, -1) : word;
  for (const candidate of [word, singular]) {
    if (SECRET_WORDS.has(candidate)) return true;
    for (const secret of SECRET_WORDS) {
      if (candidate.length > secret.length && candidate.endsWith(secret)) return true;
    }
  }
  return false;
}

/**
 * Whether values under this key may be secrets: passwords, pass phrases, secrets, tokens, API
 * and private keys, credentials, cookies, session ids, `auth`/`authorization`, signatures,
 * user names (ingest credentials), and the shared-secret policy condition keys `aws:Referer`
 * and `aws:UserAgent`. Judged by the key's words, whatever their spelling (`x-api-key`,
 * `X-Amz-Security-Token`, `SESSION_ID`, `clientSecret`), so `sessionContext`, `author`,
 * `passthrough`, `bypass`, `keyId`, `s3Key` and `tokenization` stay visible.
 */
export function isSecretKey(key: string): boolean {
  const start = key.slice(0, KEY_MAX_CHARS);
  // Most keys hold none of the secret words' stems: answer those without splitting them.
  if (!MAY_BE_SECRET_KEY.test(start)) return false;
  const known = keyVerdicts.get(start);
  if (known !== undefined) return known;
  const verdict = judgeKey(start);
  // Records repeat the same few keys: remember them, within a bound.
  if (keyVerdicts.size >= KEY_VERDICTS_MAX) keyVerdicts.clear();
  keyVerdicts.set(start, verdict);
  return verdict;
}

const KEY_VERDICTS_MAX = 1_024;
const keyVerdicts = new Map<string, boolean>();

function judgeKey(key: string): boolean {
  if (SECRET_CONDITION_KEYS.has(key.toLowerCase())) return true;
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  if (words.length === 1 && last === 'user') return true;
  if (words.length > 1 && DESCRIPTOR_WORDS.has(last)) return false;
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] as string;
    if (isSecretWord(word)) return true;
    const next = words[index + 1];
    if (next !== undefined && SECRET_PAIRS.has(`${word} ${next}`)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// ARNs: shown under secret keys, since they name a secret rather than hold it
// ---------------------------------------------------------------------------------------------

/**
 * A plain ARN and nothing else: partition, service, Region, account, then a resource made of
 * the characters resource names use. No spaces, `@`, `?`, `&`, `#`, `=`, `,`, `%` or quotes,
 * so no URL, query, user info or `key=value` can ride along.
 */
const PLAIN_ARN =
  /^arn:aws(?:-[a-z]{1,10}){0,3}:[a-z0-9][a-z0-9-]{0,62}:(?:[a-z]{2}(?:-[a-z]{1,12}){1,3}-\d{1,2})?:(?:\d{12}|aws)?:[A-Za-z0-9_/.:+*$-]{1,1024}$/;
const PLAIN_ARN_MAX_CHARS = 2_048;
const ARN_LIST_MAX = 100;

/** Whether `value` is one plain ARN that holds no credential-shaped text. */
export function isPlainArn(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= PLAIN_ARN_MAX_CHARS &&
    PLAIN_ARN.test(value) &&
    redactShapes(value) === value
  );
}

/** An ARN, or a non-empty list of ARNs (`cdnIdentifierSecretArns`). */
function isArnOrArns(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length > 0 && value.length <= ARN_LIST_MAX && value.every(isPlainArn);
  }
  return isPlainArn(value);
}

// ---------------------------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------------------------

/**
 * PEM private keys, up to their END line, or to the end of the text when cut off before it.
 * The lazy run stops at the first END, so a text of many BEGIN lines is still one pass.
 */
const PEM_PRIVATE_KEY =
  /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)/g;

/**
 * The head of a `key=value`, `key: value` or `"key":"value"` pair. A bare key must start a
 * word; `://`, `::` and `==` are not separators.
 */
const PAIR_HEAD =
  /(?:(\\{0,3})(["'])([^"'\\\r\n]{1,128})\1\2|(?<![\w.-])([A-Za-z_][\w.-]{0,127}))[ \t]{0,3}([=:])(?![=:/])[ \t]{0,3}/g;

/** Where an unquoted value after `=` ends (a query parameter, a cookie, a CLI flag). */
const EQUALS_VALUE_END = /[\s&;,"'<>)\]}]/;
/** Where an unquoted value after `:` ends: a header or a YAML line runs to its end. */
const COLON_VALUE_END = /[\r\n&;,"'<>\]}]/;
/** An ARN at the start of a value, up to the first character a plain ARN cannot hold. */
const ARN_AT = /arn:aws[^\s"'<>,;&?#@=%\\)\]}]{0,2100}/y;

/**
 * AWS's validation message, which quotes the rejected value before naming its field:
 * `Value 'hunter2' at 'hlsIngest.password' failed to satisfy constraint`.
 */
const AWS_VALIDATION_VALUE = /\b(Value ')([^'\r\n]{0,1024})(' at ')([^'\r\n]{1,256})'/g;

/** `Authorization` schemes followed by their credentials. */
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Negotiate|NTLM)([ \t]+)([A-Za-z0-9._~+/=-]{8,})/gi;
/**
 * User info in a URL (`https://admin:PASS@host`): greedy up to the host's `@`. Anchored on
 * `://` rather than the scheme, so a long run of letters is not tried at every position.
 */
const URL_USER_INFO = /:\/\/[^\s/?#"'<>\\]{1,512}@/g;
/** JSON Web Tokens (and any base64url run that starts like a JSON header). */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
/** STS session tokens by their fixed base64 prefixes. */
const SESSION_TOKEN = /(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/=]*/g;
/** Access key ids (AKIA long-term, ASIA temporary, ABIA/ACCA). Role ids (AROA) are not keys. */
const ACCESS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g;
/** Very long base64 or base64url runs: tokens, keys, signed blobs. */
const LONG_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{100,}={0,2}/g;
/** Exactly 40 base64 characters: the shape of an AWS secret access key. */
const SECRET_ACCESS_KEY = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/])/g;
/** Characters a cut can back off to without halving a token. */
const CUT_BOUNDARY = /[\s"',;{}[\]()<>]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** How `redactText` and `redactSecrets` work on one input. */
export interface RedactOptions {
  /**
   * Longest text scanned; the rest is cut, with a note (`redactText` only: `redactSecrets`
   * keeps STRING_MAX_CHARS of each string).
   * @default TEXT_MAX_CHARS
   */
  readonly maxChars?: number;
  /**
   * Values known to be secret because the same record holds them under a secret-like key
   * (`findSecrets`): masked wherever they appear, e.g. echoed in an error message.
   */
  readonly knownSecrets?: readonly string[];
}

/**
 * Returns `text` with every secret it recognises masked as `***`:
 * - the `knownSecrets` given, wherever they appear;
 * - PEM private keys (also when cut off before their END line);
 * - values of `key=value`, `key: value`, `"key":"value"` pairs whose key is secret-like
 *   (see `isSecretKey`), whatever the value (quoted, `{...}`, `[...]`, to the end of a header
 *   line), except a plain ARN; and the value AWS validation messages quote for a secret-like
 *   field (`Value '...' at 'hlsIngest.password'`);
 * - `Bearer`/`Basic`/... credentials, user info in URLs, JSON Web Tokens, STS session tokens,
 *   AWS access key ids, 40-character secret-access-key shapes and very long base64 runs.
 *
 * Safe on any string: a text over `maxChars` is cut (before a separator, so no secret is
 * halved) with a note, the work is linear in what remains, and lone surrogates become U+FFFD.
 */
export function redactText(text: string, options: RedactOptions = {}): string {
  if (typeof text !== 'string') return '';
  return scanText(text, options.maxChars ?? TEXT_MAX_CHARS, options.knownSecrets ?? [], null);
}

/** `redactText`, also adding to `sink` the values it masked as secret-keyed pairs. */
function scanText(
  text: string,
  maxChars: number,
  known: readonly string[],
  sink: Set<string> | null,
): string {
  // The same few texts (user agents, ARNs, Regions) come back alert after alert.
  const cacheable =
    sink === null &&
    known.length === 0 &&
    text.length <= CACHED_TEXT_MAX_CHARS &&
    maxChars >= CACHED_TEXT_MAX_CHARS;
  const cached = cacheable ? scannedTexts.get(text) : undefined;
  if (cached !== undefined) return cached;
  let scanned = maskKnown(cutForScan(text, maxChars), known);
  if (scanned.includes('-----BEGIN')) scanned = scanned.replace(PEM_PRIVATE_KEY, MASK);
  scanned = collectPairs(scanned, sink);
  if (SHAPE_HINT.test(scanned)) scanned = redactShapes(scanned);
  const result = wellFormed(scanned);
  if (cacheable) {
    if (scannedTexts.size >= CACHED_TEXTS_MAX) scannedTexts.clear();
    scannedTexts.set(text, result);
  }
  return result;
}

/** Texts this short are scanned whole whatever the limit, so their result can be cached. */
const CACHED_TEXT_MAX_CHARS = 256;
const CACHED_TEXTS_MAX = 2_048;
const scannedTexts = new Map<string, string>();

/**
 * Every shape `redactShapes` masks holds one of these: a run of 11 base64 characters (key
 * ids, keys, tokens, JWTs), a URL, or an authorization scheme. Most texts (ids, names,
 * times) hold none, and skip the shape passes.
 */
const SHAPE_HINT = /[A-Za-z0-9+/_-]{11}|:\/\/|bearer|basic|digest|negotiate|ntlm/i;

/** Masks secret `key=value` pairs and validation-message values, adding them to `sink`. */
function collectPairs(text: string, sink: Set<string> | null): string {
  let scanned = text;
  if (scanned.includes('=') || scanned.includes(':')) scanned = maskPairs(scanned, sink);
  if (!scanned.includes("Value '")) return scanned;
  return scanned.replace(
    AWS_VALIDATION_VALUE,
    (match: string, open: string, value: string, at: string, path: string) => {
      const field = path.split(/[.[\]/]/).filter((part) => part.length > 0);
      // The field's name is its last member, or a dotted name (`private.key`) split with it.
      const secret = [1, 2, 3].some((members) => isSecretKey(field.slice(-members).join('.')));
      if (!secret || value.length === 0) return match;
      sink?.add(value);
      return `${open}${MASK}${at}${path}'`;
    },
  );
}

/** Replaces lone surrogates (bad input, or a pair cut in two), which URL encoding rejects. */
export function wellFormed(text: string): string {
  // Node 20 has the native String.prototype.toWellFormed; the regex is the fallback.
  const methods = text as { isWellFormed?: () => boolean; toWellFormed?: () => string };
  if (typeof methods.isWellFormed === 'function' && methods.isWellFormed.call(text)) return text;
  return typeof methods.toWellFormed === 'function'
    ? methods.toWellFormed.call(text)
    : text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Shortest known secret searched for in other texts: shorter ones would mask common words. */
const KNOWN_SECRET_MIN_CHARS = 6;
/** Known secrets are found by this prefix, then masked as far as the whole secret matches. */
const KNOWN_SECRET_PREFIX_CHARS = 256;
const KNOWN_SECRETS_MAX = 64;

/** Masks each known secret wherever it appears, also URL-encoded. */
function maskKnown(text: string, known: readonly string[]): string {
  let out = text;
  for (const secret of known.slice(0, KNOWN_SECRETS_MAX)) {
    if (secret.length < KNOWN_SECRET_MIN_CHARS) continue;
    out = maskOccurrences(out, secret);
    const encoded = safeEncode(secret);
    if (encoded !== secret) out = maskOccurrences(out, encoded);
  }
  return out;
}

function safeEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Masks `secret` in `text`: found by its prefix, masked as far as the whole secret matches. */
function maskOccurrences(text: string, secret: string): string {
  const needle = secret.slice(0, KNOWN_SECRET_PREFIX_CHARS);
  let found = text.indexOf(needle);
  if (found === -1) return text;
  let out = '';
  let copied = 0;
  while (found !== -1) {
    let end = found + needle.length;
    while (end - found < secret.length && text.charAt(end) === secret.charAt(end - found)) end += 1;
    out += `${text.slice(copied, found)}${MASK}`;
    copied = end;
    found = text.indexOf(needle, end);
  }
  return out + text.slice(copied);
}

/**
 * The values a record holds under secret-like keys (at any depth, in JSON inside strings, and
 * in `key=value` pairs of its texts), longest first: pass them as `knownSecrets` so a secret
 * echoed elsewhere (an error message quoting the rejected password) is masked there too.
 * Values shorter than six characters are left out: masking them everywhere would hide words.
 */
export function findSecrets(value: unknown): string[] {
  const sink = new Set<string>();
  walk(value, 0, newBudget([], sink));
  return [...sink]
    .filter((secret) => secret.length >= KNOWN_SECRET_MIN_CHARS && secret !== MASK)
    .sort((a, b) => b.length - a.length)
    .slice(0, KNOWN_SECRETS_MAX);
}

/** The shape rules alone: what makes a string secret wherever it stands. */
function redactShapes(text: string): string {
  return text
    .replace(AUTH_SCHEME, (match: string, scheme: string, space: string, credential: string) =>
      /[0-9._~+/=-]/.test(credential) ? `${scheme}${space}${MASK}` : match,
    )
    .replace(URL_USER_INFO, `://${MASK}@`)
    .replace(JWT, MASK)
    .replace(SESSION_TOKEN, MASK)
    .replace(ACCESS_KEY_ID, MASK)
    .replace(LONG_RUN, maskLongRun)
    .replace(SECRET_ACCESS_KEY, (run: string) => (looksRandom(run) ? MASK : run));
}

/**
 * Random base64 mixes upper and lower case throughout and has digits or `+`/`/`; ids, hex
 * digests, paths and words do not (`AWSLogs/111122223333/CloudTrail/...` has few capitals).
 */
function looksRandom(run: string): boolean {
  let upper = 0;
  let lower = 0;
  let other = 0;
  for (let index = 0; index < run.length; index += 1) {
    const code = run.charCodeAt(index);
    if (code >= 65 && code <= 90) upper += 1;
    else if (code >= 97 && code <= 122) lower += 1;
    else if (code !== 61) other += 1;
  }
  return upper * 8 >= run.length && lower * 8 >= run.length && other > 0;
}

/**
 * A long run of base64 characters, masked when it looks random. Base64 uses `+` and `/`,
 * base64url `-` and `_`: a run with both is a path or an id (`AWSLogs/.../us-west-2/...`), so
 * only its long single-alphabet stretches are judged (`live-<token>`).
 */
function maskLongRun(run: string): string {
  if (!(/[+/]/.test(run) && /[_-]/.test(run))) return looksRandom(run) ? MASK : run;
  return run.replace(SINGLE_ALPHABET_RUN, (part: string) => (looksRandom(part) ? MASK : part));
}

const SINGLE_ALPHABET_RUN =
  /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{100,}={0,2}|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{100,}/g;

/** Cuts a text to `maxChars` before scanning, backing off to a separator, with a note. */
function cutForScan(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const limit = Math.max(0, Math.floor(maxChars));
  const floor = Math.max(0, limit - CUT_BACKOFF_CHARS);
  let end = floor;
  for (let index = limit - 1; index >= floor; index -= 1) {
    if (CUT_BOUNDARY.test(text.charAt(index))) {
      end = index;
      break;
    }
  }
  return `${text.slice(0, end)}...[cut: ${text.length} characters]`;
}

/** Masks the values of secret-like pairs, scanning once from left to right. */
function maskPairs(text: string, sink: Set<string> | null): string {
  // One shared global regex: the scan is synchronous and nothing it calls scans pairs.
  const head = PAIR_HEAD;
  head.lastIndex = 0;
  let out = '';
  let copied = 0;
  for (let match = head.exec(text); match !== null; match = head.exec(text)) {
    const key = match[3] ?? match[4] ?? '';
    if (!isSecretKey(key)) continue;
    // `:secret:name` in an ARN and `//user:pass@` in a URL are not `key: value` pairs.
    const before = text.charAt(match.index - 1);
    if (match[4] !== undefined && match[5] === ':' && (before === ':' || before === '/')) continue;
    const start = match.index + match[0].length;
    const value = valueAt(text, start, match[5] === '=' ? EQUALS_VALUE_END : COLON_VALUE_END);
    if (value.masked !== null) {
      out += text.slice(copied, start) + value.masked;
      copied = value.end;
      sink?.add(unquote(text.slice(start, value.end)));
    }
    head.lastIndex = Math.max(value.end, start);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** A masked value as it was, without the quotes around it. */
function unquote(value: string): string {
  const quote = /^\\{0,3}["']/.exec(value)?.[0];
  if (quote === undefined) return value;
  const inner = value.slice(quote.length);
  return inner.endsWith(quote) ? inner.slice(0, inner.length - quote.length) : inner;
}

interface ValueExtent {
  /** Where the value ends. */
  readonly end: number;
  /** What replaces it, or null to keep it (a plain ARN, an empty value). */
  readonly masked: string | null;
}

/** The extent of the value that starts at `start`, and its masked form. */
function valueAt(text: string, start: number, unquotedEnd: RegExp): ValueExtent {
  const first = text.charAt(start);
  const quote = /^\\{0,3}["']/.exec(text.slice(start, start + 4))?.[0];
  if (quote !== undefined) {
    const close = closingQuote(text, start + quote.length, quote);
    if (close === -1) return { end: text.length, masked: `${quote}${MASK}` };
    const end = close + quote.length;
    return isPlainArn(text.slice(start + quote.length, close))
      ? { end, masked: null }
      : { end, masked: `${quote}${MASK}${quote}` };
  }
  if (first === '{' || first === '[') {
    return { end: closingBracket(text, start), masked: MASK };
  }
  if (text.startsWith('arn:', start)) {
    ARN_AT.lastIndex = start;
    const arn = ARN_AT.exec(text)?.[0];
    if (arn !== undefined && isPlainArn(arn)) return { end: start + arn.length, masked: null };
  }
  let end = start;
  while (end < text.length && !unquotedEnd.test(text.charAt(end))) end += 1;
  return end === start ? { end, masked: null } : { end, masked: MASK };
}

/** Index of the quote that closes a quoted value, honouring backslash escapes; -1 if none. */
function closingQuote(text: string, from: number, quote: string): number {
  if (quote.length > 1) return text.indexOf(quote, from);
  for (let index = from; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (char === '\\') index += 1;
    else if (char === quote) return index;
  }
  return -1;
}

/** End of a `{...}`/`[...]` value (strings skipped); the end of the text if it never closes. */
function closingBracket(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (char === '"') {
      const close = closingQuote(text, index + 1, '"');
      if (close === -1) return text.length;
      index = close;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return text.length;
}

// ---------------------------------------------------------------------------------------------
// JSON values
// ---------------------------------------------------------------------------------------------

interface WalkBudget {
  nodes: number;
  chars: number;
  /** How many values the walk changed so far: tells whether a JSON text needs rewriting. */
  changes: number;
  readonly known: readonly string[];
  /**
   * Where `findSecrets` gathers the values it finds under secret keys. When set, the walk
   * only collects: strings are scanned for secret pairs, not redacted.
   */
  readonly sink: Set<string> | null;
}

function newBudget(known: readonly string[], sink: Set<string> | null): WalkBudget {
  return { nodes: MAX_NODES, chars: MAX_SCANNED_CHARS, changes: 0, known, sink };
}

/**
 * Returns a copy of a JSON value with every value that could hold a secret masked:
 * - values under secret-like keys (`isSecretKey`), whatever their type, except a plain ARN or a
 *   list of them (they name a secret rather than hold it) and booleans and null (a flag holds
 *   no secret);
 * - strings by `redactText` (credential shapes, secret pairs in free text, URLs, and the
 *   `knownSecrets` given);
 * - strings that hold a JSON object or array (a MediaPackage v2 `policy`): parsed, redacted the
 *   same way and written back as a string, so the field keeps its type and stays readable;
 * - object keys, which are text too.
 *
 * Safe on any input: it walks at most `MAX_DEPTH` levels (deeper values become `TOO_DEEP`),
 * a bounded number of values and characters (the rest become `NOT_SHOWN`), and keeps at most
 * `STRING_MAX_CHARS` of any one string. The input is not changed.
 */
export function redactSecrets(
  value: unknown,
  options: Omit<RedactOptions, 'maxChars'> = {},
): unknown {
  return walk(value, 0, newBudget(options.knownSecrets ?? [], null));
}

function walk(value: unknown, depth: number, budget: WalkBudget): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    return value;
  }
  budget.changes += 1;
  if (typeof value === 'bigint') return value.toString();
  if (budget.nodes <= 0) return NOT_SHOWN;
  budget.nodes -= 1;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  // An error's name and message are not enumerable: a log field holding one would print `{}`.
  if (value instanceof Error && depth < MAX_DEPTH) {
    return walkObject({ ...value, name: value.name, message: value.message }, depth, budget);
  }
  if (typeof value === 'object' && depth >= MAX_DEPTH) return TOO_DEEP;
  budget.changes -= 1;
  if (typeof value === 'string') {
    const redacted = redactString(value, depth, budget);
    if (redacted !== value) budget.changes += 1;
    return redacted;
  }
  if (Array.isArray(value)) return walkArray(value as unknown[], depth, budget);
  return walkObject(value, depth, budget);
}

function walkArray(value: readonly unknown[], depth: number, budget: WalkBudget): unknown[] {
  const copy: unknown[] = [];
  for (const item of value) {
    if (budget.nodes <= 0) {
      budget.changes += 1;
      copy.push(NOT_SHOWN);
      break;
    }
    copy.push(walk(item, depth + 1, budget));
  }
  return copy;
}

function walkObject(value: object, depth: number, budget: WalkBudget): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  // for...in rather than Object.entries: no copy of a huge object's entries before the budget
  // stops the walk.
  for (const key in source) {
    if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
    if (budget.nodes <= 0) {
      budget.changes += 1;
      define(copy, '...', NOT_SHOWN);
      break;
    }
    const inner = source[key];
    const shownKey =
      budget.sink === null
        ? uniqueKey(copy, scanText(key, KEY_MAX_CHARS, budget.known, null))
        : key;
    if (shownKey !== key) budget.changes += 1;
    if (isSecretKey(key) && !isArnOrArns(inner) && !holdsNoSecret(inner)) {
      budget.nodes -= 1;
      budget.changes += 1;
      if (budget.sink !== null) gatherLeaves(inner, budget.sink);
      define(copy, shownKey, MASK);
    } else {
      define(copy, shownKey, walk(inner, depth + 1, budget));
    }
  }
  return copy;
}

/** A flag or nothing: `sessionCredentialFromConsole: true`, `password: null` hide nothing. */
function holdsNoSecret(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'boolean';
}

const GATHER_MAX_DEPTH = 8;
const GATHER_MAX_LEAVES = 64;

/** The strings and numbers of a masked value, for `findSecrets`. Bounded, not recursive. */
function gatherLeaves(value: unknown, sink: Set<string>): void {
  const pending: [unknown, number][] = [[value, 0]];
  let leaves = 0;
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [current, depth] = item;
    if (typeof current === 'string' || typeof current === 'number') {
      if (typeof current === 'string' && isPlainArn(current)) continue;
      sink.add(String(current).slice(0, STRING_MAX_CHARS));
      leaves += 1;
      if (leaves >= GATHER_MAX_LEAVES) return;
    } else if (typeof current === 'object' && current !== null && depth < GATHER_MAX_DEPTH) {
      for (const inner of Object.values(current).slice(0, GATHER_MAX_LEAVES)) {
        pending.push([inner, depth + 1]);
      }
    }
  }
}

/** Sets a property even when its name is `__proto__`, which plain assignment would not. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key !== '__proto__') {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Two keys that redact to the same text must both stay visible. */
function uniqueKey(target: Record<string, unknown>, key: string): string {
  if (!Object.prototype.hasOwnProperty.call(target, key)) return key;
  let suffix = 2;
  while (Object.prototype.hasOwnProperty.call(target, `${key} (${suffix})`)) suffix += 1;
  return `${key} (${suffix})`;
}

const JSON_TEXT = /^\s*[[{]/;

function redactString(value: string, depth: number, budget: WalkBudget): string {
  if (budget.chars <= 0) return NOT_SHOWN;
  const limit = Math.min(STRING_MAX_CHARS, budget.chars);
  budget.chars -= Math.min(value.length, limit);
  if (value.length <= limit && JSON_TEXT.test(value)) {
    const redacted = redactJsonText(value, depth, budget);
    if (redacted !== undefined) return redacted;
  }
  if (budget.sink !== null) {
    collectPairs(value.slice(0, limit), budget.sink);
    return value;
  }
  return scanText(value, limit, budget.known, null);
}

/** A string holding a JSON object or array, redacted as JSON; undefined if it is not JSON. */
function redactJsonText(value: string, depth: number, budget: WalkBudget): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const before = budget.changes;
  const redacted = walk(parsed, depth + 1, budget);
  // Unchanged: keep the original text, with its layout, rather than a compacted copy.
  return budget.changes === before ? value : JSON.stringify(redacted);
}
