import fc from 'fast-check';
import type { CallVia, IdentityType } from '../../../lambda/match/identity';
import {
  CALL_VIAS,
  DESCRIPTION_MAX_CHARS,
  IDENTITY_TYPES,
  classifyIdentity,
  describeIdentity,
} from '../../../lambda/match/identity';
import type { IdentityExample } from '../../support/identity-examples';
import {
  ASSUMED_ROLE,
  ASSUMED_ROLE_BRACKETED_CLI,
  AWS_ACCOUNT,
  AWS_SERVICE,
  AWS_SERVICE_EBS,
  FEDERATED_USER,
  IAM_USER_ALICE,
  IAM_USER_JOHN_CLI,
  IDENTITY_CENTER_USER,
  IDENTITY_EXAMPLES,
  ROOT_CONSOLE,
  ROOT_SDK,
  SAML_USER,
  WEB_IDENTITY_USER,
  recordWith,
} from '../../support/identity-examples';

describe('Function: classifyIdentity and describeIdentity, on AWS documented examples', () => {
  const cases: readonly [IdentityExample, IdentityType, CallVia, string][] = [
    [IAM_USER_ALICE, 'IAMUser', 'unknown', 'IAM user Alice'],
    [IAM_USER_JOHN_CLI, 'IAMUser', 'aws-cli', 'IAM user John, from the AWS CLI'],
    [
      ASSUMED_ROLE,
      'AssumedRole',
      'unknown',
      'role RoleToBeAssumed (session MySessionName), without MFA',
    ],
    [
      ASSUMED_ROLE_BRACKETED_CLI,
      'AssumedRole',
      'aws-cli',
      'role AssumeNothing (session devdsk), from the AWS CLI, without MFA',
    ],
    [
      IDENTITY_CENTER_USER,
      'IdentityCenterUser',
      'unknown',
      'IAM Identity Center user 544894e8-80c1-707f-60e3-3ba6510dfac1',
    ],
    [
      WEB_IDENTITY_USER,
      'WebIdentityUser',
      'unknown',
      'web identity user user-id from accounts.google.com',
    ],
    [
      SAML_USER,
      'SAMLUser',
      'aws-service',
      'SAML user SamlExample from bdGOnTesti4+ExamplexL/jEvs=, by an AWS service',
    ],
    [AWS_ACCOUNT, 'AWSAccount', 'aws-cli', 'AWS account 777788889999, from the AWS CLI'],
    [ROOT_SDK, 'Root', 'sdk', 'root user, from an AWS SDK'],
    [ROOT_CONSOLE, 'Root', 'console', 'root user, from the console, without MFA'],
    [
      FEDERATED_USER,
      'FederatedUser',
      'unknown',
      'federated user Mary (issued by IAM user Mary), without MFA',
    ],
    [AWS_SERVICE, 'AWSService', 'aws-service', 'AWS service elasticbeanstalk.amazonaws.com'],
    [AWS_SERVICE_EBS, 'AWSService', 'aws-service', 'AWS service ebs.amazonaws.com'],
  ];

  it.each(cases.map(([example, ...rest]) => [example.name, example, ...rest] as const))(
    'classifies %s',
    (_name, example, type, via, description) => {
      // Act
      const identity = classifyIdentity(recordWith(example));

      // Assess
      expect({ type: identity.type, via: identity.via }).toEqual({ type, via });
      expect(describeIdentity(identity)).toBe(description);
    },
  );

  it('covers every identity type but Unknown with a documented example', () => {
    // Act
    const types = new Set(IDENTITY_EXAMPLES.map((e) => classifyIdentity(recordWith(e)).type));

    // Assess
    expect([...types].sort()).toEqual(IDENTITY_TYPES.filter((t) => t !== 'Unknown').sort());
  });

  it('keeps the assumed role session issuer and MFA', () => {
    // Act
    const identity = classifyIdentity(recordWith(ASSUMED_ROLE));

    // Assess
    expect(identity).toMatchObject({
      name: 'RoleToBeAssumed',
      session: 'MySessionName',
      mfa: false,
    });
  });
});

