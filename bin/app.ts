import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RulesValidationError } from '../lambda/match/rules-schema';
import { InvalidSubscriptionError } from '../lib/alert-topic';
import { CONTEXT_KEYS_TO_READ, ConfigError, parseConfig } from '../lib/config';
import { InvalidPropsError } from '../lib/mediapackage-audit-alerts';
import { MediaPackageAuditStack } from '../lib/mediapackage-audit-stack';

/** Mistakes in the user's configuration: print the message alone, not a stack trace. */
const CONFIGURATION_ERRORS = [
  ConfigError,
  RulesValidationError,
  InvalidPropsError,
  InvalidSubscriptionError,
];

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

try {
  new MediaPackageAuditStack(app, 'MediaPackageAuditAlerts', {
    // Every key is read (removed ones too), so a wrong value ends synth with the list of problems.
    config: parseConfig(
      Object.fromEntries(
        CONTEXT_KEYS_TO_READ.map((key) => [key, app.node.tryGetContext(key) as unknown]),
      ),
    ),
    description: 'MediaPackage audit alerts: CloudTrail -> S3 -> Lambda -> SNS (email, Slack)',
    // Without credentials the stack stays environment-agnostic and still synthesizes.
    ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
  });
} catch (error) {
  if (CONFIGURATION_ERRORS.some((type) => error instanceof type)) {
    console.error((error as Error).message);
    if (error instanceof RulesValidationError) {
      console.error('Check a rules file with: npx mp-audit rules check <file>');
    }
    process.exit(1);
  }
  throw error;
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
