/**
 * The one factory of CloudTrail test data, for the tests, the scripts and the benchmark:
 * seeded, realistic records of the product's `CloudTrailRecord` type, log-file keys and bodies,
 * digest files, the S3 / EventBridge events that announce a new log object, and one fixed
 * example (`cloudTrailRecord`, `logFileKey`, ...) for tests that assert on exact values. For
 * fixtures and samples only: nothing here talks to AWS. Shapes follow the CloudTrail record
 * contents reference and the MediaPackage CloudTrail examples; values use documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and example accounts.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { S3Event, S3ObjectCreatedNotificationEvent, SQSEvent } from 'aws-lambda';
import { CLOUDTRAIL_API_CALL_DETAIL_TYPE, eventBridgeSource } from '../lambda/contract';
import type { CloudTrailRecord } from '../lambda/read/cloudtrail-record';
import { isReadOnlyCall } from '../lambda/read/cloudtrail-record';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A seeded pseudo-random source (mulberry32): the same seed always yields the same sequence. */
export interface Rng {
  /** Next float in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
  /** A version 4 UUID. */
  uuid(): string;
}

/** Creates a mulberry32 generator for `seed`. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(0, items.length - 1)];
    if (item === undefined) throw new RangeError('pick() needs a non-empty list');
    return item;
  };
  const chars = (length: number, alphabet: string): string => {
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet.charAt(int(0, alphabet.length - 1));
    return out;
  };
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick,
    shuffle: <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
    chars,
    hex: (length) => chars(length, HEX),
    uuid: () => {
      const h = chars(32, HEX);
      const variant = pick(['8', '9', 'a', 'b']);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
    },
  };
}

/**
 * Characters derived from a text by hashing: the same principal, channel or key always gets the
 * same id, whatever the generator's position (AWS ids are stable, not drawn per event).
 */
function stableChars(text: string, length: number, alphabet: string): string {
  let out = '';
  for (let round = 0; out.length < length; round += 1) {
    for (const byte of createHash('sha256').update(`${round}:${text}`).digest()) {
      out += alphabet.charAt(byte % alphabet.length);
      if (out.length === length) break;
    }
  }
  return out;
}

const stableHex = (text: string, length: number): string => stableChars(text, length, HEX);

function stableInt(text: string, max: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % max;
}

function stableUuid(text: string): string {
  const h = stableHex(text, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// Record shape
// ---------------------------------------------------------------------------------------------

/** A JSON object as it appears in `requestParameters`, `responseElements` and similar fields. */
export type JsonObject = Record<string, unknown>;

/** `userIdentity` as the factory builds it, before it becomes part of a record. */
interface IdentityFields {
  type: 'IAMUser' | 'AssumedRole' | 'Root' | 'AWSService' | 'FederatedUser' | 'AWSAccount';
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer?: {
      type: 'Role' | 'IAMUser' | 'Root';
      principalId: string;
      arn: string;
      accountId: string;
      userName: string;
    };
    webIdFederationData?: JsonObject;
    attributes: { creationDate: string; mfaAuthenticated: 'true' | 'false' };
  };
}

/**
 * A record as the factory writes it: the product's {@link CloudTrailRecord} (the one record
 * type), with the fields every generated record carries typed as present.
 */
export type GeneratedRecord = CloudTrailRecord &
  Required<
    Pick<
      CloudTrailRecord,
      | 'eventVersion'
      | 'userIdentity'
      | 'eventTime'
      | 'eventSource'
      | 'eventName'
      | 'awsRegion'
      | 'sourceIPAddress'
      | 'userAgent'
      | 'requestID'
      | 'eventID'
      | 'eventType'
      | 'recipientAccountId'
    >
  >;

// ---------------------------------------------------------------------------------------------
// Identities and clients
// ---------------------------------------------------------------------------------------------

/** Who made the call. */
export type IdentitySpec =
  | { readonly type: 'IAMUser'; readonly userName: string }
  | {
      readonly type: 'AssumedRole';
      readonly roleName: string;
      readonly sessionName: string;
      readonly mfaAuthenticated?: boolean;
    }
  | { readonly type: 'Root' }
  | { readonly type: 'AWSService'; readonly invokedBy: string };

/** How the call was made; drives `userAgent`, `sessionCredentialFromConsole` and source IP. */
export type ClientKind = 'console' | 'cli' | 'sdk' | 'terraform' | 'cloudformation';

/** Identities seen in a typical media account. */
export const IDENTITY_PRESETS = {
  consoleAdmin: {
    type: 'AssumedRole',
    roleName: 'AWSReservedSSO_AdministratorAccess_5f2b8c7d1e3a4b6c',
    sessionName: 'alice@example.com',
    mfaAuthenticated: true,
  },
  mediaOperator: {
    type: 'AssumedRole',
    roleName: 'MediaOperator',
    sessionName: 'bob',
    mfaAuthenticated: false,
  },
  deployPipeline: {
    type: 'AssumedRole',
    roleName: 'GitHubActionsDeployRole',
    sessionName: 'GitHubActions',
    mfaAuthenticated: false,
  },
  legacyUser: { type: 'IAMUser', userName: 'encoder-automation' },
  root: { type: 'Root' },
} as const satisfies Record<string, IdentitySpec>;

const CLIENTS_BY_IDENTITY: Record<IdentitySpec['type'], readonly ClientKind[]> = {
  IAMUser: ['cli', 'sdk', 'cli'],
  AssumedRole: ['console', 'cli', 'sdk', 'terraform', 'cloudformation'],
  Root: ['console'],
  AWSService: ['sdk'],
};

/** The account every record, key and event is in unless told otherwise. */
export const ACCOUNT_ID = '111122223333';
/** The Region every record, key and event is in unless told otherwise. */
export const REGION = 'us-west-2';
const DEFAULT_TIME = new Date('2025-03-14T09:00:00Z');

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `MMM d, yyyy, h:mm:ss AM` form CloudTrail uses for timestamp members of some services. */
function javaDate(date: Date): string {
  const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
  const hours = date.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${months[date.getUTCMonth()] ?? 'Jan'} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${
    hours % 12 === 0 ? 12 : hours % 12
  }:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

function minutesBefore(date: Date, minutes: number): Date {
  return new Date(date.getTime() - minutes * 60_000);
}

function buildIdentity(spec: IdentitySpec, accountId: string, at: Date): IdentityFields {
  const sessionStart = isoSeconds(minutesBefore(at, 5 + stableInt(`${at.getTime()}`, 50)));
  switch (spec.type) {
    case 'IAMUser':
      return {
        type: 'IAMUser',
        principalId: `AIDA${stableChars(`${accountId}/user/${spec.userName}`, 17, UPPER_ALNUM)}`,
        arn: `arn:aws:iam::${accountId}:user/${spec.userName}`,
        accountId,
        accessKeyId: `AKIA${stableChars(`${accountId}/key/${spec.userName}`, 16, UPPER_ALNUM)}`,
        userName: spec.userName,
      };
    case 'AssumedRole': {
      const roleId = `AROA${stableChars(`${accountId}/role/${spec.roleName}`, 17, UPPER_ALNUM)}`;
      return {
        type: 'AssumedRole',
        principalId: `${roleId}:${spec.sessionName}`,
        arn: `arn:aws:sts::${accountId}:assumed-role/${spec.roleName}/${spec.sessionName}`,
        accountId,
        accessKeyId: `ASIA${stableChars(`${accountId}/${spec.roleName}/${spec.sessionName}`, 16, UPPER_ALNUM)}`,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: roleId,
            arn: `arn:aws:iam::${accountId}:role/${spec.roleName}`,
            accountId,
            userName: spec.roleName,
          },
          webIdFederationData: {},
          attributes: {
            creationDate: sessionStart,
            mfaAuthenticated: spec.mfaAuthenticated === true ? 'true' : 'false',
          },
        },
      };
    }
    case 'Root':
      return {
        type: 'Root',
        principalId: accountId,
        arn: `arn:aws:iam::${accountId}:root`,
        accountId,
        accessKeyId: `ASIA${stableChars(`${accountId}/root/${sessionStart}`, 16, UPPER_ALNUM)}`,
        sessionContext: { attributes: { creationDate: sessionStart, mfaAuthenticated: 'true' } },
      };
    case 'AWSService':
      return { type: 'AWSService', invokedBy: spec.invokedBy };
  }
}

function identityArn(identity: IdentityFields, accountId: string): string {
  return identity.arn ?? `arn:aws:iam::${accountId}:root`;
}

