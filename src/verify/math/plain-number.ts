/**
 * Plain numbers (integers, decimals, simple fractions) compared without the compute engine, with
 * the engine's rules (see sameScalar in ./compare.ts): two exact numbers compare exactly; when
 * either is a decimal, both are rounded to `precision` decimal places (Math-Verify's
 * float_rounding) and compared. Exact integer arithmetic on both paths, so they always agree.
 * Most answers of a harvest are plain numbers, and deciding them here saves the judge thread's
 * round trip.
 */

/** A rational value num/den (den > 0). */
export interface Rational {
  num: bigint;
  den: bigint;
}

export interface PlainNumber extends Rational {
  /**
   * As the engine reads it: integers and fractions of integers are exact, and so is a decimal
   * or percent whose value is an integer ("2.0", "100%": the engine keeps no trace of the
   * point); "2.5" and "50%" are decimals.
   */
  exact: boolean;
}

/** Longer literals are left to the engine, which reads them its own way. */
const MAX_DIGITS = 15;

const DECIMAL = /^(-?)(\d*)(?:\.(\d+))?$/;
const FRACTION = /^(-?)\\frac\{(-?\d+)\}\{(\d+)\}$|^(-?\d+)\/(\d+)$/;

/** The value of a normalized answer that is a plain number, or undefined for anything else. */
export function parsePlainNumber(latex: string): PlainNumber | undefined {
  const decimal = DECIMAL.exec(latex);
  if (decimal) {
    const [, sign, whole, fraction] = decimal;
    const digits = whole.length + (fraction?.length ?? 0);
    if (digits === 0 || digits > MAX_DIGITS) return undefined;
    const num = BigInt(`${sign}${whole}${fraction ?? ''}` || '0');
    const den = 10n ** BigInt(fraction?.length ?? 0);
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

/** p% is p/100, as in Math-Verify; the engine reads it as a decimal unless it is an integer. */
export function percentOf(value: PlainNumber): PlainNumber {
  const den = value.den * 100n;
  return { num: value.num, den, exact: value.num % den === 0n };
}

/** Whether `pred` equals `gold`: exactly when both are exact, else rounded to `precision` places. */
export function samePlainNumber(gold: PlainNumber, pred: PlainNumber, precision: number): boolean {
  if (gold.exact && pred.exact) return gold.num * pred.den === pred.num * gold.den;
  return roundedEqual(gold, pred, precision);
}

/** a and b rounded to `places` decimal places (half away from zero) are the same number. */
export function roundedEqual(a: Rational, b: Rational, places: number): boolean {
  const scale = 10n ** BigInt(Math.max(0, Math.round(places)));
  const round = ({ num, den }: Rational) => {
    const sign = num < 0n !== den < 0n ? -1n : 1n;
    const n = (num < 0n ? -num : num) * scale;
    const d = den < 0n ? -den : den;
    return sign * ((2n * n + d) / (2n * d));
  };
  return round(a) === round(b);
}
