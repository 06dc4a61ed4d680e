/**
 * What a MediaPackage write call changed: the resource's state after the call, as the call's
 * own record tells it (`stateAfterEvent`), the fields that differ from the state the pipeline
 * remembered (`diffStates`), and the lines an alert shows for them (`changesFor`,
 * `changeLines`). Pure: no I/O. The memory itself is lambda/deliver/resource-state.ts; a
 * read-only describe that fills it when it is empty is lambda/aws/resource-describer.ts.
 *
 * Every state passes through `redactSecrets` before it is returned, kept or shown, and is
 * bounded (`STATE_MAX_CHARS`, `STATE_MAX_DEPTH`). Records are hostile input: any value, any
 * size, `__proto__` keys; nothing here throws on them or walks them without a bound.
 */
import type { CloudTrailRecord } from '../read/cloudtrail-record';
import { isReadOnlyCall } from '../read/cloudtrail-record';
import { MASK, redactSecrets } from './redact';

/** How a call relates to the state of the resource it names. */
export type ChangeFamily =
  | 'create'
  | 'update'
  | 'configure'
  | 'policy'
  | 'policy-delete'
  | 'tags'
  | 'reset'
  | 'delete'
  | 'other';

/** A resource's state: a plain JSON object, already masked and bounded. */
export type ResourceState = Readonly<Record<string, unknown>>;

/** One changed field: rendered values, `null` when the field is absent on that side. */
export interface FieldChange {
  /** Dotted path, with `[i]` for array elements and `["..."]` for unusual keys. */
  readonly field: string;
  /** Compact JSON (a masked value as the mask text), cut to `VALUE_MAX_CHARS`; null = absent. */
  readonly before: string | null;
  readonly after: string | null;
}

/** What an alert says a call changed. */
export interface AlertChanges {
  /**
   * `remembered`: old values from the pipeline's memory of the resource. `unknown`: nothing
   * remembered; `changes` list the values the call set, each with `before: null`.
   */
  readonly basis: 'remembered' | 'unknown';
  readonly changes: readonly FieldChange[];
  /** Changed fields left out of `changes` by the bound. */
  readonly omitted: number;
  /** A remark on what the changes can and cannot show (rotated credentials, a reset). */
  readonly note?: string;
}

/** Longest serialized state kept or compared; a bigger one is cut with `STATE_CUT_KEY`. */
export const STATE_MAX_CHARS = 32_768;

/** Deepest level of a state kept; deeper values become `STATE_TOO_DEEP`. */
export const STATE_MAX_DEPTH = 12;

/** Key under which a cut state says it was cut. */
export const STATE_CUT_KEY = '...';

/** What replaces a value nested deeper than `STATE_MAX_DEPTH`. */
export const STATE_TOO_DEEP = '[nested too deep to keep]';

/** Longest rendered value of a `FieldChange`. */
export const VALUE_MAX_CHARS = 200;

/** Most changes `diffStates` returns by default; the rest are counted in `omitted`. */
export const DEFAULT_MAX_CHANGES = 50;

/**
 * Top-level fields that change on every write without saying anything about the resource's
 * configuration: timestamps, the optimistic-locking tag, and the VOD asset counter. They are
 * dropped from kept states, so they are never shown as changes.
 */
export const IGNORED_FIELDS: ReadonlySet<string> = new Set([
  'createdAt',
  'modifiedAt',
  'eTag',
  'resetAt',
  'approximateAssetCount',
]);

/**
 * Request fields that name the resource (path parameters) rather than set anything: left out
 * when an alert lists what a call set.
 */
const IDENTIFYING_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'Id',
  'channelId',
  'channelGroupName',
  'channelName',
  'originEndpointName',
  'ingestEndpointId',
  'packagingGroupId',
  'resourceArn',
  'ResourceArn',
  'clientToken',
  'eTag',
]);

