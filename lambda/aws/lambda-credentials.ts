/**
 * The credential chain of the bundled function, put in place of the SDK's default chain
 * (`@aws-sdk/credential-provider-node`) by an esbuild alias: see lib/bundling.ts. Only the
 * function's bundle uses it; the CLI and the tests keep the SDK's default chain.
 *
 * Lambda gives a function its execution role's credentials in environment variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); a runtime that serves them
 * from a container credentials endpoint instead is covered by the second link. The default
 * chain's shared-file, SSO, login, process and web-identity providers, and the STS and SSO
 * clients they bring, can never apply there: leaving them out takes about 100 KB and 15% off
 * the bundle's module load (measured: npm run bench).
 *
 * The clients memoize what this returns and ask again before it expires.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';

type CredentialProvider = ReturnType<typeof fromEnv>;
type ChainInit = NonNullable<Parameters<typeof fromEnv>[0]> &
  NonNullable<Parameters<typeof fromHttp>[0]>;

/** Same name and call shape as the SDK's `defaultProvider`, which the clients import. */
export function defaultProvider(init: ChainInit = {}): CredentialProvider {
  const fromEnvironment = fromEnv(init);
  return async (options) => {
    try {
      return await fromEnvironment(options);
    } catch (environmentError) {
      try {
        // Created only when needed: it warns at creation about conflicting settings.
        return await fromHttp(init)(options);
      } catch (containerError) {
        throw new Error(
          'No AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) ' +
            'and no container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or ' +
            `_RELATIVE_URI): ${(environmentError as Error).message}; ${(containerError as Error).message}`,
          { cause: containerError },
        );
      }
    }
  };
}
