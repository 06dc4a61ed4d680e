import {
  MASK,
  MAX_DEPTH,
  NOT_SHOWN,
  STRING_MAX_CHARS,
  TOO_DEEP,
  findSecrets,
  isPlainArn,
  isSecretKey,
  keyWords,
  redactSecrets,
  redactText,
} from '../../../lambda/alert/redact';
import { ACCOUNT_ID, REGION, ROLE_ARN } from '../../../scripts/cloudtrail-factory';
import { HOSTILE_TEXTS, nested } from '../../support/hostile-text';

const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:mediapackage/cdn-auth-AbCdEf`;
/** A distinctive secret: if this text appears in an output, the secret leaked. */
const SECRET = 'Zq8vLmN3pRt7Kx2W';
/** Shapes that are secret wherever they stand (AWS's documented example values). */
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQD${SECRET}AbCdEf`;
const JWT = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${SECRET}`;

describe('Function: isSecretKey', () => {
  it.each([
    'password',
    'Password',
    'PASSWORD',
    'IngestPassword',
    'db_password',
    'dbpassword',
    'passwd',
    'pwd',
    'pass',
    'pass_word',
    'passphrase',
    'PassPhrase',
    'secret',
    'clientSecret',
    'client-secret',
    'CLIENT_SECRET',
    'secretAccessKey',
    'AWSSecretKey',
    'token',
    'authToken',
    'access_token',
    'refreshtoken',
    'X-Amz-Security-Token',
    'x-amz-security-token',
    'apiKey',
    'api-key',
    'api_key',
    'API_KEY',
    'APIKey',
    'apikey',
    'x-api-key',
    'X-API-KEY',
    'privateKey',
    'private-key',
    'PRIVATE_KEY',
    'private key',
    'credential',
    'credentials',
    'AwsCredentials',
    'X-Amz-Credential',
    'cookie',
    'Cookie',
    'set-cookie',
    'Set-Cookie',
    'cookies',
    'sessionId',
    'session-id',
    'session_id',
    'SESSIONID',
    'JSESSIONID',
    'auth',
    'Auth',
    'oauth',
    'authorization',
    'Authorization',
    'proxy-authorization',
    'signature',
    'X-Amz-Signature',
    'sig',
    'username',
    'userName',
    'user_name',
    'ingestUsername',
    'user',
    'password1',
    'secrets.primary',
    'aws:Referer',
    'aws:UserAgent',
    'secretArn',
  ])('%s names a secret', (key) => {
    // Act
    const secret = isSecretKey(key);

    // Assess
    expect(secret).toBe(true);
  });

  it.each([
    'sessionContext',
    'sessionIssuer',
    'sessionCredentialFromConsole-not-a-secret'.slice(0, 7),
    'mfaAuthenticated',
    'author',
    'authors',
    'passthrough',
    'bypass',
    'compass',
    'keyId',
    'KeyId',
    's3Key',
    'key',
    'tokenization',
    'tokenExpiration',
    'authType',
    'cdnAuthConfiguration',
    'passwordLength',
    'signatureVersion',
    'userAgent',
    'userIdentity',
    'users',
    'id',
    'channelId',
    'description',
    'pin',
    'ingest_endpoint_id',
    'spekeKeyProvider',
    'keyRotationIntervalSeconds',
    'aws:SourceArn',
    'aws:SecureTransport',
    '',
  ])('%p is harmless', (key) => {
    // Act
    const secret = isSecretKey(key);

    // Assess
    expect(secret).toBe(false);
  });

  it('splits keys into words whatever their spelling', () => {
    // Act
    const words = [
      keyWords('X-Amz-Security-Token'),
      keyWords('APIKey'),
      keyWords('sessionId'),
      keyWords('CLIENT_SECRET'),
      keyWords('s3Key'),
    ];

    // Assess
    expect(words).toEqual([
      ['x', 'amz', 'security', 'token'],
      ['api', 'key'],
      ['session', 'id'],
      ['client', 'secret'],
      ['s', 'key'],
    ]);
  });
});

describe('Function: redactSecrets', () => {
  it('masks values under password, secret, token, credential and username keys at any depth', () => {
    // Prepare
    const parameters = {
      id: 'live-1',
      password: 'hunter2',
      hlsIngest: {
        ingestEndpoints: [
          { id: 'a', url: 'https://example.com/in', username: 'hunter2', Password: 'hunter2' },
        ],
      },
      spekeKeyProvider: { ApiToken: 'hunter2', authToken: { value: 'hunter2' } },
      nested: [[{ clientSecret: 'hunter2' }], { AwsCredentials: { id: 1, key: 'hunter2' } }],
      user: 'hunter2',
      pin: 12345,
    };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual({
      id: 'live-1',
      password: MASK,
      hlsIngest: {
        ingestEndpoints: [
          { id: 'a', url: 'https://example.com/in', username: MASK, Password: MASK },
        ],
      },
      spekeKeyProvider: { ApiToken: MASK, authToken: MASK },
      nested: [[{ clientSecret: MASK }], { AwsCredentials: MASK }],
      user: MASK,
      pin: 12345,
    });
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
  });

  it.each([
    ['a string', SECRET],
    ['a number', 8675309],
    ['an object', { value: SECRET, nested: { deeper: SECRET } }],
    ['an array', [SECRET, { value: SECRET }]],
    ['an empty array', []],
    ['an ARN with a space and more', `${SECRET_ARN} ${SECRET}`],
    ['an ARN with a query', `arn:aws:s3:::bucket/key?token=${SECRET}`],
    ['an ARN with user info', `arn:aws:iam::${ACCOUNT_ID}:user/admin:${SECRET}@host`],
    ['an ARN with an access key id in it', `arn:aws:s3:::bucket/${ACCESS_KEY_ID}`],
    ['an ARN with a key=value in it', `arn:aws:iam::${ACCOUNT_ID}:role/password=${SECRET}`],
    ['an ARN over 2,048 characters', `arn:aws:s3:::${'b'.repeat(2_100)}${SECRET}`],
    ['a list with one value that is no ARN', [SECRET_ARN, SECRET]],
    ['a list of ARNs inside an object', { arns: [SECRET_ARN], value: SECRET }],
  ])('masks %s under a secret key', (_shape, value) => {
    // Prepare
    const parameters = { cdnConfiguration: { secretToken: value } };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual({ cdnConfiguration: { secretToken: MASK } });
  });

  it('keeps booleans and null under secret keys: a flag holds no secret', () => {
    // Prepare
    const parameters = { sessionCredentialFromConsole: true, password: null, tokenEnabled: false };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual(parameters);
  });

  it('keeps ARNs under secretArn keys and ordinary values', () => {
    // Prepare
    const parameters = {
      secretArn: SECRET_ARN,
      secretsRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/MediaPackageSecretsAccess`,
      cdnIdentifierSecretArns: [SECRET_ARN, `${SECRET_ARN}2`],
      description: 'rotate the CDN secret',
      tags: { team: 'media' },
    };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual(parameters);
  });

  it('keeps an ARN even under a secret-like key, since it names the secret', () => {
    // Prepare
    const parameters = { secret: SECRET_ARN, token: 'not-an-arn' };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual({ secret: SECRET_ARN, token: MASK });
  });

  it('masks strings that look like AWS access keys or session tokens wherever they are', () => {
    // Prepare
    const parameters = {
      note: 'AKIAIOSFODNN7EXAMPLE',
      list: ['ASIAY34FZKBOKMUTVV7A', 'IQoJb3JpZ2luX2VjEXAMPLETOKEN', 'plain'],
    };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual({ note: MASK, list: [MASK, MASK, 'plain'] });
  });

  it('masks secrets in free text under harmless keys, in arrays and in keys', () => {
    // Prepare
    const parameters = {
      description: `rotated with key ${ACCESS_KEY_ID} and ${SECRET_ACCESS_KEY} today`,
      url: `https://admin:${SECRET}@origin.example.com/live?token=${SECRET}&x=1`,
      headers: [`Authorization: Bearer ${SECRET}`, 'Accept: */*'],
      [`${ACCESS_KEY_ID}`]: 'used as a key',
    };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(redacted).toEqual({
      description: `rotated with key ${MASK} and ${MASK} today`,
      url: `https://${MASK}@origin.example.com/live?token=${MASK}&x=1`,
      headers: [`Authorization: ${MASK}`, 'Accept: */*'],
      [MASK]: 'used as a key',
    });
  });

  it('redacts a JSON policy inside a string and writes it back as a string', () => {
    // Prepare
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowCdnWithSharedSecret',
          Effect: 'Allow',
          Principal: { AWS: ROLE_ARN },
          Action: 'mediapackagev2:GetObject',
          Condition: {
            StringEquals: { 'aws:Referer': SECRET, 'aws:UserAgent': [SECRET, `${SECRET}2`] },
            StringLike: { 'mediapackagev2:cdnAuthToken': SECRET },
            IpAddress: { 'aws:SourceIp': '192.0.2.0/24' },
          },
        },
      ],
    };
    const parameters = { channelGroupName: 'sports', policy: JSON.stringify(policy, null, 2) };

    // Act
    const redacted = redactSecrets(parameters) as { policy: string };

    // Assess
    expect(typeof redacted.policy).toBe('string');
    expect(redacted.policy).not.toContain(SECRET);
    expect(JSON.parse(redacted.policy)).toEqual({
      ...policy,
      Statement: [
        {
          ...policy.Statement[0],
          Condition: {
            StringEquals: { 'aws:Referer': MASK, 'aws:UserAgent': MASK },
            StringLike: { 'mediapackagev2:cdnAuthToken': MASK },
            IpAddress: { 'aws:SourceIp': '192.0.2.0/24' },
          },
        },
      ],
    });
  });

  it('keeps a JSON string that holds no secret as it was written', () => {
    // Prepare
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] }, null, 2);

    // Act
    const redacted = redactSecrets({ policy });

    // Assess
    expect(redacted).toEqual({ policy });
  });

  it('leaves the input untouched', () => {
    // Prepare
    const parameters = { id: 'live-1', password: 'hunter2', policy: '{"password":"hunter2"}' };

    // Act
    redactSecrets(parameters);

    // Assess
    expect(parameters).toEqual({
      id: 'live-1',
      password: 'hunter2',
      policy: '{"password":"hunter2"}',
    });
  });

  it('does not reveal a secret nested deeper than it walks', () => {
    // Prepare
    let parameters: unknown = { password: 'hunter2' };
    for (let level = 0; level < 40; level += 1) parameters = { level: parameters };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
    expect(JSON.stringify(redacted)).toContain('"level":{"level"');
    expect(JSON.stringify(redacted)).toContain(TOO_DEEP);
  });

  it.each(['objects', 'arrays'] as const)(
    'walks 100,000 levels of nested %s without overflowing the stack',
    (kind) => {
      // Prepare
      const value = nested(kind, 100_000, SECRET);

      // Act
      const result = JSON.stringify(redactSecrets(value));

      // Assess
      expect(result).not.toContain(SECRET);
      expect(result).toContain(TOO_DEEP);
      expect(result.split(TOO_DEEP)[0]?.length).toBeLessThan(MAX_DEPTH * 8);
    },
  );

  it('parses a JSON string nested 100,000 levels deep and keeps its depth bounded', () => {
    // Prepare
    const deep = `${'['.repeat(100_000)}"${SECRET}"${']'.repeat(100_000)}`;

    // Act
    const redacted = redactSecrets({ policy: deep.slice(0, STRING_MAX_CHARS) }) as {
      policy: string;
    };

    // Assess
    expect(redacted.policy.length).toBeLessThan(STRING_MAX_CHARS + 100);
  });

  it('stops at its budget on a huge object and says so', () => {
    // Prepare
    const wide: Record<string, string> = {};
    for (let index = 0; index < 50_000; index += 1) wide[`k${index}`] = `value ${index}`;

    // Act
    const redacted = redactSecrets(wide) as Record<string, unknown>;

    // Assess
    expect(Object.keys(redacted).length).toBeLessThan(50_000);
    expect(redacted['...']).toBe(NOT_SHOWN);
  });

  it('shows an error as its name and message, redacted', () => {
    // Prepare
    const error = Object.assign(new TypeError(`bad token=${SECRET}`), { code: 'E_BAD' });

    // Act
    const redacted = redactSecrets({ error });

    // Assess
    expect(redacted).toEqual({
      error: { name: 'TypeError', message: `bad token=${MASK}`, code: 'E_BAD' },
    });
  });

  it('keeps a `__proto__` key as data, not as a prototype', () => {
    // Prepare
    const parameters = JSON.parse('{"__proto__":{"password":"hunter2"},"id":"x"}') as object;

    // Act
    const redacted = redactSecrets(parameters) as Record<string, unknown>;

    // Assess
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(JSON.stringify(redacted)).toBe('{"__proto__":{"password":"***"},"id":"x"}');
  });

  it('masks, wherever they appear, the known secrets it is given', () => {
    // Prepare
    const parameters = { description: `the new one is ${SECRET}, the old one ${SECRET}` };

    // Act
    const redacted = redactSecrets(parameters, { knownSecrets: [SECRET] });

    // Assess
    expect(redacted).toEqual({ description: `the new one is ${MASK}, the old one ${MASK}` });
  });

  it.each([null, 42, true, 'plain text'])('returns the scalar %p as it is', (value) => {
    // Act
    const redacted = redactSecrets(value);

    // Assess
    expect(redacted).toBe(value);
  });

  // Only an ARN is kept under a secret-like key: a secret pasted into the ARN field of a
  // (failed) call must not reach email and Slack.
  it('masks a value under a secretArn key that is not an ARN', () => {
    // Prepare
    const parameters = { cdnAuthConfiguration: { secretArn: 'hunter2' } };

    // Act
    const redacted = redactSecrets(parameters);

    // Assess
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
  });
});

