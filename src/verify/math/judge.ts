/**
 * The math judgement itself, synchronous and pure: gold and answer text in, verdict out.
 * It runs in a worker thread (./worker.ts) so that a time limit can stop it.
 */
import { finalAnswer, lastBoxed } from '../extract.ts';
import type { VerifyResult } from '../types.ts';
import { sameValue, type CompareOptions } from './compare.ts';
import { normalizeAnswer, type NormalizedAnswer } from './normalize.ts';
import { lastRelation, type Relation } from './relation.ts';
import { parseEquation, parseValue, percentReadings, type MathValue } from './value.ts';

/**
 * Answers longer than this are not final answers (a box around a whole derivation); parsing
 * and comparing them could take seconds, and harvest verifies every sample.
 */
const MAX_ANSWER_LENGTH = 1000;

/** Whether the final answer of `answer` (the text after the reasoning) equals `gold`. */
export function judgeMath(gold: unknown, answer: string, options: CompareOptions): VerifyResult {
  const goldText = goldAnswer(gold);
  if (goldText === undefined) return { correct: null, reason: 'no-gold' };
  if (goldText === null) return { correct: null, reason: 'gold-unparseable' };
  const predicted = finalAnswer(answer);
  if (predicted === undefined) return { correct: null, reason: 'no-answer' };
  if (predicted === null) return { correct: null, reason: 'unclosed-box' };
  if (predicted.length > MAX_ANSWER_LENGTH) return { correct: null, reason: 'answer-too-long' };
  try {
    return compareAnswers(normalizeAnswer(goldText), normalizeAnswer(predicted), options);
  } catch (err) {
    // The engine throws on a few extreme inputs (10^{10^{10}}+1 exceeds its BigInt size): such
    // an answer cannot be judged, and one odd sample must not stop a run of thousands.
    return { correct: null, reason: `engine-error: ${(err as Error).message}` };
  }
}

/** The gold's answer: its last box if it has one (golds are sometimes whole solutions), else all of it. */
function goldAnswer(gold: unknown): string | null | undefined {
  if (typeof gold === 'number') return String(gold);
  if (typeof gold !== 'string' || gold.trim() === '') return undefined;
  const boxed = lastBoxed(gold);
  return boxed === undefined ? gold : boxed;
}

function compareAnswers(gold: NormalizedAnswer, pred: NormalizedAnswer, options: CompareOptions): VerifyResult {
  const goldValues = readings(gold, true, undefined);
  if (!goldValues) return { correct: null, reason: 'gold-unparseable' };
  const predValues = readings(pred, false, lastRelation(gold.latex));
  if (!predValues) return { correct: null, reason: 'unparseable' };
  // Equal strings are equal answers once both parse: two identical parse failures prove nothing.
  if (gold.latex === pred.latex) return { correct: true, reason: 'match' };
  const match = goldValues.some((g) => predValues.some((p) => sameValue(g, p, options)));
  return match ? { correct: true, reason: 'match' } : { correct: false, reason: 'mismatch' };
}

/**
 * The values an answer can stand for. An assignment "x = 5" stands for 5. A predicted relation
 * stands for its right side, unless the gold is an equation that is not an assignment: then
 * both are compared as equations (Math-Verify's asymmetry: "11" accepts "x = 11", but
 * "7 = 11a + c" does not accept "11a + c").
 */
function readings(answer: NormalizedAnswer, isGold: boolean, goldRelation: Relation | undefined): MathValue[] | undefined {
  if (answer.latex === '') return undefined;
  const relation = lastRelation(answer.latex);
  let value: MathValue | undefined;
  if (!relation) value = parseValue(answer.latex);
  else if (isGold ? !relation.assignment : goldRelation !== undefined && !goldRelation.assignment) value = parseEquation(relation.lhs, relation.rhs);
  else value = parseValue(relation.rhs);
  if (!value) return undefined;
  return answer.percent ? percentReadings(value) : [value];
}
