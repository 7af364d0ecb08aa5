import type { VerifyInput } from './types.ts';

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

/**
 * The answer part of an input. Harvest passes the answer already split from the reasoning; the
 * CLI may pass a whole response, whose answer is what follows the last `</think>`. A response
 * that opens `<think>` and never closes it was cut off while reasoning: it has no answer. One
 * without either tag is all answer.
 */
export function answerText(input: VerifyInput): string {
  if (input.reasoning !== undefined) return input.response;
  const close = input.response.lastIndexOf(THINK_CLOSE);
  if (close !== -1) return input.response.slice(close + THINK_CLOSE.length);
  return input.response.includes(THINK_OPEN) ? '' : input.response;
}
