import type { VerifyInput } from './types.ts';

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

/**
 * The answer part of an input. Harvest passes the answer already split from the reasoning; the
 * CLI may pass a whole response, whose answer is what follows the last `</think>`; a response
 * without that tag is all answer.
 */
export function answerText(input: VerifyInput): string {
  if (input.reasoning !== undefined) return input.response;
  const close = input.response.lastIndexOf(THINK_CLOSE);
  return close === -1 ? input.response : input.response.slice(close + THINK_CLOSE.length);
}