function sourceIpFor(spec: IdentitySpec, accountId: string): string {
  const key = `${accountId}/${JSON.stringify(spec)}`;
  const net = ['192.0.2', '198.51.100', '203.0.113'][stableInt(key, 3)] ?? '192.0.2';
  return `${net}.${1 + stableInt(`ip:${key}`, 254)}`;
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function userAgentFor(client: ClientKind, eventSource: string, eventName: string): string {
  const service = eventSource.replace(/\.amazonaws\.com$/, '');
  const command = kebab(eventName.replace(/\d{8}(v\d+)?$/, ''));
  switch (client) {
    case 'console':
      return 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36';
    case 'cli':
      return `aws-cli/2.24.10 md/awscrt#0.23.8 ua/2.1 os/linux#6.1.128-136.201.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.9 md/pyimpl#CPython m/E,b cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#${service}.${command}`;
    case 'sdk':
      return `aws-sdk-js/3.758.0 ua/2.1 os/linux#5.10.234-225.895.amzn2.x86_64 lang/js md/nodejs#20.18.3 api/${service}#3.758.0 m/E,e`;
    case 'terraform':
      return `APN/1.0 HashiCorp/1.0 Terraform/1.10.5 (+https://www.terraform.io) terraform-provider-aws/5.89.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.36.1 ua/2.1 os/linux lang/go#1.23.6 md/GOOS#linux md/GOARCH#amd64 api/${service}#1.35.12 m/E`;
    case 'cloudformation':
      return 'cloudformation.amazonaws.com';
  }
}

// ---------------------------------------------------------------------------------------------
// Generic record assembly
// ---------------------------------------------------------------------------------------------

/** Options shared by every record builder. */
export interface RecordOptions {
  /** @default 'us-west-2' (IAM calls are always recorded in us-east-1) */
  readonly region?: string;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** @default a time within 30 minutes after 2025-03-14T09:00:00Z */
  readonly eventTime?: string | Date;
  /** @default a preset picked by the generator (service calls default to the service) */
  readonly identity?: IdentitySpec;
  /** @default picked by the generator among those plausible for the identity */
  readonly client?: ClientKind;
  /** Makes the call a failed attempt: `responseElements` becomes null. */
  readonly errorCode?: string;
  /** @default a message in the format AWS uses for `errorCode` */
  readonly errorMessage?: string;
  /** `'omit'` leaves the field out, as some services do. @default from the event name */
  readonly readOnly?: boolean | 'omit';
  /** Fields replaced last, e.g. to repeat an `eventID` as a duplicate delivery. */
  readonly overrides?: Partial<CloudTrailRecord>;
}

interface RecordDraft {
  readonly eventSource: string;
  readonly eventName: string;
  readonly region: string;
  readonly accountId: string;
  readonly at: Date;
  readonly identity: IdentitySpec;
  readonly client: ClientKind;
  readonly request: JsonObject | null;
  readonly response: JsonObject | null;
  readonly readOnly: boolean;
  readonly resourceArn: string;
  readonly iamAction: string;
  readonly host: string;
  readonly additionalEventData?: JsonObject;
  readonly resources?: CloudTrailRecord['resources'];
  readonly requestId?: string;
}

function resolveTime(rng: Rng, eventTime: string | Date | undefined): Date {
  if (eventTime instanceof Date) return eventTime;
  if (typeof eventTime === 'string') return new Date(eventTime);
  return new Date(DEFAULT_TIME.getTime() + rng.int(0, 30 * 60) * 1000);
}

function defaultErrorMessage(
  errorCode: string,
  identity: IdentityFields,
  draft: RecordDraft,
): string {
  switch (errorCode) {
    case 'AccessDenied':
    case 'AccessDeniedException':
      return `User: ${identityArn(identity, draft.accountId)} is not authorized to perform: ${draft.iamAction} on resource: ${draft.resourceArn} because no identity-based policy allows the ${draft.iamAction} action`;
    case 'NotFoundException':
      return 'The specified resource was not found.';
    case 'ConflictException':
      return 'The resource is in a state that does not allow this operation.';
    case 'TooManyRequestsException':
    case 'ThrottlingException':
      return 'Rate exceeded';
    default:
      return `The request failed with ${errorCode}.`;
  }
}

function assemble(rng: Rng, draft: RecordDraft, opts: RecordOptions): GeneratedRecord {
  const identity = buildIdentity(draft.identity, draft.accountId, draft.at);
  const invokedBy = draft.identity.type === 'AWSService' ? draft.identity.invokedBy : undefined;
  const viaCloudFormation = draft.client === 'cloudformation' && invokedBy === undefined;
  if (viaCloudFormation) identity.invokedBy = 'cloudformation.amazonaws.com';
  const failed = opts.errorCode !== undefined;
  const record: GeneratedRecord = {
    eventVersion: rng.chance(0.85) ? '1.09' : '1.08',
    userIdentity: identity,
    eventTime: isoSeconds(draft.at),
    eventSource: draft.eventSource,
    eventName: draft.eventName,
    awsRegion: draft.region,
    sourceIPAddress:
      invokedBy ??
      (viaCloudFormation
        ? 'cloudformation.amazonaws.com'
        : sourceIpFor(draft.identity, draft.accountId)),
    userAgent: invokedBy ?? userAgentFor(draft.client, draft.eventSource, draft.eventName),
    ...(failed
      ? {
          errorCode: opts.errorCode,
          errorMessage:
            opts.errorMessage ?? defaultErrorMessage(opts.errorCode ?? '', identity, draft),
        }
      : {}),
    requestParameters: draft.request,
    responseElements: failed ? null : draft.response,
    ...(draft.additionalEventData ? { additionalEventData: draft.additionalEventData } : {}),
    requestID: draft.requestId ?? rng.uuid(),
    eventID: rng.uuid(),
    ...(opts.readOnly === 'omit' ? {} : { readOnly: opts.readOnly ?? draft.readOnly }),
    ...(draft.resources ? { resources: draft.resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: draft.accountId,
    eventCategory: 'Management',
    ...(invokedBy === undefined && !viaCloudFormation
      ? {
          tlsDetails: {
            tlsVersion: 'TLSv1.3',
            cipherSuite: 'TLS_AES_128_GCM_SHA256',
            clientProvidedHostHeader: draft.host,
          },
        }
      : {}),
    ...(draft.client === 'console' && invokedBy === undefined
      ? { sessionCredentialFromConsole: 'true' as const }
      : {}),
  };
  return { ...record, ...opts.overrides };
}

function pickIdentityAndClient(
  rng: Rng,
  opts: RecordOptions,
  fallback: readonly IdentitySpec[],
): { identity: IdentitySpec; client: ClientKind } {
  const identity = opts.identity ?? rng.pick(fallback);
  const client = opts.client ?? rng.pick(CLIENTS_BY_IDENTITY[identity.type]);
  return { identity, client };
}

// ---------------------------------------------------------------------------------------------
// MediaPackage calls
// ---------------------------------------------------------------------------------------------

/** The three MediaPackage event sources. */
export type MediaPackageSource =
  'mediapackage.amazonaws.com' | 'mediapackagev2.amazonaws.com' | 'mediapackage-vod.amazonaws.com';

/**
 * The write calls of each MediaPackage event source, as AWS documents them (AWS-FACTS.md):
 * the calls that must alert. Kept here, apart from the product's matcher, so tests and the
 * benchmark check it against AWS's list rather than against itself.
 */
export const MEDIAPACKAGE_WRITE_CALLS: Readonly<Record<MediaPackageSource, readonly string[]>> = {
  'mediapackage.amazonaws.com': [
    'ConfigureLogs',
    'CreateChannel',
    'CreateHarvestJob',
    'CreateOriginEndpoint',
    'DeleteChannel',
    'DeleteOriginEndpoint',
    'RotateChannelCredentials',
    'RotateIngestEndpointCredentials',
    'TagResource',
    'UntagResource',
    'UpdateChannel',
    'UpdateOriginEndpoint',
  ],
  'mediapackagev2.amazonaws.com': [
    'CancelHarvestJob',
    'CreateChannel',
    'CreateChannelGroup',
    'CreateHarvestJob',
    'CreateOriginEndpoint',
    'DeleteChannel',
    'DeleteChannelGroup',
    'DeleteChannelPolicy',
    'DeleteOriginEndpoint',
    'DeleteOriginEndpointPolicy',
    'PutChannelPolicy',
    'PutOriginEndpointPolicy',
    'ResetChannelState',
    'ResetOriginEndpointState',
    'TagResource',
    'UntagResource',
    'UpdateChannel',
    'UpdateChannelGroup',
    'UpdateOriginEndpoint',
  ],
  'mediapackage-vod.amazonaws.com': [
    'ConfigureLogs',
    'CreateAsset',
    'CreatePackagingConfiguration',
    'CreatePackagingGroup',
    'DeleteAsset',
    'DeletePackagingConfiguration',
    'DeletePackagingGroup',
    'TagResource',
    'UntagResource',
    'UpdatePackagingGroup',
  ],
};

/** Resource names a call refers to; unset ones are picked from realistic pools. */
export interface ResourceNames {
  /** v1 channel id or v2 channel name. */
  readonly channel?: string;
  /** v2 channel group name. */
  readonly channelGroup?: string;
  /** v1 origin endpoint id or v2 origin endpoint name. */
  readonly originEndpoint?: string;
  readonly harvestJob?: string;
  readonly asset?: string;
  readonly packagingGroup?: string;
  readonly packagingConfiguration?: string;
}

/** Options of {@link mediaPackageRecord}. */
export interface MediaPackageRecordOptions extends RecordOptions {
  readonly source: MediaPackageSource;
  /** Any API name; known ones get realistic parameters, others a minimal `id`-style request. */
  readonly eventName: string;
  readonly names?: ResourceNames;
  /** Merged over the generated `requestParameters` before the response is derived. */
  readonly requestParameters?: JsonObject;
}

interface CallContext {
  readonly rng: Rng;
  readonly region: string;
  readonly accountId: string;
  readonly at: Date;
  readonly names: Required<ResourceNames>;
  readonly overrides: JsonObject | undefined;
}

interface CallShape {
  readonly request: JsonObject | null;
  readonly response: JsonObject | null;
}

type CallBuilder = (c: CallContext) => CallShape;

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function call(
  c: CallContext,
  request: JsonObject | null,
  response?: (req: JsonObject) => JsonObject | null,
): CallShape {
  const merged = request === null && !c.overrides ? null : { ...request, ...c.overrides };
  return { request: merged, response: response && merged ? response(merged) : null };
}

function createdBefore(c: CallContext, key: string): Date {
  return minutesBefore(c.at, 60 * 24 + stableInt(key, 60 * 24 * 90));
}

const v1CreatedAt = (date: Date): string => isoSeconds(date).replace(/Z$/, '+00:00');

// --- v1 (live) -------------------------------------------------------------------------------

function v1ChannelArn(c: CallContext, id: string): string {
  return `arn:aws:mediapackage:${c.region}:${c.accountId}:channels/${stableHex(`${c.accountId}/${c.region}/ch/${id}`, 32)}`;
}

function v1IngestEndpointId(c: CallContext, id: string, index: number): string {
  return stableHex(`${c.accountId}/${c.region}/ch/${id}/ingest/${index}`, 32);
}

function v1Channel(c: CallContext, req: JsonObject, created?: Date): JsonObject {
  const id = str(req.id, c.names.channel);
  const channelHex = stableHex(`${c.accountId}/${c.region}/ch/${id}`, 32);
  return {
    arn: v1ChannelArn(c, id),
    createdAt: v1CreatedAt(created ?? createdBefore(c, id)),
    description: str(req.description, `Live channel ${id}`),
    egressAccessLogs: req.egressAccessLogs ?? {},
    hlsIngest: {
      ingestEndpoints: [0, 1].map((index) => {
        const endpointId = v1IngestEndpointId(c, id, index);
        return {
          id: endpointId,
          password: '***',
          url: `https://${stableHex(endpointId, 16)}.mediapackage.${c.region}.amazonaws.com/in/v2/${channelHex}/${endpointId}/channel`,
          username: '***',
        };
      }),
    },
    id,
    ingressAccessLogs: req.ingressAccessLogs ?? {},
    tags: req.tags ?? {},
  };
}

function v1OriginEndpointArn(c: CallContext, id: string): string {
  return `arn:aws:mediapackage:${c.region}:${c.accountId}:origin_endpoints/${stableHex(`${c.accountId}/${c.region}/oe/${id}`, 32)}`;
}

function v1OriginEndpoint(c: CallContext, req: JsonObject, created?: Date): JsonObject {
  const id = str(req.id, c.names.originEndpoint);
  const hex = stableHex(`${c.accountId}/${c.region}/oe/${id}`, 32);
  return {
    arn: v1OriginEndpointArn(c, id),
    channelId: str(req.channelId, c.names.channel),
    createdAt: v1CreatedAt(created ?? createdBefore(c, id)),
    description: str(req.description, ''),
    hlsPackage: {
      adMarkers: 'NONE',
      adTriggers: [],
      adsOnDeliveryRestrictions: 'RESTRICTED',
      includeDvbSubtitles: false,
      includeIframeOnlyStream: false,
      playlistType: 'EVENT',
      playlistWindowSeconds: 60,
      programDateTimeIntervalSeconds: 0,
      segmentDurationSeconds: 6,
      streamSelection: {
        maxVideoBitsPerSecond: 2147483647,
        minVideoBitsPerSecond: 0,
        streamOrder: 'ORIGINAL',
      },
      useAudioRenditionGroup: false,
      ...(req.hlsPackage as JsonObject | undefined),
    },
    id,
    manifestName: str(req.manifestName, 'index'),
    origination: 'ALLOW',
    startoverWindowSeconds: req.startoverWindowSeconds ?? 0,
    tags: {},
    timeDelaySeconds: req.timeDelaySeconds ?? 0,
    url: `https://${stableHex(hex, 16)}.mediapackage.${c.region}.amazonaws.com/out/v1/${hex}/index.m3u8`,
    whitelist: [],
  };
}

const V1_CALLS: Record<string, CallBuilder> = {
  CreateChannel: (c) =>
    call(c, { id: c.names.channel, description: `Live channel ${c.names.channel}` }, (r) =>
      v1Channel(c, r, c.at),
    ),
  UpdateChannel: (c) =>
    call(c, { description: `Updated ${c.names.channel}`, id: c.names.channel }, (r) =>
      v1Channel(c, r),
    ),
  DeleteChannel: (c) => call(c, { id: c.names.channel }),
  DescribeChannel: (c) => call(c, { id: c.names.channel }),
  ListChannels: (c) => call(c, c.rng.chance(0.5) ? { maxResults: 50 } : null),
  RotateChannelCredentials: (c) => call(c, { id: c.names.channel }, (r) => v1Channel(c, r)),
  RotateIngestEndpointCredentials: (c) =>
    call(
      c,
      {
        id: c.names.channel,
        ingestEndpointId: v1IngestEndpointId(c, c.names.channel, c.rng.int(0, 1)),
      },
      (r) => v1Channel(c, r),
    ),
  ConfigureLogs: (c) =>
    call(
      c,
      {
        id: c.names.channel,
        egressAccessLogs: { logGroupName: '/aws/MediaPackage/EgressAccessLogs' },
        ingressAccessLogs: { logGroupName: '/aws/MediaPackage/IngressAccessLogs' },
      },
      (r) => v1Channel(c, r),
    ),
  CreateOriginEndpoint: (c) =>
    call(
      c,
      {
        channelId: c.names.channel,
        id: c.names.originEndpoint,
        manifestName: 'index',
        hlsPackage: { segmentDurationSeconds: 6, playlistWindowSeconds: 60, playlistType: 'EVENT' },
        origination: 'ALLOW',
        startoverWindowSeconds: 0,
        timeDelaySeconds: 0,
      },
      (r) => v1OriginEndpoint(c, r, c.at),
    ),
  UpdateOriginEndpoint: (c) =>
    call(
      c,
      {
        id: c.names.originEndpoint,
        hlsPackage: { segmentDurationSeconds: 4, playlistWindowSeconds: 30 },
        timeDelaySeconds: 10,
      },
      (r) => v1OriginEndpoint(c, r),
    ),
  DeleteOriginEndpoint: (c) => call(c, { id: c.names.originEndpoint }),
  DescribeOriginEndpoint: (c) => call(c, { id: c.names.originEndpoint }),
  ListOriginEndpoints: (c) => call(c, { channelId: c.names.channel }),
  CreateHarvestJob: (c) =>
    call(
      c,
      {
        endTime: isoSeconds(minutesBefore(c.at, 5)),
        id: c.names.harvestJob,
        originEndpointId: c.names.originEndpoint,
        s3Destination: {
          bucketName: `media-harvest-${c.accountId}`,
          manifestKey: `harvest/${c.names.harvestJob}/index.m3u8`,
          roleArn: `arn:aws:iam::${c.accountId}:role/MediaPackageHarvestRole`,
        },
        startTime: isoSeconds(minutesBefore(c.at, 65)),
      },
      (r) => ({
        arn: `arn:aws:mediapackage:${c.region}:${c.accountId}:harvest_jobs/${str(r.id, c.names.harvestJob)}`,
        channelId: c.names.channel,
        createdAt: v1CreatedAt(c.at),
        endTime: r.endTime,
        id: r.id,
        originEndpointId: r.originEndpointId,
        s3Destination: r.s3Destination,
        startTime: r.startTime,
        status: 'IN_PROGRESS',
      }),
    ),
  DescribeHarvestJob: (c) => call(c, { id: c.names.harvestJob }),
  ListHarvestJobs: (c) => call(c, { includeChannelId: c.names.channel }),
};

// --- v2 --------------------------------------------------------------------------------------

function v2GroupArn(c: CallContext, group: string): string {
  return `arn:aws:mediapackagev2:${c.region}:${c.accountId}:channelGroup/${group}`;
}

function v2ChannelArn(c: CallContext, group: string, channel: string): string {
  return `${v2GroupArn(c, group)}/channel/${channel}`;
}

function v2EndpointArn(c: CallContext, group: string, channel: string, endpoint: string): string {
  return `${v2ChannelArn(c, group, channel)}/originEndpoint/${endpoint}`;
}

function v2Domain(c: CallContext, group: string): string {
  return `${stableChars(`${c.accountId}/${group}`, 6, 'abcdefghijklmnopqrstuvwxyz')}.egress.${stableChars(c.accountId, 6, 'abcdefghijklmnopqrstuvwxyz')}.mediapackagev2.${c.region}.amazonaws.com`;
}

function eTag(text: string): string {
  return Buffer.from(stableHex(text, 24), 'hex').toString('base64');
}

function v2Timestamps(c: CallContext, key: string, created?: Date): JsonObject {
  return {
    createdAt: javaDate(created ?? createdBefore(c, key)),
    modifiedAt: javaDate(c.at),
  };
}

function v2ChannelGroup(c: CallContext, req: JsonObject, created?: Date): JsonObject {
  const group = str(req.channelGroupName, c.names.channelGroup);
  return {
    channelGroupName: group,
    arn: v2GroupArn(c, group),
    egressDomain: v2Domain(c, group),
    ...v2Timestamps(c, group, created),
    description: str(req.description, `Channel group ${group}`),
    eTag: eTag(`${group}/${c.at.getTime()}`),
    tags: req.tags ?? {},
  };
}

function v2Channel(c: CallContext, req: JsonObject, created?: Date): JsonObject {
  const group = str(req.channelGroupName, c.names.channelGroup);
  const channel = str(req.channelName, c.names.channel);
  const ingestHost = v2Domain(c, group).replace('.egress.', '.ingest.');
  return {
    arn: v2ChannelArn(c, group, channel),
    channelName: channel,
    channelGroupName: group,
    ...v2Timestamps(c, `${group}/${channel}`, created),
    description: str(req.description, `Channel ${channel}`),
    ingestEndpoints: [1, 2].map((id) => ({
      id: String(id),
      url: `https://${ingestHost.replace(/^([a-z]+)\./, `$1-${id}.`)}/in/v1/${group}/${id}/${channel}/index`,
    })),
    inputType: str(req.inputType, 'HLS'),
    eTag: eTag(`${group}/${channel}/${c.at.getTime()}`),
    tags: req.tags ?? {},
  };
}

function v2OriginEndpoint(c: CallContext, req: JsonObject, created?: Date): JsonObject {
  const group = str(req.channelGroupName, c.names.channelGroup);
  const channel = str(req.channelName, c.names.channel);
  const endpoint = str(req.originEndpointName, c.names.originEndpoint);
  return {
    arn: v2EndpointArn(c, group, channel, endpoint),
    channelGroupName: group,
    channelName: channel,
    originEndpointName: endpoint,
    containerType: str(req.containerType, 'TS'),
    segment: {
      segmentDurationSeconds: 6,
      segmentName: 'segment',
      tsUseAudioRenditionGroup: true,
      includeIframeOnlyStreams: false,
      tsIncludeDvbSubtitles: false,
      scte: { scteFilter: [] },
    },
    ...v2Timestamps(c, `${group}/${channel}/${endpoint}`, created),
    startoverWindowSeconds: req.startoverWindowSeconds ?? 900,
    hlsManifests: [
      {
        manifestName: 'index',
        url: `https://${v2Domain(c, group)}/out/v1/${group}/${channel}/${endpoint}/index.m3u8`,
        childManifestName: 'index',
        manifestWindowSeconds: 60,
        programDateTimeIntervalSeconds: 0,
      },
    ],
    lowLatencyHlsManifests: [],
    dashManifests: [],
    forceEndpointErrorConfiguration: {
      endpointErrorConditions: [
        'STALE_MANIFEST',
        'INCOMPLETE_MANIFEST',
        'MISSING_DRM_KEY',
        'SLATE_INPUT',
      ],
    },
    eTag: eTag(`${group}/${channel}/${endpoint}/${c.at.getTime()}`),
    tags: req.tags ?? {},
  };
}

const v2Names = (c: CallContext): JsonObject => ({
  channelGroupName: c.names.channelGroup,
  channelName: c.names.channel,
});

const v2EndpointNames = (c: CallContext): JsonObject => ({
  ...v2Names(c),
  originEndpointName: c.names.originEndpoint,
});

function channelPolicy(c: CallContext): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'AllowMediaLiveIngest',
    Statement: [
      {
        Sid: 'AllowEncoderRole',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${c.accountId}:role/MediaLiveAccessRole` },
        Action: 'mediapackagev2:PutObject',
        Resource: v2ChannelArn(c, c.names.channelGroup, c.names.channel),
      },
    ],
  });
}

function endpointPolicy(c: CallContext): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowCloudFrontServicePrincipal',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: ['mediapackagev2:GetObject', 'mediapackagev2:GetHeadObject'],
        Resource: v2EndpointArn(c, c.names.channelGroup, c.names.channel, c.names.originEndpoint),
        Condition: {
          StringEquals: {
            'AWS:SourceArn': `arn:aws:cloudfront::${c.accountId}:distribution/E${stableChars(c.accountId, 13, UPPER_ALNUM)}`,
          },
        },
      },
    ],
  });
}

const V2_CALLS: Record<string, CallBuilder> = {
  CreateChannelGroup: (c) =>
    call(
      c,
      {
        channelGroupName: c.names.channelGroup,
        description: `Live events ${c.names.channelGroup}`,
      },
      (r) => v2ChannelGroup(c, r, c.at),
    ),
  UpdateChannelGroup: (c) =>
    call(
      c,
      { channelGroupName: c.names.channelGroup, description: `Updated ${c.names.channelGroup}` },
      (r) => v2ChannelGroup(c, r),
    ),
  DeleteChannelGroup: (c) => call(c, { channelGroupName: c.names.channelGroup }),
  GetChannelGroup: (c) => call(c, { channelGroupName: c.names.channelGroup }),
  ListChannelGroups: (c) => call(c, c.rng.chance(0.5) ? { maxResults: 25 } : null),
  CreateChannel: (c) =>
    call(c, { ...v2Names(c), description: `Channel ${c.names.channel}`, inputType: 'HLS' }, (r) =>
      v2Channel(c, r, c.at),
    ),
  UpdateChannel: (c) =>
    call(c, { ...v2Names(c), description: `Updated ${c.names.channel}` }, (r) => v2Channel(c, r)),
  DeleteChannel: (c) => call(c, v2Names(c)),
  GetChannel: (c) => call(c, v2Names(c)),
  ListChannels: (c) => call(c, { channelGroupName: c.names.channelGroup }),
  PutChannelPolicy: (c) => call(c, { ...v2Names(c), policy: channelPolicy(c) }),
  GetChannelPolicy: (c) => call(c, v2Names(c)),
  DeleteChannelPolicy: (c) => call(c, v2Names(c)),
  ResetChannelState: (c) =>
    call(c, v2Names(c), (r) => ({
      ...r,
      arn: v2ChannelArn(c, c.names.channelGroup, c.names.channel),
      resetAt: javaDate(c.at),
    })),
  CreateOriginEndpoint: (c) =>
    call(
      c,
      {
        ...v2EndpointNames(c),
        containerType: 'TS',
        segment: { segmentDurationSeconds: 6, segmentName: 'segment' },
        startoverWindowSeconds: 900,
        hlsManifests: [{ manifestName: 'index', manifestWindowSeconds: 60 }],
      },
      (r) => v2OriginEndpoint(c, r, c.at),
    ),
  UpdateOriginEndpoint: (c) =>
    call(c, { ...v2EndpointNames(c), containerType: 'TS', startoverWindowSeconds: 1800 }, (r) =>
      v2OriginEndpoint(c, r),
    ),
  DeleteOriginEndpoint: (c) => call(c, v2EndpointNames(c)),
  GetOriginEndpoint: (c) => call(c, v2EndpointNames(c)),
  ListOriginEndpoints: (c) => call(c, v2Names(c)),
  PutOriginEndpointPolicy: (c) => call(c, { ...v2EndpointNames(c), policy: endpointPolicy(c) }),
  GetOriginEndpointPolicy: (c) => call(c, v2EndpointNames(c)),
  DeleteOriginEndpointPolicy: (c) => call(c, v2EndpointNames(c)),
  ResetOriginEndpointState: (c) =>
    call(c, v2EndpointNames(c), (r) => ({
      ...r,
      arn: v2EndpointArn(c, c.names.channelGroup, c.names.channel, c.names.originEndpoint),
      resetAt: javaDate(c.at),
    })),
  CreateHarvestJob: (c) =>
    call(
      c,
      {
        ...v2EndpointNames(c),
        harvestJobName: c.names.harvestJob,
        destination: {
          s3Destination: {
            bucketName: `media-harvest-${c.accountId}`,
            destinationPath: `harvest/${c.names.harvestJob}/`,
          },
        },
        harvestedManifests: { hlsManifests: [{ manifestName: 'index' }] },
        scheduleConfiguration: {
          startTime: javaDate(minutesBefore(c.at, 65)),
          endTime: javaDate(minutesBefore(c.at, 5)),
        },
      },
      (r) => ({
        ...r,
        arn: `${v2EndpointArn(c, c.names.channelGroup, c.names.channel, c.names.originEndpoint)}/harvestJob/${c.names.harvestJob}`,
        createdAt: javaDate(c.at),
        modifiedAt: javaDate(c.at),
        status: 'QUEUED',
        eTag: eTag(`${c.names.harvestJob}/${c.at.getTime()}`),
      }),
    ),
  CancelHarvestJob: (c) => call(c, { ...v2EndpointNames(c), harvestJobName: c.names.harvestJob }),
  GetHarvestJob: (c) => call(c, { ...v2EndpointNames(c), harvestJobName: c.names.harvestJob }),
  ListHarvestJobs: (c) => call(c, { channelGroupName: c.names.channelGroup }),
};

// --- VOD -------------------------------------------------------------------------------------

function vodArn(c: CallContext, kind: string, id: string): string {
  return `arn:aws:mediapackage-vod:${c.region}:${c.accountId}:${kind}/${id}`;
}

function vodDomain(c: CallContext, group: string): string {
  return `https://${stableHex(`${c.accountId}/${c.region}/pg/${group}`, 32)}.egress.mediapackage-vod.${c.region}.amazonaws.com`;
}

function cdnAuthorization(c: CallContext): JsonObject {
  return {
    cdnIdentifierSecret: `arn:aws:secretsmanager:${c.region}:${c.accountId}:secret:MediaPackage/cdn-auth-${stableChars(c.accountId, 6, ALNUM)}`,
    secretsRoleArn: `arn:aws:iam::${c.accountId}:role/MediaPackageSecretsRole`,
  };
}

function vodPackagingGroup(c: CallContext, req: JsonObject, created?: Date): JsonObject {
  const id = str(req.id, c.names.packagingGroup);
  return {
    approximateAssetCount: stableInt(id, 400),
    arn: vodArn(c, 'packaging-groups', id),
    ...(req.authorization ? { authorization: req.authorization } : {}),
    createdAt: v1CreatedAt(created ?? createdBefore(c, id)),
    domainName: vodDomain(c, id),
    ...(req.egressAccessLogs ? { egressAccessLogs: req.egressAccessLogs } : {}),
    id,
    tags: req.tags ?? {},
  };
}

function hlsPackage(): JsonObject {
  return {
    hlsManifests: [
      {
        adMarkers: 'NONE',
        includeIframeOnlyStream: false,
        manifestName: 'index',
        programDateTimeIntervalSeconds: 0,
        repeatExtXKey: false,
        streamSelection: {
          maxVideoBitsPerSecond: 2147483647,
          minVideoBitsPerSecond: 0,
          streamOrder: 'ORIGINAL',
        },
      },
    ],
    segmentDurationSeconds: 6,
    useAudioRenditionGroup: false,
  };
}

const VOD_CALLS: Record<string, CallBuilder> = {
  CreatePackagingGroup: (c) =>
    call(c, { id: c.names.packagingGroup, authorization: cdnAuthorization(c), tags: {} }, (r) =>
      vodPackagingGroup(c, r, c.at),
    ),
  UpdatePackagingGroup: (c) =>
    call(c, { id: c.names.packagingGroup, authorization: cdnAuthorization(c) }, (r) =>
      vodPackagingGroup(c, r),
    ),
  DeletePackagingGroup: (c) => call(c, { id: c.names.packagingGroup }),
  DescribePackagingGroup: (c) => call(c, { id: c.names.packagingGroup }),
  ListPackagingGroups: (c) => call(c, null),
  ConfigureLogs: (c) =>
    call(
      c,
      {
        id: c.names.packagingGroup,
        egressAccessLogs: { logGroupName: '/aws/MediaPackage/VodEgressAccessLogs' },
      },
      (r) => vodPackagingGroup(c, r),
    ),
  CreatePackagingConfiguration: (c) =>
    call(
      c,
      {
        id: c.names.packagingConfiguration,
        packagingGroupId: c.names.packagingGroup,
        hlsPackage: hlsPackage(),
        tags: {},
      },
      (r) => ({
        arn: vodArn(c, 'packaging-configurations', str(r.id, c.names.packagingConfiguration)),
        createdAt: v1CreatedAt(c.at),
        hlsPackage: r.hlsPackage,
        id: r.id,
        packagingGroupId: r.packagingGroupId,
        tags: r.tags ?? {},
      }),
    ),
  DeletePackagingConfiguration: (c) => call(c, { id: c.names.packagingConfiguration }),
  DescribePackagingConfiguration: (c) => call(c, { id: c.names.packagingConfiguration }),
  ListPackagingConfigurations: (c) => call(c, { packagingGroupId: c.names.packagingGroup }),
  CreateAsset: (c) =>
    call(
      c,
      {
        id: c.names.asset,
        packagingGroupId: c.names.packagingGroup,
        resourceId: c.names.asset,
        sourceArn: `arn:aws:s3:::media-source-${c.accountId}/vod/${c.names.asset}/index.smil`,
        sourceRoleArn: `arn:aws:iam::${c.accountId}:role/MediaPackageVodSourceRole`,
        tags: {},
      },
      (r) => {
        const id = str(r.id, c.names.asset);
        const domain = vodDomain(c, str(r.packagingGroupId, c.names.packagingGroup));
        return {
          arn: vodArn(c, 'assets', id),
          createdAt: v1CreatedAt(c.at),
          egressEndpoints: [c.names.packagingConfiguration].map((configurationId) => ({
            packagingConfigurationId: configurationId,
            status: 'QUEUED',
            url: `${domain}/out/v1/${stableHex(id, 32)}/${stableHex(configurationId, 32)}/${stableHex(`${id}/${configurationId}`, 32)}/index.m3u8`,
          })),
          id,
          packagingGroupId: r.packagingGroupId,
          resourceId: r.resourceId,
          sourceArn: r.sourceArn,
          sourceRoleArn: r.sourceRoleArn,
          tags: r.tags ?? {},
        };
      },
    ),
  DeleteAsset: (c) => call(c, { id: c.names.asset }),
  DescribeAsset: (c) => call(c, { id: c.names.asset }),
  ListAssets: (c) => call(c, { packagingGroupId: c.names.packagingGroup }),
};

const NAME_POOLS: Record<keyof ResourceNames, readonly string[]> = {
  channel: ['sports-main', 'sports-backup', 'news-24x7', 'concert-live', 'linear-east'],
  channelGroup: ['live-events', 'broadcast-prod', 'fast-channels'],
  originEndpoint: ['hls-ts', 'cmaf-hls', 'dash-cmaf', 'hls-ts-backup'],
  harvestJob: ['final-match-clip', 'concert-highlights', 'news-morning-archive'],
  asset: ['feature-film-0142', 'trailer-2025-07', 'episode-s02e05', 'documentary-ocean'],
  packagingGroup: ['vod-prod', 'vod-premium'],
  packagingConfiguration: ['hls-6s', 'dash-4s', 'cmaf-hls-6s'],
};

function resolveNames(rng: Rng, names: ResourceNames | undefined): Required<ResourceNames> {
  const pick = (key: keyof ResourceNames): string => names?.[key] ?? rng.pick(NAME_POOLS[key]);
  return {
    channel: pick('channel'),
    channelGroup: pick('channelGroup'),
    originEndpoint: pick('originEndpoint'),
    harvestJob: pick('harvestJob'),
    asset: pick('asset'),
    packagingGroup: pick('packagingGroup'),
    packagingConfiguration: pick('packagingConfiguration'),
  };
}

function tagCall(c: CallContext, eventName: string, resourceArn: string): CallShape | undefined {
  if (eventName === 'TagResource') {
    return call(c, { resourceArn, tags: { CostCenter: 'media-ops', Environment: 'production' } });
  }
  if (eventName === 'UntagResource') {
    return call(c, { resourceArn, tagKeys: ['Environment'] });
  }
  if (eventName === 'ListTagsForResource') return call(c, { resourceArn });
  return undefined;
}

function mediaPackageResourceArn(
  source: MediaPackageSource,
  eventName: string,
  c: CallContext,
): string {
  const n = c.names;
  if (source === 'mediapackagev2.amazonaws.com') {
    if (eventName.includes('ChannelGroup')) return v2GroupArn(c, n.channelGroup);
    if (eventName.includes('OriginEndpoint') || eventName.includes('HarvestJob')) {
      return v2EndpointArn(c, n.channelGroup, n.channel, n.originEndpoint);
    }
    return v2ChannelArn(c, n.channelGroup, n.channel);
  }
  if (source === 'mediapackage-vod.amazonaws.com') {
    if (eventName.includes('Asset')) return vodArn(c, 'assets', n.asset);
    if (eventName.includes('PackagingConfiguration')) {
      return vodArn(c, 'packaging-configurations', n.packagingConfiguration);
    }
    return vodArn(c, 'packaging-groups', n.packagingGroup);
  }
  if (eventName.includes('OriginEndpoint')) return v1OriginEndpointArn(c, n.originEndpoint);
  if (eventName.includes('HarvestJob')) {
    return `arn:aws:mediapackage:${c.region}:${c.accountId}:harvest_jobs/${n.harvestJob}`;
  }
  return v1ChannelArn(c, n.channel);
}

const CALLS_BY_SOURCE: Record<MediaPackageSource, Record<string, CallBuilder>> = {
  'mediapackage.amazonaws.com': V1_CALLS,
  'mediapackagev2.amazonaws.com': V2_CALLS,
  'mediapackage-vod.amazonaws.com': VOD_CALLS,
};

const IAM_PREFIX: Record<MediaPackageSource, string> = {
  'mediapackage.amazonaws.com': 'mediapackage',
  'mediapackagev2.amazonaws.com': 'mediapackagev2',
  'mediapackage-vod.amazonaws.com': 'mediapackage-vod',
};

const MEDIA_IDENTITIES: readonly IdentitySpec[] = [
  IDENTITY_PRESETS.consoleAdmin,
  IDENTITY_PRESETS.mediaOperator,
  IDENTITY_PRESETS.mediaOperator,
  IDENTITY_PRESETS.deployPipeline,
  IDENTITY_PRESETS.legacyUser,
];

/**
 * A CloudTrail record of a MediaPackage API call with the request and response shapes that
 * service writes (v1 credentials masked as `***`, v2 policies as JSON strings, VOD source ARNs).
 * Reads get `responseElements: null`, as CloudTrail records them.
 */
export function mediaPackageRecord(rng: Rng, opts: MediaPackageRecordOptions): GeneratedRecord {
  const region = opts.region ?? REGION;
  const accountId = opts.accountId ?? ACCOUNT_ID;
  const at = resolveTime(rng, opts.eventTime);
  const { identity, client } = pickIdentityAndClient(rng, opts, MEDIA_IDENTITIES);
  const c: CallContext = {
    rng,
    region,
    accountId,
    at,
    names: resolveNames(rng, opts.names),
    overrides: opts.requestParameters,
  };
  const resourceArn = mediaPackageResourceArn(opts.source, opts.eventName, c);
  const builder = CALLS_BY_SOURCE[opts.source][opts.eventName];
  const shape: CallShape = builder
    ? builder(c)
    : (tagCall(c, opts.eventName, resourceArn) ??
      call(
        c,
        opts.source === 'mediapackagev2.amazonaws.com'
          ? v2Names(c)
          : { id: opts.source === 'mediapackage.amazonaws.com' ? c.names.channel : c.names.asset },
      ));
  const service = opts.source.replace(/\.amazonaws\.com$/, '');
  return assemble(
    rng,
    {
      eventSource: opts.source,
      eventName: opts.eventName,
      region,
      accountId,
      at,
      identity,
      client,
      request: shape.request,
      response: shape.response,
      // The product's read-only rule, so generated reads are the reads the matcher skips.
      readOnly: isReadOnlyCall({ eventName: opts.eventName }),
      resourceArn,
      iamAction: `${IAM_PREFIX[opts.source]}:${opts.eventName}`,
      host: `${service}.${region}.amazonaws.com`,
    },
    opts,
  );
}

// ---------------------------------------------------------------------------------------------
// Other services (the noise around MediaPackage calls)
// ---------------------------------------------------------------------------------------------

/** Calls of other services that {@link otherServiceRecord} can produce. */
export const OTHER_SERVICE_CALLS = [
  'ec2:DescribeInstances',
  'ec2:RunInstances',
  's3:CreateBucket',
  's3:PutBucketPolicy',
  'iam:CreateRole',
  'iam:AttachRolePolicy',
  'sts:AssumeRole',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'lambda:UpdateFunctionCode',
  'logs:CreateLogStream',
  'medialive:UpdateChannel',
  'secretsmanager:GetSecretValue',
] as const;

/** One of {@link OTHER_SERVICE_CALLS}. */
export type OtherServiceCall = (typeof OTHER_SERVICE_CALLS)[number];

/** Options of {@link otherServiceRecord}. */
export interface OtherServiceRecordOptions extends RecordOptions {
  readonly call: OtherServiceCall;
}

interface OtherDraft {
  readonly eventSource: string;
  readonly eventName: string;
  readonly identities: readonly IdentitySpec[];
  readonly request: JsonObject | null;
  readonly response?: JsonObject | null;
  readonly readOnly: boolean;
  readonly resourceArn: string;
  readonly host?: string;
  readonly global?: boolean;
  readonly additionalEventData?: JsonObject;
  readonly resources?: CloudTrailRecord['resources'];
  readonly requestId?: string;
  readonly client?: ClientKind;
}

const LAMBDA_ROLE: IdentitySpec = {
  type: 'AssumedRole',
  roleName: 'mp-audit-alerts-AlertFunctionServiceRole',
  sessionName: 'mp-audit-alerts-AlertFunction',
};

/** The people who make other services' calls by hand or from a pipeline. */
const PEOPLE: readonly IdentitySpec[] = [
  IDENTITY_PRESETS.consoleAdmin,
  IDENTITY_PRESETS.deployPipeline,
  IDENTITY_PRESETS.legacyUser,
];

interface OtherContext {
  readonly rng: Rng;
  readonly region: string;
  readonly accountId: string;
  readonly at: Date;
  /** One of the account's media buckets. */
  readonly bucket: string;
  readonly keyArn: string;
  readonly functionName: string;
  /** S3's additionalEventData. */
  readonly s3Extra: JsonObject;
}

type OtherBuilder = (c: OtherContext) => OtherDraft;

/**
 * What every other-service call is built from. Drawn before the call is looked up, in this order,
 * whichever call it is, so that a seed gives the same records as it always has.
 */
function otherContext(rng: Rng, region: string, accountId: string, at: Date): OtherContext {
  const bucket = rng.pick([`media-source-${accountId}`, `media-harvest-${accountId}`]);
  const keyArn = `arn:aws:kms:${region}:${accountId}:key/${stableUuid(`${accountId}/${region}/kms`)}`;
  const functionName = rng.pick(['thumbnail-generator', 'ad-decision-proxy', 'mp-audit-alerts']);
  const s3Extra = {
    SignatureVersion: 'SigV4',
    CipherSuite: 'TLS_AES_128_GCM_SHA256',
    bytesTransferredIn: 0,
    AuthenticationMethod: 'AuthHeader',
    'x-amz-id-2': Buffer.from(rng.hex(48), 'hex').toString('base64'),
    bytesTransferredOut: 0,
  };
  return { rng, region, accountId, at, bucket, keyArn, functionName, s3Extra };
}

/** Each other-service call, as CloudTrail records it. */
const OTHER_CALLS: Record<OtherServiceCall, OtherBuilder> = {
  'ec2:DescribeInstances': ({ region, accountId }) => ({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    identities: PEOPLE,
    request: {
      instancesSet: {},
      filterSet: { items: [{ name: 'tag:Role', valueSet: { items: [{ value: 'encoder' }] } }] },
    },
    readOnly: true,
    resourceArn: `arn:aws:ec2:${region}:${accountId}:instance/*`,
  }),
  'ec2:RunInstances': ({ rng, region, accountId, at }) => {
    const instanceId = `i-${rng.hex(17)}`;
    const imageId = `ami-${stableHex(region, 17)}`;
    return {
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      identities: [IDENTITY_PRESETS.deployPipeline],
      request: {
        instancesSet: { items: [{ imageId, minCount: 1, maxCount: 1 }] },
        instanceType: 'c7g.2xlarge',
        blockDeviceMapping: {},
        monitoring: { enabled: false },
        disableApiTermination: false,
        disableApiStop: false,
        clientToken: rng.uuid(),
      },
      response: {
        requestId: rng.uuid(),
        reservationId: `r-${rng.hex(17)}`,
        ownerId: accountId,
        groupSet: {},
        instancesSet: {
          items: [
            {
              instanceId,
              imageId,
              currentInstanceBootMode: 'uefi',
              instanceState: { code: 0, name: 'pending' },
              instanceType: 'c7g.2xlarge',
              launchTime: at.getTime(),
            },
          ],
        },
      },
      readOnly: false,
      resourceArn: `arn:aws:ec2:${region}:${accountId}:instance/*`,
    };
  },
  's3:CreateBucket': ({ rng, region, s3Extra }) => {
    const name = `media-archive-${rng.hex(6)}`;
    return {
      eventSource: 's3.amazonaws.com',
      eventName: 'CreateBucket',
      identities: [IDENTITY_PRESETS.deployPipeline],
      request: {
        CreateBucketConfiguration: {
          LocationConstraint: region,
          xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
        },
        bucketName: name,
        Host: `${name}.s3.${region}.amazonaws.com`,
      },
      readOnly: false,
      resourceArn: `arn:aws:s3:::${name}`,
      host: `${name}.s3.${region}.amazonaws.com`,
      additionalEventData: s3Extra,
      requestId: rng.chars(16, '0123456789ABCDEF'),
      client: 'cloudformation',
    };
  },
  's3:PutBucketPolicy': ({ rng, region, accountId, bucket, s3Extra }) => ({
    eventSource: 's3.amazonaws.com',
    eventName: 'PutBucketPolicy',
    identities: PEOPLE,
    request: {
      bucketPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
      bucketName: bucket,
      Host: `${bucket}.s3.${region}.amazonaws.com`,
      policy: [''],
    },
    readOnly: false,
    resourceArn: `arn:aws:s3:::${bucket}`,
    host: `${bucket}.s3.${region}.amazonaws.com`,
    additionalEventData: s3Extra,
    resources: [{ accountId, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }],
    requestId: rng.chars(16, '0123456789ABCDEF'),
  }),
  'iam:CreateRole': ({ rng, accountId, at }) => {
    const roleName = rng.pick(['MediaLiveAccessRole', 'MediaPackageHarvestRole', 'EncoderRole']);
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'medialive.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    return {
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateRole',
      identities: [IDENTITY_PRESETS.deployPipeline, IDENTITY_PRESETS.consoleAdmin],
      request: { roleName, assumeRolePolicyDocument: trust, description: `Role ${roleName}` },
      response: {
        role: {
          path: '/',
          roleName,
          roleId: `AROA${stableChars(`${accountId}/role/${roleName}`, 17, UPPER_ALNUM)}`,
          arn: `arn:aws:iam::${accountId}:role/${roleName}`,
          createDate: javaDate(at),
          assumeRolePolicyDocument: encodeURIComponent(trust),
        },
      },
      readOnly: false,
      resourceArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      host: 'iam.amazonaws.com',
      global: true,
    };
  },
  'iam:AttachRolePolicy': ({ accountId }) => ({
    eventSource: 'iam.amazonaws.com',
    eventName: 'AttachRolePolicy',
    identities: [IDENTITY_PRESETS.deployPipeline],
    request: {
      roleName: 'MediaLiveAccessRole',
      policyArn: 'arn:aws:iam::aws:policy/AWSElementalMediaPackageV2FullAccess',
    },
    readOnly: false,
    resourceArn: `arn:aws:iam::${accountId}:role/MediaLiveAccessRole`,
    host: 'iam.amazonaws.com',
    global: true,
    client: 'cloudformation',
  }),
  'sts:AssumeRole': ({ rng, accountId, at }) => {
    const roleArn = `arn:aws:iam::${accountId}:role/MediaOperator`;
    const roleId = `AROA${stableChars(`${accountId}/role/MediaOperator`, 17, UPPER_ALNUM)}`;
    return {
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      identities: [IDENTITY_PRESETS.legacyUser],
      request: { roleArn, roleSessionName: 'bob', durationSeconds: 3600 },
      response: {
        credentials: {
          accessKeyId: `ASIA${rng.chars(16, UPPER_ALNUM)}`,
          sessionToken: `IQoJb3JpZ2luX2VjE${rng.chars(80, ALNUM)}`,
          expiration: javaDate(new Date(at.getTime() + 3600_000)),
        },
        assumedRoleUser: {
          assumedRoleId: `${roleId}:bob`,
          arn: `arn:aws:sts::${accountId}:assumed-role/MediaOperator/bob`,
        },
      },
      readOnly: true,
      resourceArn: roleArn,
      resources: [{ ARN: roleArn, accountId, type: 'AWS::IAM::Role' }],
    };
  },
  'kms:Decrypt': ({ region, accountId, keyArn, functionName }) => ({
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    identities: [LAMBDA_ROLE],
    request: {
      encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      encryptionContext: {
        'aws:lambda:FunctionArn': `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
      },
    },
    readOnly: true,
    resourceArn: keyArn,
    resources: [{ accountId, type: 'AWS::KMS::Key', ARN: keyArn }],
    client: 'sdk',
  }),
  'kms:GenerateDataKey': ({ rng, region, accountId, at, keyArn }) => {
    const trailArn = `arn:aws:cloudtrail:${region}:${accountId}:trail/management-trail`;
    return {
      eventSource: 'kms.amazonaws.com',
      eventName: 'GenerateDataKey',
      identities: [{ type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' }],
      request: {
        keyId: keyArn,
        encryptionContext: {
          'aws:cloudtrail:arn': trailArn,
          'aws:s3:arn': `arn:aws:s3:::amzn-s3-demo-bucket/AWSLogs/${accountId}/CloudTrail/${region}/${isoSeconds(at).slice(0, 10).replace(/-/g, '/')}/${accountId}_CloudTrail_${region}_${isoSeconds(at).replace(/[-:]/g, '').slice(0, 13)}Z_${rng.chars(16, ALNUM)}.json.gz`,
        },
        keySpec: 'AES_256',
      },
      readOnly: true,
      resourceArn: keyArn,
      resources: [{ accountId, type: 'AWS::KMS::Key', ARN: keyArn }],
    };
  },
  'lambda:UpdateFunctionCode': ({ rng, region, accountId, at, functionName }) => ({
    eventSource: 'lambda.amazonaws.com',
    eventName: 'UpdateFunctionCode20150331v2',
    identities: [IDENTITY_PRESETS.deployPipeline],
    request: {
      functionName,
      publish: false,
      dryRun: false,
      s3Bucket: `cdk-hnb659fds-assets-${accountId}-${region}`,
      s3Key: `${stableHex(`${functionName}/${at.getTime()}`, 64)}.zip`,
    },
    response: {
      functionName,
      functionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
      runtime: 'nodejs22.x',
      role: `arn:aws:iam::${accountId}:role/${functionName}-role`,
      handler: 'index.handler',
      codeSize: 4000 + rng.int(0, 400000),
      description: '',
      timeout: 30,
      memorySize: 512,
      lastModified: `${at.toISOString().replace(/Z$/, '')}+0000`,
      codeSha256: Buffer.from(rng.hex(64), 'hex').toString('base64'),
      version: '$LATEST',
      tracingConfig: { mode: 'PassThrough' },
      revisionId: rng.uuid(),
      state: 'Active',
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
      packageType: 'Zip',
      architectures: ['arm64'],
      ephemeralStorage: { size: 512 },
      snapStart: { applyOn: 'None', optimizationStatus: 'Off' },
      loggingConfig: { logFormat: 'JSON', logGroup: `/aws/lambda/${functionName}` },
    },
    readOnly: false,
    resourceArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    client: 'cloudformation',
  }),
  'logs:CreateLogStream': ({ rng, region, accountId, at, functionName }) => ({
    eventSource: 'logs.amazonaws.com',
    eventName: 'CreateLogStream',
    identities: [LAMBDA_ROLE],
    request: {
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `${isoSeconds(at).slice(0, 10).replace(/-/g, '/')}/[$LATEST]${rng.hex(32)}`,
    },
    readOnly: false,
    resourceArn: `arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${functionName}`,
    client: 'sdk',
  }),
  'medialive:UpdateChannel': ({ rng, region, accountId }) => {
    const channelId = String(1000000 + stableInt(`${accountId}/${region}/ml`, 8999999));
    const name = rng.pick(['sports-main-encoder', 'news-24x7-encoder']);
    return {
      eventSource: 'medialive.amazonaws.com',
      eventName: 'UpdateChannel',
      identities: PEOPLE,
      request: { channelId, name, logLevel: 'WARNING' },
      response: {
        channel: {
          arn: `arn:aws:medialive:${region}:${accountId}:channel:${channelId}`,
          channelClass: 'STANDARD',
          id: channelId,
          logLevel: 'WARNING',
          name,
          pipelinesRunningCount: 0,
          roleArn: `arn:aws:iam::${accountId}:role/MediaLiveAccessRole`,
          state: 'IDLE',
          tags: {},
        },
      },
      readOnly: false,
      resourceArn: `arn:aws:medialive:${region}:${accountId}:channel:${channelId}`,
    };
  },
  'secretsmanager:GetSecretValue': ({ region, accountId }) => ({
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    identities: [{ type: 'AWSService', invokedBy: 'mediapackage.amazonaws.com' }],
    request: {
      secretId: `arn:aws:secretsmanager:${region}:${accountId}:secret:MediaPackage/cdn-auth-${stableChars(accountId, 6, ALNUM)}`,
    },
    readOnly: true,
    resourceArn: `arn:aws:secretsmanager:${region}:${accountId}:secret:MediaPackage/cdn-auth`,
  }),
};

/**
 * A CloudTrail record of another service's call, for a realistic mix around MediaPackage:
 * EC2, S3, IAM (always us-east-1), STS, KMS (including CloudTrail's own GenerateDataKey),
 * Lambda, CloudWatch Logs, MediaLive `UpdateChannel` (same name as MediaPackage's, other
 * source), and Secrets Manager `GetSecretValue` made by MediaPackage itself (`AWSService`).
 */
export function otherServiceRecord(rng: Rng, opts: OtherServiceRecordOptions): GeneratedRecord {
  const accountId = opts.accountId ?? ACCOUNT_ID;
  const at = resolveTime(rng, opts.eventTime);
  const requested = opts.region ?? REGION;
  const draft = OTHER_CALLS[opts.call](otherContext(rng, requested, accountId, at));
  const region = draft.global ? 'us-east-1' : requested;
  const identity = opts.identity ?? rng.pick(draft.identities);
  const client = opts.client ?? draft.client ?? rng.pick(CLIENTS_BY_IDENTITY[identity.type]);
  const service = draft.eventSource.replace(/\.amazonaws\.com$/, '');
  return assemble(
    rng,
    {
      eventSource: draft.eventSource,
      eventName: draft.eventName,
      region,
      accountId,
      at,
      identity,
      client,
      request: draft.request,
      response: draft.response ?? null,
      readOnly: draft.readOnly,
      resourceArn: draft.resourceArn,
      iamAction: `${service}:${draft.eventName.replace(/\d{8}(v\d+)?$/, '')}`,
      host: draft.host ?? `${service}.${region}.amazonaws.com`,
      ...(draft.additionalEventData ? { additionalEventData: draft.additionalEventData } : {}),
      ...(draft.resources ? { resources: draft.resources } : {}),
      ...(draft.requestId ? { requestId: draft.requestId } : {}),
    },
    opts,
  );
}

// ---------------------------------------------------------------------------------------------
// Log files, keys and digests
// ---------------------------------------------------------------------------------------------

/** The text CloudTrail writes: compact JSON `{"Records":[...]}`. */
export function logFileJson(records: readonly unknown[]): string {
  return JSON.stringify({ Records: records });
}

/** The bytes of a log file: gzipped, as CloudTrail stores it in S3, unless `gzip` is false. */
export function logFileBody(records: readonly unknown[], gzip = true): Buffer {
  const json = Buffer.from(logFileJson(records), 'utf8');
  return gzip ? gzipSync(json) : json;
}

/** Where a log or digest file lives. */
export interface ObjectKeyOptions {
  readonly accountId: string;
  readonly region: string;
  /** Delivery time: it gives the date folders and the timestamp in the name. */
  readonly date: Date;
  /** Organization trails insert `o-xxxxxxxxxx/` after `AWSLogs/`. */
  readonly orgId?: string;
  /** The trail's S3 key prefix, without slashes at either end. */
  readonly prefix?: string;
}

/** Options of {@link logObjectKey}. */
export interface LogObjectKeyOptions extends ObjectKeyOptions {
  /** The 16-character unique part. @default drawn from `rng`, else derived from the other options */
  readonly unique?: string;
  /** Source of the unique part when `unique` is not given. */
  readonly rng?: Rng;
  /** `false` gives a plain `.json` name (not written by CloudTrail itself). @default true */
  readonly compressed?: boolean;
}

function keyBase(opts: ObjectKeyOptions, folder: string): string {
  const d = opts.date.toISOString();
  const day = `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}`;
  return [opts.prefix, 'AWSLogs', opts.orgId, opts.accountId, folder, opts.region, day]
    .filter((part): part is string => part !== undefined && part !== '')
    .join('/');
}

/** `YYYYMMDDTHHmmZ` (log files) or `YYYYMMDDTHHmmssZ` (digest files). */
function compactTime(date: Date, withSeconds: boolean): string {
  const d = isoSeconds(date).replace(/[-:]/g, '');
  return withSeconds ? d : `${d.slice(0, 13)}Z`;
}

/**
 * `[prefix/]AWSLogs/[orgId/]<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json.gz`
 */
export function logObjectKey(opts: LogObjectKeyOptions): string {
  const unique =
    opts.unique ??
    (opts.rng
      ? opts.rng.chars(16, ALNUM)
      : stableChars(
          JSON.stringify([opts.accountId, opts.region, opts.date, opts.orgId, opts.prefix]),
          16,
          ALNUM,
        ));
  const name = `${opts.accountId}_CloudTrail_${opts.region}_${compactTime(opts.date, false)}_${unique}`;
  return `${keyBase(opts, 'CloudTrail')}/${name}.json${opts.compressed === false ? '' : '.gz'}`;
}

/** Options of {@link digestObjectKey}. */
export interface DigestObjectKeyOptions extends ObjectKeyOptions {
  /** @default 'management-trail' */
  readonly trailName?: string;
  /** The trail's home Region. @default the `region` option */
  readonly trailRegion?: string;
  /** Late digests end in `_backfill`. @default false */
  readonly backfill?: boolean;
}

/**
 * `[prefix/]AWSLogs/[orgId/]<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz`
 */
export function digestObjectKey(opts: DigestObjectKeyOptions): string {
  const name = [
    opts.accountId,
    'CloudTrail-Digest',
    opts.region,
    opts.trailName ?? 'management-trail',
    opts.trailRegion ?? opts.region,
    compactTime(opts.date, true),
  ].join('_');
  return `${keyBase(opts, 'CloudTrail-Digest')}/${name}${opts.backfill ? '_backfill' : ''}.json.gz`;
}

/** A log file a digest covers: its key and its uncompressed body. */
export interface DigestLogFile {
  readonly key: string;
  readonly body: string;
}

/** Options of {@link digestFileBody}. */
export interface DigestFileOptions {
  readonly accountId: string;
  readonly bucket: string;
  /** Key of the digest itself (see {@link digestObjectKey}). */
  readonly digestKey: string;
  readonly start: Date;
  readonly end: Date;
  readonly logFiles: readonly DigestLogFile[];
  /** The previous digest's key; omitted for the first digest of a trail. */
  readonly previousDigestKey?: string;
}

function eventTimeRange(body: string): { oldest: string; newest: string } {
  const parsed = JSON.parse(body) as { Records?: { eventTime?: string }[] };
  const times = (parsed.Records ?? [])
    .map((r) => r.eventTime)
    .filter((t): t is string => typeof t === 'string')
    .sort();
  return { oldest: times[0] ?? '', newest: times[times.length - 1] ?? '' };
}

/**
 * A digest file body (no `Records`): hashes of the covered log files, signatures of this and
 * the previous digest as random hex, as in the CloudTrail digest file structure reference.
 */
export function digestFileBody(rng: Rng, opts: DigestFileOptions): string {
  const files = opts.logFiles.map((file) => {
    const range = eventTimeRange(file.body);
    return {
      s3Bucket: opts.bucket,
      s3Object: file.key,
      hashValue: createHash('sha256').update(file.body).digest('hex'),
      hashAlgorithm: 'SHA-256',
      newestEventTime: range.newest,
      oldestEventTime: range.oldest,
    };
  });
  const newest = files.map((f) => f.newestEventTime).sort();
  const oldest = files.map((f) => f.oldestEventTime).sort();
  return JSON.stringify({
    awsAccountId: opts.accountId,
    digestStartTime: isoSeconds(opts.start),
    digestEndTime: isoSeconds(opts.end),
    digestS3Bucket: opts.bucket,
    digestS3Object: opts.digestKey,
    digestPublicKeyFingerprint: rng.hex(32),
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: newest[newest.length - 1] ?? null,
    oldestEventTime: oldest[0] ?? null,
    previousDigestS3Bucket: opts.previousDigestKey ? opts.bucket : null,
    previousDigestS3Object: opts.previousDigestKey ?? null,
    previousDigestHashValue: opts.previousDigestKey ? rng.hex(64) : null,
    previousDigestHashAlgorithm: opts.previousDigestKey ? 'SHA-256' : null,
    previousDigestSignature: opts.previousDigestKey ? rng.hex(512) : null,
    logFiles: files,
  });
}

// ---------------------------------------------------------------------------------------------
// Events that announce a new log object
// ---------------------------------------------------------------------------------------------

/** The bucket events name unless told otherwise. */
export const BUCKET = `org-cloudtrail-logs-${ACCOUNT_ID}`;

/** Options of the S3 and EventBridge event builders. */
export interface ObjectEventOptions {
  /** @default {@link BUCKET} */
  readonly bucket?: string;
  /** Object size in bytes. @default 1024 in an S3 notification, 2048 in an EventBridge event */
  readonly size?: number;
  /** @default 'us-west-2' */
  readonly region?: string;
  /** Bucket owner. @default '111122223333' */
  readonly accountId?: string;
  /** @default the delivery time in a CloudTrail key plus 20 s, else 2025-03-14T09:00:00Z */
  readonly time?: Date;
}

/** Options of {@link s3Event}. */
export interface S3EventOptions extends ObjectEventOptions {
  /** @default 'ObjectCreated:Put' */
  readonly eventName?: string;
  /** `false` writes keys as they are, which S3 never does. @default true */
  readonly encode?: boolean;
}

/** How S3 writes object keys into event notifications: URL-encoded, `+` for a space, `/` kept. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

function eventTimeFor(key: string, opts: ObjectEventOptions | undefined): Date {
  if (opts?.time) return opts.time;
  const match = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z[_.]/.exec(key);
  if (!match) return DEFAULT_TIME;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}Z`) + 20_000);
}

/** The Lambda event of an S3 notification (`ObjectCreated:Put` by default), a record per key. */
export function s3Event(keys: readonly string[], opts: S3EventOptions = {}): S3Event {
  const bucket = opts.bucket ?? BUCKET;
  const size = opts.size ?? 1024;
  return {
    Records: keys.map((key) => {
      const seed = `${bucket}/${key}/${size}`;
      return {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: opts.region ?? REGION,
        eventTime: eventTimeFor(key, opts).toISOString(),
        eventName: opts.eventName ?? 'ObjectCreated:Put',
        userIdentity: {
          principalId: `AWS:AROA${stableChars('cloudtrail-delivery', 17, UPPER_ALNUM)}:regionalDeliverySession`,
        },
        requestParameters: { sourceIPAddress: `198.51.100.${1 + stableInt(seed, 254)}` },
        responseElements: {
          'x-amz-request-id': stableChars(`req:${seed}`, 16, '0123456789ABCDEF'),
          'x-amz-id-2': Buffer.from(stableHex(`id2:${seed}`, 56), 'hex').toString('base64'),
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'CloudTrailLogObjectCreated',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: `A${stableChars(`owner:${bucket}`, 13, UPPER_ALNUM)}` },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: opts.encode === false ? key : encodeS3EventKey(key),
            size,
            eTag: stableHex(`etag:${seed}`, 32),
            sequencer: stableChars(`seq:${seed}`, 18, '0123456789ABCDEF'),
          },
        },
      };
    }),
  };
}

/** The message S3 sends when a notification configuration is saved (no `Records`). */
export interface S3TestEvent {
  Service: 'Amazon S3';
  Event: 's3:TestEvent';
  Time: string;
  Bucket: string;
  RequestId: string;
  HostId: string;
}

/** An `s3:TestEvent` for `bucket`. */
export function s3TestEvent(
  bucket: string = BUCKET,
  opts?: Pick<ObjectEventOptions, 'time'>,
): S3TestEvent {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: (opts?.time ?? DEFAULT_TIME).toISOString(),
    Bucket: bucket,
    RequestId: stableChars(`test:${bucket}`, 16, '0123456789ABCDEF'),
    HostId: Buffer.from(stableHex(`host:${bucket}`, 56), 'hex').toString('base64'),
  };
}

/** The EventBridge `Object Created` event for one object (key not URL-encoded). */
export function eventBridgeEvent(
  key: string,
  opts: ObjectEventOptions = {},
): S3ObjectCreatedNotificationEvent {
  const bucket = opts.bucket ?? BUCKET;
  const size = opts.size ?? 2048;
  const seed = `${bucket}/${key}/${size}`;
  const region = opts.region ?? REGION;
  return {
    version: '0',
    id: stableUuid(`eb:${seed}`),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: opts.accountId ?? ACCOUNT_ID,
    time: isoSeconds(eventTimeFor(key, opts)),
    region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key,
        size,
        etag: stableHex(`etag:${seed}`, 32),
        'version-id': stableChars(`ver:${seed}`, 32, ALNUM),
        sequencer: stableChars(`seq:${seed}`, 18, '0123456789ABCDEF'),
      },
      'request-id': stableChars(`req:${seed}`, 16, '0123456789ABCDEF'),
      requester: 'cloudtrail.amazonaws.com',
      'source-ip-address': `198.51.100.${1 + stableInt(seed, 254)}`,
      reason: 'PutObject',
    },
  };
}