/** Values `diffStates` visits at most before it counts the rest as one omitted change. */
const DIFF_MAX_NODES = 20_000;
/** Deepest level `diffStates` descends to; deeper values are compared whole. */
const DIFF_MAX_DEPTH = 64;
/** Longest JSON text inside a string (a v2 policy) that `diffStates` parses to compare. */
const EMBEDDED_JSON_MAX_CHARS = 16_384;
/** Longest string kept whole when a state has to be cut to fit. */
const CUT_STRING_MAX_CHARS = 2_048;

// ---------------------------------------------------------------------------------------------
// Families
// ---------------------------------------------------------------------------------------------

/**
 * The family of a call, by its name: Create*, Update*, Configure*, Put*Policy, Delete*Policy,
 * TagResource/UntagResource, Reset*, Delete*; the credential rotations (which return the
 * updated channel) are updates; everything else (harvest jobs' cancel, reads) is 'other'.
 */
export function changeFamilyOf(eventName: string): ChangeFamily {
  if (typeof eventName !== 'string') return 'other';
  if (eventName === 'TagResource' || eventName === 'UntagResource') return 'tags';
  if (eventName === 'RotateIngestEndpointCredentials' || eventName === 'RotateChannelCredentials') {
    return 'update';
  }
  if (/^Put[A-Za-z]*Policy$/.test(eventName)) return 'policy';
  if (/^Delete[A-Za-z]*Policy$/.test(eventName)) return 'policy-delete';
  if (/^Create[A-Z]/.test(eventName)) return 'create';
  if (/^Update[A-Z]/.test(eventName)) return 'update';
  if (/^Configure[A-Z]/.test(eventName)) return 'configure';
  if (/^Reset[A-Z]/.test(eventName)) return 'reset';
  if (/^Delete[A-Z]/.test(eventName)) return 'delete';
  return 'other';
}

/** Whether a call of this family changes a resource that existed before it. */
function changesExisting(family: ChangeFamily): boolean {
  return family !== 'create' && family !== 'delete' && family !== 'other';
}

// ---------------------------------------------------------------------------------------------
// State after an event
// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(source: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(source, key) ? source[key] : undefined;
}

/** Sets a property even when its name is `__proto__`, which plain assignment would not. */
function define(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A shallow copy with own enumerable keys only, `__proto__` kept as data. */
function copyObject(source: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(source)) define(copy, key, source[key]);
  return copy;
}

function succeeded(record: CloudTrailRecord): boolean {
  const code = record.errorCode;
  return code === undefined || code === null || code === '';
}

/**
 * What the record says the resource looks like after the call, masked and bounded, or
 * undefined when it does not say (a failed call, a read, a create/update without a response
 * and nothing remembered to apply the request to, a tag or policy call with nothing
 * remembered, a delete):
 * - Create*, Update*, Configure*, Rotate*: the response, which carries the resource
 *   (`IGNORED_FIELDS` dropped). Without a response, the request applied over `before`.
 * - Reset*: `before`; a reset clears ingest and playback state, not configuration.
 * - TagResource/UntagResource: `before` with its `tags` merged or removed.
 * - Put*Policy: `before` with the request's `policy`; Delete*Policy: `before` without it.
 */
export function stateAfterEvent(
  record: CloudTrailRecord,
  before: ResourceState | undefined,
): ResourceState | undefined {
  if (!isObject(record) || !succeeded(record) || isReadOnlyCall(record)) return undefined;
  const family = changeFamilyOf(typeof record.eventName === 'string' ? record.eventName : '');
  const base = before === undefined || !isObject(before) ? undefined : cleanState(before);
  const request = isObject(record.requestParameters) ? record.requestParameters : undefined;
  switch (family) {
    case 'create':
    case 'update':
    case 'configure': {
      const response = record.responseElements;
      if (isObject(response) && Object.keys(response).length > 0) return cleanState(response);
      if (base === undefined || request === undefined) return undefined;
      return cleanState(mergeOver(base, withoutIdentifiers(request)));
    }
    case 'reset':
      return base;
    case 'tags':
      if (base === undefined) return undefined;
      return cleanState(applyTags(base, request, record.eventName === 'TagResource'));
    case 'policy': {
      if (base === undefined) return undefined;
      const policy = request === undefined ? undefined : own(request, 'policy');
      if (policy === undefined) return base;
      const after = copyObject(base);
      define(after, 'policy', policy);
      return cleanState(after);
    }
    case 'policy-delete': {
      if (base === undefined) return undefined;
      const after = copyObject(base);
      delete after.policy;
      return after;
    }
    case 'delete':
    case 'other':
      return undefined;
  }
}

