import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RulesValidationError } from '../lambda/match/rules-schema';
import { parseConfig } from '../lib/config';
import { MediaPackageAuditError } from '../lib/errors';
import { FastPathForwarderStack, fastPathForwarders } from '../lib/fast-path-forwarder';
import { MediaPackageAuditStack } from '../lib/mediapackage-audit-stack';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
// The CDK CLI sets it from AWS_REGION or the profile's region: the home Region.
const region = process.env.CDK_DEFAULT_REGION;

try {
  // The whole context (cdk.json, cdk.context.json, ~/.cdk.json and -c, which the CLI passes
  // in CDK_CONTEXT_JSON), so a misspelt key stops synth like a wrong value instead of being
  // ignored.
  const config = parseConfig(app.node.getAllContext() as Record<string, unknown>);
  new MediaPackageAuditStack(app, 'MediaPackageAuditAlerts', {
    config,
    description:
      'MediaPackage audit alerts: CloudTrail -> S3 / EventBridge -> Lambda -> SNS (email, Slack)',
    // Without a Region (only with the fast path off) the stack stays environment-agnostic.
    ...(region === undefined ? {} : { env: { account, region } }),
  });
  // After the audit stack, so that a bad rules file is reported before a missing Region.
  for (const { region: other, homeRegion } of fastPathForwarders(region, config)) {
    // No reference to the audit stack: each deploys on its own, in any order.
    new FastPathForwarderStack(app, `MediaPackageAuditForwarder-${other}`, {
      homeRegion,
      env: { account, region: other },
    });
  }
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
