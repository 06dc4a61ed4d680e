/**
 * AWS's own `userIdentity` examples, one or more per type, copied from the documentation with
 * its example account ids, with the user agent or `invokedBy` of the same documented event.
 * Sources:
 * - CloudTrail User Guide, "CloudTrail userIdentity element" (IAMUser, AssumedRole,
 *   IdentityCenterUser, WebIdentityUser, AWSAccount in its source identity example)
 * - IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail" (AWSAccount,
 *   SAMLUser, cross-account IAMUser, AssumedRole with a bracketed CLI user agent)
 * - CloudWatch User Guide, "Logging Amazon CloudWatch API calls" (Root, Ruby SDK)
 * - CodeBuild User Guide, "Understanding CodeBuild log file entries" (FederatedUser; its
 *   placeholders `account-ID`, `user-name`, `access-key-ID` replaced by example values)
 * - CloudTrail userIdentity element and the EBS KMS example (AWSService, invokedBy)
 */

/** One documented record's caller: its userIdentity and how it called. */
export interface IdentityExample {
  readonly name: string;
  readonly userIdentity: Record<string, unknown>;
  readonly userAgent?: string;
  readonly sourceIPAddress?: string;
}

export const IAM_USER_ALICE: IdentityExample = {
  name: 'IAM user Alice (CloudTrail userIdentity element)',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDAJ45Q7YFFAREXAMPLE',
    arn: 'arn:aws:iam::123456789012:user/Alice',
    accountId: '123456789012',
    accessKeyId: '',
    userName: 'Alice',
  },
};

export const IAM_USER_JOHN_CLI: IdentityExample = {
  name: 'IAM user John calling AssumeRole from the AWS CLI (IAM User Guide)',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDAQRSTUVWXYZEXAMPLE',
    arn: 'arn:aws:iam::777788889999:user/John',
    accountId: '777788889999',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    userName: 'John',
  },
  userAgent:
    'aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 botocore/1.4.67',
  sourceIPAddress: '192.0.2.101',
};

export const ASSUMED_ROLE: IdentityExample = {
  name: 'an assumed role (CloudTrail userIdentity element)',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName',
    arn: 'arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName',
    accountId: '123456789012',
    accessKeyId: '',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAIDPPEZS35WEXAMPLE',
        arn: 'arn:aws:iam::123456789012:role/RoleToBeAssumed',
        accountId: '123456789012',
        userName: 'RoleToBeAssumed',
      },
      signInSessionArn:
        'arn:aws:signin:us-east-1:123456789012:session/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      attributes: { mfaAuthenticated: 'false', creationDate: '20131102T010628Z' },
    },
  },
};

export const ASSUMED_ROLE_BRACKETED_CLI: IdentityExample = {
  name: 'a service role deleting a bucket, CLI user agent in brackets (IAM User Guide)',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAQRSTUVWXYZEXAMPLE:devdsk',
    arn: 'arn:aws:sts::777788889999:assumed-role/AssumeNothing/devdsk',
    accountId: '777788889999',
    accessKeyId: 'ASIAI44QH8DHBEXAMPLE',
    sessionContext: {
      attributes: { mfaAuthenticated: 'false', creationDate: '2016-11-14T17:25:26Z' },
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAQRSTUVWXYZEXAMPLE',
        arn: 'arn:aws:iam::777788889999:role/AssumeNothing',
        accountId: '777788889999',
        userName: 'AssumeNothing',
      },
    },
  },
  userAgent:
    '[aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 botocore/1.4.67]',
  sourceIPAddress: '192.0.2.1',
};

export const IDENTITY_CENTER_USER: IdentityExample = {
  name: 'an IAM Identity Center user (CloudTrail userIdentity element)',
  userIdentity: {
    type: 'IdentityCenterUser',
    accountId: '123456789012',
    onBehalfOf: {
      userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
      identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
    },
    credentialId: 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE',
  },
};

export const WEB_IDENTITY_USER: IdentityExample = {
  name: 'a web identity user (CloudTrail userIdentity element, AssumeRoleWithWebIdentity)',
  userIdentity: {
    type: 'WebIdentityUser',
    principalId: 'accounts.google.com:application-id.apps.googleusercontent.com:user-id',
    userName: 'user-id',
    identityProvider: 'accounts.google.com',
  },
};

export const SAML_USER: IdentityExample = {
  name: 'a SAML user (IAM User Guide, AssumeRoleWithSAML)',
  userIdentity: {
    type: 'SAMLUser',
    principalId: 'SampleUkh1i4+ExamplexL/jEvs=:SamlExample',
    userName: 'SamlExample',
    identityProvider: 'bdGOnTesti4+ExamplexL/jEvs=',
  },
  userAgent:
    'aws-internal/3 aws-sdk-java/1.12.479 Linux/5.10.186-157.751.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/17.0.7+11 java/17.0.7 kotlin/1.3.72 vendor/Amazon.com_Inc. cfg/retry-mode/standard',
  sourceIPAddress: 'AWS Internal',
};

