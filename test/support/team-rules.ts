/**
 * The core of a team's rules file, which the CLI and the deployed function must read alike:
 * MediaLive watched too, UpdateChannel high, the deploy role trusted. A test adds the rules its
 * own records need.
 */

export const DEPLOY_REASON = 'Deploy role changes are reviewed in CI';

export const TEAM_RULES = {
  version: 1,
  eventSources: ['mediapackage*.amazonaws.com', 'medialive.amazonaws.com'],
  severityRules: [{ eventName: 'UpdateChannel', severity: 'high' }],
  suppressions: [
    {
      reason: DEPLOY_REASON,
      principalArn: 'arn:aws:sts::111122223333:assumed-role/GitHubActionsDeployRole/*',
    },
  ],
};
