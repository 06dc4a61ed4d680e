import fc from 'fast-check';
import {
  MEDIAPACKAGE_EVENT_SOURCES,
  consolePath,
  serviceName,
} from '../../../lambda/match/event-sources';

/** Sources of other AWS services, shaped like AWS's own: a lowercase label under amazonaws.com. */
const otherService = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
  .filter((label) => !label.startsWith('mediapackage'))
  .map((label) => ({ label, source: `${label}.amazonaws.com` }));
const RUNS = { seed: 42, numRuns: 200 } as const;

describe('Function: serviceName', () => {
  it('tells the three MediaPackage APIs apart, each as MediaPackage', () => {
    // Act
    const names = MEDIAPACKAGE_EVENT_SOURCES.map(serviceName);

    // Assess
    expect(new Set(names).size).toBe(MEDIAPACKAGE_EVENT_SOURCES.length);
    for (const name of names) expect(name).toMatch(/^MediaPackage\b/);
  });

  it.each([
    ['ec2.amazonaws.com', 'ec2'],
    ['mediatailor.amazonaws.com', 'mediatailor'],
    ['example.com', 'example.com'],
    ['ec2.amazonaws.com.example.net', 'ec2.amazonaws.com.example.net'],
    ['x.amazonaws.com.amazonaws.com', 'x.amazonaws.com'],
    ['', ''],
  ])('names the unknown source %j %j: only a final .amazonaws.com is dropped', (source, name) => {
    // Act
    const result = serviceName(source);

    // Assess
    expect(result).toBe(name);
  });

  it('names any other AWS service by its own label (some with their product capitals)', () => {
    fc.assert(
      fc.property(otherService, ({ label, source }) => {
        // Act
        const result = serviceName(source);

        // Assess
        expect(result.toLowerCase()).toBe(label);
      }),
      RUNS,
    );
  });
});

describe('Function: consolePath', () => {
  it.each([
    ['mediapackage.amazonaws.com', 'mediapackage'],
    ['mediapackagev2.amazonaws.com', 'mediapackagev2'],
    // VOD has no console of its own: it is a section of the MediaPackage console.
    ['mediapackage-vod.amazonaws.com', 'mediapackage'],
    ['medialive.amazonaws.com', 'medialive'],
  ])('opens %s in the console at /%s', (source, path) => {
    // Act
    const result = consolePath(source);

    // Assess
    expect(result).toBe(path);
  });

  it("uses any other AWS service's label as its path", () => {
    fc.assert(
      fc.property(otherService, ({ label, source }) => {
        // Act
        const result = consolePath(source);

        // Assess
        expect(result).toBe(label);
      }),
      RUNS,
    );
  });
});

// A rule may watch every source ("*"), so an event source is any text a record holds: the
// table lookups must not reach Object.prototype (`constructor` gives the `Object` function, and
// the alert's console link becomes https://console.aws.amazon.com/function%20Object()...).
describe('Functions: serviceName and consolePath, for a source named like an object property', () => {
  it.each([
    ['serviceName', serviceName, 'constructor'],
    ['serviceName', serviceName, '__proto__'],
    ['serviceName', serviceName, 'hasOwnProperty'],
    ['consolePath', consolePath, 'toString'],
    ['consolePath', consolePath, 'valueOf'],
  ] as const)('%s gives %j its own text', (_name, describeSource, source) => {
    // Act
    const result = describeSource(source);

    // Assess
    expect(result).toBe(source);
  });
});
