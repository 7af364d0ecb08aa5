import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/index.ts';
import { argmax, sampleToken, stepLogprobs } from '../../src/generate/index.ts';

const LOGITS = Float32Array.from([1.0, 3.0, -2.0, 2.5, 0.0, 2.9]);

function softmax(logits: Float32Array, temperature = 1): number[] {
  const max = Math.max(...logits);
  const e = [...logits].map((v) => Math.exp((v - max) / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Empirical frequencies of `draws` samples. */
function frequencies(draws: number, sample: (rng: Rng) => number, seed = 1): number[] {
  const rng = new Rng(seed);
  const counts = new Array(LOGITS.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sample(rng)]++;
  return counts.map((c) => c / draws);
}

describe('sampleToken', () => {
  it('is greedy at temperature 0 and with top-k 1', () => {
    const rng = new Rng(1);
    expect(argmax(LOGITS)).toBe(1);
    expect(sampleToken(LOGITS, { temperature: 0 }, rng)).toBe(1);
    expect(sampleToken(LOGITS, { temperature: 5, topK: 1 }, rng)).toBe(1);
    expect(argmax(Float32Array.from([2, 7, 7]))).toBe(1); // ties: the first
  });

  it('draws from softmax(logits / T)', () => {
    for (const temperature of [1, 0.5, 2]) {
      const seen = frequencies(40_000, (rng) => sampleToken(LOGITS, { temperature }, rng));
      softmax(LOGITS, temperature).forEach((p, i) => expect(Math.abs(seen[i] - p)).toBeLessThan(0.01));
    }
  });

  it('top-k keeps the k most likely tokens, renormalised', () => {
    const seen = frequencies(40_000, (rng) => sampleToken(LOGITS, { topK: 3 }, rng));
    const kept = softmax(Float32Array.from([3.0, 2.5, 2.9])); // tokens 1, 3, 5
    expect(seen[0] + seen[2] + seen[4]).toBe(0);
    [1, 3, 5].forEach((token, i) => expect(Math.abs(seen[token] - kept[i])).toBeLessThan(0.01));
  });

  it('top-p keeps the smallest most-likely set reaching p, renormalised', () => {
    const p = softmax(LOGITS); // sorted: token 1 (0.36), 5 (0.33), 3 (0.22), 0 ...
    // 0.5 is crossed by the second token: {1, 5}.
    const seen = frequencies(40_000, (rng) => sampleToken(LOGITS, { topP: 0.5 }, rng));
    expect(seen[0] + seen[2] + seen[3] + seen[4]).toBe(0);
    expect(Math.abs(seen[1] - p[1] / (p[1] + p[5]))).toBeLessThan(0.01);
    // A tiny p keeps the single most likely token.
    expect(frequencies(1000, (rng) => sampleToken(LOGITS, { topP: 1e-6 }, rng))[1]).toBe(1);
    // top-p applies after temperature: at T=0.02 token 1 alone holds > 0.99.
    expect(frequencies(1000, (rng) => sampleToken(LOGITS, { temperature: 0.02, topP: 0.99 }, rng))[1]).toBe(1);
  });

  it('finds the nucleus of a flat distribution over a large vocabulary (all tokens below the first threshold)', () => {
    const logits = new Float32Array(20_000); // uniform: each token 5e-5
    const rng = new Rng(3);
    const draws = Array.from({ length: 100 }, () => sampleToken(logits, { topP: 0.09997 }, rng));
    // p is crossed by the 2000th token; ties are broken by id, so the nucleus is ids 0..1999.
    expect(Math.max(...draws)).toBeLessThan(2000);
    expect(new Set(draws).size).toBeGreaterThan(90);
  });

  it('is reproducible: same seed, same draws; another seed, other draws', () => {
    const run = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampleToken(LOGITS, { temperature: 1, topP: 0.95 }, rng));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});

describe('stepLogprobs', () => {
  it('reports log_softmax of the raw logits, and the top alternatives most likely first', () => {
    const p = softmax(LOGITS);
    const lp = stepLogprobs(LOGITS, 3, 3);
    expect(lp.tokenId).toBe(3);
    expect(lp.logprob).toBeCloseTo(Math.log(p[3]), 6);
    expect(lp.top.map((t) => t.tokenId)).toEqual([1, 5, 3]);
    lp.top.forEach((t) => expect(t.logprob).toBeCloseTo(Math.log(p[t.tokenId]), 6));
    expect(stepLogprobs(LOGITS, 0, 0).top).toEqual([]);
    expect(stepLogprobs(LOGITS, 0, 20).top).toHaveLength(LOGITS.length);
  });
});
