/**
 * Reads a MediaPackage resource's current state with one read-only call, so that the next
 * change to a resource the pipeline has no memory of can be shown old -> new. A describe made
 * after a change returns the new state, never the old one: it fills the memory, it does not
 * explain the change that triggered it.
 *
 * The MediaPackage SDK clients are not used: the registry here only has versions older than
 * the SDK the function bundles, and mixing them would bundle the SDK core twice. The calls are
 * plain REST GETs (paths from the clients' serializers, `se_GetChannelCommand` and the v1
 * schema's `http` traits), signed with the SDK's own SigV4 signer and credential chain, sent
 * with node:http(s), bounded in time and size. Nothing here throws: a call that cannot be made
 * or answered reports why through `onSkip` and returns undefined.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ResourceState } from '../alert/resource-changes';
import { toResourceState } from '../alert/resource-changes';

/** Which resource to read: the alert's words for it. */
export interface DescribeTarget {
  /** `mediapackage.amazonaws.com`, `mediapackagev2.amazonaws.com` or `mediapackage-vod...`. */
  readonly eventSource: string;
  readonly awsRegion: string;
  /**
   * 'channel', 'origin endpoint', 'channel group', 'packaging group', 'packaging
   * configuration', 'asset', 'channel policy', 'origin endpoint policy'; any other type with
   * an ARN is read as its tags (ListTagsForResource).
   */
  readonly resourceType: string;
  /** v1 and VOD: the id; v2: the path `group`, `group/channel` or `group/channel/endpoint`. */
  readonly resourceId: string | null;
  readonly resourceArn: string | null;
}

export interface ResourceDescriber {
  /** The resource's current state, masked and bounded, or undefined when it cannot be read. */
  describe(target: DescribeTarget): Promise<ResourceState | undefined>;
}

/** The IAM actions `describe` calls: in the contract, since the stack grants them. */
export { DESCRIBE_ACTIONS } from '../contract';

/** The three APIs: event source, IAM and signing name, endpoint prefix, SDK service id. */
interface Service {
  /** IAM prefix, SigV4 signing name and endpoint host prefix (the same for all three). */
  readonly name: 'mediapackage' | 'mediapackagev2' | 'mediapackage-vod';
  /** `AWS_ENDPOINT_URL_<this>`, as the SDK derives it from the service id. */
  readonly endpointEnv: string;
}

const SERVICES: Readonly<Record<string, Service>> = {
  'mediapackage.amazonaws.com': { name: 'mediapackage', endpointEnv: 'MEDIAPACKAGE' },
  'mediapackagev2.amazonaws.com': { name: 'mediapackagev2', endpointEnv: 'MEDIAPACKAGEV2' },
  'mediapackage-vod.amazonaws.com': { name: 'mediapackage-vod', endpointEnv: 'MEDIAPACKAGE_VOD' },
};

