/**
 * The read-only describe, against a loopback HTTP server standing in for the three
 * MediaPackage APIs: the REST paths, a SigV4 signature for the right service and Region,
 * and every way a call can fail (403, 404, timeout, garbage, a huge body) ending in
 * `undefined` and a reason, never a throw.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DescribeTarget, ResourceDescriber } from '../../../lambda/aws/resource-describer';
import {
  DESCRIBE_ACTIONS,
  describePath,
  httpResourceDescriber,
} from '../../../lambda/aws/resource-describer';

interface Seen {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

type Reply = { status: number; body: string; headers?: Record<string, string> } | 'hang';

let server: Server;
let base: string;
const seen: Seen[] = [];
let reply: (path: string) => Reply = () => ({ status: 200, body: '{}' });

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', headers: request.headers });
    const answer = reply(request.url ?? '');
    if (answer === 'hang') return;
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  reply = () => ({ status: 200, body: '{}' });
});

const skips: string[] = [];
function describer(options: { timeoutMs?: number; maxBodyBytes?: number } = {}): ResourceDescriber {
  skips.length = 0;
  return httpResourceDescriber({
    credentials: () =>
      Promise.resolve({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'tok',
      }),
    endpoint: () => base,
    onSkip: (reason) => skips.push(reason),
    ...options,
  });
}

const target = (overrides: Partial<DescribeTarget>): DescribeTarget => ({
  eventSource: 'mediapackagev2.amazonaws.com',
  awsRegion: 'us-west-2',
  resourceType: 'channel',
  resourceId: 'live-events/news-24x7',
  resourceArn: null,
  ...overrides,
});

describe('Function: describePath', () => {
  it.each<[Partial<DescribeTarget>, string]>([
    [{ eventSource: 'mediapackage.amazonaws.com', resourceId: 'ch-1' }, '/channels/ch-1'],
    [
      {
        eventSource: 'mediapackage.amazonaws.com',
        resourceType: 'origin endpoint',
        resourceId: 'hls',
      },
      '/origin_endpoints/hls',
    ],
    [{ resourceType: 'channel group', resourceId: 'live-events' }, '/channelGroup/live-events'],
    [{}, '/channelGroup/live-events/channel/news-24x7'],
    [{ resourceType: 'channel policy' }, '/channelGroup/live-events/channel/news-24x7/policy'],
    [
      { resourceType: 'origin endpoint', resourceId: 'g/c/e' },
      '/channelGroup/g/channel/c/originEndpoint/e',
    ],
    [
      { resourceType: 'origin endpoint policy', resourceId: 'g/c/e' },
      '/channelGroup/g/channel/c/originEndpoint/e/policy',
    ],
    [
      {
        resourceId: null,
        resourceArn: 'arn:aws:mediapackagev2:us-west-2:111122223333:channelGroup/g/channel/c',
      },
      '/channelGroup/g/channel/c',
    ],
    [
      {
        eventSource: 'mediapackage-vod.amazonaws.com',
        resourceType: 'packaging group',
        resourceId: 'vod-prod',
      },
      '/packaging_groups/vod-prod',
    ],
    [
      {
        eventSource: 'mediapackage-vod.amazonaws.com',
        resourceType: 'packaging configuration',
        resourceId: null,
        resourceArn:
          'arn:aws:mediapackage-vod:us-west-2:111122223333:packaging-configurations/hls-6s',
      },
      '/packaging_configurations/hls-6s',
    ],
    [
      {
        eventSource: 'mediapackage-vod.amazonaws.com',
        resourceType: 'asset',
        resourceId: 'film-1',
      },
      '/assets/film-1',
    ],
    [
      {
        resourceType: 'harvest job',
        resourceId: null,
        resourceArn:
          'arn:aws:mediapackagev2:us-west-2:111122223333:channelGroup/g/channel/c/originEndpoint/e/harvestJob/h',
      },
      '/tags/arn%3Aaws%3Amediapackagev2%3Aus-west-2%3A111122223333%3AchannelGroup%2Fg%2Fchannel%2Fc%2ForiginEndpoint%2Fe%2FharvestJob%2Fh',
    ],
  ])('reads %j at the REST path of its Describe/Get call', (overrides, path) => {
    expect(describePath(target(overrides))).toEqual({ path });
  });

  it('refuses ids that could leave the path', () => {
    expect(describePath(target({ resourceId: '../../x/y' }))).toHaveProperty('skip');
    expect(
      describePath(target({ eventSource: 'mediapackage.amazonaws.com', resourceId: 'a?b' })),
    ).toHaveProperty('skip');
  });
});

describe('Function: httpResourceDescriber', () => {
  it('sends a SigV4-signed GET for the service and Region, and keeps the masked state', async () => {
    // Prepare
    reply = () => ({
      status: 200,
      body: JSON.stringify({
        channelName: 'news-24x7',
        description: 'x',
        modifiedAt: '2025-01-01T00:00:00Z',
        ingestPassword: 'Sup3rS3cret',
        tags: { a: '1' },
      }),
    });
    // Act
    const state = await describer().describe(target({}));
    // Assess
    expect(state).toEqual({
      channelName: 'news-24x7',
      description: 'x',
      ingestPassword: '***',
      tags: { a: '1' },
    });
    const [request] = seen;
    expect(request?.path).toBe('/channelGroup/live-events/channel/news-24x7');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/mediapackagev2\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.headers['x-amz-security-token']).toBe('tok');
  });

  it('signs v1 and VOD calls with their own service names', async () => {
    const reader = describer();
    await reader.describe(
      target({ eventSource: 'mediapackage.amazonaws.com', resourceId: 'ch-1' }),
    );
    await reader.describe(
      target({
        eventSource: 'mediapackage-vod.amazonaws.com',
        resourceType: 'asset',
        resourceId: 'a1',
      }),
    );
    expect(
      seen.map(
        (request) =>
          /\/(mediapackage[-a-z0-9]*)\/aws4_request/.exec(
            String(request.headers.authorization),
          )?.[1],
      ),
    ).toEqual(['mediapackage', 'mediapackage-vod']);
  });

  it.each<[string, Reply, RegExp]>([
    ['a 404', { status: 404, body: '{"message":"not found"}' }, /not found/],
    [
      'a 403',
      {
        status: 403,
        body: '{}',
        headers: { 'x-amzn-ErrorType': 'AccessDeniedException:http://x' },
      },
      /access denied \(AccessDeniedException\): grant DESCRIBE_ACTIONS/,
    ],
    ['a 500', { status: 500, body: 'oops' }, /HTTP 500/],
    ['a body that is not JSON', { status: 200, body: '<html>garbage' }, /not JSON/],
    ['a JSON array', { status: 200, body: '[1,2]' }, /not a JSON object/],
  ])('returns undefined with a reason on %s', async (_, answer, reason) => {
    reply = () => answer;
    await expect(describer().describe(target({}))).resolves.toBeUndefined();
    expect(skips).toEqual([expect.stringMatching(reason)]);
  });

  it('gives up on a server that does not answer in time', async () => {
    reply = () => 'hang';
    const started = Date.now();
    await expect(describer({ timeoutMs: 200 }).describe(target({}))).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(skips).toEqual([expect.stringMatching(/no answer within 200 ms/)]);
  });

  it('stops reading a body over the limit', async () => {
    reply = () => ({ status: 200, body: `{"a":"${'x'.repeat(200_000)}"}` });
    await expect(describer({ maxBodyBytes: 10_000 }).describe(target({}))).resolves.toBeUndefined();
    expect(skips).toEqual([expect.stringMatching(/over 10000 bytes/)]);
  });

  it('sends nothing for a hostile Region, an unknown source or a missing id', async () => {
    const reader = describer();
    await expect(
      reader.describe(target({ awsRegion: 'evil.example.com/' })),
    ).resolves.toBeUndefined();
    await expect(
      reader.describe(target({ eventSource: 's3.amazonaws.com' })),
    ).resolves.toBeUndefined();
    await expect(
      reader.describe(target({ eventSource: 'mediapackage.amazonaws.com', resourceId: null })),
    ).resolves.toBeUndefined();
    expect(seen).toHaveLength(0);
    expect(skips).toHaveLength(3);
  });

  it('returns undefined when there are no credentials', async () => {
    const reader = httpResourceDescriber({
      credentials: () => Promise.reject(new Error('No AWS credentials')),
      endpoint: () => base,
      onSkip: (reason) => skips.push(reason),
    });
    skips.length = 0;
    await expect(reader.describe(target({}))).resolves.toBeUndefined();
    expect(skips).toEqual([expect.stringMatching(/No AWS credentials/)]);
  });

  it('uses AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL as the SDK does', async () => {
    const reader = (env: Record<string, string>) =>
      httpResourceDescriber({
        credentials: () => Promise.resolve({ accessKeyId: 'a', secretAccessKey: 'b' }),
        env,
      });
    await reader({ AWS_ENDPOINT_URL: base }).describe(target({}));
    await reader({
      AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD: base,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    }).describe(
      target({
        eventSource: 'mediapackage-vod.amazonaws.com',
        resourceType: 'asset',
        resourceId: 'a1',
      }),
    );
    expect(seen.map((request) => request.path)).toEqual([
      '/channelGroup/live-events/channel/news-24x7',
      '/assets/a1',
    ]);
  });
});

describe('Constant: DESCRIBE_ACTIONS', () => {
  it('grants only reads of the three MediaPackage APIs', () => {
    for (const action of DESCRIBE_ACTIONS) {
      expect(action).toMatch(/^mediapackage(v2|-vod)?:(Describe|Get|ListTagsForResource)/);
    }
    expect(DESCRIBE_ACTIONS).toHaveLength(13);
  });
});
