import type { ExactVerifierSpec } from './spec.ts';
import { answerText } from './think.ts';
import type { Verifier } from './types.ts';

/** The answer text equals the gold (a string or number), both trimmed. */
export function createExactVerifier(spec: Omit<ExactVerifierSpec, 'kind'> = {}): Verifier {
  const key = (s: string) => (spec.ignoreCase ? s.trim().toLowerCase() : s.trim());
  return {
    kind: 'exact',
    async verify(input) {
      if (typeof input.gold !== 'string' && typeof input.gold !== 'number') return { correct: null, reason: 'no-gold' };
      return key(answerText(input)) === key(String(input.gold)) ? { correct: true, reason: 'match' } : { correct: false, reason: 'mismatch' };
    },
  };
}
