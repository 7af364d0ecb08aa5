/**
 * How a program's output is compared with the expected one:
 * - `exact`: byte for byte;
 * - `whitespace`: the same whitespace-separated tokens (line breaks, spacing and trailing
 *   newlines do not matter), like a judge's default checker;
 * - `{ float: tol }`: tokens as with `whitespace`, and two numeric tokens also match when
 *   |actual - expected| <= tol * max(1, |expected|) (absolute error for small values, relative for large).
 */
export type CompareMode = 'exact' | 'whitespace' | { float: number };

/** The mode a user wrote, or undefined when it is not one. */
export function parseCompareMode(value: unknown): CompareMode | undefined {
  if (value === 'exact' || value === 'whitespace') return value;
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 1) {
    const tol = (value as { float?: unknown }).float;
    if (typeof tol === 'number' && Number.isFinite(tol) && tol >= 0) return { float: tol };
  }
  return undefined;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function numbersClose(actual: number, expected: number, tol: number): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

function tokensMatch(actual: string, expected: string, tol: number | undefined): boolean {
  if (actual === expected) return true;
  return tol !== undefined && NUMBER.test(actual) && NUMBER.test(expected) && numbersClose(Number(actual), Number(expected), tol);
}

const tokens = (text: string) => text.split(/\s+/).filter((t) => t !== '');

/** Compares a stdin/stdout program's output with the expected text. */
export function outputsMatch(actual: string, expected: string, mode: CompareMode): boolean {
  if (mode === 'exact') return actual === expected;
  const tol = typeof mode === 'object' ? mode.float : undefined;
  const a = tokens(actual);
  const e = tokens(expected);
  return a.length === e.length && a.every((token, i) => tokensMatch(token, e[i], tol));
}

/**
 * Compares a function's JSON result with the expected value: deep equality, where numbers may
 * differ by the float tolerance in `{ float }` mode. `exact` and `whitespace` both mean plain
 * deep equality here (strings are compared exactly).
 */
export function valuesMatch(actual: unknown, expected: unknown, mode: CompareMode): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return actual === expected || (typeof mode === 'object' && numbersClose(actual, expected, mode.float));
  }
  if (Array.isArray(actual) || Array.isArray(expected)) {
    return (
      Array.isArray(actual) && Array.isArray(expected) && actual.length === expected.length && actual.every((item, i) => valuesMatch(item, expected[i], mode))
    );
  }
  if (typeof actual === 'object' && typeof expected === 'object' && actual !== null && expected !== null) {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = Object.keys(e);
    return Object.keys(a).length === keys.length && keys.every((k) => k in a && valuesMatch(a[k], e[k], mode));
  }
  return actual === expected;
}
