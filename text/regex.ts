/**
 * Words as regular-expression literals: the one escape of the project, and literal alternatives longest
 * first (so that "但是" is tried before "但"). Pure.
 *
 * @example
 * new RegExp(alt(['但', '但是', 'a.b'])) // /但是|a\.b|但/
 */

/** A word as a literal in a regular expression. */
export const escapeRe = (w: string): string => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Literal alternatives, longest first. */
export const alt = (ws: readonly string[]): string =>
  [...ws]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|');
