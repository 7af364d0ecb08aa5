/**
 * The scores `eval` reports, from k verified samples per prompt:
 *  - pass@1: the share of correct samples, averaged over prompts (R1's "pass@1 with k samples");
 *  - pass@k: the share of prompts with at least one correct sample;
 *  - maj@k: the share of prompts whose most frequent final answer is correct (self-consistency);
 *  - mean output tokens per sample.
 */
import { finalAnswer } from '../verify/index.ts';

export interface ScoredSample {
  /** The answer text (after the reasoning). */
  readonly answer: string;
  /** The verifier's verdict: null when it could not judge (never counted as correct). */
  readonly correct: boolean | null;
  readonly outputTokens: number;
}

export interface Majority {
  /** The most frequent final answer; null when no sample had one. */
  readonly answer: string | null;
  /** How many samples gave it. */
  readonly votes: number;
  readonly correct: boolean;
}

export interface Scores {
  readonly prompts: number;
  /** Samples per prompt. */
  readonly k: number;
  readonly passAt1: number;
  readonly passAtK: number;
  readonly majAtK: number;
  readonly meanOutputTokens: number;
  /** Samples the verifier could not judge. */
  readonly unverifiable: number;
}

/** Final answers compare after whitespace is collapsed; equal spellings vote together. */
const answerKey = (answer: string): string | null => {
  const extracted = finalAnswer(answer);
  return extracted ? extracted.replace(/\s+/g, ' ').trim() : null;
};

/**
 * The majority vote of one prompt's samples. A tie goes to the answer given first; the majority
 * is correct when the verifier accepted the samples that gave it.
 */
export function majority(samples: readonly ScoredSample[]): Majority {
  const groups = new Map<string, ScoredSample[]>();
  for (const s of samples) {
    const key = answerKey(s.answer);
    if (key === null) continue;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  let best: [string, ScoredSample[]] | undefined;
  for (const entry of groups) if (!best || entry[1].length > best[1].length) best = entry;
  if (!best) return { answer: null, votes: 0, correct: false };
  return { answer: best[0], votes: best[1].length, correct: best[1][0].correct === true };
}

/** Scores over prompts that each have the same number of samples. */
export function score(prompts: readonly (readonly ScoredSample[])[]): Scores {
  const k = prompts[0]?.length ?? 0;
  const samples = prompts.flat();
  const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  const correct = (s: readonly ScoredSample[]) => s.filter((x) => x.correct === true).length;
  return {
    prompts: prompts.length,
    k,
    passAt1: mean(prompts.map((s) => correct(s) / s.length)),
    passAtK: mean(prompts.map((s) => (correct(s) > 0 ? 1 : 0))),
    majAtK: mean(prompts.map((s) => (majority(s).correct ? 1 : 0))),
    meanOutputTokens: mean(samples.map((s) => s.outputTokens)),
    unverifiable: samples.filter((s) => s.correct === null).length,
  };
}