export interface ResourceDescriberOptions {
  /** @default the SDK's default credential chain (on Lambda, the execution role) */
  readonly credentials?: () => Promise<Credentials>;
  /**
   * Base URL of a service in a Region. @default `AWS_ENDPOINT_URL_<SERVICE>` or
   * `AWS_ENDPOINT_URL` when set (as the SDK honours them), else
   * `https://<service>.<region>.amazonaws.com` (`.amazonaws.com.cn` in China)
   */
  readonly endpoint?: (service: string, region: string) => string;
  /** Time one call may take, connection to last byte. @default 2,000 ms */
  readonly timeoutMs?: number;
  /** Largest response body read; a bigger one is abandoned. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Told why a resource was not read (for a log line). */
  readonly onSkip?: (reason: string) => void;
  /** Where the default endpoint looks for overrides. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The credentials the signer needs. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/** Credentials are asked for again this long before they expire. */
const CREDENTIALS_REFRESH_MS = 5 * 60 * 1000;

/** A Region name: also what keeps a hostile record from pointing a signed call elsewhere. */
const REGION = /^[a-z]{2}(-[a-z0-9]+){1,3}-\d{1,2}$/;
/** A v1/VOD id or a v2 name (MediaPackage allows letters, digits, `_` and `-`). */
const NAME = /^[A-Za-z0-9_-]{1,256}$/;
const V2_ARN =
  /^arn:aws[a-z-]*:mediapackagev2:[a-z0-9-]+:\d{12}:channelGroup\/([^/]+)(?:\/channel\/([^/]+)(?:\/originEndpoint\/([^/]+))?)?$/;
const VOD_ARN =
  /^arn:aws[a-z-]*:mediapackage-vod:[a-z0-9-]+:\d{12}:(packaging-groups|packaging-configurations|assets)\/([^/]+)$/;
const ANY_ARN = /^arn:aws[a-z-]*:mediapackage(?:v2|-vod)?:[a-z0-9-]+:\d{12}:\S{1,1024}$/;

/** URI-encodes a path label as the SDK does (`extendedEncodeURIComponent`). */
function label(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The v2 names in a target: from its id path, or from its ARN. */
function v2Names(target: DescribeTarget): string[] | undefined {
  if (target.resourceId !== null) {
    const parts = target.resourceId.split('/');
    return parts.every((part) => NAME.test(part)) ? parts : undefined;
  }
  const match = target.resourceArn === null ? null : V2_ARN.exec(target.resourceArn);
  if (match === null) return undefined;
  const parts = [match[1], match[2], match[3]].filter((part): part is string => part !== undefined);
  return parts.every((part) => NAME.test(part)) ? parts : undefined;
}

/** The v1 or VOD id in a target: its id, or (VOD) the last part of its ARN. */
function plainId(target: DescribeTarget): string | undefined {
  if (target.resourceId !== null)
    return NAME.test(target.resourceId) ? target.resourceId : undefined;
  const match = target.resourceArn === null ? null : VOD_ARN.exec(target.resourceArn);
  const id = match?.[2];
  return id !== undefined && NAME.test(id) ? id : undefined;
}

/** The GET path that reads a target, or a reason why there is none. */
export function describePath(target: DescribeTarget): { path: string } | { skip: string } {
  const service = SERVICES[target.eventSource];
  if (service === undefined) return { skip: `not a MediaPackage event source` };
  const type = target.resourceType;
  if (service.name === 'mediapackagev2') {
    const names = v2Names(target);
    const depth = { 'channel group': 1, channel: 2, 'channel policy': 2 } as Record<string, number>;
    const wanted = depth[type] ?? (type.startsWith('origin endpoint') ? 3 : undefined);
    if (wanted !== undefined && names !== undefined && names.length === wanted) {
      const [group = '', channel = '', endpoint = ''] = names.map(label);
      const paths: Record<string, string> = {
        'channel group': `/channelGroup/${group}`,
        channel: `/channelGroup/${group}/channel/${channel}`,
        'channel policy': `/channelGroup/${group}/channel/${channel}/policy`,
        'origin endpoint': `/channelGroup/${group}/channel/${channel}/originEndpoint/${endpoint}`,
        'origin endpoint policy': `/channelGroup/${group}/channel/${channel}/originEndpoint/${endpoint}/policy`,
      };
      const path = paths[type];
      if (path !== undefined) return { path };
    }
  } else {
    const collections: Record<string, string> =
      service.name === 'mediapackage'
        ? { channel: 'channels', 'origin endpoint': 'origin_endpoints' }
        : {
            'packaging group': 'packaging_groups',
            'packaging configuration': 'packaging_configurations',
            asset: 'assets',
          };
    const collection = collections[type];
    const id = plainId(target);
    if (collection !== undefined) {
      return id === undefined
        ? { skip: `no usable ${type} id` }
        : { path: `/${collection}/${label(id)}` };
    }
  }
  if (target.resourceArn !== null && ANY_ARN.test(target.resourceArn)) {
    return { path: `/tags/${label(target.resourceArn)}` };
  }
  return { skip: `cannot read a ${service.name} ${type} without its name or ARN` };
}

function defaultEndpoint(
  env: Readonly<Record<string, string | undefined>>,
  service: Service,
  region: string,
): string {
  const ignored = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const configured = ignored
    ? undefined
    : (env[`AWS_ENDPOINT_URL_${service.endpointEnv}`] ?? env.AWS_ENDPOINT_URL);
  if (configured !== undefined && configured !== '') return configured;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${service.name}.${region}.${suffix}`;
}

interface HttpAnswer {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly body: string;
}

class DescribeSkip extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'DescribeSkip';
  }
}

/** One GET, bounded in time (the whole exchange) and size (the body). */
function get(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  maxBodyBytes: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const request = send(url, { method: 'GET', headers });
    const timer = setTimeout(() => {
      request.destroy(new DescribeSkip(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBodyBytes) {
          request.destroy(new DescribeSkip(`response over ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const errorType = response.headers['x-amzn-errortype'];
        resolve({
          status: response.statusCode ?? 0,
          errorType: typeof errorType === 'string' ? errorType.split(':')[0] : undefined,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    request.end();
  });
}

/** Memoizes a credential provider until shortly before what it returned expires. */
function memoized(provider: () => Promise<Credentials>): () => Promise<Credentials> {
  let cached: Promise<Credentials> | undefined;
  return async () => {
    const current = cached;
    if (current !== undefined) {
      try {
        const credentials = await current;
        const expires = credentials.expiration?.getTime();
        if (expires === undefined || expires - Date.now() > CREDENTIALS_REFRESH_MS) {
          return credentials;
        }
      } catch {
        // A failed attempt is not kept: ask again.
      }
    }
    cached = provider();
    return cached;
  };
}

/**
 * A describer that signs and sends REST GETs: DescribeChannel/DescribeOriginEndpoint (v1),
 * GetChannelGroup/GetChannel/GetOriginEndpoint/GetChannelPolicy/GetOriginEndpointPolicy (v2),
 * DescribePackagingGroup/DescribePackagingConfiguration/DescribeAsset (VOD), and
 * ListTagsForResource for any other type with an ARN. Needs `DESCRIBE_ACTIONS`. Never throws;
 * every reason a resource is not read (no id, a bad Region, 403, 404, timeout, a body too
 * big or not JSON) goes to `onSkip`.
 */
export function httpResourceDescriber(options: ResourceDescriberOptions = {}): ResourceDescriber {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const credentials = memoized(options.credentials ?? defaultProvider());
  const skip = (target: DescribeTarget, reason: string): undefined => {
    try {
      options.onSkip?.(
        `${target.eventSource} ${target.resourceType} ${target.resourceId ?? target.resourceArn ?? ''}: ${reason}`,
      );
    } catch {
      // A failing logger does not make a describe fail.
    }
    return undefined;
  };

  async function describe(target: DescribeTarget): Promise<ResourceState | undefined> {
    const service = SERVICES[target.eventSource];
    if (service === undefined) return skip(target, 'not a MediaPackage event source');
    if (typeof target.awsRegion !== 'string' || !REGION.test(target.awsRegion)) {
      return skip(target, 'not a Region name');
    }
    const where = describePath(target);
    if ('skip' in where) return skip(target, where.skip);
    const base = new URL(
      (options.endpoint ?? ((_, region) => defaultEndpoint(env, service, region)))(
        service.name,
        target.awsRegion,
      ),
    );
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${where.path}`, base);
    const signer = new SignatureV4({
      service: service.name,
      region: target.awsRegion,
      credentials,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: { host: url.host, accept: 'application/json' },
    });
    const answer = await get(url, signed.headers, timeoutMs, maxBodyBytes);
    if (answer.status === 404) return skip(target, 'not found (deleted since?)');
    if (answer.status === 403) {
      return skip(
        target,
        `access denied (${answer.errorType ?? 'HTTP 403'}): grant DESCRIBE_ACTIONS`,
      );
    }
    if (answer.status !== 200) {
      return skip(target, `HTTP ${answer.status}${answer.errorType ? ` ${answer.errorType}` : ''}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return skip(target, 'the answer is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return skip(target, 'the answer is not a JSON object');
    }
    return toResourceState(body);
  }

  return {
    async describe(target) {
      try {
        return await describe(target);
      } catch (error) {
        // Credentials, DNS, the connection, the timeout: none of them may stop an alert.
        return skip(target, error instanceof Error ? error.message : 'the call failed');
      }
    },
  };
}
