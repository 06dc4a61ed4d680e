/**
 * "What changed": the state a call leaves, the fields that differ from the remembered state,
 * and the lines an alert shows, for every family of MediaPackage write call, with secrets
 * masked on both sides and hostile records handled without a throw.
 */
import fc from 'fast-check';
import type { ResourceState } from '../../../lambda/alert/resource-changes';
import {
  STATE_CUT_KEY,
  STATE_MAX_CHARS,
  UNKNOWN_HEADER,
  changeFamilyOf,
  changeLines,
  changesFor,
  diffStates,
  stateAfterEvent,
} from '../../../lambda/alert/resource-changes';
import type { CloudTrailRecord } from '../../../lambda/read/cloudtrail-record';
import type { MediaPackageSource, ResourceNames } from '../../../scripts/cloudtrail-factory';
import {
  MEDIAPACKAGE_WRITE_CALLS,
  cloudTrailRecord,
  createRng,
  mediaPackageRecord,
} from '../../../scripts/cloudtrail-factory';

const V1 = 'mediapackage.amazonaws.com';
const V2 = 'mediapackagev2.amazonaws.com';
const VOD = 'mediapackage-vod.amazonaws.com';
const NAMES: ResourceNames = {
  channel: 'news-24x7',
  channelGroup: 'live-events',
  originEndpoint: 'hls-ts',
  packagingGroup: 'vod-prod',
};

function event(
  source: MediaPackageSource,
  eventName: string,
  requestParameters?: Record<string, unknown>,
): CloudTrailRecord {
  return mediaPackageRecord(createRng(7), {
    source,
    eventName,
    names: NAMES,
    ...(requestParameters ? { requestParameters } : {}),
  });
}

const SECRET = 'Sup3rS3cretIngestPassw0rd';

describe('Function: changeFamilyOf', () => {
  it.each([
    ['CreateChannel', 'create'],
    ['UpdateOriginEndpoint', 'update'],
    ['RotateIngestEndpointCredentials', 'update'],
    ['RotateChannelCredentials', 'update'],
    ['ConfigureLogs', 'configure'],
    ['PutChannelPolicy', 'policy'],
    ['DeleteOriginEndpointPolicy', 'policy-delete'],
    ['TagResource', 'tags'],
    ['UntagResource', 'tags'],
    ['ResetChannelState', 'reset'],
    ['DeleteChannel', 'delete'],
    ['CancelHarvestJob', 'other'],
    ['DescribeChannel', 'other'],
  ])('classifies %s as %s', (eventName, family) => {
    expect(changeFamilyOf(eventName)).toBe(family);
  });

  it('gives every documented write call a family', () => {
    const families = Object.values(MEDIAPACKAGE_WRITE_CALLS)
      .flat()
      .map((name) => [name, changeFamilyOf(name)]);
    expect(families.filter(([, family]) => family === 'other')).toEqual([
      ['CancelHarvestJob', 'other'],
    ]);
  });
});

