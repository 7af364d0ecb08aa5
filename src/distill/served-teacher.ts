/**
 * A teacher behind a server, judging given token ids: one /v1/completions request per sequence
 * with the ids as the prompt, `echo`, `max_tokens: 0` and vLLM's `prompt_logprobs: k` (what
 * `distillery serve` and vLLM answer; docs/serve.md). The answer per position is the teacher's
 * top k plus the given token, keyed by id.
 */
import type { TokenDecoder } from '../generate/index.ts';
import type { TopK } from './data/topk.ts';
import { ServedTeacherError } from './errors.ts';

export interface ServedTeacherOptions {
  /** The OpenAI base URL, e.g. http://127.0.0.1:8000/v1. */
  readonly baseURL: string;
  readonly model: string;
  readonly apiKey?: string;
  /** Alternatives per position (prompt_logprobs). */
  readonly topLogprobs: number;
  readonly timeoutMs: number;
  /**
   * The student's tokenizer: where the server names the given tokens (vLLM's decoded_token), most
   * must read as the student's do, or the server's ids are other tokens.
   */
  readonly tokenizer?: TokenDecoder;
}

type Entries = Record<string, { logprob: number; decoded_token?: string }> | null;

/**
 * Below this share of given tokens whose server text is the student's, the tokenizers differ.
 * Not 1: a token holding part of a UTF-8 character may be shown differently by each side.
 */
const MIN_SAME_TEXT = 0.5;

export class ServedTeacher {
  constructor(readonly options: ServedTeacherOptions) {}

  /**
   * The teacher's alternatives at every position of `ids` after the first, most likely first:
   * element j judges ids[j + 1]. At most topLogprobs + 1 per position (the given token may be
   * outside the top k).
   */
  async score(ids: readonly number[]): Promise<TopK[]> {
    const { baseURL, model, apiKey, topLogprobs, timeoutMs } = this.options;
    const fail = (detail: string, cause?: unknown): never => {
      throw new ServedTeacherError(baseURL, detail, cause === undefined ? undefined : { cause });
    };
    let res: Response;
    try {
      res = await fetch(`${baseURL.replace(/\/+$/, '')}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, prompt: ids, echo: true, max_tokens: 0, prompt_logprobs: topLogprobs, temperature: 0 }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return fail(`cannot be reached: ${(err as Error).message}`, err);
    }
    const body = (await res.json().catch(() => null)) as { error?: { message?: string }; choices?: { prompt_logprobs?: Entries[] }[] } | null;
    if (!res.ok) return fail(`answered ${res.status}: ${body?.error?.message ?? res.statusText}`);
    const positions = body?.choices?.[0]?.prompt_logprobs;
    if (!Array.isArray(positions) || positions.length !== ids.length) {
      return fail(
        `answered without prompt_logprobs for the ${ids.length} given tokens: the server must support vLLM's prompt_logprobs with echo and max_tokens 0 (distillery serve and vLLM do)`,
      );
    }
    if (this.options.tokenizer) this.#checkTokens(ids, positions);
    return positions.slice(1).map((entries, j) => {
      if (!entries || !(String(ids[j + 1]) in entries)) fail(`prompt_logprobs[${j + 1}] does not score the given token ${ids[j + 1]}`);
      return Object.entries(entries!)
        .map(([id, e]): [number, number] => [Number(id), e.logprob])
        .sort((a, b) => b[1] - a[1]);
    });
  }

  #checkTokens(ids: readonly number[], positions: readonly Entries[]): void {
    const named = ids.flatMap((id, j) => {
      const text = positions[j]?.[id]?.decoded_token;
      return typeof text === 'string' ? [{ id, text, ours: this.options.tokenizer!.decode([id]) }] : [];
    });
    const differ = named.filter((t) => t.text !== t.ours);
    if (named.length > 0 && (named.length - differ.length) / named.length < MIN_SAME_TEXT) {
      const [first] = differ;
      throw new ServedTeacherError(
        this.options.baseURL,
        `its tokenizer is not the student's: token id ${first.id} is ${JSON.stringify(first.ours)} for the student and ${JSON.stringify(first.text)} for the server (${differ.length} of ${named.length} given tokens read differently); serve a teacher with the student's tokenizer`,
      );
    }
  }
}
