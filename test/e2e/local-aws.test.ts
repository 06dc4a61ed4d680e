import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createRng, logFileBody, otherServiceRecord } from '../../scripts/cloudtrail-factory';
import { type LocalAws, localClientConfig, startLocalAws } from '../support/local-aws';

describe('Script: local-aws', () => {
  let local: LocalAws | undefined;

  afterAll(async () => {
    await local?.stop();
  });

  it('serves S3, and SNS delivering to SQS, on loopback', async () => {
    // Prepare
    local = await startLocalAws();
    const config = localClientConfig(local.endpoint);
    const s3 = new S3Client(config);
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const body = logFileBody([otherServiceRecord(createRng(9), { call: 'kms:Decrypt' })]);
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/14/sample.json.gz';

    // Act
    await s3.send(new CreateBucketCommand({ Bucket: 'trail-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'trail-bucket', Key: key, Body: body }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'trail-bucket', Key: key }));
    const stored = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'alert-subscriber' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'MediaPackage DeleteChannel',
        Message: 'channel deleted',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );

    // Assess
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stored.equals(body)).toBe(true);
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages?.[0]?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      TopicArn,
      Subject: 'MediaPackage DeleteChannel',
      Message: 'channel deleted',
      MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
    });
  });
});