/** The tag keys of an UntagResource request, whatever the spelling (list or comma list). */
function tagKeysOf(request: JsonObject | undefined): string[] {
  if (request === undefined) return [];
  const raw = own(request, 'tagKeys') ?? own(request, 'TagKeys');
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  return list
    .slice(0, 1_000)
    .filter((key): key is string => typeof key === 'string')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}

/** The tags of a TagResource request (`tags` or `Tags`, an object). */
function tagsOf(request: JsonObject | undefined): JsonObject {
  if (request === undefined) return {};
  const raw = own(request, 'tags') ?? own(request, 'Tags');
  return isObject(raw) ? raw : {};
}

function applyTags(base: JsonObject, request: JsonObject | undefined, add: boolean): JsonObject {
  const current = own(base, 'tags');
  const tags = isObject(current) ? copyObject(current) : {};
  if (add) {
    const added = tagsOf(request);
    for (const key of Object.keys(added).slice(0, 1_000)) define(tags, key, added[key]);
  } else {
    for (const key of tagKeysOf(request)) delete tags[key];
  }
  const after = copyObject(base);
  define(after, 'tags', tags);
  return after;
}

function withoutIdentifiers(request: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(request)) {
    if (!IDENTIFYING_FIELDS.has(key)) define(copy, key, request[key]);
  }
  return copy;
}

/** `patch` over `base`: objects merged key by key (bounded depth), anything else replaced. */
function mergeOver(base: JsonObject, patch: JsonObject, depth = 0): JsonObject {
  const merged = copyObject(base);
  for (const key of Object.keys(patch)) {
    const next = patch[key];
    const previous = own(base, key);
    define(
      merged,
      key,
      isObject(previous) && isObject(next) && depth < STATE_MAX_DEPTH
        ? mergeOver(previous, next, depth + 1)
        : next,
    );
  }
  return merged;
}

/**
 * Any value in the form states are kept, compared and shown in: masked (`redactSecrets`),
 * without `IGNORED_FIELDS`, within `STATE_MAX_DEPTH` and `STATE_MAX_CHARS`; `{}` when the
 * value is not an object. For states read elsewhere (a describe call's response).
 */
export function toResourceState(value: unknown): ResourceState {
  return cleanState(value);
}

/** Masked, noise-free, bounded: the one form in which a state is kept, compared and shown. */
function cleanState(value: unknown): JsonObject {
  const redacted = redactSecrets(value);
  if (!isObject(redacted)) return {};
  const withoutNoise: JsonObject = {};
  for (const key of Object.keys(redacted)) {
    if (!IGNORED_FIELDS.has(key)) define(withoutNoise, key, redacted[key]);
  }
  return boundState(withoutNoise);
}

/**
 * A state within `STATE_MAX_DEPTH` and `STATE_MAX_CHARS`: deeper values become
 * `STATE_TOO_DEEP`; when the whole is too big, values are kept in key order while they fit,
 * long strings cut, and `STATE_CUT_KEY` says how big it was. Never throws.
 */
