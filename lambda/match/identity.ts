/**
 * Who made a call and how, in plain words: CloudTrail's `userIdentity` classified into its
 * documented types, and the tool behind the call told from `userAgent`, `invokedBy` and
 * `sessionContext`. Records are untrusted: every field is checked for its type and cut before
 * it is looked at, so a huge or hostile `userAgent` costs no more than a short one.
 */
import type { CloudTrailRecord } from '../read/cloudtrail-record';

/** CloudTrail's `userIdentity.type` values this pipeline tells apart; anything else is Unknown. */
export const IDENTITY_TYPES = [
  'Root',
  'IAMUser',
  'AssumedRole',
  'FederatedUser',
  'SAMLUser',
  'WebIdentityUser',
  'IdentityCenterUser',
  'AWSAccount',
  'AWSService',
  'Unknown',
] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/** How the call was made. */
export const CALL_VIAS = [
  'console',
  'aws-cli',
  'sdk',
  'cloudformation',
  'iac',
  'aws-service',
  'unknown',
] as const;
export type CallVia = (typeof CALL_VIAS)[number];

/** The caller as classified, with the raw names the description is built from. */
export interface CallerIdentity {
  readonly type: IdentityType;
  readonly via: CallVia;
  /** For `iac`: the tool (a constant of this module, never record text). */
  readonly tool: IacTool | null;
  /** From the session's `mfaAuthenticated`; null when CloudTrail did not say. */
  readonly mfa: boolean | null;
  /** Record text: user name, role name, SAML subject, Identity Center user id, account id. */
  readonly name: string | null;
  /** Record text: the role session name (AssumedRole). */
  readonly session: string | null;
  /** Record text: who issued a FederatedUser session (its issuer's user name) and its type. */
  readonly issuer: string | null;
  readonly issuerType: string | null;
  /** Record text: the identity provider (SAMLUser, WebIdentityUser). */
  readonly provider: string | null;
  /** Record text: the AWS service that made the call (`invokedBy`). */
  readonly invokedBy: string | null;
  /** Record text: CloudTrail's own `type` when it is none of IDENTITY_TYPES. */
  readonly rawType: string | null;
}

/** The infrastructure-as-code tools told apart (a CDK deploy is CloudFormation's call). */
export type IacTool = 'Terraform' | 'OpenTofu' | 'Pulumi';

/**
 * Characters of any field looked at. Real user agents are under 1 KB; the rest of a longer
 * one cannot change what it says it is, and cutting first keeps every test linear and small.
 */
export const IDENTITY_FIELD_MAX_CHARS = 1_024;
/** Characters of one name in a description. */
const NAME_MAX_CHARS = 128;
/** Longest description: one line, whatever the record holds. */
export const DESCRIPTION_MAX_CHARS = 400;

function field(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  return value.length > IDENTITY_FIELD_MAX_CHARS ? value.slice(0, IDENTITY_FIELD_MAX_CHARS) : value;
}