describe('Function: classifyIdentity, how the call was made', () => {
  const role = ASSUMED_ROLE.userIdentity;
  const cases: readonly [string, Record<string, unknown>, CallVia, string | null][] = [
    ['the console user agent', { userAgent: 'console.amazonaws.com' }, 'console', null],
    ['a browser', { userAgent: 'Mozilla/5.0 (Macintosh) AppleWebKit/537.36' }, 'console', null],
    ['AWS Internal (console calls)', { userAgent: 'AWS Internal' }, 'console', null],
    [
      'a console session',
      {
        userIdentity: {
          ...role,
          sessionContext: { sessionCredentialFromConsole: 'true', attributes: {} },
        },
        userAgent: 'aws-internal/3 aws-sdk-java/1.12',
      },
      'console',
      null,
    ],
    [
      'the AWS CLI v2',
      { userAgent: 'aws-cli/2.24.10 md/awscrt#0.23.8 ua/2.0 os/linux' },
      'aws-cli',
      null,
    ],
    ['Boto3', { userAgent: 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux' }, 'sdk', null],
    ['the JavaScript SDK', { userAgent: 'aws-sdk-js/3.540.0 ua/2.1 os/linux' }, 'sdk', null],
    ['the Go SDK', { userAgent: 'aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go' }, 'sdk', null],
    [
      "CloudFormation on the role's behalf",
      {
        userIdentity: { ...role, invokedBy: 'cloudformation.amazonaws.com' },
        userAgent: 'cloudformation.amazonaws.com',
      },
      'cloudformation',
      null,
    ],
    [
      'Terraform',
      {
        userAgent:
          'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.70.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.0',
      },
      'iac',
      'Terraform',
    ],
    ['Pulumi', { userAgent: 'aws-sdk-go/1.50 (go1.22; linux; amd64) Pulumi/3.0' }, 'iac', 'Pulumi'],
    [
      "another service on the role's behalf",
      { userIdentity: { ...role, invokedBy: 'ssm.amazonaws.com' }, userAgent: 'ssm.amazonaws.com' },
      'aws-service',
      null,
    ],
    ['an unknown tool', { userAgent: 'curl/8.5.0' }, 'unknown', null],
  ];

  it.each(cases)('tells %s', (_name, overrides, via, tool) => {
    // Act
    const identity = classifyIdentity(recordWith(ASSUMED_ROLE, overrides));

    // Assess
    expect({ via: identity.via, tool: identity.tool }).toEqual({ via, tool });
  });

  it('describes an IaC call by its tool and a service call by its name', () => {
    // Prepare
    const terraform = recordWith(ASSUMED_ROLE, { userAgent: 'HashiCorp Terraform/1.9' });
    const ssm = recordWith(ASSUMED_ROLE, {
      userIdentity: { ...role, invokedBy: 'ssm.amazonaws.com' },
    });

    // Act / Assess
    expect(describeIdentity(classifyIdentity(terraform))).toBe(
      'role RoleToBeAssumed (session MySessionName), from Terraform, without MFA',
    );
    expect(describeIdentity(classifyIdentity(ssm))).toBe(
      'role RoleToBeAssumed (session MySessionName), through ssm.amazonaws.com, without MFA',
    );
  });

  it('reads only the start of a huge user agent', () => {
    // Prepare: the CLI marker sits past the part read, after a megabyte of padding.
    const record = recordWith(ASSUMED_ROLE, { userAgent: `${'x'.repeat(1_048_576)} aws-cli/2.0` });

    // Act
    const identity = classifyIdentity(record);

    // Assess
    expect(identity.via).toBe('unknown');
  });
});

describe('Function: classifyIdentity, unusual records', () => {
  it('calls a type it does not know Unknown and keeps the raw type for the description', () => {
    // Act
    const identity = classifyIdentity({ userIdentity: { type: 'Directory', principalId: 'x' } });

    // Assess
    expect(identity.type).toBe('Unknown');
    expect(describeIdentity(identity)).toBe('unknown caller (type Directory)');
  });

  it('names through the given text function, so a redactor sees every record text', () => {
    // Prepare
    const seen: (string | null)[] = [];

    // Act
    const description = describeIdentity(classifyIdentity(recordWith(ASSUMED_ROLE)), (value) => {
      seen.push(value);
      return value === null ? null : '***';
    });

    // Assess
    expect(description).toBe('role *** (session ***), without MFA');
    expect(seen).toEqual(expect.arrayContaining(['RoleToBeAssumed', 'MySessionName']));
  });

  it('keeps a description on one line when names hold line breaks', () => {
    // Prepare
    const record = recordWith(IAM_USER_ALICE, {
      userIdentity: { ...IAM_USER_ALICE.userIdentity, userName: 'Alice\n[HIGH] fake\u2028line' },
    });

    // Act
    const description = describeIdentity(classifyIdentity(record));

    // Assess
    expect(description).toBe('IAM user Alice [HIGH] fake line');
  });

  it('never throws and gives one bounded line for any JSON userIdentity and userAgent', () => {
    const anyValue = fc.jsonValue({ maxDepth: 4 });
    const identityLike = fc.record(
      {
        type: fc.oneof(fc.constantFrom<unknown>(...IDENTITY_TYPES, 'Role', 'Directory'), anyValue),
        arn: fc.oneof(fc.string({ maxLength: 2_000 }), anyValue),
        userName: fc.oneof(fc.string({ maxLength: 2_000 }), anyValue),
        principalId: anyValue,
        accountId: anyValue,
        invokedBy: fc.oneof(fc.constant('cloudformation.amazonaws.com'), fc.string(), anyValue),
        identityProvider: anyValue,
        onBehalfOf: fc.oneof(fc.record({ userId: fc.string({ maxLength: 3_000 }) }), anyValue),
        sessionContext: fc.oneof(
          fc.record({
            sessionIssuer: fc.oneof(fc.record({ userName: fc.string(), type: anyValue }), anyValue),
            attributes: fc.oneof(fc.record({ mfaAuthenticated: anyValue }), anyValue),
            sessionCredentialFromConsole: anyValue,
          }),
          anyValue,
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(identityLike, anyValue),
        fc.oneof(fc.string({ maxLength: 5_000 }), anyValue),
        (userIdentity, userAgent) => {
          // Act
          const identity = classifyIdentity({ userIdentity, userAgent });
          const description = describeIdentity(identity);

          // Assess
          expect(IDENTITY_TYPES).toContain(identity.type);
          expect(CALL_VIAS).toContain(identity.via);
          expect(description.length).toBeGreaterThan(0);
          expect(description.length).toBeLessThanOrEqual(DESCRIPTION_MAX_CHARS);
          // eslint-disable-next-line no-control-regex -- what a line must not hold
          expect(description).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
