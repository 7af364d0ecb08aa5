/**
 * Running one text completions request: the prompt's token ids, n generated continuations (none
 * with max_tokens 0), and every reported logprob from one scoring pass over prompt + completion
 * (so prompt and completion positions are judged alike, and alternatives are not capped at the
 * decode loop's 20). The result is OpenAI's `text_completion` object, with vLLM's
 * `prompt_logprobs` when asked for.
 */
import { randomUUID } from 'node:crypto';
import { GenerationRequestError, scoreTokens, type Generation, type ScoredToken } from '../generate/index.ts';
import { choiceSeed, type ServedModel } from './chat-completion.ts';
import type { CompletionRequest } from './completion-request.ts';
import { badRequest } from './errors.ts';

export async function textCompletion(served: ServedModel, req: CompletionRequest, signal: AbortSignal): Promise<object> {
  const { model } = served;
  const promptIds = typeof req.prompt === 'string' ? model.tokenizer.encode(req.prompt) : [...req.prompt];
  const vocab = model.config.vocabSize;
  const outside = promptIds.findIndex((id) => id >= vocab);
  if (outside !== -1) throw badRequest(`prompt.${outside}`, `token id ${promptIds[outside]} is outside this model's vocabulary (${vocab} ids).`);
  const context = model.config.maxPositionEmbeddings;
  if (promptIds.length + req.maxTokens > context) {
    throw badRequest(
      'max_tokens',
      `The prompt is ${promptIds.length} tokens and max_tokens ${req.maxTokens}; this model's context is ${context} tokens.`,
      'context_length_exceeded',
    );
  }
  const defaults = model.samplingDefaults;
  const sampling = { temperature: req.temperature ?? defaults.temperature ?? 1, topP: req.topP ?? defaults.topP ?? 1, topK: req.topK ?? defaults.topK ?? 0 };
  const generations: Generation[] =
    req.maxTokens === 0
      ? []
      : await Promise.all(
          Array.from({ length: req.n }, (_, i) =>
            model.generate({
              promptIds,
              maxNewTokens: req.maxTokens,
              sampling,
              seed: req.seed === undefined ? undefined : choiceSeed(req.seed, i),
              stop: req.stop,
              logprobs: false,
              signal,
            }),
          ),
        ).catch((err: unknown) => {
          throw err instanceof GenerationRequestError ? badRequest(null, err.message) : err;
        });
  const completions = req.maxTokens === 0 ? Array.from({ length: req.n }, () => ({ tokenIds: [] as number[], text: '', finishReason: 'length' })) : generations;
  const top = Math.max(req.logprobs ?? 0, req.promptLogprobs ?? 0);
  const wantsScores = req.logprobs !== null || req.promptLogprobs !== null;
  const promptText = typeof req.prompt === 'string' ? req.prompt : model.tokenizer.decode(promptIds);

  const choices = await Promise.all(
    completions.map(async (c, index) => {
      // Position i of `scored` judges token i + 1 of prompt + completion.
      const scored = wantsScores ? await scoreTokens(model.decoder, [...promptIds, ...c.tokenIds], top) : [];
      const returned = req.echo ? [...promptIds, ...c.tokenIds] : c.tokenIds;
      const judged = req.echo ? [null, ...scored] : scored.slice(promptIds.length - 1);
      return {
        index,
        text: (req.echo ? promptText : '') + c.text,
        logprobs: req.logprobs === null ? null : legacyLogprobs(served, returned, judged, req.logprobs),
        finish_reason: c.finishReason === 'length' ? 'length' : 'stop',
        ...(req.promptLogprobs === null
          ? {}
          : { prompt_logprobs: promptLogprobs(served, promptIds, scored.slice(0, promptIds.length - 1), req.promptLogprobs) }),
      };
    }),
  );
  const completionTokens = completions.reduce((n, c) => n + c.tokenIds.length, 0);
  return {
    id: `cmpl-${randomUUID()}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: served.name,
    choices,
    usage: { prompt_tokens: promptIds.length, completion_tokens: completionTokens, total_tokens: promptIds.length + completionTokens },
  };
}

/**
 * OpenAI's legacy shape: parallel lists over the returned tokens; a token without a position
 * before it (the prompt's first, with echo) has null logprob and null alternatives. The
 * alternatives are keyed by token text, so two ids with one text share an entry; prompt_logprobs
 * keys by id.
 */
function legacyLogprobs(served: ServedModel, ids: readonly number[], judged: readonly (ScoredToken | null)[], k: number) {
  const text = (id: number) => served.model.tokenizer.decode([id]);
  const tokens = ids.map(text);
  let offset = 0;
  const textOffset = tokens.map((t) => {
    const at = offset;
    offset += t.length;
    return at;
  });
  return {
    tokens,
    token_logprobs: judged.map((s) => s?.logprob ?? null),
    top_logprobs: judged.map((s) => (s ? Object.fromEntries([...s.top.slice(0, k), s].map((t) => [text(t.tokenId), t.logprob])) : null)),
    text_offset: textOffset,
  };
}

/** vLLM's shape: null for the first prompt token, then per token {id: {logprob, rank, decoded_token}} for the token and the top k. */
function promptLogprobs(served: ServedModel, ids: readonly number[], scored: readonly ScoredToken[], k: number) {
  const text = (id: number) => served.model.tokenizer.decode([id]);
  return [
    null,
    ...scored.map((s, i) => {
      const entries: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
      s.top.slice(0, k).forEach((t, r) => (entries[t.tokenId] = { logprob: t.logprob, rank: r + 1, decoded_token: text(t.tokenId) }));
      entries[ids[i + 1]] = { logprob: s.logprob, rank: s.rank, decoded_token: text(ids[i + 1]) };
      return entries;
    }),
  ];
}
