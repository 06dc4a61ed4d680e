/**
 * The S3 keys CloudTrail gives log and digest files, written from AWS's description of trail
 * keys, independently of the factory, so tests of the factory and of the samples can check it.
 */

/** `[prefix/]AWSLogs/[o-…/]<account>/CloudTrail/<region>/YYYY/MM/DD/<name>.json[.gz]` */
export const LOG_KEY =
  /^(?:[^/].*\/)?AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail\/[a-z]{2}(?:-[a-z]+)+-\d\/\d{4}\/\d{2}\/\d{2}\/\d{12}_CloudTrail_[a-z]{2}(?:-[a-z]+)+-\d_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json(?:\.gz)?$/;

/** `[prefix/]AWSLogs/[o-…/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<name>.json.gz` */
export const DIGEST_KEY =
  /^(?:[^/].*\/)?AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail-Digest\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/\d{12}_CloudTrail-Digest_[a-z0-9-]+_[\w.-]+_[a-z0-9-]+_\d{8}T\d{6}Z(?:_backfill)?\.json\.gz$/;
