/**
 * A small local CloudTrail endpoint that answers LookupEvents (JSON 1.1, as the SDK speaks it)
 * from events held per Region: one EventSource lookup attribute, StartTime/EndTime, pages of
 * MaxResults with NextToken, and a 400 ThrottlingException for the requests a test chooses.
 * The Region is read from the request's signature (its credential scope), as AWS routes by
 * endpoint; every request is recorded for assertions on pages and pacing.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';

/** One event as Event history holds it: the record, which the server serialises. */
export interface HeldEvent {
  readonly record: Record<string, unknown>;
  /** Sent as `CloudTrailEvent` instead of the record's JSON (a malformed event). */
  readonly rawCloudTrailEvent?: string;
}

/** A request the server received. */
export interface LookupRequest {
  readonly region: string;
  readonly at: number;
  readonly eventSource: string | undefined;
  readonly nextToken: string | undefined;
  readonly throttled: boolean;
}

export interface LocalCloudTrailOptions {
  /** Events by Region. */
  readonly events: Readonly<Record<string, readonly HeldEvent[]>>;
  /** Page size when the request asks for more (or none). @default 50 */
  readonly pageSize?: number;
  /** Whether to answer the request (1-based count over all Regions) with a throttle. */
  readonly throttle?: (requestNumber: number, region: string) => boolean;
}

export interface LocalCloudTrail {
  readonly endpoint: string;
  readonly requests: readonly LookupRequest[];
  readonly close: () => Promise<void>;
}

interface LookupBody {
  readonly LookupAttributes?: readonly { AttributeKey?: string; AttributeValue?: string }[];
  readonly StartTime?: number;
  readonly EndTime?: number;
  readonly MaxResults?: number;
  readonly NextToken?: string;
}

function regionOf(request: IncomingMessage): string {
  const auth = request.headers.authorization ?? '';
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(JSON.stringify(body));
}

/** Seconds since the epoch of a record's eventTime. */
function epochSeconds(record: Record<string, unknown>): number {
  return Date.parse(String(record.eventTime)) / 1000;
}

/** Starts the endpoint on a free local port. */
export async function startLocalCloudTrail(
  options: LocalCloudTrailOptions,
): Promise<LocalCloudTrail> {
  const requests: LookupRequest[] = [];
  const pageSize = options.pageSize ?? 50;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers['x-amz-target'] !== TARGET) {
        send(response, 400, { __type: 'UnknownOperationException' });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as LookupBody;
      const region = regionOf(request);
      const attributes = body.LookupAttributes ?? [];
      const eventSource = attributes[0]?.AttributeValue;
      const throttled = options.throttle?.(requests.length + 1, region) ?? false;
      requests.push({ region, at: Date.now(), eventSource, nextToken: body.NextToken, throttled });
      if (throttled) {
        send(response, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
        return;
      }
      if (attributes.length > 1 || attributes[0]?.AttributeKey !== 'EventSource') {
        send(response, 400, {
          __type: 'InvalidLookupAttributesException',
          message: 'one EventSource attribute expected',
        });
        return;
      }
      const matching = (options.events[region] ?? [])
        .filter(({ record }) => record.eventSource === eventSource)
        .filter(
          ({ record }) => body.StartTime === undefined || epochSeconds(record) >= body.StartTime,
        )
        .filter(({ record }) => body.EndTime === undefined || epochSeconds(record) <= body.EndTime)
        .sort((a, b) => epochSeconds(b.record) - epochSeconds(a.record));
      const offset = body.NextToken === undefined ? 0 : Number(body.NextToken.split(':')[1]);
      const size = Math.min(body.MaxResults ?? pageSize, pageSize);
      const page = matching.slice(offset, offset + size);
      send(response, 200, {
        Events: page.map(({ record, rawCloudTrailEvent }) => ({
          EventId: record.eventID,
          EventName: record.eventName,
          ReadOnly: record.readOnly === true || record.readOnly === 'true' ? 'true' : 'false',
          EventTime: epochSeconds(record),
          EventSource: record.eventSource,
          Username: 'jdoe',
          Resources: [],
          CloudTrailEvent: rawCloudTrailEvent ?? JSON.stringify(record),
        })),
        ...(offset + size < matching.length ? { NextToken: `page:${offset + size}` } : {}),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
