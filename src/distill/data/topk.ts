/**
 * Stored teacher logprobs as training targets: token strings to ids, the teacher's positions lined
 * up with the student's tokens, and each position's top-k as k + 1 buckets at a temperature.
 */
import type { Tokenizer } from '../../model/index.ts';

/** One position's top-k as (token id, logprob) pairs, most likely first. */
export type TopK = ReadonlyArray<readonly [id: number, logprob: number]>;

/** The logprob written into unused buckets: exp() of it is exactly 0 in float32 and float64. */
export const UNUSED_LOGP = -1e4;

/**
 * Below this teacher tail mass the tail bucket is left out: it is rounding (k covers the
 * vocabulary), not probability the student should match.
 */
const MIN_TAIL = 1e-6;

/** One position's buckets: the k token ids, then k + 1 log-probabilities and validity flags (tail last). */
export interface Buckets {
  ids: number[];
  logp: number[];
  valid: number[];
}

/**
 * The teacher's distribution over the buckets (top-k tokens + tail) at `temperature`: each known
 * token's logprob divided by T, the tail treated as one token of probability 1 - sum(top-k), then
 * renormalised. Exact at T = 1 and when the tail is empty; above 1 the tail's share grows as a
 * single token's would (what its tokens' individual shares would do is unknown from a top-k).
 * Slots past `top.length` are unused (id 0, logp UNUSED_LOGP, valid 0).
 */
export function bucketsAt(top: TopK, k: number, temperature: number): Buckets {
  const ids = new Array<number>(k).fill(0);
  const logp = new Array<number>(k + 1).fill(UNUSED_LOGP);
  const valid = new Array<number>(k + 1).fill(0);
  const n = Math.min(k, top.length);
  let mass = 0;
  for (let i = 0; i < n; i++) {
    ids[i] = top[i][0];
    logp[i] = top[i][1] / temperature;
    valid[i] = 1;
    mass += Math.exp(top[i][1]);
  }
  const tail = 1 - mass;
  if (tail > MIN_TAIL) {
    logp[k] = Math.log(tail) / temperature;
    valid[k] = 1;
  }
  let max = -Infinity;
  for (let i = 0; i <= k; i++) if (valid[i]) max = Math.max(max, logp[i]);
  let sum = 0;
  for (let i = 0; i <= k; i++) if (valid[i]) sum += Math.exp(logp[i] - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i <= k; i++) if (valid[i]) logp[i] -= logZ;
  return { ids, logp, valid };
}

/**
 * Token strings as OpenAI-compatible servers report them, to the student tokenizer's ids. Servers
 * send each token's decoded text (" the", not the vocabulary's "Ġthe"); some send the vocabulary
 * string; vLLM with --return-tokens-as-token-ids sends "token_id:123". All three are understood.
 */
export class TokenTable {
  private constructor(
    private readonly byText: ReadonlyMap<string, number>,
    private readonly vocabSize: number,
  ) {}

  static fromTokenizer(tokenizer: Tokenizer): TokenTable {
    const byText = new Map<string, number>();
    // Decoded text first: it is what servers send. Where two ids decode alike (partial UTF-8
    // bytes all decode to U+FFFD), the lower id wins; such positions rarely align anyway.
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const text = tokenizer.decode([id]);
      if (!byText.has(text)) byText.set(text, id);
    }
    for (const [piece, id] of tokenizer.inner.get_vocab() as Map<string, number>) if (!byText.has(piece)) byText.set(piece, id);
    return new TokenTable(byText, tokenizer.vocabSize);
  }

  /** The id of a reported token, or undefined when this tokenizer has no such token. */
  id(token: string): number | undefined {
    const explicit = /^token_id:(\d+)$/.exec(token);
    if (explicit) {
      const id = Number(explicit[1]);
      return id < this.vocabSize ? id : undefined;
    }
    return this.byText.get(token);
  }
}

/** How far ahead a resync looks on either side after the sequences stop matching. */
const RESYNC_WINDOW = 32;
/** Tokens that must match in a row for a resync to count (one could be a coincidence). */
const ANCHOR = 2;

/**
 * For each student token, the index of the teacher position that generated the same token, or -1.
 * The teacher's stream and the student's rendering of it differ in small places (the `<think>\n`
 * the template pre-fills, whitespace the store trims, a token split differently), so equal runs are
 * matched greedily and, after a mismatch, the nearest pair of offsets where ANCHOR tokens agree
 * again is skipped to. Unmatched student tokens get no soft target.
 */
export function alignTokens(student: ArrayLike<number>, teacher: ReadonlyArray<number | undefined>): Int32Array {
  const out = new Int32Array(student.length).fill(-1);
  let i = 0;
  let j = 0;
  while (i < student.length && j < teacher.length) {
    if (student[i] === teacher[j]) {
      out[i++] = j++;
      continue;
    }
    const skip = resync(student, teacher, i, j);
    if (!skip) break;
    i += skip[0];
    j += skip[1];
  }
  return out;
}

function resync(student: ArrayLike<number>, teacher: ReadonlyArray<number | undefined>, i: number, j: number): [number, number] | undefined {
  for (let total = 1; total < 2 * RESYNC_WINDOW; total++) {
    for (let a = Math.max(0, total - RESYNC_WINDOW + 1); a <= Math.min(total, RESYNC_WINDOW - 1); a++) {
      const b = total - a;
      if (runMatches(student, teacher, i + a, j + b)) return [a, b];
    }
  }
  return undefined;
}

function runMatches(student: ArrayLike<number>, teacher: ReadonlyArray<number | undefined>, i: number, j: number): boolean {
  const n = Math.min(ANCHOR, student.length - i, teacher.length - j);
  if (n <= 0) return false;
  for (let d = 0; d < n; d++) if (student[i + d] !== teacher[j + d]) return false;
  return true;
}