describe('Function: stateAfterEvent', () => {
  it('keeps a create response without its noise fields', () => {
    const state = stateAfterEvent(event(V2, 'CreateChannel'), undefined);
    expect(state).toMatchObject({ channelName: 'news-24x7', channelGroupName: 'live-events' });
    expect(state).not.toHaveProperty('createdAt');
    expect(state).not.toHaveProperty('modifiedAt');
    expect(state).not.toHaveProperty('eTag');
  });

  it('masks secrets in what it keeps', () => {
    const record = event(V1, 'UpdateChannel');
    const response = record.responseElements as Record<string, unknown>;
    const kept = stateAfterEvent(
      { ...record, responseElements: { ...response, ingestPassword: SECRET } },
      undefined,
    );
    expect(JSON.stringify(kept)).not.toContain(SECRET);
  });

  it('merges tags onto the remembered tags, and removes untagged keys', () => {
    const before = { id: 'vod-prod', tags: { Owner: 'media', Environment: 'staging' } };
    expect(stateAfterEvent(event(VOD, 'TagResource'), before)).toEqual({
      id: 'vod-prod',
      tags: { Owner: 'media', Environment: 'production', CostCenter: 'media-ops' },
    });
    expect(stateAfterEvent(event(VOD, 'UntagResource'), before)).toEqual({
      id: 'vod-prod',
      tags: { Owner: 'media' },
    });
    expect(
      stateAfterEvent(event(V2, 'UntagResource', { tagKeys: undefined, TagKeys: 'Owner' }), before),
    ).toEqual({ id: 'vod-prod', tags: { Environment: 'staging' } });
  });

  it('sets and removes a policy on the remembered state', () => {
    const before = { channelName: 'news-24x7', policy: '{"Version":"2012-10-17"}' };
    const put = stateAfterEvent(event(V2, 'PutChannelPolicy'), before);
    expect(String(put?.policy)).toContain('AllowEncoderRole');
    expect(stateAfterEvent(event(V2, 'DeleteChannelPolicy'), before)).toEqual({
      channelName: 'news-24x7',
    });
  });

  it('knows nothing after a failed call, a read, a delete, or a tag call on an unknown resource', () => {
    const failed = { ...event(V1, 'UpdateChannel'), errorCode: 'ForbiddenException' };
    expect(stateAfterEvent(failed, { id: 'x' })).toBeUndefined();
    expect(stateAfterEvent(event(V1, 'DescribeChannel'), { id: 'x' })).toBeUndefined();
    expect(stateAfterEvent(event(V1, 'DeleteChannel'), { id: 'x' })).toBeUndefined();
    expect(stateAfterEvent(event(V1, 'TagResource'), undefined)).toBeUndefined();
  });

  it('applies the request over the remembered state when no response was recorded', () => {
    const record = { ...event(V1, 'UpdateOriginEndpoint'), responseElements: null };
    const before = { id: 'hls-ts', timeDelaySeconds: 0, hlsPackage: { adMarkers: 'NONE' } };
    expect(stateAfterEvent(record, before)).toEqual({
      id: 'hls-ts',
      timeDelaySeconds: 10,
      hlsPackage: { adMarkers: 'NONE', segmentDurationSeconds: 4, playlistWindowSeconds: 30 },
    });
  });

  it('keeps a huge state cut, with a marker, within the bound', () => {
    const responseElements = Object.fromEntries(
      Array.from({ length: 2_000 }, (_, index) => [`field${index}`, 'x'.repeat(100)]),
    );
    const state = stateAfterEvent({ ...event(V2, 'UpdateChannel'), responseElements }, undefined);
    expect(JSON.stringify(state).length).toBeLessThanOrEqual(STATE_MAX_CHARS);
    expect(state?.[STATE_CUT_KEY]).toMatch(/^\[cut: state of \d+ characters/);
  });

  it('keeps a __proto__ key as data', () => {
    const responseElements = JSON.parse('{"__proto__":{"polluted":true},"id":"c"}') as unknown;
    const state = stateAfterEvent({ ...event(V1, 'UpdateChannel'), responseElements }, undefined);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws on arbitrary records', () => {
    const names = [...Object.values(MEDIAPACKAGE_WRITE_CALLS).flat(), 'Other'];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.jsonValue(),
        fc.jsonValue(),
        fc.option(fc.jsonValue() as fc.Arbitrary<unknown>),
        (eventName, requestParameters, responseElements, before) => {
          const record = cloudTrailRecord({ eventName, requestParameters, responseElements });
          const remembered =
            typeof before === 'object' && before !== null ? (before as ResourceState) : undefined;
          stateAfterEvent(record, remembered);
          const changes = changesFor(record, remembered);
          if (changes !== null) changeLines(changes);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Function: diffStates', () => {
  it('gives dotted paths, array indexes, whole scalar lists and embedded JSON, sorted', () => {
    const before = {
      description: 'old',
      hlsPackage: { segmentDurationSeconds: 6, adTriggers: ['SPLICE_INSERT'] },
      hlsManifests: [{ manifestName: 'index', manifestWindowSeconds: 60 }],
      policy: '{"Statement":[{"Effect":"Allow"}]}',
      'odd key': 1,
    };
    const after = {
      description: 'new',
      hlsPackage: { segmentDurationSeconds: 4, adTriggers: ['SPLICE_INSERT', 'BREAK'] },
      hlsManifests: [{ manifestName: 'index', manifestWindowSeconds: 30 }],
      policy: '{"Statement":[{"Effect":"Deny"}]}',
    };
    expect(diffStates(before, after)).toEqual({
      changes: [
        { field: 'description', before: '"old"', after: '"new"' },
        { field: 'hlsManifests[0].manifestWindowSeconds', before: '60', after: '30' },
        {
          field: 'hlsPackage.adTriggers',
          before: '["SPLICE_INSERT"]',
          after: '["SPLICE_INSERT","BREAK"]',
        },
        { field: 'hlsPackage.segmentDurationSeconds', before: '6', after: '4' },
        { field: '["odd key"]', before: '1', after: null },
        { field: 'policy.Statement[0].Effect', before: '"Allow"', after: '"Deny"' },
      ],
      omitted: 0,
    });
  });

  it('cuts long values and counts what it leaves out', () => {
    const after = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`f${i}`, 'y'.repeat(500)]),
    );
    const { changes, omitted } = diffStates({}, after, 10);
    expect(changes).toHaveLength(10);
    expect(omitted).toBe(50);
    expect(changes[0]?.after?.length).toBeLessThanOrEqual(200);
  });

  it('finds nothing between a state and itself', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (state) => {
        expect(diffStates(state, state)).toEqual({ changes: [], omitted: 0 });
        expect(diffStates(state, structuredClone(state))).toEqual({ changes: [], omitted: 0 });
      }),
    );
  });

  it('is bounded and never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.jsonValue(),
        fc.integer({ min: 0, max: 20 }),
        (before, after, max) => {
          const { changes } = diffStates(before as ResourceState, after as ResourceState, max);
          expect(changes.length).toBeLessThanOrEqual(max);
          for (const change of changes) {
            expect((change.before ?? '').length).toBeLessThanOrEqual(200);
            expect((change.after ?? '').length).toBeLessThanOrEqual(200);
          }
        },
      ),
    );
  });

  it('does not overflow the stack on a very deep state', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 50_000; i += 1) deep = { d: deep };
    expect(() => diffStates({ a: deep }, { a: { d: 1 } })).not.toThrow();
  });
});

