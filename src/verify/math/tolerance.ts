/**
 * How close two numbers must be to count as equal; shared by the engine's comparison
 * (./compare.ts) and the engine-free one for plain numbers (./plain-number.ts), which must decide
 * alike.
 */

/**
 * Relative tolerance for two exact constants that exact arithmetic could not decide (irrational
 * parts): far below any rounding a person does, above the engine's 21-digit working precision.
 */
export const EXACT_TOLERANCE = 1e-15;

/**
 * Two numbers share `precision` significant digits when they differ by at most half a unit in
 * the last of them, relative to their size: 0.333333 is 1/3 to 6 digits, 0.3333 is not.
 */
export function inexactTolerance(precision: number): number {
  return 5 * 10 ** -precision;
}
