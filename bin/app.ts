import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MediaPackageAuditConfig } from '../lib/config';
import { CONTEXT_KEYS, ConfigError, parseConfig } from '../lib/config';
import { MediaPackageAuditStack } from '../lib/mediapackage-audit-stack';

/** Reads every known context key; a wrong value ends synth with the list of problems. */
function configFromContext(app: App): MediaPackageAuditConfig {
  try {
    return parseConfig(
      Object.fromEntries(CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key) as unknown])),
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new MediaPackageAuditStack(app, 'MediaPackageAuditAlerts', {
  config: configFromContext(app),
  description: 'MediaPackage audit alerts: CloudTrail -> S3 -> Lambda -> SNS (email, Slack)',
  // Without credentials the stack stays environment-agnostic and still synthesizes.
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
