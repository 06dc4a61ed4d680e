import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RulesValidationError } from '../lambda/match/rules-schema';
import { parseConfig } from '../lib/config';
import { MediaPackageAuditError } from '../lib/errors';
import { MediaPackageAuditStack } from '../lib/mediapackage-audit-stack';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

try {
  new MediaPackageAuditStack(app, 'MediaPackageAuditAlerts', {
    // The whole context (cdk.json, cdk.context.json, ~/.cdk.json and -c, which the CLI passes
    // in CDK_CONTEXT_JSON), so a misspelt key stops synth like a wrong value instead of being
    // ignored.
    config: parseConfig(app.node.getAllContext() as Record<string, unknown>),
    description: 'MediaPackage audit alerts: CloudTrail -> S3 -> Lambda -> SNS (email, Slack)',
    // Without credentials the stack stays environment-agnostic and still synthesizes.
    ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
  });
} catch (error) {
  // A mistake in the user's configuration: the message alone, not a stack trace.
  if (!(error instanceof MediaPackageAuditError)) throw error;
  console.error(error.message);
  if (error instanceof RulesValidationError) {
    console.error('Check a rules file with: npx mp-audit rules check <file>');
  }
  process.exit(1);
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
