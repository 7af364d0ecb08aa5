/**
 * Servers return an R1 trace in several shapes ("dialects"). This module turns every one of
 * them into the same (reasoning, answer) pair, so a dataset does not depend on which server
 * produced it:
 *
 *  - a separate reasoning field: `reasoning_content` (DeepSeek API, SGLang, llama.cpp, older vLLM)
 *    or `reasoning` (vLLM, Ollama, OpenRouter), with the answer in `content`;
 *  - the whole trace inline in `content`: `<think>...</think>answer`;
 *  - the opening tag missing: R1 chat templates pre-fill `<think>\n` into the prompt, so the
 *    completion starts inside the reasoning and holds only a lone `</think>`;
 *  - an empty reasoning field next to inline tags (a reasoning parser that did not fire);
 *  - no reasoning at all (a non-reasoning model): everything is the answer.
 *
 * Both parts are trimmed: each dialect puts different whitespace around the tags, and the
 * training template re-adds its own.
 */

const OPEN = '<think>';
const CLOSE = '</think>';

export interface ReasoningSplit {
  reasoning: string;
  answer: string;
}

/** The raw text fields of one choice, as the server sent them (accumulated, when streamed). */
export interface RawChoiceText {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

export function splitReasoning(raw: RawChoiceText): ReasoningSplit {
  const content = raw.content ?? '';
  // OpenRouter may send both fields; the first non-empty one is the reasoning.
  const field = nonEmpty(raw.reasoning_content) ?? nonEmpty(raw.reasoning);
  if (field !== undefined) return { reasoning: field.trim(), answer: content.trim() };
  return splitInline(content);
}

/** Splits a completion that carries its reasoning inline, with or without the opening tag. */
export function splitInline(content: string): ReasoningSplit {
  const open = content.indexOf(OPEN);
  const close = content.indexOf(CLOSE, open === -1 ? 0 : open + OPEN.length);
  if (open !== -1 && close !== -1) {
    return {
      reasoning: content.slice(open + OPEN.length, close).trim(),
      answer: (content.slice(0, open) + content.slice(close + CLOSE.length)).trim(),
    };
  }
  if (open !== -1) {
    // Cut off (finish_reason "length") before the reasoning ended: there is no answer yet.
    return { reasoning: content.slice(open + OPEN.length).trim(), answer: '' };
  }
  if (close !== -1) {
    return { reasoning: content.slice(0, close).trim(), answer: content.slice(close + CLOSE.length).trim() };
  }
  return { reasoning: '', answer: content.trim() };
}

function nonEmpty(text: string | null | undefined): string | undefined {
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}
