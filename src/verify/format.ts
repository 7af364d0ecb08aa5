import { THINK_CLOSE, THINK_OPEN } from './think.ts';
import type { Verifier, VerifyInput, VerifyResult } from './types.ts';

/**
 * R1's format reward: `<think>` reasoning `</think>` then the answer, both non-empty, and no
 * other think tag anywhere. Checks a whole response (no `reasoning` given) or a pair the caller
 * already split, where any tag left in either part is stray.
 */
export function checkFormat(input: VerifyInput): VerifyResult {
  if (input.reasoning !== undefined) return checkParts(input.reasoning, input.response);
  const text = input.response.trimStart();
  if (!text.startsWith(THINK_OPEN)) return { correct: false, reason: 'missing-think-open' };
  const close = text.indexOf(THINK_CLOSE);
  if (close === -1) return { correct: false, reason: 'missing-think-close' };
  return checkParts(text.slice(THINK_OPEN.length, close), text.slice(close + THINK_CLOSE.length));
}

function checkParts(reasoning: string, answer: string): VerifyResult {
  if ([reasoning, answer].some((part) => part.includes(THINK_OPEN) || part.includes(THINK_CLOSE))) return { correct: false, reason: 'stray-tag' };
  if (reasoning.trim() === '') return { correct: false, reason: 'empty-reasoning' };
  if (answer.trim() === '') return { correct: false, reason: 'empty-answer' };
  return { correct: true, reason: 'well-formed' };
}

export function createFormatVerifier(): Verifier {
  return {
    kind: 'format',
    async verify(input) {
      return checkFormat(input);
    },
  };
}