function boundState(state: JsonObject): JsonObject {
  const limited = limitDepth(state, 0) as JsonObject;
  const size = serializedLength(limited);
  if (size <= STATE_MAX_CHARS) return limited;
  const marker = `[cut: state of ${size} characters, over ${STATE_MAX_CHARS}]`;
  const budget = { chars: STATE_MAX_CHARS - marker.length - 64 };
  const cut = cutToBudget(limited, budget) as JsonObject;
  define(cut, STATE_CUT_KEY, marker);
  return serializedLength(cut) <= STATE_MAX_CHARS ? cut : { [STATE_CUT_KEY]: marker };
}

function limitDepth(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= STATE_MAX_DEPTH) return STATE_TOO_DEEP;
  if (Array.isArray(value)) return value.map((item: unknown) => limitDepth(item, depth + 1));
  const copy: JsonObject = {};
  const source = value as JsonObject;
  for (const key of Object.keys(source)) define(copy, key, limitDepth(source[key], depth + 1));
  return copy;
}

function serializedLength(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/** A copy that spends at most `budget.chars` characters; what does not fit is left out. */
function cutToBudget(value: unknown, budget: { chars: number }): unknown {
  if (typeof value === 'string') {
    const kept =
      value.length > CUT_STRING_MAX_CHARS
        ? `${value.slice(0, CUT_STRING_MAX_CHARS)}...[cut: ${value.length} characters]`
        : value;
    budget.chars -= kept.length + 3;
    return kept;
  }
  if (typeof value !== 'object' || value === null) {
    budget.chars -= serializedLength(value) + 1;
    return value;
  }
  budget.chars -= 2;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value) {
      if (budget.chars <= 0) break;
      const kept = cutToBudget(item, budget);
      if (budget.chars < 0) break;
      copy.push(kept);
    }
    return copy;
  }
  const copy: JsonObject = {};
  const source = value as JsonObject;
  for (const key of Object.keys(source)) {
    if (budget.chars <= 0) break;
    budget.chars -= key.length + 4;
    const kept = cutToBudget(source[key], budget);
    if (budget.chars < 0) break;
    define(copy, key, kept);
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Differences
// ---------------------------------------------------------------------------------------------

const PLAIN_KEY = /^[A-Za-z0-9_$@:/+=-]+$/;

function childPath(path: string, key: string): string {
  const part = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return part;
  return part.startsWith('[') ? `${path}${part}` : `${path}.${part}`;
}

/** Renders one value: compact JSON, the mask as itself, cut to `VALUE_MAX_CHARS`. */
function render(value: unknown): string | null {
  if (value === undefined) return null;
  if (value === MASK) return MASK;
  let text: string;
  try {
    // undefined for a function or symbol, which no JSON state holds.
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = '[not renderable]';
  }
  return text.length > VALUE_MAX_CHARS ? `${text.slice(0, VALUE_MAX_CHARS - 3)}...` : text;
}

/** A string holding a JSON object or array (a v2 policy), parsed; otherwise the value itself. */
function expand(value: unknown): unknown {
  if (typeof value !== 'string' || value.length > EMBEDDED_JSON_MAX_CHARS) return value;
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? parsed : value;
  } catch {
    return value;
  }
}

/** Arrays holding only scalars (lists of names, flags): compared and shown as one value. */
function isScalarArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

interface DiffWalk {
  readonly changes: FieldChange[];
  readonly max: number;
  omitted: number;
  nodes: number;
}

function record(walk: DiffWalk, field: string, before: unknown, after: unknown): void {
  if (walk.changes.length < walk.max) {
    walk.changes.push({ field, before: render(before), after: render(after) });
  } else {
    walk.omitted += 1;
  }
}