/** An EventBridge `AWS API Call via CloudTrail` event: the envelope around one record. */
export interface ApiCallEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof CLOUDTRAIL_API_CALL_DETAIL_TYPE;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/**
 * The event CloudTrail sends the default event bus for a management call: `source` is
 * `aws.<service>` from the record's `eventSource`, `detail` the record itself (the same
 * `eventID` as in the log file), `time` its `eventTime`.
 */
export function apiCallEvent(record: GeneratedRecord | CloudTrailRecord): ApiCallEvent {
  const fields = record as Record<string, unknown>;
  const text = (value: unknown, fallback: string): string =>
    typeof value === 'string' ? value : fallback;
  const eventSource = text(fields.eventSource, 'unknown.amazonaws.com');
  return {
    version: '0',
    id: stableUuid(`api-call:${text(fields.eventID, JSON.stringify(record))}`),
    'detail-type': CLOUDTRAIL_API_CALL_DETAIL_TYPE,
    source: eventBridgeSource(eventSource),
    account: text(fields.recipientAccountId, ACCOUNT_ID),
    time: text(fields.eventTime, isoSeconds(DEFAULT_TIME)),
    region: text(fields.awsRegion, REGION),
    resources: [],
    detail: record,
  };
}

// ---------------------------------------------------------------------------------------------
// CloudTrail's SNS notifications, through an SQS queue
// ---------------------------------------------------------------------------------------------

