import { MEDIAPACKAGE_EVENT_SOURCES } from '../contract';

/** The event sources of AWS Elemental MediaPackage: live v1, v2 and VOD. */
export { MEDIAPACKAGE_EVENT_SOURCES };

export type MediaPackageEventSource = (typeof MEDIAPACKAGE_EVENT_SOURCES)[number];

const SERVICE_NAMES: Readonly<Record<string, string>> = {
  'mediapackage.amazonaws.com': 'MediaPackage',
  'mediapackagev2.amazonaws.com': 'MediaPackage v2',
  'mediapackage-vod.amazonaws.com': 'MediaPackage VOD',
  'cloudtrail.amazonaws.com': 'CloudTrail',
  's3.amazonaws.com': 'S3',
  'lambda.amazonaws.com': 'Lambda',
  'sns.amazonaws.com': 'SNS',
  'kms.amazonaws.com': 'KMS',
  'medialive.amazonaws.com': 'MediaLive',
};

const CONSOLE_PATHS: Readonly<Record<string, string>> = {
  'mediapackage.amazonaws.com': 'mediapackage',
  'mediapackagev2.amazonaws.com': 'mediapackagev2',
  'mediapackage-vod.amazonaws.com': 'mediapackage',
};

/** A readable service name for an event source: `mediapackagev2.amazonaws.com` -> `MediaPackage v2`. */
export function serviceName(eventSource: string): string {
  // Own keys only: a source named `constructor` or `__proto__` must not read Object's members.
  return Object.hasOwn(SERVICE_NAMES, eventSource)
    ? (SERVICE_NAMES[eventSource] as string)
    : eventSource.replace(/\.amazonaws\.com$/, '');
}

/** The console's path segment for a service, e.g. `mediapackagev2`. */
export function consolePath(eventSource: string): string {
  return Object.hasOwn(CONSOLE_PATHS, eventSource)
    ? (CONSOLE_PATHS[eventSource] as string)
    : eventSource.replace(/\.amazonaws\.com$/, '');
}