export const AWS_ACCOUNT: IdentityExample = {
  name: 'another AWS account assuming a role (IAM User Guide, cross-account AssumeRole)',
  userIdentity: {
    type: 'AWSAccount',
    principalId: 'AIDAQRSTUVWXYZEXAMPLE',
    accountId: '777788889999',
  },
  userAgent:
    'aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 botocore/1.4.67',
  sourceIPAddress: '192.0.2.101',
};

export const ROOT_SDK: IdentityExample = {
  name: 'the root user from the Ruby SDK (CloudWatch User Guide, PutMetricAlarm)',
  userIdentity: {
    type: 'Root',
    principalId: 'EX_PRINCIPAL_ID',
    arn: 'arn:aws:iam::123456789012:root',
    accountId: '123456789012',
    accessKeyId: 'EXAMPLE_KEY_ID',
  },
  userAgent: 'aws-sdk-ruby2/2.0.0.rc4 ruby/1.9.3 x86_64-linux Seahorse/0.1.0',
  sourceIPAddress: '127.0.0.1',
};

/** The documented root shape with a console session (`sessionCredentialFromConsole`). */
export const ROOT_CONSOLE: IdentityExample = {
  name: 'the root user in the console, without MFA',
  userIdentity: {
    type: 'Root',
    principalId: '123456789012',
    arn: 'arn:aws:iam::123456789012:root',
    accountId: '123456789012',
    accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
    sessionContext: {
      attributes: { creationDate: '2025-03-14T08:55:02Z', mfaAuthenticated: 'false' },
      sessionCredentialFromConsole: 'true',
    },
  },
  userAgent: 'AWS Internal',
  sourceIPAddress: '192.0.2.44',
};

export const FEDERATED_USER: IdentityExample = {
  name: 'a federated user issued by an IAM user (CodeBuild User Guide, CreateProject)',
  userIdentity: {
    type: 'FederatedUser',
    principalId: '123456789012:Mary',
    arn: 'arn:aws:sts::123456789012:federated-user/Mary',
    accountId: '123456789012',
    accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
    sessionContext: {
      attributes: { mfaAuthenticated: 'false', creationDate: '2016-09-06T17:59:10Z' },
      sessionIssuer: {
        type: 'IAMUser',
        principalId: 'AIDAJ45Q7YFFAREXAMPLE',
        arn: 'arn:aws:iam::123456789012:user/Mary',
        accountId: '123456789012',
        userName: 'Mary',
      },
    },
  },
};

export const AWS_SERVICE: IdentityExample = {
  name: 'an AWS service (Elastic Beanstalk assuming a role)',
  userIdentity: { type: 'AWSService', invokedBy: 'elasticbeanstalk.amazonaws.com' },
  sourceIPAddress: 'elasticbeanstalk.amazonaws.com',
};

export const AWS_SERVICE_EBS: IdentityExample = {
  name: 'an AWS service with its own user agent (EBS calling KMS Decrypt)',
  userIdentity: { type: 'AWSService', invokedBy: 'ebs.amazonaws.com' },
  userAgent: 'ebs.amazonaws.com',
  sourceIPAddress: 'ebs.amazonaws.com',
};

/** Every example, for tests that run all of them. */
export const IDENTITY_EXAMPLES: readonly IdentityExample[] = [
  IAM_USER_ALICE,
  IAM_USER_JOHN_CLI,
  ASSUMED_ROLE,
  ASSUMED_ROLE_BRACKETED_CLI,
  IDENTITY_CENTER_USER,
  WEB_IDENTITY_USER,
  SAML_USER,
  AWS_ACCOUNT,
  ROOT_SDK,
  ROOT_CONSOLE,
  FEDERATED_USER,
  AWS_SERVICE,
  AWS_SERVICE_EBS,
];

/** A MediaPackage write record around `example`'s caller. */
export function recordWith(
  example: IdentityExample,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: example.userIdentity,
    eventTime: '2025-03-14T09:02:11Z',
    eventSource: 'mediapackage.amazonaws.com',
    eventName: 'UpdateChannel',
    awsRegion: 'us-west-2',
    sourceIPAddress: example.sourceIPAddress ?? '192.0.2.210',
    ...(example.userAgent === undefined ? {} : { userAgent: example.userAgent }),
    requestParameters: { id: 'live-news-1', description: 'evening show' },
    responseElements: null,
    requestID: '5e0a1c2b-7d3f-4a8e-9b6c-0f1e2d3c4b5a',
    eventID: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
    readOnly: false,
    eventType: 'AwsApiCall',
    recipientAccountId: '123456789012',
    ...overrides,
  };
}
