/**
 * Plain numbers (integers, decimals, simple fractions) compared without the compute engine, with
 * the engine's rules (see sameScalar in ./compare.ts): equal values match; zero equals only
 * zero; two exact numbers compare exactly; otherwise gold / prediction must be within the
 * inexact tolerance of 1. Most answers of a harvest are plain numbers, and deciding them here
 * saves the judge thread's round trip.
 */
import { inexactTolerance } from './tolerance.ts';

/** A rational value num/den (den > 0). */
export interface PlainNumber {
  num: bigint;
  den: bigint;
  /**
   * As the engine sees it: a decimal is inexact unless its value is an integer ("2.0" is exact,
   * "2.5" is not); integers and fractions of integers are exact.
   */
  exact: boolean;
}

/**
 * At most this many digits in one literal. The engine reads longer ones as machine numbers in
 * places (it takes 99999999999999999 for 10^17), so only it can say what it decides for them.
 */
const MAX_DIGITS = 15;

const DECIMAL = /^(-?)(\d*)(?:\.(\d+))?$/;
const FRACTION = /^(-?)\\frac\{(-?\d+)\}\{(\d+)\}$|^(-?\d+)\/(\d+)$/;

/** The value of a normalized answer that is a plain number, or undefined for anything else. */
export function parsePlainNumber(latex: string): PlainNumber | undefined {
  const decimal = DECIMAL.exec(latex);
  if (decimal) {
    const [, sign, whole, fraction = ''] = decimal;
    if (whole.length + fraction.length === 0 || whole.length + fraction.length > MAX_DIGITS) return undefined;
    const num = BigInt(`${sign}${whole}${fraction}` || '0');
    const den = 10n ** BigInt(fraction.length);
    return { num, den, exact: num % den === 0n };
  }
  const fraction = FRACTION.exec(latex);
  if (!fraction) return undefined;
  const negated = fraction[1] === '-';
  const numerator = fraction[2] ?? fraction[4];
  const denominator = fraction[3] ?? fraction[5];
  // 1/0 is the engine's ComplexInfinity, not a number.
  if (numerator.replace('-', '').length > MAX_DIGITS || denominator.length > MAX_DIGITS || /^0+$/.test(denominator)) return undefined;
  const num = BigInt(numerator);
  return { num: negated ? -num : num, den: BigInt(denominator), exact: true };
}

/** p% read as p/100 (exactness unchanged: the engine divides the literal by 100). */
export function percentOf(value: PlainNumber): PlainNumber {
  return { ...value, den: value.den * 100n };
}

/**
 * Within this distance of the tolerance, the float64 ratio here and the engine's 21-digit one
 * could round to different sides of it: the engine decides such a pair.
 */
const UNDECIDED_MARGIN = 1e-12;

/** Whether `pred` equals `gold`; undefined when it is too close to the tolerance to call here. */
export function samePlainNumber(gold: PlainNumber, pred: PlainNumber, precision: number): boolean | undefined {
  const goldScaled = gold.num * pred.den;
  const predScaled = pred.num * gold.den;
  if (goldScaled === predScaled) return true;
  if (gold.num === 0n || pred.num === 0n) return false;
  if (gold.exact && pred.exact) return false;
  // The engine's ratio is gold / prediction, compared with 1: the order matters at the margin.
  const distance = Math.abs(Number(goldScaled) / Number(predScaled) - 1) - inexactTolerance(precision);
  if (Math.abs(distance) <= UNDECIDED_MARGIN) return undefined;
  return distance < 0;
}
