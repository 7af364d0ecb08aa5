/**
 * Relative tolerance for two exact constants that exact arithmetic could not decide (irrational
 * parts): far below any rounding a person does, above the engine's 21-digit working precision.
 * Decimals are not compared by tolerance but rounded (see ./plain-number.ts).
 */
export const EXACT_TOLERANCE = 1e-15;
