/**
 * The Regions of the commercial partition (`aws`) where AWS Elemental MediaPackage has an API
 * endpoint: the union of MediaPackage v2 (`mediapackagev2`), v1 live (`mediapackage`) and VOD
 * (`mediapackage-vod`).
 *
 * Source: "AWS Elemental MediaPackage endpoints and quotas" (AWS General Reference,
 * https://docs.aws.amazon.com/general/latest/gr/mediapackage.html), checked against the
 * endpoint table the AWS SDKs ship (botocore `endpoints.json`, August 2026); read December 2026.
 * A Region added later is watched by naming it in `-c regions=...`.
 */
export const MEDIAPACKAGE_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'me-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

/**
 * The Regions of {@link MEDIAPACKAGE_REGIONS} that are disabled in an account until someone opts
 * in (Hyderabad, Melbourne, Malaysia, UAE): a stack cannot be deployed to them before, so
 * `cdk deploy --all` would fail for most accounts if the default named them.
 */
export const OPT_IN_MEDIAPACKAGE_REGIONS: readonly string[] = [
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'me-central-1',
];

/**
 * The Regions the fast path watches by default: every MediaPackage Region that is enabled in
 * every account. Add an opt-in Region you have enabled with `-c regions=...`.
 */
export const DEFAULT_WATCHED_REGIONS: readonly string[] = MEDIAPACKAGE_REGIONS.filter(
  (region) => !OPT_IN_MEDIAPACKAGE_REGIONS.includes(region),
);
