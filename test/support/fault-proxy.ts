/**
 * An HTTP proxy on loopback in front of the local AWS emulator (fauxqs serves S3, SNS and SQS
 * on one endpoint) that injects the faults the alert pipeline must survive, decided per
 * request by a seeded PRNG so a failing run can be replayed:
 *
 * - SNS publishes answered `500 InternalError` or `400 Throttling` without being forwarded;
 * - `PublishBatch` calls with some or all entries reported in `Failed`: only the other entries
 *   are forwarded, so a failed entry was never delivered;
 * - on request, the ambiguous failure: the publish is forwarded, then answered `500`, as when
 *   SNS accepted a message but its answer was lost;
 * - S3 reads of chosen objects answered `403 AccessDenied`, as a missing grant would be.
 *
 * @aws-sdk/client-sns 3.x speaks the awsQuery protocol (`protocol: AwsQueryProtocol` in its
 * runtime config): a form-encoded POST with `Action=Publish|PublishBatch&Version=2010-03-31`,
 * answered in XML. A publish in the JSON protocol (`x-amz-target:
 * AmazonSimpleNotificationService.*`) is forwarded untouched and counted in
 * `unrecognisedSnsCalls`, so a test notices when the SDK changes protocol instead of silently
 * injecting nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Agent, createServer, request as forward } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng } from '../../scripts/cloudtrail-factory';

/** Shares of SNS publish calls that fail, each in [0, 1]; together at most 1. */
export interface SnsFaultRates {
  /** Answered `500 InternalError`, not forwarded. @default 0 */
  readonly serverError?: number;
  /** Answered `400 Throttling`, not forwarded. @default 0 */
  readonly throttle?: number;
  /** `PublishBatch` only: some entries reported in `Failed` and not forwarded. @default 0 */
  readonly batchEntryFailure?: number;
  /**
   * Forwarded, then answered `500`: the ambiguous failure. A given request body is failed this
   * way at most once, so each lost answer stands for one incident, not a permanent fault.
   * @default 0
   */
  readonly ambiguous?: number;
}

/** The faults a proxy injects; every member can be changed while it runs. */
export interface FaultConfig {
  readonly sns?: SnsFaultRates;
  /** S3 GET/HEAD of the objects it accepts are answered `403 AccessDenied`. @default none */
  readonly denyS3Read?: (bucket: string, key: string) => boolean;
}

export type FaultKind =
  'server-error' | 'throttle' | 'batch-entry-failure' | 'ambiguous' | 'access-denied';

/** One injected fault, for tests that need to know what it hit. */
export interface InjectedFault {
  readonly kind: FaultKind;
  /** `Publish`, `PublishBatch` or `GetObject`. */
  readonly action: string;
  /** The form parameters of an SNS call (empty for S3). */
  readonly params: URLSearchParams;
  /** The batch entry ids reported as failed (`batch-entry-failure` only). */
  readonly failedEntryIds?: readonly string[];
}

/** What the proxy has seen and done since it started. */
export interface FaultCounts {
  readonly requests: number;
  readonly snsPublishCalls: number;
  readonly forwarded: number;
  readonly serverErrors: number;
  readonly throttles: number;
  /** Calls with failed entries, and the entries. */
  readonly batchFailureCalls: number;
  readonly failedEntries: number;
  readonly ambiguous: number;
  readonly accessDenied: number;
  readonly unrecognisedSnsCalls: number;
}

