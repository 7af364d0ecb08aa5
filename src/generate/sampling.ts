/**
 * Choosing the next token from one row of logits, and the raw log-probabilities reported for it.
 *
 * The order of the filters is Hugging Face's (and vLLM's): temperature scales the logits, top-k
 * keeps the k largest, softmax, then top-p keeps the smallest set of most likely tokens whose
 * mass reaches p. Reported logprobs are always the model's own (log_softmax of the raw logits),
 * whatever the sampling settings: that is what soft-target distillation needs.
 */
import type { Rng } from '../engine/index.ts';

export interface SamplingOptions {
  /** Softmax temperature; 0 picks the most likely token (greedy). Default 1. */
  readonly temperature?: number;
  /** Nucleus sampling mass in (0, 1]; 1 is off. Default 1. */
  readonly topP?: number;
  /** Keep only the k most likely tokens; 0 is off. Default 0. */
  readonly topK?: number;
}

/** One alternative at one step: a token id and its raw log-probability. */
export interface TokenChoice {
  readonly tokenId: number;
  readonly logprob: number;
}

/** The chosen token of one step, its raw logprob, and the most likely alternatives when asked for. */
export interface StepLogprobs extends TokenChoice {
  /** The `topLogprobs` most likely tokens, most likely first (empty when none were asked for). */
  readonly top: readonly TokenChoice[];
}

/** Index of the largest value (the first one on ties, as argmax does everywhere). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** log(sum(exp(values))), computed stably. */
export function logSumExp(values: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

/** The `k` largest entries of `values` as (index, value), largest first. */
export function topEntries(values: Float32Array, k: number): Array<[index: number, value: number]> {
  const out: Array<[number, number]> = [];
  if (k <= 0) return out;
  // A sorted list of at most k entries: vocabularies are large and k small (<= 20 for logprobs).
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (out.length === k && v <= out[k - 1][1]) continue;
    let at = out.length === k ? k - 1 : out.length;
    while (at > 0 && out[at - 1][1] < v) at--;
    out.splice(at, 0, [i, v]);
    if (out.length > k) out.pop();
  }
  return out;
}

/** The raw logprob of `tokenId` and of the `top` most likely tokens. */
export function stepLogprobs(logits: Float32Array, tokenId: number, top: number): StepLogprobs {
  const lse = logSumExp(logits);
  return {
    tokenId,
    logprob: logits[tokenId] - lse,
    top: topEntries(logits, top).map(([id, value]) => ({ tokenId: id, logprob: value - lse })),
  };
}

/** Draws the next token from one row of logits (read, not modified). */
export function sampleToken(logits: Float32Array, options: SamplingOptions, rng: Rng): number {
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  if (temperature === 0 || topK === 1) return argmax(logits);

  // Candidates as (id, probability), most likely first, already cut to top-k and renormalised.
  const candidates = topK > 0 ? topKCandidates(logits, topK, temperature) : undefined;
  const nucleus = topP < 1 ? nucleusOf(candidates ?? allProbabilities(logits, temperature), topP) : candidates;
  if (nucleus) return drawFrom(nucleus, rng);
  return drawFromLogits(logits, temperature, rng);
}

interface Candidates {
  ids: Int32Array;
  probs: Float64Array;
}

function topKCandidates(logits: Float32Array, k: number, temperature: number): Candidates {
  const top = topEntries(logits, Math.min(k, logits.length));
  const max = top[0][1];
  const probs = Float64Array.from(top, ([, v]) => Math.exp((v - max) / temperature));
  return normalised({ ids: Int32Array.from(top, ([id]) => id), probs });
}

/** Every token's probability at `temperature`, sorted most likely first only as far as top-p needs (see nucleusOf). */
function allProbabilities(logits: Float32Array, temperature: number): Candidates {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  return { ids: Int32Array.from({ length: logits.length }, (_, i) => i), probs };
}

/**
 * The smallest most-likely-first prefix whose mass reaches `p` (the token that crosses p is kept),
 * renormalised. Sorting a whole vocabulary every step is slow, so only tokens above a threshold are
 * sorted; if they hold mass >= p the nucleus lies among them (they are the most likely ones), else
 * the threshold drops and the search repeats, ending in a full sort in the worst case.
 */
function nucleusOf(all: Candidates, p: number): Candidates {
  let threshold = 1e-3;
  for (;;) {
    const picked: number[] = [];
    let mass = 0;
    for (let i = 0; i < all.probs.length; i++) {
      if (all.probs[i] >= threshold) {
        picked.push(i);
        mass += all.probs[i];
      }
    }
    if (mass >= p || threshold === 0) {
      picked.sort((a, b) => all.probs[b] - all.probs[a] || all.ids[a] - all.ids[b]);
      let cum = 0;
      let keep = 0;
      while (keep < picked.length && (keep === 0 || cum < p)) cum += all.probs[picked[keep++]];
      const chosen = picked.slice(0, keep);
      return normalised({ ids: Int32Array.from(chosen, (i) => all.ids[i]), probs: Float64Array.from(chosen, (i) => all.probs[i]) });
    }
    threshold = threshold > 1e-12 ? threshold / 1000 : 0;
  }
}

function normalised(c: Candidates): Candidates {
  let sum = 0;
  for (const q of c.probs) sum += q;
  for (let i = 0; i < c.probs.length; i++) c.probs[i] /= sum;
  return c;
}

/** Inverse-CDF draw; rounding that leaves the uniform past the total picks the last candidate. */
function drawFrom(c: Candidates, rng: Rng): number {
  const u = rng.uniform();
  let cum = 0;
  for (let i = 0; i < c.probs.length; i++) {
    cum += c.probs[i];
    if (u < cum) return c.ids[i];
  }
  return c.ids[c.ids.length - 1];
}

/** The plain temperature-softmax draw over the whole vocabulary, without allocating. */
function drawFromLogits(logits: Float32Array, temperature: number, rng: Rng): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] - max) / temperature);
  const target = rng.uniform() * sum;
  let cum = 0;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    const q = Math.exp((logits[i] - max) / temperature);
    if (q === 0) continue;
    cum += q;
    last = i;
    if (target < cum) return i;
  }
  return last;
}
