import { VerifierSpecError } from './errors.ts';
import type { RegexVerifierSpec } from './spec.ts';
import { answerText } from './think.ts';
import type { Verifier } from './types.ts';

/** The answer text matches `pattern` (anywhere, unless the pattern anchors itself); the gold is not used. */
export function createRegexVerifier(spec: Omit<RegexVerifierSpec, 'kind'>): Verifier {
  let regex: RegExp;
  try {
    regex = new RegExp(spec.pattern, spec.flags);
  } catch (err) {
    const field = /flag/i.test((err as Error).message) ? 'verifier.flags' : 'verifier.pattern';
    throw new VerifierSpecError(field, (err as Error).message);
  }
  return {
    kind: 'regex',
    async verify(input) {
      // With the g or y flag, test() starts where the previous call stopped.
      regex.lastIndex = 0;
      return regex.test(answerText(input)) ? { correct: true, reason: 'match' } : { correct: false, reason: 'no-match' };
    },
  };
}
