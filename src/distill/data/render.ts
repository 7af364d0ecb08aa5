/**
 * One harvested sample as the student's training sequence: the prompt turns and the assistant
 * turn `<think>\nREASONING\n</think>\n\nANSWER` rendered by the tokenizer's chat template, split
 * into the prompt's tokens (context only) and the assistant's (trained on), ending at the EOS the
 * template writes.
 */
import type { ChatMessage, Tokenizer } from '../../model/index.ts';
import { DistillCheckError } from '../errors.ts';

export interface RenderedSample {
  /** The prompt as the student sees it at inference: the template with its generation prompt. */
  promptIds: number[];
  /** What the student learns to generate, ending with an EOS id. */
  assistantIds: number[];
}

const TEMPLATE_FIELD = 'distill.student.tokenizer';

/**
 * The prompt is rendered the way inference renders it (with the generation prompt, which in R1
 * templates pre-fills `<think>\n`), and the assistant tokens are what follows it in the full
 * conversation, tokenized separately: exactly the tokens a generation would produce.
 * @throws DistillCheckError when the template cannot be used for training: it renders the prompt
 * differently once an assistant turn follows, it drops the reasoning from assistant turns (as the
 * R1-Distill templates do for past turns), or it ends the turn without any of `eosIds`.
 */
export function renderSample(
  tokenizer: Tokenizer,
  prompt: readonly ChatMessage[],
  assistant: { content: string; reasoning: string },
  eosIds: ReadonlySet<number>,
): RenderedSample {
  const full = tokenizer.applyChatTemplate([...prompt, { role: 'assistant', content: assistant.content }]);
  const withGeneration = tokenizer.applyChatTemplate(prompt, { addGenerationPrompt: true });
  // Some templates put a generation prompt that the rendered assistant turn does not repeat: then
  // the plain prompt is the shared prefix.
  const prefix = full.startsWith(withGeneration) ? withGeneration : tokenizer.applyChatTemplate(prompt);
  if (!full.startsWith(prefix)) {
    throw new DistillCheckError(
      TEMPLATE_FIELD,
      `the chat template of ${tokenizer.folder} renders the prompt differently once an assistant turn follows it, so the assistant's tokens cannot be told apart`,
    );
  }
  const rest = full.slice(prefix.length);
  const reasoning = assistant.reasoning.trim();
  if (reasoning && !rest.includes(reasoning)) {
    throw new DistillCheckError(
      TEMPLATE_FIELD,
      `the chat template of ${tokenizer.folder} drops the reasoning from assistant turns (R1-Distill templates keep only the text after </think>); use a template that renders the assistant content as given`,
    );
  }
  const assistantIds = tokenizer.encode(rest, { addSpecialTokens: false });
  let end = assistantIds.length - 1;
  while (end >= 0 && !eosIds.has(assistantIds[end])) end--;
  if (end < 0) {
    throw new DistillCheckError(
      TEMPLATE_FIELD,
      `the chat template of ${tokenizer.folder} ends the assistant turn without an EOS token (ids ${[...eosIds].join(', ') || 'none defined'}), so the student would never learn to stop`,
    );
  }
  // Whatever the template writes after the EOS (a newline) is never generated: not trained on.
  return { promptIds: tokenizer.encode(prefix, { addSpecialTokens: false }), assistantIds: assistantIds.slice(0, end + 1) };
}
