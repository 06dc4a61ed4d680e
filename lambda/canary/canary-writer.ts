/**
 * The canary (`-c canary=true`): on a schedule, one harmless write that costs nothing, on a
 * MediaPackage v2 channel group the stack owns: `TagResource` setting CANARY_TAG_KEY to the
 * time of the call. CloudTrail records it like any other write, and the audit function, which
 * recognises it (lambda/match/canary.ts), records `CanarySeen` instead of alerting a person: the
 * trail, the delivery, the function, the rules and the publisher are proven at once.
 *
 * One signed REST call, not `@aws-sdk/client-mediapackagev2`: the registry's copy of that client
 * is far older than the SDK this project pins and would bring a second SDK core into the bundle.
 * The request is the one the SDK's serializer builds (`se_TagResourceCommand`):
 * `POST /tags/{ResourceArn}` with `{"tags":{...}}`, signed with SigV4 for `mediapackagev2`.
 *
 * A failure throws: the schedule's retries and the alarm on this function's errors handle it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import type { HttpResponse } from '@smithy/core/protocols';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { CANARY_TAG_KEY, FUNCTION_ENV, MediaPackageAuditError, SERVICE_NAME } from '../contract';

/** The environment variables the stack sets on the canary function. */
export const CANARY_WRITER_ENV = {
  /** ARN of the channel group to tag: the same variable the audit function reads. */
  resourceArn: FUNCTION_ENV.canaryResourceArn,
} as const;

/** SigV4 signing name, and first label of the endpoint host, of MediaPackage v2. */
export const MEDIAPACKAGE_V2_SIGNING_NAME = 'mediapackagev2';

/**
 * Environment variables that point the call at another endpoint (local tests), the
 * service-specific one first, as the SDK reads them.
 */
export const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_MEDIAPACKAGEV2', 'AWS_ENDPOINT_URL'] as const;

/** How long the call may take: far under the function's 30 s timeout, so a hang fails loudly. */
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** A MediaPackage v2 ARN; the Region is its fourth field. */
const MEDIAPACKAGE_V2_ARN = /^arn:aws[a-z-]*:mediapackagev2:([a-z0-9-]+):\d{12}:\S+$/;

/** The canary could not make its call: bad configuration, or MediaPackage refused it. */
export class CanaryWriteError extends MediaPackageAuditError {
  /** HTTP status of MediaPackage's answer; `undefined` when there was none. */
  public readonly statusCode: number | undefined;

  public constructor(
    message: string,
    options: { readonly statusCode?: number; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CanaryWriteError';
    this.statusCode = options.statusCode;
  }
}

/** The Region of a MediaPackage v2 ARN. @throws CanaryWriteError when it is not one */
export function regionOfArn(resourceArn: string): string {
  const region = MEDIAPACKAGE_V2_ARN.exec(resourceArn)?.[1];
  if (region === undefined) {
    throw new CanaryWriteError(
      `${CANARY_WRITER_ENV.resourceArn} is not a MediaPackage v2 ARN: '${resourceArn}'`,
    );
  }
  return region;
}

/**
 * The endpoint to call: `AWS_ENDPOINT_URL_MEDIAPACKAGEV2` or `AWS_ENDPOINT_URL` when set (local
 * tests), else MediaPackage v2's Regional endpoint.
 */
export function mediaPackageV2Endpoint(region: string, env: NodeJS.ProcessEnv): URL {
  for (const name of ENDPOINT_VARIABLES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') {
      try {
        return new URL(value);
      } catch (error) {
        throw new CanaryWriteError(`${name} is not a URL: '${value}'`, { cause: error });
      }
    }
  }
  return new URL(`https://${MEDIAPACKAGE_V2_SIGNING_NAME}.${region}.amazonaws.com`);
}

/** The canary's tag: CANARY_TAG_KEY, valued with the time of the call. */
export function canaryTags(now: Date): Record<string, string> {
  return { [CANARY_TAG_KEY]: now.toISOString() };
}

/**
 * The unsigned `TagResource` request, as the SDK's serializer builds it: the ARN is one path
 * label, percent-encoded whole (`:` and `/` included).
 */
export function tagResourceRequest(
  endpoint: URL,
  resourceArn: string,
  tags: Record<string, string>,
): HttpRequest {
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const port = endpoint.port === '' ? undefined : Number(endpoint.port);
  return new HttpRequest({
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(port === undefined ? {} : { port }),
    method: 'POST',
    path: `${basePath}/tags/${extendedEncodeURIComponent(resourceArn)}`,
    headers: {
      // SigV4 signs the host; the SDK's middleware adds it, here it is written out.
      host: endpoint.host,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ tags }),
  });
}

