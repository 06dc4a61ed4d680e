import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  CANARY_WRITER_ENV,
  CanaryWriteError,
  handler,
  mediaPackageV2Endpoint,
  tagResourceRequest,
  writeCanaryTag,
} from '../../../lambda/canary/canary-writer';
import { CANARY_TAG_KEY, FUNCTION_ENV } from '../../../lambda/contract';

const GROUP_ARN = 'arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/TestStack-Canary';
const ENCODED_ARN =
  'arn%3Aaws%3Amediapackagev2%3Aeu-west-1%3A111122223333%3AchannelGroup%2FTestStack-Canary';
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
const NOW = new Date('2026-03-01T10:00:00.123Z');

interface Received {
  readonly method: string;
  readonly rawPath: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * Checks a SigV4 `Authorization` header against the request the server received, computed here
 * from the specification (not with the signer under test): the canonical request with the path
 * encoded twice, as for every service but S3.
 */
function signatureIsValid(received: Received, secretAccessKey: string): boolean {
  const authorization = String(received.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (match === null) return false;
  const [, date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
  const hmac = (key: Buffer | string, text: string): Buffer =>
    createHmac('sha256', key).update(text).digest();
  const canonicalPath = received.rawPath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(received.headers[name]).trim()}\n`)
    .join('');
  const canonicalRequest = [
    received.method,
    canonicalPath,
    '',
    canonicalHeaders,
    signedHeaders,
    hash(received.body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    String(received.headers['x-amz-date']),
    scope,
    hash(canonicalRequest),
  ].join('\n');
  const key = [date, region, service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => hmac(k, part),
    `AWS4${secretAccessKey}`,
  );
  return createHmac('sha256', key).update(stringToSign).digest('hex') === signature;
}

/** A loopback server that records each request and answers with `reply`. */
async function startServer(
  reply: (response: ServerResponse) => void,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        rawPath: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      reply(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const noContent = (response: ServerResponse): void => {
  response.writeHead(204, { 'x-amzn-requestid': 'req-1' }).end();
};

describe('Function: tagResourceRequest', () => {
  it("is the SDK's TagResource request: POST /tags/{ResourceArn} with the tags as JSON", () => {
    // Act
    const request = tagResourceRequest(
      new URL('https://mediapackagev2.eu-west-1.amazonaws.com'),
      GROUP_ARN,
      { [CANARY_TAG_KEY]: NOW.toISOString() },
    );
    // Assess
    expect(request).toMatchObject({
      method: 'POST',
      protocol: 'https:',
      hostname: 'mediapackagev2.eu-west-1.amazonaws.com',
      path: `/tags/${ENCODED_ARN}`,
      headers: {
        host: 'mediapackagev2.eu-west-1.amazonaws.com',
        'content-type': 'application/json',
      },
    });
    expect(JSON.parse(String(request.body))).toEqual({
      tags: { 'mp-audit:canary': '2026-03-01T10:00:00.123Z' },
    });
  });
});

describe('Function: mediaPackageV2Endpoint', () => {
  it("is the Region's MediaPackage v2 endpoint by default", () => {
    expect(mediaPackageV2Endpoint('eu-west-1', {}).href).toBe(
      'https://mediapackagev2.eu-west-1.amazonaws.com/',
    );
  });

  it('honours AWS_ENDPOINT_URL_MEDIAPACKAGEV2, then AWS_ENDPOINT_URL', () => {
    expect(
      mediaPackageV2Endpoint('eu-west-1', {
        AWS_ENDPOINT_URL: 'http://localhost:1',
        AWS_ENDPOINT_URL_MEDIAPACKAGEV2: 'http://localhost:2',
      }).port,
    ).toBe('2');
    expect(
      mediaPackageV2Endpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://localhost:1' }).port,
    ).toBe('1');
  });

  it('refuses an endpoint that is not a URL, naming the variable', () => {
    expect(() => mediaPackageV2Endpoint('eu-west-1', { AWS_ENDPOINT_URL: 'local host' })).toThrow(
      /AWS_ENDPOINT_URL is not a URL/,
    );
  });
});

describe('Function: writeCanaryTag', () => {
  it('makes one SigV4-signed TagResource call with the canary tag', async () => {
    // Prepare
    const { server, url, received } = await startServer(noContent);
    try {
      // Act
      const write = await writeCanaryTag(GROUP_ARN, {
        credentials: CREDENTIALS,
        http: new NodeHttpHandler(),
        env: { AWS_ENDPOINT_URL: url },
        now: () => NOW,
      });
      // Assess
      expect(write).toEqual({
        resourceArn: GROUP_ARN,
        taggedAt: '2026-03-01T10:00:00.123Z',
        statusCode: 204,
        requestId: 'req-1',
      });
      expect(received).toHaveLength(1);
      const [request] = received;
      if (request === undefined) throw new Error('no request');
      expect(request.method).toBe('POST');
      expect(request.rawPath).toBe(`/tags/${ENCODED_ARN}`);
      expect(JSON.parse(request.body)).toEqual({
        tags: { [CANARY_TAG_KEY]: '2026-03-01T10:00:00.123Z' },
      });
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-amz-security-token']).toBe('session-token');
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/mediapackagev2\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(signatureIsValid(request, CREDENTIALS.secretAccessKey)).toBe(true);
      expect(signatureIsValid(request, 'another secret')).toBe(false);
    } finally {
      await stopServer(server);
    }
  });

  it("throws MediaPackage's refusal with its status, type and message", async () => {
    // Prepare
    const { server, url } = await startServer((response) => {
      response
        .writeHead(403, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/',
        })
        .end(JSON.stringify({ message: 'User is not authorized to perform TagResource' }));
    });
    try {
      // Act
      const write = writeCanaryTag(GROUP_ARN, {
        credentials: CREDENTIALS,
        http: new NodeHttpHandler(),
        env: { AWS_ENDPOINT_URL: url },
      });
      // Assess
      await expect(write).rejects.toThrow(CanaryWriteError);
      await expect(write).rejects.toMatchObject({
        statusCode: 403,
        message: expect.stringMatching(
          /HTTP 403\): AccessDeniedException: User is not authorized to perform TagResource$/,
        ) as unknown,
      });
    } finally {
      await stopServer(server);
    }
  });

  it('throws when nothing answers', async () => {
    // Prepare: a port that was just freed.
    const { server, url } = await startServer(noContent);
    await stopServer(server);
    // Act / Assess
    await expect(
      writeCanaryTag(GROUP_ARN, {
        credentials: CREDENTIALS,
        http: new NodeHttpHandler({ connectionTimeout: 1000 }),
        env: { AWS_ENDPOINT_URL: url },
      }),
    ).rejects.toThrow(/failed before MediaPackage answered/);
  });

  it('refuses an ARN that is not MediaPackage v2, without calling anything', async () => {
    // Prepare
    const http = { handle: jest.fn() };
    // Act / Assess
    await expect(
      writeCanaryTag('arn:aws:mediapackage:eu-west-1:111122223333:channels/abc', {
        credentials: CREDENTIALS,
        http,
      }),
    ).rejects.toThrow(/MP_AUDIT_CANARY_RESOURCE_ARN is not a MediaPackage v2 ARN/);
    expect(http.handle).not.toHaveBeenCalled();
  });
});

describe('Function: handler', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the group ARN from the variable the stack sets', () => {
    expect(CANARY_WRITER_ENV.resourceArn).toBe(FUNCTION_ENV.canaryResourceArn);
  });

  it('tags the group named in its environment, with the credentials of its environment', async () => {
    // Prepare
    const { server, url, received } = await startServer(noContent);
    process.env[CANARY_WRITER_ENV.resourceArn] = GROUP_ARN;
    process.env.AWS_ENDPOINT_URL = url;
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      // Act
      const write = await handler();
      // Assess
      expect(write.statusCode).toBe(204);
      expect(received.map((r) => r.rawPath)).toEqual([`/tags/${ENCODED_ARN}`]);
      expect(signatureIsValid(received[0] as Received, CREDENTIALS.secretAccessKey)).toBe(true);
    } finally {
      await stopServer(server);
    }
  });

  it('throws when the group ARN is not set', async () => {
    // Prepare
    delete process.env[CANARY_WRITER_ENV.resourceArn];
    // Act / Assess
    await expect(handler()).rejects.toThrow(/MP_AUDIT_CANARY_RESOURCE_ARN is not set/);
  });
});
