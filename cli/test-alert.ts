/**
 * `mp-audit test-alert`: publishes one clearly marked test alert through the deployed alert
 * topic, so email and Slack subscriptions can be checked after `cdk deploy`.
 */
import type { CommandIo } from './io';

/** Options of `mp-audit test-alert`. */
export interface TestAlertOptions {
  /** The alert topic; when absent it is read from the stack's outputs. */
  readonly topicArn?: string;
  /** @default DEFAULT_STACK_NAME */
  readonly stackName?: string;
  /** @default AWS_REGION, else the topic ARN's Region */
  readonly region?: string;
}

/** The stack name bin/app.ts deploys. */
export const DEFAULT_STACK_NAME = 'MediaPackageAuditAlerts';

/** Publishes the test alert; returns the exit code. */
export async function runTestAlert(options: TestAlertOptions, io: CommandIo): Promise<number> {
  io.err(`mp-audit test-alert: not implemented yet (${options.stackName ?? DEFAULT_STACK_NAME})`);
  return 1;
}
