/** The fast path's Regions. The MediaPackage Region lists live in the contract (the CLI reads them too). */
import { MEDIAPACKAGE_REGIONS, OPT_IN_MEDIAPACKAGE_REGIONS } from '../lambda/contract';

export { MEDIAPACKAGE_REGIONS, OPT_IN_MEDIAPACKAGE_REGIONS };

/**
 * The Regions the fast path watches by default: every MediaPackage Region that is enabled in
 * every account. Add an opt-in Region you have enabled with `-c regions=...`.
 */
export const DEFAULT_WATCHED_REGIONS: readonly string[] = MEDIAPACKAGE_REGIONS.filter(
  (region) => !OPT_IN_MEDIAPACKAGE_REGIONS.includes(region),
);
