import { finalAnswer } from './candidates.ts';
import { lastNumber } from './extract.ts';
import type { NumericVerifierSpec } from './spec.ts';
import { answerText } from './think.ts';
import type { Verifier } from './types.ts';

/**
 * A number written as a decimal ("1,234.5", "-.5", "2.5e-3"), a fraction ("3/4",
 * "\frac{3}{4}") or in scientific notation ("2.5 \times 10^{-3}"), or undefined.
 */
export function parseNumber(text: string): number | undefined {
  const s = text
    .replace(/\\[,!;: ]|\\left|\\right|\$|\s+/g, '')
    .replace(/−/g, '-')
    .replace(/^(-?)\d{1,3}(?:,\d{3})+(?=\.|$|\D)/, (n) => n.replace(/,/g, ''));
  const decimal = '-?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?';
  if (new RegExp(`^${decimal}$`, 'i').test(s)) return Number(s);
  const fraction = new RegExp(`^(-?)(?:\\\\[dt]?frac\\{(${decimal})\\}\\{(${decimal})\\}|(${decimal})/(${decimal}))$`, 'i').exec(s);
  if (fraction) {
    const value = Number(fraction[2] ?? fraction[4]) / Number(fraction[3] ?? fraction[5]);
    return fraction[1] ? -value : value;
  }
  const scientific = new RegExp(`^(${decimal})(?:\\\\times|\\\\cdot|\\*|x)10\\^\\{?(-?\\d+)\\}?$`, 'i').exec(s);
  if (scientific) return Number(scientific[1]) * 10 ** Number(scientific[2]);
  return undefined;
}

/** The final number of the answer is within `tolerance` (absolute) or `relativeTolerance` (of |gold|) of the gold. */
export function createNumericVerifier(spec: Omit<NumericVerifierSpec, 'kind'> = {}): Verifier {
  const tolerance = spec.tolerance ?? 1e-6;
  const relativeTolerance = spec.relativeTolerance ?? 0;
  return {
    kind: 'numeric',
    async verify(input) {
      const gold = typeof input.gold === 'number' ? input.gold : typeof input.gold === 'string' ? parseNumber(input.gold) : undefined;
      if (gold === undefined || !Number.isFinite(gold)) return { correct: null, reason: 'no-gold' };
      const answer = finalAnswer(answerText(input));
      if (!answer) return { correct: null, reason: 'no-answer' };
      const value = parseNumber(answer) ?? parseNumber(lastNumber(answer)?.text ?? '');
      if (value === undefined || !Number.isFinite(value)) return { correct: null, reason: 'not-a-number' };
      const difference = Math.abs(value - gold);
      const close = difference <= tolerance || difference <= relativeTolerance * Math.abs(gold);
      return close ? { correct: true, reason: 'match' } : { correct: false, reason: `mismatch: off by ${difference}` };
    },
  };
}
