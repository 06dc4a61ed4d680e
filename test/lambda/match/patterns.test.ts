import fc from 'fast-check';
import { wildcardToRegExp } from '../../../lambda/match/patterns';

/**
 * What a wildcard means, written without regular expressions so it cannot share the product's
 * escaping: `*` is any run of characters (none included), every other character is itself.
 */
function wildcardMeans(pattern: string, text: string): boolean {
  // matched[j]: pattern[0, i) matches text[0, j), row by row over i.
  let matched = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (const char of pattern) {
    const next = Array.from({ length: text.length + 1 }, () => false);
    for (let j = 0; j <= text.length; j += 1) {
      next[j] =
        char === '*'
          ? matched[j] === true || (j > 0 && next[j - 1] === true)
          : j > 0 && matched[j - 1] === true && text[j - 1] === char;
    }
    matched = next;
  }
  return matched[text.length] === true;
}

/** Regex metacharacters, separators of ARNs and line breaks, beside ordinary letters. */
const TRICKY = ['a', 'A', 'b', '*', '.', '+', '?', '^', '$', '{', '}', '(', ')', '|', '[', ']'];
const ALPHABET = [...TRICKY, '\\', '/', ':', '-', '\n', '\r', '\u2028', 'é'];
const trickyText = (maxLength: number, letters: readonly string[] = ALPHABET) =>
  fc.string({ unit: fc.constantFrom(...letters), maxLength });
/**
 * A pattern and a text over `a` and one or two other characters of ALPHABET, so that matches
 * are as common as misses and each metacharacter meets a letter it must not stand for.
 */
const patternAndText = fc
  .subarray(ALPHABET, { minLength: 1, maxLength: 2 })
  .map((others) => ['a', ...others])
  .chain((letters) => fc.tuple(trickyText(8, [...letters, '*']), trickyText(8, letters)));
const RUNS = { seed: 42, numRuns: 200 } as const;

describe('Function: wildcardToRegExp', () => {
  it.each([
    ['arn:aws:iam::*:role/deploy-*', 'arn:aws:iam::111122223333:role/deploy-prod/eu'],
    ['Delete*', 'Delete'],
    ['*Policy', 'PutChannelPolicy'],
    ['mediapackage*.amazonaws.com', 'mediapackage-vod.amazonaws.com'],
    ['*', 'line one\nline two'],
  ])('matches %j against %j, across slashes, colons and line breaks', (pattern, text) => {
    // Act
    const result = wildcardToRegExp(pattern).test(text);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    ['Delete*', 'deleteChannel', 'case differs'],
    ['Delete', 'DeleteChannel', 'text goes on after the pattern'],
    ['Delete', 'XDelete', 'text starts before the pattern'],
    ['Delete', 'Delete\n', 'a trailing line break'],
    ['mediapackage.amazonaws.com', 'mediapackageXamazonawsYcom', 'a dot is only a dot'],
    ['a+', 'aa', 'a plus is only a plus'],
  ])('does not match %j against %j (%s)', (pattern, text) => {
    // Act
    const result = wildcardToRegExp(pattern).test(text);

    // Assess
    expect(result).toBe(false);
  });

  it('gives the same answer each time one compiled pattern is used again', () => {
    // Prepare: the matcher compiles a rule once and tests every record against it.
    const compiled = wildcardToRegExp('Update*');

    // Act
    const answers = ['UpdateChannel', 'UpdateChannel', 'UpdateChannel'].map((name) =>
      compiled.test(name),
    );

    // Assess
    expect(answers).toEqual([true, true, true]);
  });

  it('never throws and matches exactly what the wildcard means, metacharacters included', () => {
    const answers = { matched: 0, missed: 0 };
    fc.assert(
      fc.property(patternAndText, ([pattern, text]) => {
        // Act
        const result = wildcardToRegExp(pattern).test(text);

        // Assess
        expect(result).toBe(wildcardMeans(pattern, text));
        answers[result ? 'matched' : 'missed'] += 1;
      }),
      RUNS,
    );
    // Both answers must come up, or the property proves little.
    expect(answers.matched).toBeGreaterThan(20);
    expect(answers.missed).toBeGreaterThan(20);
  });

  it('matches every text made by filling each * of the pattern with any characters', () => {
    fc.assert(
      fc.property(
        trickyText(10),
        fc.array(trickyText(6), { minLength: 10, maxLength: 10 }),
        (pattern, fillings) => {
          // Prepare
          const text = pattern
            .split('*')
            .map((part, n) => (n === 0 ? part : `${fillings[n] ?? ''}${part}`))
            .join('');

          // Act
          const result = wildcardToRegExp(pattern).test(text);

          // Assess
          expect(result).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('matches a pattern without * against itself and nothing else', () => {
    fc.assert(
      fc.property(
        trickyText(12).filter((text) => !text.includes('*')),
        trickyText(12),
        (pattern, other) => {
          // Act
          const compiled = wildcardToRegExp(pattern);

          // Assess
          expect(compiled.test(pattern)).toBe(true);
          expect(compiled.test(other)).toBe(other === pattern);
        },
      ),
      RUNS,
    );
  });
});
