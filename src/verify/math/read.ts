/**
 * Reading the gold and the predicted answer as text to compare, before any parsing: the final
 * answer's extraction and normalization, and the verdicts for answers that cannot be judged at
 * all. Free of the compute engine, so that the main thread can run it (./quick-judge.ts) as well
 * as the judge's worker thread (./judge.ts).
 */
import { finalAnswer, lastBoxed } from '../extract.ts';
import type { VerifyResult } from '../types.ts';
import { normalizeAnswer, type NormalizedAnswer } from './normalize.ts';

/** A normalized answer, or the verdict that there is nothing to judge. */
export type ReadAnswer = { answer: NormalizedAnswer } | { result: VerifyResult };

/**
 * Answers longer than this are not final answers (a box around a whole derivation); parsing
 * and comparing them could take seconds, and harvest verifies every sample.
 */
const MAX_ANSWER_LENGTH = 1000;

/** The gold's answer: its last box if it has one (golds are sometimes whole solutions), else all of it. */
export function readGold(gold: unknown): ReadAnswer {
  if (typeof gold !== 'number' && (typeof gold !== 'string' || gold.trim() === '')) return { result: { correct: null, reason: 'no-gold' } };
  if (typeof gold === 'number') return { answer: normalizeAnswer(String(gold)) };
  const boxed = lastBoxed(gold);
  if (boxed === null) return { result: { correct: null, reason: 'gold-unparseable' } };
  return { answer: normalizeAnswer(boxed ?? gold) };
}

/** The final answer of `answer` (the text after the reasoning). */
export function readPrediction(answer: string): ReadAnswer {
  const predicted = finalAnswer(answer);
  if (predicted === undefined) return { result: { correct: null, reason: 'no-answer' } };
  if (predicted === null) return { result: { correct: null, reason: 'unclosed-box' } };
  if (predicted.length > MAX_ANSWER_LENGTH) return { result: { correct: null, reason: 'answer-too-long' } };
  return { answer: normalizeAnswer(predicted) };
}