describe('Function: findSecrets', () => {
  it('lists the values held under secret keys, in JSON strings and in key=value text', () => {
    // Prepare
    const record = {
      requestParameters: {
        id: 'live-1',
        password: `${SECRET}pw`,
        policy: JSON.stringify({ Condition: { StringEquals: { 'aws:Referer': `${SECRET}ref` } } }),
        note: `see token=${SECRET}qs`,
        secretArn: SECRET_ARN,
        short: { pwd: 'abc' },
      },
    };

    // Act
    const secrets = findSecrets(record);

    // Assess
    expect(secrets.sort()).toEqual([`${SECRET}pw`, `${SECRET}qs`, `${SECRET}ref`].sort());
  });
});

describe('Function: isPlainArn', () => {
  it.each([
    [SECRET_ARN, true],
    [ROLE_ARN, true],
    ['arn:aws:s3:::amzn-s3-demo-bucket', true],
    [`arn:aws-us-gov:mediapackagev2:us-gov-west-1:${ACCOUNT_ID}:channelGroup/a/channel/b`, true],
    [`${ROLE_ARN} `, false],
    [`${ROLE_ARN}?x=1`, false],
    ['arn:aws:iam::111122223333:user/bob@example.com', false],
    [`arn:aws:s3:::bucket/${ACCESS_KEY_ID}`, false],
    ['arn:', false],
    ['not an arn', false],
  ])('%p is a plain ARN: %p', (value, expected) => {
    // Act
    const plain = isPlainArn(value);

    // Assess
    expect(plain).toBe(expected);
  });
});

