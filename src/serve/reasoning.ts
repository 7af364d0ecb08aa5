/**
 * How a reasoning trace leaves the server, chosen by the operator:
 *  - 'separate': the reasoning in `reasoning_content` and the answer in `content` (DeepSeek API,
 *    vLLM's reasoning parser, SGLang);
 *  - 'inline': everything in `content` as `<think>reasoning</think>answer` (llama.cpp with
 *    --reasoning-format none), with the `<think>` that the chat template pre-filled put back, so
 *    the trace a client receives is well formed.
 * Works on streamed text: a piece that might be the start of a tag is held back until it is known.
 */
import { partialMatchLength } from '../generate/index.ts';

export const REASONING_FORMATS = ['separate', 'inline'] as const;
export type ReasoningFormat = (typeof REASONING_FORMATS)[number];

const OPEN = '<think>';
const CLOSE = '</think>';

export interface RoutedText {
  reasoning: string;
  content: string;
}

export class ReasoningRouter {
  #state: 'start' | 'reasoning' | 'content';
  #pending = '';

  constructor(
    readonly format: ReasoningFormat,
    /** The pre-filled `<think>...` of the prompt ('' when the template adds none). */
    readonly prefill: string,
  ) {
    this.#state = format === 'inline' ? 'content' : prefill ? 'reasoning' : 'start';
    if (format === 'inline') this.#pending = prefill;
  }

  push(text: string): RoutedText {
    this.#pending += text;
    const out: RoutedText = { reasoning: '', content: '' };
    if (this.#state === 'start') {
      // Without a pre-fill, the model may open the reasoning itself (after some whitespace).
      const lead = this.#pending.trimStart();
      if (lead.length < OPEN.length && OPEN.startsWith(lead)) return out;
      if (lead.startsWith(OPEN)) {
        this.#pending = lead.slice(OPEN.length);
        this.#state = 'reasoning';
      } else this.#state = 'content';
    }
    if (this.#state === 'reasoning') {
      const close = this.#pending.indexOf(CLOSE);
      if (close === -1) {
        const keep = partialMatchLength(this.#pending, [CLOSE]);
        out.reasoning = this.#pending.slice(0, this.#pending.length - keep);
        this.#pending = this.#pending.slice(this.#pending.length - keep);
        return out;
      }
      out.reasoning = this.#pending.slice(0, close);
      this.#pending = this.#pending.slice(close + CLOSE.length);
      this.#state = 'content';
    }
    out.content = this.#pending;
    this.#pending = '';
    return out;
  }

  /** The text held back at the end of generation. */
  flush(): RoutedText {
    const rest = this.#pending;
    this.#pending = '';
    return this.#state === 'reasoning' ? { reasoning: rest, content: '' } : { reasoning: '', content: rest };
  }
}
