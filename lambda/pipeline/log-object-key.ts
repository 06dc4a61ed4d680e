/** Why an object that triggered the function is not read. */
export type SkipReason = 'digest-file' | 'insights-file' | 'folder-marker' | 'not-a-log-file';

export type KeyClass =
  { readonly kind: 'log-file' } | { readonly kind: 'skip'; readonly reason: SkipReason };

/**
 * `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<name>.json.gz`; plain
 * `.json` is accepted too, for files copied by hand.
 */
const LOG_FILE_KEY =
  /(^|\/)AWSLogs\/(o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.json(\.gz)?$/;

const DIGEST_FOLDER = /(^|\/)CloudTrail-Digest\//;
const INSIGHT_FOLDER = /(^|\/)CloudTrail-Insight\//;

/** Decides from its key whether an object is a CloudTrail log file worth reading. */
export function classifyObjectKey(key: string): KeyClass {
  if (key.endsWith('/')) return { kind: 'skip', reason: 'folder-marker' };
  if (DIGEST_FOLDER.test(key)) return { kind: 'skip', reason: 'digest-file' };
  if (INSIGHT_FOLDER.test(key)) return { kind: 'skip', reason: 'insights-file' };
  if (!LOG_FILE_KEY.test(key)) return { kind: 'skip', reason: 'not-a-log-file' };
  return { kind: 'log-file' };
}
