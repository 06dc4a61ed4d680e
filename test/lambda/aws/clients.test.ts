import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createPipelineClients } from '../../../lambda/aws/clients';
import { FUNCTION_ENV } from '../../../lambda/contract';
import { FunctionEnvironment } from '../../../lambda/function-environment';
import { BUCKET, logFileKey } from '../../../scripts/cloudtrail-factory';

interface Destination {
  readonly hostname: string;
  readonly port: number | undefined;
  readonly path: string;
}

/**
 * Where the client would send a GetObject of the example log file: the request is captured
 * once it is built and signed, and stopped there, so nothing leaves the process.
 */
async function destinationOf(s3: S3Client): Promise<Destination | undefined> {
  let destination: Destination | undefined;
  s3.middlewareStack.add(
    () => (args) => {
      destination = args.request as Destination;
      return Promise.reject(new Error('stopped before sending'));
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: logFileKey() })).catch(() => undefined);
  return destination === undefined
    ? undefined
    : { hostname: destination.hostname, port: destination.port, path: destination.path };
}

const SAVED_ENDPOINT = process.env.AWS_ENDPOINT_URL_S3;

afterEach(() => {
  if (SAVED_ENDPOINT === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
  else process.env.AWS_ENDPOINT_URL_S3 = SAVED_ENDPOINT;
});

describe('Function: createPipelineClients', () => {
  it("reads from the bucket's own host on AWS (virtual-hosted style)", async () => {
    // Prepare
    const { s3 } = createPipelineClients(new FunctionEnvironment({}));

    // Act
    const destination = await destinationOf(s3);

    // Assess
    expect(destination?.hostname).toBe(`${BUCKET}.s3.${process.env.AWS_REGION}.amazonaws.com`);
    expect(destination?.path).toBe(`/${logFileKey()}`);
    s3.destroy();
  });

  it(`puts the bucket in the path when ${FUNCTION_ENV.s3ForcePathStyle} asks for it`, async () => {
    // Prepare
    const environment = new FunctionEnvironment({ [FUNCTION_ENV.s3ForcePathStyle]: 'true' });
    const { s3 } = createPipelineClients(environment);

    // Act
    const destination = await destinationOf(s3);

    // Assess
    expect(destination?.hostname).toBe(`s3.${process.env.AWS_REGION}.amazonaws.com`);
    expect(destination?.path).toBe(`/${BUCKET}/${logFileKey()}`);
    s3.destroy();
  });

  it('reaches a local emulator named by AWS_ENDPOINT_URL_S3 at localhost, the bucket in the path', async () => {
    // Prepare: the SDK reads the endpoint from the process; the function decides the style.
    process.env.AWS_ENDPOINT_URL_S3 = 'http://localhost:4566';
    const { s3 } = createPipelineClients(new FunctionEnvironment(process.env));

    // Act
    const destination = await destinationOf(s3);

    // Assess
    expect(destination).toEqual({
      hostname: 'localhost',
      port: 4566,
      path: `/${BUCKET}/${logFileKey()}`,
    });
    s3.destroy();
  });

  it("follows S3's redirect to a bucket in another Region (a log archive elsewhere)", () => {
    // Prepare
    const { s3, sns } = createPipelineClients(new FunctionEnvironment({}));

    // Assess
    expect(s3.config.followRegionRedirects).toBe(true);
    s3.destroy();
    sns.destroy();
  });

  it('gives SNS six attempts with standard backoff, so throttling is retried inside the call', async () => {
    // Prepare
    const { sns } = createPipelineClients(new FunctionEnvironment({}));

    // Act
    const maxAttempts = await sns.config.maxAttempts();
    const { retryMode } = sns.config;

    // Assess
    expect(maxAttempts).toBe(6);
    expect(retryMode).toBe('standard');
    sns.destroy();
  });

  it('pins both clients to a Region when given one (a queue URL names it), keeping their settings', async () => {
    // Prepare
    const environment = new FunctionEnvironment({ [FUNCTION_ENV.s3ForcePathStyle]: 'true' });

    // Act
    const { s3, sns } = createPipelineClients(environment, 'eu-west-1');

    // Assess
    expect(await s3.config.region()).toBe('eu-west-1');
    expect(await sns.config.region()).toBe('eu-west-1');
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await sns.config.maxAttempts()).toBe(6);
    s3.destroy();
    sns.destroy();
  });
});
