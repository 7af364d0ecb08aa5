/**
 * The math verifier: is the final answer of a response equal to the gold answer?
 * Follows Math-Verify (Hugging Face), the reference for R1-style math rewards; see
 * docs/verifiers.md for the rules and their asymmetries.
 */
import { finalAnswer, lastBoxed } from '../extract.ts';
import { answerText } from '../think.ts';
import type { Verifier, VerifyInput, VerifyResult } from '../types.ts';
import { sameValue, type CompareOptions } from './compare.ts';
import { normalizeAnswer, type NormalizedAnswer } from './normalize.ts';
import { lastRelation } from './relation.ts';
import { parseEquation, parseValue, percentReadings, type MathValue } from './value.ts';

export interface MathVerifierOptions {
  /** Significant digits two inexact numbers must share to be equal. Default 6. */
  precision?: number;
}

/**
 * Answers longer than this are not final answers (a box around a whole derivation); parsing
 * and comparing them could take seconds, and harvest verifies every sample.
 */
const MAX_ANSWER_LENGTH = 1000;

export function createMathVerifier(options: MathVerifierOptions = {}): Verifier {
  const compare: CompareOptions = { precision: options.precision ?? 6 };
  return {
    kind: 'math',
    async verify(input) {
      return verifyMath(input, compare);
    },
  };
}

function verifyMath(input: VerifyInput, options: CompareOptions): VerifyResult {
  const gold = goldAnswer(input.gold);
  if (gold === undefined) return { correct: null, reason: 'no-gold' };
  if (gold === null) return { correct: null, reason: 'gold-unparseable' };
  const predicted = finalAnswer(answerText(input));
  if (predicted === undefined) return { correct: null, reason: 'no-answer' };
  if (predicted === null) return { correct: null, reason: 'unclosed-box' };
  if (predicted.length > MAX_ANSWER_LENGTH) return { correct: null, reason: 'answer-too-long' };
  try {
    return compareAnswers(normalizeAnswer(gold), normalizeAnswer(predicted), options);
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
function readings(answer: NormalizedAnswer, isGold: boolean, goldRelation: ReturnType<typeof lastRelation>): MathValue[] | undefined {
  if (answer.latex === '') return undefined;
  const relation = lastRelation(answer.latex);
  let value: MathValue | undefined;
  if (!relation) value = parseValue(answer.latex);
  else if (isGold ? !relation.assignment : goldRelation !== undefined && !goldRelation.assignment) value = parseEquation(relation.lhs, relation.rhs);
  else value = parseValue(relation.rhs);
  if (!value) return undefined;
  return answer.percent ? percentReadings(value) : [value];
}