function diffValues(
  walk: DiffWalk,
  path: string,
  rawBefore: unknown,
  rawAfter: unknown,
  depth = 0,
): void {
  if (walk.nodes <= 0) {
    walk.omitted += 1;
    return;
  }
  walk.nodes -= 1;
  if (rawBefore === rawAfter) return;
  const before = depth < DIFF_MAX_DEPTH ? expand(rawBefore) : rawBefore;
  const after = depth < DIFF_MAX_DEPTH ? expand(rawAfter) : rawAfter;
  if (depth >= DIFF_MAX_DEPTH) {
    if (!sameValue(rawBefore, rawAfter)) record(walk, path, rawBefore, rawAfter);
    return;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      diffValues(walk, childPath(path, key), own(before, key), own(after, key), depth + 1);
    }
    return;
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    !(isScalarArray(before) && isScalarArray(after))
  ) {
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index += 1) {
      if (walk.nodes <= 0) {
        walk.omitted += 1;
        return;
      }
      diffValues(
        walk,
        `${path}[${index}]`,
        before[index] as unknown,
        after[index] as unknown,
        depth + 1,
      );
    }
    return;
  }
  if (!sameValue(rawBefore, rawAfter))
    record(walk, path === '' ? '(value)' : path, rawBefore, rawAfter);
}

/**
 * The fields that differ between two states, sorted by path (keys in code-point order at each
 * level, array elements in index order):
 * - objects, and JSON objects held in strings (a v2 `policy`), are compared key by key, with
 *   dotted paths (`hlsPackage.segmentDurationSeconds`, `policy.Statement[0].Effect`);
 * - arrays of objects are compared by index (`hlsManifests[0].manifestWindowSeconds`); arrays
 *   of scalars (lists of names) as one value, so a list shows whole, old and new;
 * - anything else as one value.
 * At most `maxChanges` are returned; `omitted` counts the rest (and any part of very large
 * states left unvisited counts as one). Values are rendered, not re-masked: pass masked states.
 */
export function diffStates(
  before: ResourceState,
  after: ResourceState,
  maxChanges: number = DEFAULT_MAX_CHANGES,
): { changes: FieldChange[]; omitted: number } {
  const walk: DiffWalk = {
    changes: [],
    max: Math.max(0, Math.floor(Number.isFinite(maxChanges) ? maxChanges : DEFAULT_MAX_CHANGES)),
    omitted: 0,
    nodes: DIFF_MAX_NODES,
  };
  diffValues(walk, '', isObject(before) ? before : {}, isObject(after) ? after : {});
  return { changes: walk.changes, omitted: walk.omitted };
}

// ---------------------------------------------------------------------------------------------
// What an alert shows
// ---------------------------------------------------------------------------------------------

const ROTATE_NOTE =
  'Ingest credentials were rotated; their values are masked on both sides, so the change ' +
  'does not show as a field.';
const RESET_NOTE =
  "The reset cleared the resource's ingest and playback state; its configuration is unchanged.";
const NO_RESPONSE_NOTE =
  'CloudTrail recorded no response for this call: the new values are taken from the request.';

/**
 * What an alert says a call changed, or null when the call does not change an existing
 * resource (create, delete, other, a read) or failed. With `before` (the remembered, masked
 * state), the fields that differ from the state after the call; without it, basis 'unknown'
 * and the values the call set (its request, less the fields that only name the resource; the
 * state after the call when the request sets nothing), each with `before: null`. Both sides
 * are masked again here, whatever the caller passed.
 */
export function changesFor(
  record: CloudTrailRecord,
  before: ResourceState | undefined,
): AlertChanges | null {
  if (!isObject(record) || !succeeded(record) || isReadOnlyCall(record)) return null;
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  const family = changeFamilyOf(eventName);
  if (!changesExisting(family)) return null;
  const note = noteFor(record, eventName, family);
  const known = before === undefined || !isObject(before) ? undefined : cleanState(before);
  if (known !== undefined) {
    const after = stateAfterEvent(record, known);
    if (after === undefined) {
      return { basis: 'remembered', changes: [], omitted: 0, ...(note ? { note } : {}) };
    }
    const { changes, omitted } = diffStates(known, after);
    return { basis: 'remembered', changes, omitted, ...(note ? { note } : {}) };
  }
  const set = valuesSet(record, family);
  // Against an empty skeleton of itself, so every value set shows as its own leaf line.
  const { changes, omitted } = diffStates(skeletonOf(set, 0) as JsonObject, set);
  return {
    basis: 'unknown',
    changes: changes.map((change) => ({ ...change, before: null })),
    omitted,
    ...(note ? { note } : {}),
  };
}