export interface FaultProxyOptions extends FaultConfig {
  /** The emulator's endpoint; must be on loopback. */
  readonly target: string;
  readonly seed: number;
  /** Largest request body forwarded; bigger ones get `413`. @default 16 MiB */
  readonly maxBodyBytes?: number;
  /** Called for each injected fault. */
  readonly onFault?: (fault: InjectedFault) => void;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** A snapshot of the counters. */
  counts(): FaultCounts;
  /** Replaces the faults from the next request on (`{}` turns them off). */
  configure(faults: FaultConfig): void;
  /** Closes the listener, every connection and every forwarded request in flight. */
  stop(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const UPSTREAM_TIMEOUT_MS = 30_000;
const ENTRY_PREFIX = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/;

/** Starts the proxy on an ephemeral loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' || !LOOPBACK_HOSTS.has(target.hostname)) {
    throw new Error(`The fault proxy only forwards to http on loopback, not ${options.target}`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const rng = createRng(options.seed);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const inFlight = new Set<ReturnType<typeof forward>>();
  const ambiguousBodies = new Set<string>();
  let faults: FaultConfig = { sns: options.sns, denyS3Read: options.denyS3Read };
  const counts = {
    requests: 0,
    snsPublishCalls: 0,
    forwarded: 0,
    serverErrors: 0,
    throttles: 0,
    batchFailureCalls: 0,
    failedEntries: 0,
    ambiguous: 0,
    accessDenied: 0,
    unrecognisedSnsCalls: 0,
  };

  const injected = (fault: InjectedFault): void => options.onFault?.(fault);

  function send(
    res: ServerResponse,
    status: number,
    headers: IncomingHttpHeaders,
    body: Buffer | string,
  ): void {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      // The body may have been rewritten: its length is set below, never chunked.
      if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection')
        continue;
      out[name] = value;
    }
    out['content-length'] = String(payload.length);
    res.writeHead(status, out);
    res.end(payload);
  }

  /** Forwards the request with `body` and resolves with the emulator's whole answer. */
  function upstream(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    counts.forwarded += 1;
    const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    delete headers.connection;
    return new Promise((resolve, reject) => {
      const outgoing = forward(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
          agent,
          timeout: UPSTREAM_TIMEOUT_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            inFlight.delete(outgoing);
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            });
          });
        },
      );
      inFlight.add(outgoing);
      outgoing.on('timeout', () => outgoing.destroy(new Error('upstream timed out')));
      outgoing.on('error', (error) => {
        inFlight.delete(outgoing);
        reject(error);
      });
      outgoing.end(body);
    });
  }

  function snsError(
    res: ServerResponse,
    status: number,
    type: 'Sender' | 'Receiver',
    code: string,
    message: string,
  ): void {
    send(
      res,
      status,
      { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
      `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
        `<Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }

  /** PublishBatch with `failing` entries (by member index) reported failed and never sent. */
  async function failBatchEntries(
    req: IncomingMessage,
    res: ServerResponse,
    params: URLSearchParams,
    entries: Map<number, [string, string][]>,
    failing: ReadonlySet<number>,
  ): Promise<void> {
    const failedIds = [...failing].map(
      (index) => entries.get(index)?.find(([field]) => field === 'Id')?.[1] ?? '',
    );
    counts.batchFailureCalls += 1;
    counts.failedEntries += failing.size;
    injected({
      kind: 'batch-entry-failure',
      action: 'PublishBatch',
      params,
      failedEntryIds: failedIds,
    });
    const failedXml = failedIds
      .map(
        (id) =>
          `<member><Id>${escapeXml(id)}</Id><Code>InternalError</Code>` +
          '<Message>Internal error (injected)</Message><SenderFault>false</SenderFault></member>',
      )
      .join('');
    if (failing.size === entries.size) {
      send(
        res,
        200,
        { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
        `<PublishBatchResponse xmlns="${SNS_XMLNS}"><PublishBatchResult><Successful></Successful>` +
          `<Failed>${failedXml}</Failed></PublishBatchResult><ResponseMetadata><RequestId>` +
          `${randomUUID()}</RequestId></ResponseMetadata></PublishBatchResponse>`,
      );
      return;
    }
    // Renumber the entries kept: the emulator does not check SigV4, so the body may change.
    const kept = new URLSearchParams();
    for (const [name, value] of params) {
      if (!ENTRY_PREFIX.test(name)) kept.append(name, value);
    }
    let member = 0;
    for (const [index, fields] of [...entries.entries()].sort(([a], [b]) => a - b)) {
      if (failing.has(index)) continue;
      member += 1;
      for (const [field, value] of fields) {
        kept.append(`PublishBatchRequestEntries.member.${member}.${field}`, value);
      }
    }
    const answer = await upstream(req, Buffer.from(kept.toString()));
    const text = answer.body.toString('utf8');
    // Should the answer's layout change, the unsent entries are simply missing from it: the
    // publisher treats an entry with no result as failed, which is still the truth.
    const merged = /<Failed\s*\/>/.test(text)
      ? text.replace(/<Failed\s*\/>/, `<Failed>${failedXml}</Failed>`)
      : text.replace('<Failed>', `<Failed>${failedXml}`);
    send(res, answer.status, answer.headers, merged);
  }

  async function handleSns(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    params: URLSearchParams,
    action: string,
  ): Promise<void> {
    counts.snsPublishCalls += 1;
    const rates = faults.sns ?? {};
    const band = pickBand(rng.next(), [
      rates.serverError ?? 0,
      rates.throttle ?? 0,
      rates.batchEntryFailure ?? 0,
      rates.ambiguous ?? 0,
    ]);
    if (band === 0) {
      counts.serverErrors += 1;
      injected({ kind: 'server-error', action, params });
      snsError(res, 500, 'Receiver', 'InternalError', 'Internal error (injected)');
      return;
    }
    if (band === 1) {
      counts.throttles += 1;
      injected({ kind: 'throttle', action, params });
      snsError(res, 400, 'Sender', 'Throttling', 'Rate exceeded');
      return;
    }
    const entries = batchEntries(params);
    if (band === 2 && action === 'PublishBatch' && entries.size > 0) {
      const failing = new Set([...entries.keys()].filter(() => rng.chance(0.5)));
      if (failing.size === 0) failing.add([...entries.keys()][0] as number);
      await failBatchEntries(req, res, params, entries, failing);
      return;
    }
    const fingerprint = createHash('sha256').update(body).digest('hex');
    if (band === 3 && !ambiguousBodies.has(fingerprint)) {
      ambiguousBodies.add(fingerprint);
      await upstream(req, body);
      counts.ambiguous += 1;
      injected({ kind: 'ambiguous', action, params });
      snsError(res, 500, 'Receiver', 'InternalError', 'Internal error after delivery (injected)');
      return;
    }
    const answer = await upstream(req, body);
    send(res, answer.status, answer.headers, answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    counts.requests += 1;
    const contentType = req.headers['content-type'] ?? '';
    const amzTarget = req.headers['x-amz-target'];
    if (typeof amzTarget === 'string' && amzTarget.startsWith('AmazonSimpleNotificationService.')) {
      counts.unrecognisedSnsCalls += 1;
    }
    if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action') ?? '';
      if (action === 'Publish' || action === 'PublishBatch') {
        await handleSns(req, res, body, params, action);
        return;
      }
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && faults.denyS3Read !== undefined) {
      const object = pathStyleObject(req.url ?? '/');
      if (object !== undefined && faults.denyS3Read(object.bucket, object.key)) {
        counts.accessDenied += 1;
        injected({ kind: 'access-denied', action: 'GetObject', params: new URLSearchParams() });
        send(
          res,
          403,
          { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() },
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>' +
            `<Message>Access Denied</Message><RequestId>${randomUUID()}</RequestId></Error>`,
        );
        return;
      }
    }
    const answer = await upstream(req, body);
    send(res, answer.status, answer.headers, answer.body);
  }

  const server = createServer((req, res) => {
    // A client that gives up (a crashed invocation's socket, say) must not crash the proxy.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes && !refused) {
        refused = true;
        send(res, 413, { 'content-type': 'text/plain' }, 'request body too large for the proxy');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        send(res, 502, { 'content-type': 'text/plain' }, `proxy error: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    configure: (next) => {
      faults = { ...next };
    },
    stop: async () => {
      for (const outgoing of inFlight) outgoing.destroy();
      inFlight.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

/** The entries of a PublishBatch form, by member index, each as its field/value pairs. */
function batchEntries(params: URLSearchParams): Map<number, [string, string][]> {
  const entries = new Map<number, [string, string][]>();
  for (const [name, value] of params) {
    const match = ENTRY_PREFIX.exec(name);
    if (match === null) continue;
    const index = Number(match[1]);
    const fields = entries.get(index) ?? [];
    fields.push([match[2] as string, value]);
    entries.set(index, fields);
  }
  return entries;
}

/** `/bucket/key` of a path-style S3 request, or undefined for anything else. */
function pathStyleObject(url: string): { bucket: string; key: string } | undefined {
  const path = url.split('?')[0] ?? '';
  const slash = path.indexOf('/', 1);
  if (!path.startsWith('/') || slash === -1 || slash === path.length - 1) return undefined;
  return {
    bucket: decodeURIComponent(path.slice(1, slash)),
    key: decodeURIComponent(path.slice(slash + 1)),
  };
}

/** The index of the band of cumulative `shares` that `roll` falls in, or -1 past them all. */
function pickBand(roll: number, shares: readonly number[]): number {
  let edge = 0;
  for (const [index, share] of shares.entries()) {
    edge += share;
    if (roll < edge) return index;
  }
  return -1;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
