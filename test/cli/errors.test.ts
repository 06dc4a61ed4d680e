import { bucketArgument, describeCliError } from '../../cli/errors';
import { regionOfQueueUrl, replayRegion } from '../../cli/replay';

function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

describe('Function: describeCliError', () => {
  it.each([
    [
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      /^no AWS credentials found: run 'aws configure'/,
    ],
    [
      sdkError('ExpiredToken', 'The security token included in the request is expired'),
      /sign in again/,
    ],
    [sdkError('Error', 'Region is missing'), /^no AWS Region: pass --region/],
    [
      sdkError('NoSuchBucket', 'The specified bucket does not exist', { BucketName: 'trail-logs' }),
      /^bucket not found: trail-logs; check the name/,
    ],
    [
      sdkError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'),
      /^queue not found: check the URL \(the stack's DeadLetterQueueUrl output\)/,
    ],
    [sdkError('QueueDoesNotExist', 'The specified queue does not exist.'), /^queue not found: /],
    [sdkError('NotFound', 'Topic does not exist'), /^topic not found: check the ARN/],
    [sdkError('AccessDenied', 'Access Denied'), /^access denied \(Access Denied\): run as a role/],
    [
      sdkError('AuthorizationError', 'User: x is not authorized to perform: SNS:Publish'),
      /^not allowed to publish alerts .*run as one of those roles$/,
    ],
    [
      sdkError('AccessDeniedException', 'not authorized to perform: sns:Publish'),
      /alertPublisherArns; run as one of those roles$/,
    ],
    [new Error('something else broke'), /^something else broke$/],
  ])('turns %s into plain advice', (error, expected) => {
    // Act
    const text = describeCliError(error);

    // Assess: one line that says what to do.
    expect(text).toMatch(expected);
    expect(text).not.toContain('\n');
  });

  it('names the bucket from the command line when the error does not', () => {
    // Act
    const text = describeCliError(sdkError('NoSuchBucket', 'missing'), { bucket: 'my-logs' });

    // Assess
    expect(text).toMatch(/^bucket not found: my-logs; /);
  });

  it('redacts what it prints', () => {
    // Prepare
    const key = 'AKIAIOSFODNN7EXAMPLE';

    // Act
    const text = describeCliError(new Error(`failed with ${key}`));

    // Assess
    expect(text).not.toContain(key);
  });
});

describe('Function: bucketArgument', () => {
  it.each([
    [['replay', '--bucket', 'b1'], 'b1'],
    [['replay', '--bucket=b2'], 'b2'],
    [['replay', '--from-dlq', 'q'], undefined],
  ])('reads --bucket from %j', (argv, expected) => {
    expect(bucketArgument(argv)).toBe(expected);
  });
});

describe('Function: replayRegion', () => {
  const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/111122223333/audit-dlq';

  it('takes the Region from the queue URL when the environment names none', () => {
    expect(replayRegion({ fromDlq: queueUrl }, {})).toBe('eu-west-1');
  });

  it.each([['AWS_REGION'], ['AWS_DEFAULT_REGION']])(
    'leaves the Region to the SDK when %s is set',
    (name) => {
      expect(replayRegion({ fromDlq: queueUrl }, { [name]: 'us-east-1' })).toBeUndefined();
    },
  );

  it('prefers --region over everything', () => {
    expect(
      replayRegion({ fromDlq: queueUrl, region: 'ap-south-1' }, { AWS_REGION: 'us-east-1' }),
    ).toBe('ap-south-1');
  });

  it.each([
    ['http://127.0.0.1:4566/000000000000/q', undefined],
    ['https://sqs.us-gov-west-1.amazonaws.com/1/q', 'us-gov-west-1'],
    ['https://sqs.cn-north-1.amazonaws.com.cn/1/q', 'cn-north-1'],
  ])('reads the Region of %s', (url, expected) => {
    expect(regionOfQueueUrl(url)).toBe(expected);
  });
});
