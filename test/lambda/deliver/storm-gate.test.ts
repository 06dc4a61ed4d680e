import { randomUUID } from 'node:crypto';
import type { MediaPackageAlert } from '../../../lambda/alert/alert';
import type { StormSettings } from '../../../lambda/alert/storm';
import { digestHeadline } from '../../../lambda/alert/storm';
import type { StormDecision } from '../../../lambda/deliver/storm-gate';
import { dynamoDbStormGate } from '../../../lambda/deliver/storm-gate';
import { alertFor } from '../../support/alerts';
import type { LocalDynamoDb } from '../../support/local-dynamodb';
import { startLocalDynamoDb } from '../../support/local-dynamodb';
import { cloudTrailRecord, ROLE_ARN } from '../../../scripts/cloudtrail-factory';

const SETTINGS: StormSettings = { enabled: true, threshold: 10, windowMinutes: 5 };
/** Inside one 5-minute window, well away from its edges. */
const NOW = new Date('2026-12-01T10:01:00Z');
const AFTER_WINDOW = new Date('2026-12-01T10:07:00Z');

let dynamo: LocalDynamoDb;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});

afterAll(async () => {
  await dynamo.stop();
});

async function freshGate(settings: StormSettings = SETTINGS) {
  const tableName = `storms-${randomUUID()}`;
  await dynamo.createIdempotencyTable(tableName);
  return dynamoDbStormGate({
    tableName,
    settings,
    decisionTtlSeconds: 3600,
    dynamoDb: dynamo.client,
  });
}

/** A TagResource by `role` on channel `channel`, as the shared factory writes it. */
function tagAlert(
  channel: string,
  options: { role?: string; eventName?: string; session?: string } = {},
): MediaPackageAlert {
  const role = options.role ?? ROLE_ARN;
  return alertFor(
    cloudTrailRecord({
      eventName: options.eventName ?? 'TagResource',
      eventID: randomUUID(),
      userIdentity: {
        type: 'AssumedRole',
        arn: `${role.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${options.session ?? 'run-1'}`,
        accountId: '111122223333',
        sessionContext: { sessionIssuer: { type: 'Role', arn: role, userName: 'Deployer' } },
      },
      requestParameters: { id: channel, tags: { team: 'live' } },
    }),
  );
}

function count(decisions: Iterable<StormDecision>, wanted: StormDecision): number {
  return [...decisions].filter((decision) => decision === wanted).length;
}