function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function flag(value: unknown): boolean | null {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

/** `arn:aws:sts::111122223333:assumed-role/Role/session` -> ['Role', 'session']. */
function assumedRoleParts(arn: string | null): [string | null, string | null] {
  const match = arn === null ? null : /:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  return match ? [match[1] ?? null, match[2] ?? null] : [null, null];
}

/** The last path part of an ARN, e.g. the user of `...:federated-user/bob`. */
function arnName(arn: string | null): string | null {
  if (arn === null) return null;
  const slash = arn.lastIndexOf('/');
  return slash === -1 || slash === arn.length - 1 ? null : arn.slice(slash + 1);
}

function isIdentityType(value: string): value is IdentityType {
  return (IDENTITY_TYPES as readonly string[]).includes(value);
}

/** An AWS service principal such as `cloudformation.amazonaws.com`, or CloudTrail's `AWS Internal`. */
function isServiceName(value: string | null): boolean {
  return (
    value !== null && (/^[a-z0-9.-]+\.amazonaws\.com$/i.test(value) || value === 'AWS Internal')
  );
}

/** Browsers say `Mozilla/5.0 (...)`; the console's own calls say `console.amazonaws.com`. */
const CONSOLE_AGENTS = ['console.amazonaws.com', 'signin.amazonaws.com', 'mozilla/'];
const SDK_AGENTS = [
  'aws-sdk-',
  'boto3/',
  'botocore/',
  'aws-chalice/',
  'aws-powershell',
  'awspowershell',
  'aws.tools.',
];

/** The IaC tool a user agent names; checked before the SDK it embeds (Terraform uses Go's). */
function iacTool(agent: string): IacTool | null {
  if (agent.includes('opentofu')) return 'OpenTofu';
  if (agent.includes('terraform') || agent.includes('hashicorp')) return 'Terraform';
  if (agent.includes('pulumi')) return 'Pulumi';
  return null;
}

function viaOf(
  type: IdentityType,
  agent: string,
  invokedBy: string | null,
  fromConsole: boolean | null,
): { via: CallVia; tool: IacTool | null } {
  const invoker = invokedBy?.toLowerCase() ?? '';
  // CloudFormation acts for the user (CDK deploys through it too): say so before the rest.
  if (invoker === 'cloudformation.amazonaws.com' || agent.includes('cloudformation.amazonaws.com'))
    return { via: 'cloudformation', tool: null };
  // A service acting as itself: its user agent (often `AWS Internal`) says nothing of a person.
  if (type === 'AWSService') return { via: 'aws-service', tool: null };
  const tool = iacTool(agent);
  if (tool !== null) return { via: 'iac', tool };
  if (
    fromConsole === true ||
    agent === 'aws internal' ||
    invoker === 'signin.amazonaws.com' ||
    CONSOLE_AGENTS.some((marker) => agent.includes(marker))
  )
    return { via: 'console', tool: null };
  if (isServiceName(invokedBy) || agent.startsWith('aws-internal/'))
    return { via: 'aws-service', tool: null };
  if (agent.includes('aws-cli/')) return { via: 'aws-cli', tool: null };
  if (SDK_AGENTS.some((marker) => agent.includes(marker))) return { via: 'sdk', tool: null };
  if (/^[a-z0-9.-]+\.amazonaws\.com$/.test(agent)) return { via: 'aws-service', tool: null };
  return { via: 'unknown', tool: null };
}

/**
 * Classifies the caller of `record`. Never throws: a record of any shape gives `Unknown` /
 * `unknown` at worst. The texts it returns are the record's own, cut to
 * IDENTITY_FIELD_MAX_CHARS and not redacted: show them only through {@link describeIdentity}
 * with a redacting `text`, or redact them yourself.
 */
export function classifyIdentity(
  record: CloudTrailRecord | Record<string, unknown>,
): CallerIdentity {
  const identity = object((record as Record<string, unknown>).userIdentity);
  const session = object(identity.sessionContext);
  const issuer = object(session.sessionIssuer);
  const attributes = object(session.attributes);
  const onBehalfOf = object(identity.onBehalfOf);
  const rawType = field(identity.type);
  const type: IdentityType = rawType !== null && isIdentityType(rawType) ? rawType : 'Unknown';
  const arn = field(identity.arn);
  const invokedBy = field(identity.invokedBy);
  const agent = (field((record as Record<string, unknown>).userAgent) ?? '').toLowerCase();
  const { via, tool } = viaOf(type, agent, invokedBy, flag(session.sessionCredentialFromConsole));
  const [roleFromArn, sessionFromArn] = assumedRoleParts(arn);
  const userName = field(identity.userName);
  const issuerName = field(issuer.userName);
  const name = ((): string | null => {
    switch (type) {
      case 'AssumedRole':
        return issuerName ?? roleFromArn ?? arnName(field(issuer.arn));
      case 'IAMUser':
      case 'SAMLUser':
      case 'WebIdentityUser':
        return userName ?? arnName(arn);
      case 'FederatedUser':
        return arnName(arn) ?? userName;
      case 'IdentityCenterUser':
        return field(onBehalfOf.userId);
      case 'AWSAccount':
        return field(identity.accountId);
      case 'AWSService':
        return invokedBy;
      case 'Root':
        // CloudTrail puts the account alias in userName for root, when one is set.
        return userName;
      case 'Unknown':
        return userName ?? arnName(arn);
    }
  })();
  return {
    type,
    via,
    tool,
    mfa: flag(attributes.mfaAuthenticated),
    name,
    session:
      type === 'AssumedRole' ? (sessionFromArn ?? sessionOf(field(identity.principalId))) : null,
    issuer: type === 'FederatedUser' ? (issuerName ?? arnName(field(issuer.arn))) : null,
    issuerType: type === 'FederatedUser' ? field(issuer.type) : null,
    provider:
      type === 'SAMLUser' || type === 'WebIdentityUser' ? field(identity.identityProvider) : null,
    invokedBy,
    rawType: type === 'Unknown' ? rawType : null,
  };
}

/** `AROAEXAMPLE:session` -> `session`. */
function sessionOf(principalId: string | null): string | null {
  const colon = principalId?.indexOf(':') ?? -1;
  return principalId === null || colon === -1 ? null : principalId.slice(colon + 1) || null;
}

/** Record text as a description may hold it: on one line, control characters gone, cut. */
export function plainName(value: string | null): string | null {
  if (value === null) return null;
  // eslint-disable-next-line no-control-regex -- a name must not break the line it is on
  const flat = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  if (flat.length === 0) return null;
  return flat.length > NAME_MAX_CHARS ? `${flat.slice(0, NAME_MAX_CHARS - 3)}...` : flat;
}

const VIA_WORDS: Readonly<Record<CallVia, string | null>> = {
  console: 'from the console',
  'aws-cli': 'from the AWS CLI',
  sdk: 'from an AWS SDK',
  cloudformation: 'through CloudFormation',
  iac: 'from an infrastructure-as-code tool',
  'aws-service': 'by an AWS service',
  unknown: null,
};

/**
 * The caller in plain words, e.g. `root user, from the console, without MFA` or
 * `role MediaOperator (session bob), from the AWS CLI, with MFA`. Every name taken from the
 * record goes through `text` first (the alert passes its redactor), then {@link plainName}; the
 * rest are this module's constants. One line of at most DESCRIPTION_MAX_CHARS.
 */
export function describeIdentity(
  identity: CallerIdentity,
  text: (value: string | null) => string | null = (value) => value,
): string {
  const say = (value: string | null): string | null => plainName(text(value));
  const name = say(identity.name);
  const who = ((): string => {
    switch (identity.type) {
      case 'Root':
        return name === null ? 'root user' : `root user (account alias ${name})`;
      case 'IAMUser':
        return name === null ? 'IAM user' : `IAM user ${name}`;
      case 'AssumedRole': {
        const session = say(identity.session);
        return `role ${name ?? '(unnamed)'}${session === null ? '' : ` (session ${session})`}`;
      }
      case 'FederatedUser': {
        const issuer = say(identity.issuer);
        const issuerKind = identity.issuerType === 'Root' ? 'the root user' : 'IAM user';
        const by =
          identity.issuerType === 'Root'
            ? ' (issued by the root user)'
            : issuer === null
              ? ''
              : ` (issued by ${issuerKind} ${issuer})`;
        return `federated user ${name ?? '(unnamed)'}${by}`;
      }
      case 'SAMLUser':
      case 'WebIdentityUser': {
        const provider = say(identity.provider);
        const kind = identity.type === 'SAMLUser' ? 'SAML user' : 'web identity user';
        return `${kind} ${name ?? '(unnamed)'}${provider === null ? '' : ` from ${provider}`}`;
      }
      case 'IdentityCenterUser':
        return name === null ? 'IAM Identity Center user' : `IAM Identity Center user ${name}`;
      case 'AWSAccount':
        return name === null ? 'another AWS account' : `AWS account ${name}`;
      case 'AWSService':
        return name === null ? 'an AWS service' : `AWS service ${name}`;
      case 'Unknown': {
        const raw = say(identity.rawType);
        return `unknown caller${raw === null ? '' : ` (type ${raw})`}${name === null ? '' : ` ${name}`}`;
      }
    }
  })();
  const parts = [who];
  // A service's own call: its name already says how (`AWS service cloudformation.amazonaws.com`).
  if (identity.type !== 'AWSService') {
    const how =
      identity.via === 'iac' && identity.tool !== null
        ? `from ${identity.tool}`
        : identity.via === 'aws-service'
          ? viaService(say(identity.invokedBy))
          : VIA_WORDS[identity.via];
    if (how !== null) parts.push(how);
  }
  if (identity.mfa !== null && identity.type !== 'AWSService') {
    parts.push(identity.mfa ? 'with MFA' : 'without MFA');
  }
  const line = parts.join(', ');
  return line.length > DESCRIPTION_MAX_CHARS
    ? `${line.slice(0, DESCRIPTION_MAX_CHARS - 3)}...`
    : line;
}

function viaService(service: string | null): string {
  return service === null ? 'by an AWS service' : `through ${service}`;
}