describe('Function: redactText', () => {
  it.each([
    ['an access key id (AKIA)', `key ${ACCESS_KEY_ID} used`, `key ${MASK} used`],
    ['a temporary access key id (ASIA)', 'key ASIAY34FZKBOKMUTVV7A used', `key ${MASK} used`],
    ['a secret access key', `secret ${SECRET_ACCESS_KEY} here`, `secret ${MASK} here`],
    ['a session token', `token ${SESSION_TOKEN} here`, `token ${MASK} here`],
    ['an old-style session token', `FwoGZXIvYXdzE${SECRET}x`, MASK],
    ['a long base64 run', `blob ${'Ab3/'.repeat(30)}${SECRET} end`, `blob ${MASK} end`],
    ['a JSON Web Token', `jwt=${JWT}`, `jwt=${MASK}`],
    ['a JSON Web Token alone', `see ${JWT} here`, `see ${MASK} here`],
    [
      'user info in a URL',
      `https://admin:${SECRET}@origin.example.com/live`,
      `https://${MASK}@origin.example.com/live`,
    ],
    [
      'user info with an @ in the password',
      `rtmp://admin:p@${SECRET}@ingest.example.com/app`,
      `rtmp://${MASK}@ingest.example.com/app`,
    ],
    [
      'secret query parameters',
      `https://cdn.example.com/a.m3u8?token=${SECRET}&sig=${SECRET}&X-Amz-Signature=${SECRET}&X-Amz-Credential=${SECRET}&X-Amz-Security-Token=${SECRET}&password=${SECRET}&start=10`,
      `https://cdn.example.com/a.m3u8?token=${MASK}&sig=${MASK}&X-Amz-Signature=${MASK}&X-Amz-Credential=${MASK}&X-Amz-Security-Token=${MASK}&password=${MASK}&start=10`,
    ],
    ['a Bearer credential', `Bearer ${SECRET}`, `Bearer ${MASK}`],
    ['a Basic credential', 'Basic dXNlcjpwYXNzd29yZA==', `Basic ${MASK}`],
    ['an Authorization header', `Authorization: Bearer ${SECRET}`, `Authorization: ${MASK}`],
    ['a Cookie header', `Cookie: session=${SECRET}; theme=dark`, `Cookie: ${MASK}; theme=dark`],
    [
      'a PEM private key',
      `key: -----BEGIN RSA PRIVATE KEY-----\nMIIE${SECRET}\n-----END RSA PRIVATE KEY----- done`,
      `key: ${MASK} done`,
    ],
    [
      'a PEM private key cut before its END line',
      `-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl${SECRET}`,
      MASK,
    ],
    ['key=value', `password=${SECRET} next=1`, `password=${MASK} next=1`],
    ['key: value to the end of the line', `pwd: ${SECRET} more\nnext`, `pwd: ${MASK}\nnext`],
    ['"key":"value"', `{"apiKey":"${SECRET}","id":"x"}`, `{"apiKey":"${MASK}","id":"x"}`],
    ["'key': 'value'", `{'x-api-key': '${SECRET}'}`, `{'x-api-key': '${MASK}'}`],
    [
      'escaped JSON in text',
      `{\\"private-key\\":\\"${SECRET}\\"}`,
      `{\\"private-key\\":\\"${MASK}\\"}`,
    ],
    [
      'a structured value',
      `"credentials":{"a":"${SECRET}","b":[1]},"id":1`,
      `"credentials":${MASK},"id":1`,
    ],
    ['a quoted value with escapes', `"token":"a\\"${SECRET}","id":1`, `"token":"${MASK}","id":1`],
    ['an unclosed quoted value', `"secret":"${SECRET}`, `"secret":"${MASK}`],
    [
      'a cut JSON policy',
      `{"Condition":{"StringEquals":{"aws:Referer":"${SECRET}`,
      `{"Condition":{"StringEquals":{"aws:Referer":"${MASK}`,
    ],
    ['a key after a path', `https://h/p/sessionId=${SECRET}`, `https://h/p/sessionId=${MASK}`],
  ])('masks %s', (_shape, text, expected) => {
    // Act
    const redacted = redactText(text);

    // Assess
    expect(redacted).toBe(expected);
  });

  it.each([
    `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/MediaOpsAdmin/jdoe is not authorized to perform: mediapackage:DeleteChannel on resource: arn:aws:mediapackage:${REGION}:${ACCOUNT_ID}:channels/4d1f53c2`,
    `secret stored as ${SECRET_ARN}`,
    `token=${SECRET_ARN}`,
    'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 command/mediapackage.update-channel',
    'https://6d345804ec3f46c9.mediapackage.us-west-2.amazonaws.com/in/v2/4d1f53c2/6d345804ec3f46c9/channel',
    `AWSLogs/o-a1b2c3d4e5/${ACCOUNT_ID}/CloudTrail/${REGION}/2024/05/01/${ACCOUNT_ID}_CloudTrail_${REGION}_20240501T1205Z_Vx2sT8bQ0kLmN3pR.json.gz`,
    'principal AROAEXAMPLEID1234567:jdoe',
    '9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6',
    'Basic authentication is not supported',
    'the passthrough mode, tokenization off, author: Ann',
    'live-news-1',
    '',
  ])('keeps harmless text: %p', (text) => {
    // Act
    const redacted = redactText(text);

    // Assess
    expect(redacted).toBe(text);
  });

  it('masks known secrets, also URL-encoded', () => {
    // Prepare
    const secret = `${SECRET}/+=`;

    // Act
    const redacted = redactText(`bad value ${secret} or ${encodeURIComponent(secret)}`, {
      knownSecrets: [secret],
    });

    // Assess
    expect(redacted).toBe(`bad value ${MASK} or ${MASK}`);
  });

  it('cuts a long text before a separator, so no secret is shown halved', () => {
    // Prepare
    const text = `${'word '.repeat(200)}${SECRET_ACCESS_KEY} tail`;
    const cutAt = text.indexOf(SECRET_ACCESS_KEY) + 20;

    // Act
    const redacted = redactText(text, { maxChars: cutAt });

    // Assess
    expect(redacted).not.toContain(SECRET_ACCESS_KEY.slice(0, 10));
    expect(redacted).toMatch(/\.\.\.\[cut: \d+ characters\]$/);
  });

  it('replaces lone surrogates, which URL encoding rejects', () => {
    // Act
    const redacted = redactText('a\ud800b\udc00c😀');

    // Assess
    expect(redacted).toBe('a\ufffdb\ufffdc😀');
    expect(() => encodeURIComponent(redacted)).not.toThrow();
  });

  // A backtracking or quadratic scan takes minutes on each of these; a linear one returns at
  // once. How long each takes: npx tsx scripts/bench/redaction.ts
  it.each(HOSTILE_TEXTS)('redacts 1 MB of $name as it must', ({ text, redacted }) => {
    // Act
    const result = redactText(text);

    // Assess
    expect({ length: result.length, same: result === redacted }).toEqual({
      length: redacted.length,
      same: true,
    });
  });

  it('cuts a text over its limit and says how long it was', () => {
    // Prepare
    const text = 'x'.repeat(2_000_000);

    // Act
    const redacted = redactText(text);

    // Assess
    expect(redacted.length).toBeLessThan(1_100_000);
    expect(redacted.endsWith('...[cut: 2000000 characters]')).toBe(true);
  });
});
