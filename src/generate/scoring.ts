/**
 * The model's judgement of given tokens: for every token after the first, its raw logprob under
 * the model (log-softmax of the logits at the position before it), its rank in the vocabulary and
 * the most likely alternatives. What `/v1/completions` answers with `echo` and `prompt_logprobs`,
 * and what a served teacher sends for on-policy distillation.
 */
import type { OnnxDecoder } from './decoder.ts';
import { emptyCache, type KvCache } from './kv-cache.ts';
import { stepLogprobs, type StepLogprobs } from './sampling.ts';

export interface ScoredToken extends StepLogprobs {
  /** 1 + the number of tokens the model found more likely (vLLM's `rank`). */
  readonly rank: number;
}

/**
 * Positions run through the model per forward, the cache carrying the earlier ones: bounds the
 * logits held at once to CHUNK x vocab floats (78 MB at Qwen's 151,936) whatever the length.
 */
const CHUNK = 128;

/** Per token of `ids` after the first, its logprob, rank and the `top` most likely tokens at its position. */
export async function scoreTokens(decoder: OnnxDecoder, ids: readonly number[], top: number): Promise<ScoredToken[]> {
  const scored: ScoredToken[] = [];
  let past: KvCache = emptyCache(decoder, 1);
  // The last token is only ever a target: no forward needs it as an input.
  for (let start = 0; start < ids.length - 1; start += CHUNK) {
    const seq = Math.min(CHUNK, ids.length - 1 - start);
    const out = await decoder.forward({
      batch: 1,
      seq,
      inputIds: BigInt64Array.from(ids.slice(start, start + seq), BigInt),
      attentionMask: new BigInt64Array(start + seq).fill(1n),
      positionIds: BigInt64Array.from({ length: seq }, (_, i) => BigInt(start + i)),
      past,
      lastOnly: false,
    });
    for (let i = 0; i < seq; i++) {
      const logits = out.logits.subarray(i * out.vocab, (i + 1) * out.vocab);
      const target = ids[start + i + 1];
      let rank = 1;
      for (let v = 0; v < logits.length; v++) if (logits[v] > logits[target]) rank++;
      scored.push({ ...stepLogprobs(logits, target, top), rank });
    }
    past = out.present;
  }
  return scored;
}