/** Credentials as the signer takes them: a provider (or fixed credentials in tests). */
export type CanaryCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** Sends a signed request; `NodeHttpHandler` in the function, anything alike in tests. */
export interface CanaryHttpClient {
  handle(request: HttpRequest): Promise<{ readonly response: HttpResponse }>;
}

/** What the canary's call needs. */
export interface CanaryWriterDeps {
  readonly credentials: CanaryCredentials;
  readonly http: CanaryHttpClient;
  /** @default process.env (only the endpoint variables are read) */
  readonly env?: NodeJS.ProcessEnv;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The outcome of one successful canary call. */
export interface CanaryWrite {
  readonly resourceArn: string;
  /** ISO time written as the tag's value: the time the pipeline measures `CanarySeen` from. */
  readonly taggedAt: string;
  readonly statusCode: number;
  readonly requestId: string | undefined;
}

/** The response body as text (also drains the socket so the connection can be reused). */
async function bodyText(response: HttpResponse): Promise<string> {
  const body: unknown = response.body;
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return '';
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A header of `response`, whatever its case. */
function header(response: HttpResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(response.headers).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1];
}

/** `AccessDeniedException: message` from an AWS REST-JSON error answer, as far as it goes. */
function errorSummary(response: HttpResponse, text: string): string {
  const type = header(response, 'x-amzn-errortype')?.split(':')[0];
  let message: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const value = record.message ?? record.Message;
      if (typeof value === 'string') message = value;
    }
  } catch {
    // Not JSON (a proxy's page): the raw text below says enough.
  }
  return [type, message ?? text.slice(0, 300)].filter((part) => part).join(': ');
}

/**
 * Tags `resourceArn` with the canary tag: one signed MediaPackage v2 `TagResource` call.
 *
 * @throws CanaryWriteError when the ARN is not a MediaPackage v2 ARN or MediaPackage answers
 *   anything but 2xx; the HTTP client's own errors (timeouts, DNS) are wrapped too
 */
export async function writeCanaryTag(
  resourceArn: string,
  deps: CanaryWriterDeps,
): Promise<CanaryWrite> {
  const region = regionOfArn(resourceArn);
  const endpoint = mediaPackageV2Endpoint(region, deps.env ?? process.env);
  const taggedAt = (deps.now ?? (() => new Date()))();
  const signer = new SignatureV4({
    service: MEDIAPACKAGE_V2_SIGNING_NAME,
    region,
    credentials: deps.credentials,
    sha256: Sha256,
  });
  const request = tagResourceRequest(endpoint, resourceArn, canaryTags(taggedAt));
  let response: HttpResponse;
  try {
    const signed = (await signer.sign(request)) as HttpRequest;
    ({ response } = await deps.http.handle(signed));
  } catch (error) {
    throw new CanaryWriteError(
      `TagResource on ${resourceArn} failed before MediaPackage answered: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const text = await bodyText(response);
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new CanaryWriteError(
      `TagResource on ${resourceArn} was refused (HTTP ${response.statusCode}): ${errorSummary(response, text)}`,
      { statusCode: response.statusCode },
    );
  }
  return {
    resourceArn,
    taggedAt: taggedAt.toISOString(),
    statusCode: response.statusCode,
    requestId: header(response, 'x-amzn-requestid'),
  };
}

const logger = new Logger({ serviceName: SERVICE_NAME });

/** Created once per container, on the first invocation. */
let defaultDeps: CanaryWriterDeps | undefined;

/** The scheduled function's entry point: one canary call, logged; a failure throws. */
export async function handler(): Promise<CanaryWrite> {
  const resourceArn = process.env[CANARY_WRITER_ENV.resourceArn]?.trim() ?? '';
  if (resourceArn === '') {
    throw new CanaryWriteError(`${CANARY_WRITER_ENV.resourceArn} is not set`);
  }
  defaultDeps ??= {
    credentials: defaultProvider(),
    http: new NodeHttpHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
    }),
  };
  try {
    const write = await writeCanaryTag(resourceArn, defaultDeps);
    logger.info('Canary tag written', { ...write });
    return write;
  } catch (error) {
    logger.error('Canary tag not written', { resourceArn, error: error as Error });
    throw error;
  }
}