/** The topic a trail announces delivered log files on, unless told otherwise. */
export const CLOUDTRAIL_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:cloudtrail-log-delivery`;
/** The queue subscribed to it, unless told otherwise. */
export const CLOUDTRAIL_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:mediapackage-audit-log-delivery`;

/** CloudTrail's message on its topic for delivered log files (the SNS `Message`, as JSON). */
export interface CloudTrailSnsMessage {
  readonly s3Bucket: string;
  /** The keys as they are, not URL-encoded. */
  readonly s3ObjectKey: readonly string[];
}

/** The message a trail publishes on its SNS topic when it delivers `keys` to `bucket`. */
export function cloudTrailSnsMessage(
  bucket: string,
  keys: readonly string[],
): CloudTrailSnsMessage {
  return { s3Bucket: bucket, s3ObjectKey: [...keys] };
}

/**
 * An SNS notification as SNS delivers it to an SQS queue with raw delivery off (the queue
 * message's body) or to an HTTP endpoint. Real SNS sets `Subject` only when the publisher did.
 */
export interface SnsNotification {
  readonly Type: 'Notification';
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  /** The published message: always a string (JSON text for CloudTrail and S3). */
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: '1';
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly UnsubscribeURL: string;
}

/** Options of {@link snsNotification}. */
export interface SnsNotificationOptions {
  readonly subject?: string;
  /** @default 2025-03-14T09:00:00Z */
  readonly time?: Date;
}