describe('Function: changesFor', () => {
  it('shows an Update* old -> new from the remembered create', () => {
    const before = stateAfterEvent(event(V1, 'CreateOriginEndpoint'), undefined);
    const changes = changesFor(event(V1, 'UpdateOriginEndpoint'), before);
    expect(changes?.basis).toBe('remembered');
    expect(changeLines(changes!)).toEqual([
      'hlsPackage.playlistWindowSeconds: 60 -> 30',
      'hlsPackage.segmentDurationSeconds: 6 -> 4',
      'timeDelaySeconds: 0 -> 10',
    ]);
  });

  it('lists the values an update set when nothing is remembered', () => {
    const changes = changesFor(event(V2, 'UpdateChannel'), undefined);
    expect(changes).toEqual({
      basis: 'unknown',
      changes: [{ field: 'description', before: null, after: '"Updated news-24x7"' }],
      omitted: 0,
    });
    expect(changeLines(changes!)).toEqual([UNKNOWN_HEADER, 'description: "Updated news-24x7"']);
  });

  it('shows Configure* changes', () => {
    const before = stateAfterEvent(event(V1, 'CreateChannel'), undefined);
    expect(changeLines(changesFor(event(V1, 'ConfigureLogs'), before)!)).toEqual([
      'egressAccessLogs.logGroupName: (absent) -> "/aws/MediaPackage/EgressAccessLogs"',
      'ingressAccessLogs.logGroupName: (absent) -> "/aws/MediaPackage/IngressAccessLogs"',
    ]);
  });

  it('shows a Put*Policy statement by statement, with secret-looking values masked on both sides', () => {
    const secretPolicy = JSON.stringify({
      Statement: [{ Effect: 'Allow', Condition: { StringEquals: { 'aws:Referer': SECRET } } }],
    });
    const before = { channelName: 'news-24x7', policy: secretPolicy };
    const newPolicy = JSON.stringify({
      Statement: [{ Effect: 'Deny', Condition: { StringEquals: { password: `${SECRET}2` } } }],
    });
    const record = event(V2, 'PutChannelPolicy', { policy: newPolicy });
    const lines = changeLines(changesFor(record, before)!);
    expect(lines).toContain('policy.Statement[0].Effect: "Allow" -> "Deny"');
    expect(lines.join('\n')).not.toContain(SECRET);
    const unknown = changeLines(changesFor(record, undefined)!);
    expect(unknown[0]).toBe(UNKNOWN_HEADER);
    expect(unknown.join('\n')).not.toContain(SECRET);
  });

  it('shows a Delete*Policy as the policy removed', () => {
    const before = { channelName: 'news-24x7', policy: '{"Version":"2012-10-17"}' };
    expect(changeLines(changesFor(event(V2, 'DeleteChannelPolicy'), before)!)).toEqual([
      'policy: "{\\"Version\\":\\"2012-10-17\\"}" -> (absent)',
    ]);
    expect(changeLines(changesFor(event(V2, 'DeleteChannelPolicy'), undefined)!)).toEqual([
      UNKNOWN_HEADER,
      'policy: (removed)',
    ]);
  });

  it('shows tag changes, remembered and unknown', () => {
    const before = { id: 'vod-prod', tags: { Environment: 'staging' } };
    expect(changeLines(changesFor(event(VOD, 'TagResource'), before)!)).toEqual([
      'tags.CostCenter: (absent) -> "media-ops"',
      'tags.Environment: "staging" -> "production"',
    ]);
    expect(changeLines(changesFor(event(VOD, 'UntagResource'), undefined)!)).toEqual([
      UNKNOWN_HEADER,
      'tags.Environment: (removed)',
    ]);
  });

  it('explains a Reset* and a credential rotation, whose masked credentials show no change', () => {
    const channel = stateAfterEvent(event(V1, 'CreateChannel'), undefined);
    const rotate = changesFor(event(V1, 'RotateIngestEndpointCredentials'), channel);
    expect(rotate).toMatchObject({ basis: 'remembered', changes: [], omitted: 0 });
    expect(changeLines(rotate!).at(-1)).toMatch(/credentials were rotated/);
    const reset = changesFor(event(V2, 'ResetChannelState'), undefined);
    expect(reset).toMatchObject({ basis: 'unknown', changes: [] });
    expect(changeLines(reset!).join('\n')).toMatch(/configuration is unchanged/);
  });

  it('masks a secret in the remembered state and in the response alike', () => {
    const before = { id: 'news-24x7', description: 'a', ingestPassword: SECRET };
    const record = event(V1, 'UpdateChannel');
    const response = record.responseElements as Record<string, unknown>;
    const changes = changesFor(
      { ...record, responseElements: { ...response, ingestPassword: `${SECRET}-new` } },
      before,
    );
    const text = changeLines(changes!).join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/ingestPassword/);
  });

  it('has nothing to say about creates, deletes, failures and other calls', () => {
    expect(changesFor(event(V2, 'CreateChannel'), undefined)).toBeNull();
    expect(changesFor(event(V2, 'DeleteChannel'), { a: 1 })).toBeNull();
    expect(changesFor(event(V2, 'CancelHarvestJob'), { a: 1 })).toBeNull();
    expect(
      changesFor({ ...event(V2, 'UpdateChannel'), errorCode: 'ConflictException' }, { a: 1 }),
    ).toBeNull();
  });

  it('says how many fields it left out', () => {
    const many = Object.fromEntries(Array.from({ length: 55 }, (_, i) => [`f${i}`, i]));
    const record = { ...event(V2, 'UpdateChannel'), responseElements: many };
    const lines = changeLines(changesFor(record, { f0: -1 })!);
    expect(lines).toHaveLength(51);
    expect(lines.at(-1)).toBe('... and 5 more fields');
  });
});
