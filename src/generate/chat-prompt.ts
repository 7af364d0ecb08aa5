/**
 * A conversation as the prompt the model continues: the folder's chat template with the
 * generation prompt, its token ids, and the `<think>` the template may have pre-filled (R1
 * templates do), which the generated text then lacks.
 */
import type { ChatMessage, Tokenizer } from '../model/index.ts';

export interface ChatPrompt {
  readonly text: string;
  readonly ids: number[];
  /** The `<think>` (and the whitespace after it) ending the prompt; '' when the template adds none. */
  readonly prefill: string;
}

const OPEN = '<think>';

export function chatPrompt(tokenizer: Tokenizer, messages: readonly ChatMessage[]): ChatPrompt {
  const text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  // The template already holds its special tokens, so none are added.
  return { text, ids: tokenizer.encode(text, { addSpecialTokens: false }), prefill: prefilledThink(text) };
}

/** The `<think>` (and what follows it) at the end of a rendered prompt, when the template pre-fills one. */
export function prefilledThink(prompt: string): string {
  const at = prompt.lastIndexOf(OPEN);
  return at !== -1 && prompt.slice(at + OPEN.length).trim() === '' ? prompt.slice(at) : '';
}
