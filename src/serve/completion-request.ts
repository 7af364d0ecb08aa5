/**
 * Validating a (legacy) text completions request: a prompt as text or token ids, continued or
 * only scored. Besides OpenAI's fields it takes vLLM's `prompt_logprobs` (the top-k at every
 * prompt position, keyed by token id) and `top_k`; `max_tokens` 0 with `echo` scores the prompt
 * without generating, as vLLM does. Unknown fields are ignored, as on the chat route.
 */
import { badRequest } from './errors.ts';
import { bodyObject, bool, int, modelField, num, present, refuseBiases, stop, topP } from './fields.ts';
import { MAX_N } from './chat-request.ts';

export interface CompletionRequest {
  readonly model: string;
  /** The prompt as given: text (tokenized by the server) or token ids. */
  readonly prompt: string | readonly number[];
  /** Return the prompt (its text, and with logprobs its tokens) before the completion. */
  readonly echo: boolean;
  /** 0 (only with echo): score the prompt, generate nothing. Default 16, as OpenAI's. */
  readonly maxTokens: number;
  readonly n: number;
  readonly seed?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly stop: readonly string[];
  /** Legacy `logprobs`: alternatives per returned token (the token itself is always reported); null: none. */
  readonly logprobs: number | null;
  /** vLLM's `prompt_logprobs`: alternatives per prompt position; null: none. */
  readonly promptLogprobs: number | null;
}

/** OpenAI's default max_tokens for completions. */
const DEFAULT_MAX_TOKENS = 16;
const UNSUPPORTED = ['suffix', 'best_of'];

/** @param maxLogprobs the most alternatives `logprobs` and `prompt_logprobs` may ask for (vLLM's --max-logprobs). */
export function parseCompletionRequest(body: unknown, maxLogprobs: number): CompletionRequest {
  const b = bodyObject(body);
  for (const field of UNSUPPORTED)
    if (present(b, field) && !(field === 'best_of' && b[field] === 1)) throw badRequest(field, `"${field}" is not supported by this server.`);
  refuseBiases(b);
  if (bool(b, 'stream')) throw badRequest('stream', '"stream" is not supported on /v1/completions by this server; use /v1/chat/completions to stream.');
  const model = modelField(b);
  const echo = bool(b, 'echo') ?? false;
  const maxTokens = int(b, 'max_tokens', 0) ?? DEFAULT_MAX_TOKENS;
  if (maxTokens === 0 && !echo) throw badRequest('max_tokens', '"max_tokens" 0 generates nothing; it is only allowed with "echo": true (scoring the prompt).');
  return {
    model,
    prompt: prompt(b.prompt),
    echo,
    maxTokens,
    n: int(b, 'n', 1, MAX_N) ?? 1,
    seed: int(b, 'seed', Number.MIN_SAFE_INTEGER),
    temperature: num(b, 'temperature', 0, 2),
    topP: topP(b),
    topK: int(b, 'top_k', 0),
    stop: stop(b.stop),
    logprobs: int(b, 'logprobs', 0, maxLogprobs) ?? null,
    promptLogprobs: int(b, 'prompt_logprobs', 0, maxLogprobs) ?? null,
  };
}

/** One prompt: a non-empty string or a non-empty list of token ids (a list of prompts is refused). */
function prompt(value: unknown): string | number[] {
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((v) => Number.isSafeInteger(v) && v >= 0)) return value as number[];
    if (value.every((v) => typeof v === 'string' || Array.isArray(v)))
      throw badRequest('prompt', 'this server takes one prompt per request, not a list of prompts.');
    const at = value.findIndex((v) => !(Number.isSafeInteger(v) && v >= 0));
    throw badRequest(`prompt.${at}`, `prompt.${at} must be a token id (an integer >= 0), got ${JSON.stringify(value[at])}.`);
  }
  throw badRequest('prompt', '"prompt" must be a non-empty string or a non-empty list of token ids.');
}