/**
 * The SNS notification carrying `message` (a string as it is; anything else as its JSON) on
 * the topic, with stable ids and a signature-shaped (not verifiable) signature.
 */
export function snsNotification(
  message: string | object,
  topicArn: string = CLOUDTRAIL_TOPIC_ARN,
  opts: SnsNotificationOptions = {},
): SnsNotification {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  const region = topicArn.split(':')[3] ?? REGION;
  const seed = `sns:${topicArn}:${text}`;
  return {
    Type: 'Notification',
    MessageId: stableUuid(seed),
    TopicArn: topicArn,
    ...(opts.subject === undefined ? {} : { Subject: opts.subject }),
    Message: text,
    Timestamp: (opts.time ?? DEFAULT_TIME).toISOString(),
    SignatureVersion: '1',
    Signature: createHash('sha512').update(seed).digest('base64').repeat(4),
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-${stableHex(`cert:${region}`, 32)}.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${stableUuid(`sub:${topicArn}`)}`,
  };
}

/** Options of {@link sqsEvent}. */
export interface SqsEventOptions {
  /** @default {@link CLOUDTRAIL_QUEUE_ARN} */
  readonly queueArn?: string;
  /** When the messages were sent. @default 2025-03-14T09:00:00Z */
  readonly time?: Date;
  /** How many times each message was received, this time included. @default 1 */
  readonly receiveCount?: number;
  /**
   * Makes the message ids differ from another batch of the same bodies. @default '' (the
   * same bodies, in the same places, get the same ids: a redelivery)
   */
  readonly seed?: string;
}

/**
 * The Lambda event of an SQS batch, a message per body (a string as it is; anything else as its
 * JSON): UUID `messageId`s, receipt handles, attributes and MD5 as SQS sets them.
 */
export function sqsEvent(
  bodies: readonly (string | object)[],
  opts: SqsEventOptions = {},
): SQSEvent {
  const queueArn = opts.queueArn ?? CLOUDTRAIL_QUEUE_ARN;
  const sent = (opts.time ?? DEFAULT_TIME).getTime();
  return {
    Records: bodies.map((body, index) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const seed = `sqs:${opts.seed ?? ''}:${queueArn}:${index}:${text}`;
      return {
        messageId: stableUuid(seed),
        receiptHandle: `AQEB${Buffer.from(stableHex(`receipt:${seed}`, 192), 'hex').toString('base64')}`,
        body: text,
        attributes: {
          ApproximateReceiveCount: String(opts.receiveCount ?? 1),
          SentTimestamp: String(sent),
          // SNS's sender id when a topic delivers to the queue.
          SenderId: 'AIDAIT2UOQQY3AUEKVGXU',
          ApproximateFirstReceiveTimestamp: String(sent + 40 + stableInt(seed, 500)),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(text).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: queueArn.split(':')[3] ?? REGION,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// The example: fixed values for tests that assert on them
// ---------------------------------------------------------------------------------------------

/** The role of {@link cloudTrailRecord}'s caller. */
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/MediaOpsAdmin`;
/** {@link cloudTrailRecord}'s caller: a session of {@link ROLE_ARN}. */
export const USER_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/MediaOpsAdmin/jdoe`;

/** When the example log file was delivered (its key and digest say so). */
const EXAMPLE_DELIVERY = new Date('2024-05-01T12:05:00Z');

let exampleSequence = 0;

/** A UUID-shaped eventID; each call returns a new one, in the same order on every run. */
function nextExampleEventId(): string {
  exampleSequence += 1;
  return `5a1b2c3d-4e5f-4a6b-8c7d-${exampleSequence.toString(16).padStart(12, '0')}`;
}

/**
 * A complete record of a MediaPackage (live v1) `UpdateChannel` call by an assumed role, as in
 * the AWS documentation, with the same values every time but a new `eventID`. `overrides`
 * replace top-level fields; a field set to `undefined` is left out of the record.
 */
export function cloudTrailRecord(overrides: Record<string, unknown> = {}): CloudTrailRecord {
  const channelId = 'live-1';
  const record: Record<string, unknown> = {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID1234567:jdoe',
      arn: USER_ARN,
      accountId: ACCOUNT_ID,
      accessKeyId: 'ASIAEXAMPLEKEYID1234',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID1234567',
          arn: ROLE_ARN,
          accountId: ACCOUNT_ID,
          userName: 'MediaOpsAdmin',
        },
        attributes: {
          creationDate: '2024-05-01T11:58:02Z',
          mfaAuthenticated: 'true',
        },
      },
    },
    eventTime: '2024-05-01T12:03:41Z',
    eventSource: 'mediapackage.amazonaws.com',
    eventName: 'UpdateChannel',
    awsRegion: REGION,
    sourceIPAddress: '203.0.113.17',
    userAgent:
      'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 command/mediapackage.update-channel',
    requestParameters: {
      description: 'Main live channel, updated for the evening show',
      id: channelId,
    },
    responseElements: {
      description: 'Main live channel, updated for the evening show',
      hlsIngest: {
        ingestEndpoints: [
          {
            id: '6d345804ec3f46c9b454a91d4a80d0e0',
            password: '***',
            url: 'https://6d345804ec3f46c9.mediapackage.us-west-2.amazonaws.com/in/v2/4d1f53c2/6d345804ec3f46c9/channel',
            username: '***',
          },
          {
            id: '2a9ab7fb9e1d4d2c9d0f0b4bdbd9e6d1',
            password: '***',
            url: 'https://2a9ab7fb9e1d4d2c.mediapackage.us-west-2.amazonaws.com/in/v2/4d1f53c2/2a9ab7fb9e1d4d2c/channel',
            username: '***',
          },
        ],
      },
      arn: `arn:aws:mediapackage:${REGION}:${ACCOUNT_ID}:channels/4d1f53c2b6a54c7b8e1e5f0e3c2d1a00`,
      id: channelId,
      tags: {},
    },
    requestID: 'a3f8c1d2-6b7e-4f90-9a1b-2c3d4e5f6a7b',
    eventID: nextExampleEventId(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT_ID,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'mediapackage.us-west-2.amazonaws.com',
    },
    ...overrides,
  };
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) delete record[key];
  }
  return record;
}

/** The key of the example log file, delivered for {@link ACCOUNT_ID} in {@link REGION}. */
export function logFileKey(
  options: { prefix?: string; orgId?: string; suffix?: string } = {},
): string {
  return logObjectKey({
    accountId: ACCOUNT_ID,
    region: REGION,
    date: EXAMPLE_DELIVERY,
    prefix: options.prefix,
    orgId: options.orgId,
    unique: options.suffix ?? 'Vx2sT8bQ0kLmN3pR',
  });
}

/** The key of the digest covering the example log file (it too ends in `.json.gz`). */
export function digestFileKey(prefix = 'audit'): string {
  return digestObjectKey({
    accountId: ACCOUNT_ID,
    region: REGION,
    date: new Date(EXAMPLE_DELIVERY.getTime() + 12_000),
    prefix,
  });
}

/** The body of the digest covering the example log file: JSON with no `Records` array. */
export function digestFileJson(): string {
  return digestFileBody(createRng(1), {
    accountId: ACCOUNT_ID,
    bucket: BUCKET,
    digestKey: digestFileKey(),
    start: new Date(EXAMPLE_DELIVERY.getTime() - 3_600_000 + 12_000),
    end: new Date(EXAMPLE_DELIVERY.getTime() + 12_000),
    logFiles: [{ key: logFileKey({ prefix: 'audit' }), body: logFileJson([]) }],
    previousDigestKey: digestObjectKey({
      accountId: ACCOUNT_ID,
      region: REGION,
      date: new Date(EXAMPLE_DELIVERY.getTime() - 3_600_000 + 12_000),
      prefix: 'audit',
    }),
  });
}
