/**
 * Patterns in the rules file are literal text with `*` standing for any run of characters
 * (including none and including `/` and `:`, since ARNs are the common case). Matching is
 * case-sensitive, as CloudTrail's values are. Hand-written rather than a glob library: globs
 * treat `/` as a separator, which is wrong for ARNs, and the whole syntax is one character.
 */
export function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}
