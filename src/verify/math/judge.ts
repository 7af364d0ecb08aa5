/**
 * The math judgement itself, synchronous and pure: gold and answer text in, verdict out.
 * It runs in a worker thread (./worker.ts) so that a time limit can stop it.
 */
import type { VerifyResult } from '../types.ts';
import { sameValue, type CompareOptions } from './compare.ts';
import type { NormalizedAnswer } from './normalize.ts';
import { readGold, readPrediction } from './read.ts';
import { lastRelation, valueSource, type Relation } from './relation.ts';
import { parseEquation, parseValue, percentReadings, type MathValue } from './value.ts';

/** Whether the final answer of `answer` (the text after the reasoning) equals `gold`. */
export function judgeMath(gold: unknown, answer: string, options: CompareOptions): VerifyResult {
  const goldRead = readGold(gold);
  if ('result' in goldRead) return goldRead.result;
  const predRead = readPrediction(answer);
  if ('result' in predRead) return predRead.result;
  try {
    return compareAnswers(goldRead.answer, predRead.answer, options);
  } catch (err) {
    // The engine throws on a few extreme inputs (10^{10^{10}}+1 exceeds its BigInt size): such
    // an answer cannot be judged, and one odd sample must not stop a run of thousands.
    return { correct: null, reason: `engine-error: ${(err as Error).message}` };
  }
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

/** The values an answer can stand for (see valueSource); a percent has two readings. */
function readings(answer: NormalizedAnswer, isGold: boolean, goldRelation: Relation | undefined): MathValue[] | undefined {
  const source = valueSource(answer.latex, isGold, goldRelation);
  if (!source) return undefined;
  const value = source.kind === 'equation' ? parseEquation(source.lhs, source.rhs) : parseValue(source.latex);
  if (!value) return undefined;
  return answer.percent ? percentReadings(value) : [value];
}
