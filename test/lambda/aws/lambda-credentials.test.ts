/**
 * The function bundle's credential chain (lambda/lambda-credentials.ts): the environment
 * first, as Lambda provides them, then a container credentials endpoint (here on loopback).
 */
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { defaultProvider } from '../../../lambda/aws/lambda-credentials';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
] as const;

describe('Function: defaultProvider (the bundled function credential chain)', () => {
  const saved: Partial<Record<string, string>> = {};
  let server: Server | undefined;
  let requests = 0;

  beforeEach(() => {
    for (const name of CREDENTIAL_VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    requests = 0;
  });

  afterEach(async () => {
    for (const name of CREDENTIAL_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await new Promise<void>((resolve) =>
      server === undefined ? resolve() : server.close(() => resolve()),
    );
    server = undefined;
  });

  /** A container credentials endpoint on loopback, as ECS and similar runtimes serve one. */
  async function containerEndpoint(): Promise<string> {
    server = createServer((_request, response) => {
      requests += 1;
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          AccessKeyId: 'ASIACONTAINEREXAMPLE',
          SecretAccessKey: 'container-secret',
          Token: 'container-token',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v2/credentials`;
  }

  it('returns the execution role credentials Lambda puts in the environment', async () => {
    // Prepare
    process.env.AWS_ACCESS_KEY_ID = 'ASIAENVIRONMENTEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'environment-secret';
    process.env.AWS_SESSION_TOKEN = 'environment-token';
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = await containerEndpoint();

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAENVIRONMENTEXAMPLE',
      secretAccessKey: 'environment-secret',
      sessionToken: 'environment-token',
    });
    expect(requests).toBe(0);
  });

  it('falls back to a container credentials endpoint when the environment has none', async () => {
    // Prepare
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = await containerEndpoint();

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIACONTAINEREXAMPLE',
      secretAccessKey: 'container-secret',
      sessionToken: 'container-token',
    });
    expect(credentials.expiration).toBeInstanceOf(Date);
    expect(requests).toBe(1);
  });

  it('says where it looked when there are no credentials at all', async () => {
    await expect(defaultProvider()()).rejects.toThrow(
      /No AWS credentials: none in the environment .*no container credentials endpoint/,
    );
  });
});
