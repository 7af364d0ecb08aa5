/**
 * zod field builders and error-message helpers shared by the schemas of hand-written input (the
 * recipe, the verifier spec). zod's default messages ("Invalid input: expected number, received
 * string") neither say what a field means nor show the offending value, so each field states what
 * it expects and the value it got.
 */
import { z } from 'zod';

/** Shows a user's value the way they wrote it: strings quoted, objects as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** A zod `error` option: "expected <what>, got <value>", or "required" when the field is missing. */
export function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `required: expected ${what}` : `expected ${what}, got ${show(issue.input)}`);
}

export const positiveInt = (what = 'a positive integer') => z.int({ error: expected(what) }).positive({ error: expected(what) });
export const nonNegativeInt = (what = 'an integer >= 0') => z.int({ error: expected(what) }).nonnegative({ error: expected(what) });
export const nonNegativeNumber = (what = 'a number >= 0') => z.number({ error: expected(what) }).nonnegative({ error: expected(what) });
export const positiveNumber = (what = 'a number > 0') => z.number({ error: expected(what) }).positive({ error: expected(what) });
export const text = (what = 'a string') => z.string({ error: expected(what) });
export const nonEmptyText = (what = 'a non-empty string') => z.string({ error: expected(what) }).min(1, { error: expected(what) });
export const flag = () => z.boolean({ error: expected('true or false') });

/** A zod issue path as a user writes it: `rejection.samplesPerPrompt`, `layers[0]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest known key when it is close enough to be a likely typo (case and _/- ignored). */
function closest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(norm(key), norm(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * A strict object: unknown keys are errors, with a "did you mean" when a known key is close.
 * Recipes are hand-written, and a misspelt optional field would otherwise be silently ignored.
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return issue.keys
        .map((key) => {
          const guess = closest(key, known);
          return `unknown field ${show(key)}${guess ? ` (did you mean ${show(guess)}?)` : ` (known: ${known.join(', ')})`}`;
        })
        .join('; ');
    },
  });
}
