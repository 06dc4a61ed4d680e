/** The alert the product builds for a record, for tests of what an alert says. */
import type { MediaPackageAlert } from '../../lambda/alert/alert';
import { buildAlert } from '../../lambda/alert/alert';
import { matchEvent } from '../../lambda/match/matcher';
import type { CloudTrailRecord, LogObjectRef } from '../../lambda/read/cloudtrail-record';
import { BUCKET, logFileKey } from '../../scripts/cloudtrail-factory';

/** The alert for a record that must match; fails the test if it does not. */
export function alertFor(
  record: CloudTrailRecord,
  logObject: LogObjectRef = { bucket: BUCKET, key: logFileKey() },
): MediaPackageAlert {
  const match = matchEvent(record);
  if (match === undefined) {
    throw new Error(
      `fixture does not match: ${String(record.eventSource)} ${String(record.eventName)}`,
    );
  }
  return buildAlert(match, logObject);
}