describe('Storm gate: dynamoDbStormGate', () => {
  it('lets the first threshold alerts of one caller and event through and collapses the rest', async () => {
    // Prepare
    const gate = await freshGate();
    const alerts = Array.from({ length: 25 }, (_, index) => tagAlert(`channel-${index}`));

    // Act
    const decisions = await gate.decide(alerts, NOW);

    // Assess
    expect(count(decisions.values(), 'deliver')).toBe(10);
    expect(count(decisions.values(), 'collapsed')).toBe(15);
  });

  it('counts a storm once across invocations running at once', async () => {
    // Prepare: 60 alerts split over 6 invocations that decide concurrently
    const gate = await freshGate();
    const alerts = Array.from({ length: 60 }, (_, index) => tagAlert(`channel-${index}`));
    const invocations = [0, 1, 2, 3, 4, 5].map((part) =>
      alerts.filter((_, index) => index % 6 === part),
    );

    // Act
    const results = await Promise.all(invocations.map((batch) => gate.decide(batch, NOW)));

    // Assess
    const all = results.flatMap((result) => [...result.values()]);
    expect(all).toHaveLength(60);
    expect(count(all, 'deliver')).toBe(10);
  });

  it('gives an event the same answer on a retry, a replay or the other path', async () => {
    // Prepare
    const gate = await freshGate();
    const alerts = Array.from({ length: 15 }, (_, index) => tagAlert(`channel-${index}`));
    const first = await gate.decide(alerts, NOW);

    // Act: the same events again, in another order, later in the window and in the next one
    const again = await gate.decide([...alerts].reverse(), new Date(NOW.getTime() + 60_000));
    const nextWindow = await gate.decide(alerts, AFTER_WINDOW);

    // Assess
    expect(again).toEqual(first);
    expect(nextWindow).toEqual(first);
  });

  it('counts callers and event names apart; a role counts as one caller whatever its session', async () => {
    // Prepare
    const gate = await freshGate({ ...SETTINGS, threshold: 2 });
    const deployerRuns = [1, 2, 3].map((run) =>
      tagAlert(`a-${run}`, { session: `pipeline-run-${run}` }),
    );
    const otherRole = [1, 2].map((run) =>
      tagAlert(`b-${run}`, { role: 'arn:aws:iam::111122223333:role/Other' }),
    );
    const otherEvent = [1, 2].map((run) => tagAlert(`c-${run}`, { eventName: 'UntagResource' }));

    // Act
    const decisions = await gate.decide([...deployerRuns, ...otherRole, ...otherEvent], NOW);

    // Assess: only the third Deployer TagResource is over the threshold of 2
    const collapsed = [...decisions].filter(([, decision]) => decision === 'collapsed');
    expect(collapsed.map(([eventID]) => eventID)).toEqual([deployerRuns[2]?.eventID]);
  });

  it('never collapses a change to the pipeline itself', async () => {
    // Prepare
    const gate = await freshGate({ ...SETTINGS, threshold: 1 });
    const tampering = Array.from({ length: 5 }, (_, index) => ({
      ...tagAlert(`trail-${index}`),
      category: 'self-protection' as const,
    }));

    // Act
    const decisions = await gate.decide(tampering, NOW);

    // Assess
    expect(count(decisions.values(), 'deliver')).toBe(5);
  });

  it('starts counting again in the next window', async () => {
    // Prepare
    const gate = await freshGate({ ...SETTINGS, threshold: 3 });
    await gate.decide(
      Array.from({ length: 5 }, (_, index) => tagAlert(`first-${index}`)),
      NOW,
    );

    // Act
    const later = await gate.decide(
      Array.from({ length: 5 }, (_, index) => tagAlert(`later-${index}`)),
      AFTER_WINDOW,
    );

    // Assess
    expect(count(later.values(), 'deliver')).toBe(3);
  });

  it('lets everything through when storms are off', async () => {
    // Prepare
    const gate = await freshGate({ ...SETTINGS, enabled: false, threshold: 1 });

    // Act
    const decisions = await gate.decide(
      Array.from({ length: 5 }, (_, index) => tagAlert(`c-${index}`)),
      NOW,
    );

    // Assess
    expect(count(decisions.values(), 'deliver')).toBe(5);
  });

  it('lists a window as due once it has ended, with a digest of exactly what it collapsed', async () => {
    // Prepare
    const gate = await freshGate();
    const alerts = Array.from({ length: 24 }, (_, index) => tagAlert(`channel-${index % 8}`));
    const decisions = await gate.decide(alerts, NOW);
    const collapsedIds = [...decisions]
      .filter(([, decision]) => decision === 'collapsed')
      .map(([eventID]) => eventID);

    // Act
    const duringWindow = await gate.dueDigests(NOW, 10);
    const [due, ...others] = await gate.dueDigests(AFTER_WINDOW, 10);

    // Assess
    expect(duringWindow).toEqual([]);
    expect(others).toEqual([]);
    expect(due?.digest).toMatchObject({
      kind: 'digest',
      eventName: 'TagResource',
      callerLabel: 'role MediaOpsAdmin',
      collapsed: 14,
      collapsedAtLeast: false,
      delivered: 10,
      windowStart: '2026-12-01T10:00:00.000Z',
      windowEnd: '2026-12-01T10:05:00.000Z',
    });
    expect(due?.digest.resources).toHaveLength(8);
    expect(due?.digest.links.length).toBeGreaterThan(0);
    expect(collapsedIds).toHaveLength(14);
    expect(digestHeadline(due!.digest)).toBe(
      '14 more TagResource calls by role MediaOpsAdmin in the last 5 minutes',
    );
  });

  it('no longer lists a window once its digest is marked sent', async () => {
    // Prepare
    const gate = await freshGate({ ...SETTINGS, threshold: 1 });
    await gate.decide([tagAlert('a'), tagAlert('b')], NOW);
    const [due] = await gate.dueDigests(AFTER_WINDOW, 10);

    // Act
    await gate.markDigestSent(due!.windowId);

    // Assess
    expect(await gate.dueDigests(AFTER_WINDOW, 10)).toEqual([]);
  });

  it('lets people have an event decided after its window digest went out', async () => {
    // Prepare: a window whose digest was sent
    const gate = await freshGate({ ...SETTINGS, threshold: 1 });
    await gate.decide([tagAlert('a'), tagAlert('b')], NOW);
    const [due] = await gate.dueDigests(AFTER_WINDOW, 10);
    await gate.markDigestSent(due!.windowId);
    const late = tagAlert('c');

    // Act: decided with the window's time (an invocation that started before it ended)
    const decisions = await gate.decide([late], NOW);

    // Assess: no digest will list it, so it is not collapsed
    expect(decisions.get(late.eventID)).toBe('deliver');
  });
});