function noteFor(record: CloudTrailRecord, eventName: string, family: ChangeFamily): string {
  if (eventName.startsWith('Rotate')) return ROTATE_NOTE;
  if (family === 'reset') return RESET_NOTE;
  const response = record.responseElements;
  const hasResponse = isObject(response) && Object.keys(response).length > 0;
  if ((family === 'update' || family === 'configure') && !hasResponse) return NO_RESPONSE_NOTE;
  return '';
}

/** The same nesting of objects and arrays, with no values: what `diffStates` reads as "unset". */
function skeletonOf(value: unknown, depth: number): unknown {
  const inner = depth < DIFF_MAX_DEPTH ? expand(value) : value;
  if (depth >= DIFF_MAX_DEPTH || typeof inner !== 'object' || inner === null) return undefined;
  if (Array.isArray(inner)) {
    return isScalarArray(inner) ? undefined : inner.map((item) => skeletonOf(item, depth + 1));
  }
  const skeleton: JsonObject = {};
  const source = inner as JsonObject;
  for (const key of Object.keys(source)) {
    const child = skeletonOf(source[key], depth + 1);
    if (child !== undefined) define(skeleton, key, child);
  }
  return skeleton;
}

/** The values a call set, as a masked state, when nothing about the resource is remembered. */
function valuesSet(record: CloudTrailRecord, family: ChangeFamily): JsonObject {
  const request = isObject(record.requestParameters) ? record.requestParameters : undefined;
  switch (family) {
    case 'tags': {
      if (record.eventName === 'TagResource') return cleanState({ tags: tagsOf(request) });
      // Removed tags: shown as set to nothing.
      const removed: JsonObject = {};
      for (const key of tagKeysOf(request)) define(removed, key, null);
      return cleanState({ tags: removed });
    }
    case 'policy-delete':
      return { policy: null };
    case 'reset':
      return {};
    default: {
      const set = request === undefined ? {} : cleanState(withoutIdentifiers(request));
      if (Object.keys(set).length > 0 || family === 'policy') return set;
      const after = stateAfterEvent(record, undefined);
      return after === undefined ? {} : copyObject(after);
    }
  }
}

/** The header of the values listed when the previous state is unknown. */
export const UNKNOWN_HEADER =
  'Previous state unknown: first change seen for this resource; the values it set:';

/**
 * Plain-text lines for an email: `field: old -> new` (ASCII arrow; `(absent)` for a field
 * that is not there; a masked value as the mask text), or, when the previous state is
 * unknown, the header and `field: value` (`(removed)` for a value the call removed), then
 * `... and N more fields` when some were left out, and the note.
 */
export function changeLines(changes: AlertChanges): string[] {
  const lines: string[] = [];
  if (changes.basis === 'unknown') {
    lines.push(
      changes.changes.length + changes.omitted > 0
        ? UNKNOWN_HEADER
        : 'Previous state unknown: first change seen for this resource.',
    );
    for (const change of changes.changes) {
      const value = change.after === null || change.after === 'null' ? '(removed)' : change.after;
      lines.push(`${change.field}: ${value}`);
    }
  } else {
    if (changes.changes.length === 0 && changes.omitted === 0) {
      lines.push('No field changed from the remembered state.');
    }
    for (const change of changes.changes) {
      lines.push(
        `${change.field}: ${change.before ?? '(absent)'} -> ${change.after ?? '(absent)'}`,
      );
    }
  }
  if (changes.omitted > 0) {
    lines.push(`... and ${changes.omitted} more field${changes.omitted === 1 ? '' : 's'}`);
  }
  if (changes.note !== undefined && changes.note !== '') lines.push(changes.note);
  return lines;
}
