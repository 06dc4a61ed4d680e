import { MEDIAPACKAGE_EVENT_SOURCES } from '../lambda/contract';

/** One saved Athena query. */
export interface HistoryQuery {
  /** Name shown in the Athena console's "Saved queries". */
  readonly name: string;
  readonly description: string;
  /** The SQL, ready to run; its comments say what to change. */
  readonly sql: string;
}

/** What the queries need to know about the table. */
export interface HistoryQueryContext {
  /** `"database"."table"`. */
  readonly table: string;
  /**
   * Accounts to search when the `account` partition is injected (Athena then needs them in
   * every query); omitted when the table projects its accounts.
   */
  readonly injectedAccountIds?: readonly string[];
}

const SOURCES = MEDIAPACKAGE_EVENT_SOURCES.map((source) => `'${source}'`).join(', ');

/** The last `days` days of delivery, as a filter on the `timestamp` partition. */
function lastDays(days: number): string {
  return [
    `-- Which days of log files are read (this is what Athena charges for): "timestamp" is the`,
    `-- delivery day, yyyy/MM/dd in UTC. For fixed dates write e.g.`,
    `--   "timestamp" BETWEEN '2026/11/01' AND '2026/11/30'`,
    `WHERE "timestamp" >= date_format(current_date - INTERVAL '${days}' DAY, '%Y/%m/%d')`,
  ].join('\n');
}

function accountFilter(context: HistoryQueryContext): string[] {
  if (context.injectedAccountIds === undefined) return [];
  const accounts = context.injectedAccountIds.map((id) => `'${id}'`).join(', ');
  return [
    '  -- The account partition is injected: name the account(s) to search.',
    `  AND account IN (${accounts})`,
  ];
}

/** Only MediaPackage's three event sources. */
const MEDIAPACKAGE_FILTER = `  AND eventsource IN (${SOURCES})`;

/**
 * The saved queries of the history workgroup. Each filters `eventsource` on the three
 * MediaPackage sources and reads only the days it needs through the `timestamp` partition;
 * `account` and `region` come from the log file's key.
 */
export function historyQueries(context: HistoryQueryContext): HistoryQuery[] {
  return [writesQuery, rotationsQuery, failuresQuery, changesPerPrincipalQuery].map((query) =>
    query(context),
  );
}

function writesQuery(context: HistoryQueryContext): HistoryQuery {
  return {
    name: 'MediaPackage writes in a time range',
    description:
      'Every MediaPackage write call (live v1, v2, VOD) of the last 7 days, newest first; change the dates in the WHERE clause',
    sql: [
      '-- MediaPackage write calls in a time range, newest first.',
      'SELECT eventtime, account, region, eventsource, eventname,',
      '       useridentity.arn AS principal, sourceipaddress, errorcode, eventid',
      `FROM ${context.table}`,
      lastDays(8),
      '  -- When the call was made (files arrive minutes later, hence the extra day above).',
      "  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '7' DAY",
      MEDIAPACKAGE_FILTER,
      "  AND readonly = 'false'",
      ...accountFilter(context),
      'ORDER BY eventtime DESC',
      'LIMIT 1000',
    ].join('\n'),
  };
}

function rotationsQuery(context: HistoryQueryContext): HistoryQuery {
  return {
    name: 'Who rotated which ingest credentials',
    description:
      'RotateIngestEndpointCredentials and RotateChannelCredentials calls of the last 90 days: who, from where, on which channel and endpoint',
    sql: [
      '-- Ingest credential rotations (MediaPackage live v1): who, from where, which channel.',
      'SELECT eventtime, account, region, eventname,',
      '       useridentity.arn AS principal, sourceipaddress, useragent,',
      "       json_extract_scalar(requestparameters, '$.id') AS channel_id,",
      "       json_extract_scalar(requestparameters, '$.ingestEndpointId') AS ingest_endpoint_id,",
      '       errorcode',
      `FROM ${context.table}`,
      lastDays(90),
      MEDIAPACKAGE_FILTER,
      "  AND eventname IN ('RotateIngestEndpointCredentials', 'RotateChannelCredentials')",
      ...accountFilter(context),
      'ORDER BY eventtime DESC',
    ].join('\n'),
  };
}

function failuresQuery(context: HistoryQueryContext): HistoryQuery {
  return {
    name: 'Failed MediaPackage attempts',
    description:
      'MediaPackage calls of the last 30 days that failed (AccessDenied, validation errors...), newest first',
    sql: [
      '-- MediaPackage calls that failed: denied attempts, bad requests, missing resources.',
      'SELECT eventtime, account, region, eventsource, eventname,',
      '       useridentity.arn AS principal, sourceipaddress, errorcode, errormessage',
      `FROM ${context.table}`,
      lastDays(30),
      MEDIAPACKAGE_FILTER,
      '  AND errorcode IS NOT NULL',
      ...accountFilter(context),
      'ORDER BY eventtime DESC',
      'LIMIT 1000',
    ].join('\n'),
  };
}

function changesPerPrincipalQuery(context: HistoryQueryContext): HistoryQuery {
  return {
    name: 'MediaPackage changes per principal',
    description:
      'Who changed MediaPackage in the last 30 days: write calls and failures per principal, with the calls, accounts and Regions',
    sql: [
      '-- MediaPackage write calls per principal (role session, user or AWS service).',
      'SELECT coalesce(useridentity.arn, useridentity.principalid, useridentity.invokedby) AS principal,',
      '       count(*) AS calls,',
      '       count_if(errorcode IS NOT NULL) AS failed,',
      "       array_join(array_sort(array_agg(DISTINCT eventname)), ', ') AS call_names,",
      "       array_join(array_sort(array_agg(DISTINCT account)), ', ') AS accounts,",
      "       array_join(array_sort(array_agg(DISTINCT region)), ', ') AS regions,",
      '       min(eventtime) AS first_call,',
      '       max(eventtime) AS last_call',
      `FROM ${context.table}`,
      lastDays(30),
      MEDIAPACKAGE_FILTER,
      "  AND readonly = 'false'",
      ...accountFilter(context),
      'GROUP BY 1',
      'ORDER BY calls DESC',
    ].join('\n'),
  };
}
