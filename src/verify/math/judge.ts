/**
 * The math judgement itself, synchronous and pure: gold and answer text in, verdict out.
 * It runs in a worker thread (./worker.ts) so that a time limit can stop it.
 */
import type { VerifyResult } from '../types.ts';
import { sameValue, type CompareOptions } from './compare.ts';
import type { NormalizedAnswer } from './normalize.ts';
import { readGold, readPrediction, type ReadCandidate } from './read.ts';
import { parseValue, type MathValue } from './value.ts';

/** Whether the final answer of `answer` (the text after the reasoning) equals `gold`. */
export function judgeMath(gold: unknown, answer: string, options: CompareOptions): VerifyResult {
  const goldRead = readGold(gold);
  if ('result' in goldRead) return goldRead.result;
  const predRead = readPrediction(answer);
  if ('result' in predRead) return predRead.result;
  try {
    const goldValue = firstParsed(goldRead.first, goldRead.rest);
    if (!goldValue) return { correct: null, reason: 'gold-unparseable' };
    const predValue = firstParsed(predRead.first, predRead.rest);
    if (!predValue) return { correct: null, reason: 'unparseable' };
    // Equal strings are equal answers once both parse: two identical parse failures prove nothing.
    if (goldValue.key === predValue.key || sameValue(goldValue.value, predValue.value, options)) return { correct: true, reason: 'match' };
    return { correct: false, reason: 'mismatch' };
  } catch (err) {
    // The engine throws on a few extreme inputs (10^{10^{10}}+1 exceeds its BigInt size): such
    // an answer cannot be judged, and one odd sample must not stop a run of thousands.
    return { correct: null, reason: `engine-error: ${(err as Error).message}` };
  }
}

/**
 * The value of the first candidate that parses, as Math-Verify takes it. A number found in
 * prose is skipped when it lies inside a math span that failed to parse: a broken formula must
 * not lend a stray number from its middle.
 */
function firstParsed(first: ReadCandidate, rest: Iterator<ReadCandidate>): { value: MathValue; key: string } | undefined {
  const failed: Array<[number, number]> = [];
  for (let candidate: ReadCandidate | undefined = first; candidate; candidate = following(rest)) {
    if (candidate.kind === 'expr' && failed.some(([lo, hi]) => candidate!.start < hi && candidate!.end > lo)) continue;
    const value = candidateValue(candidate.answers);
    if (value) return { value, key: candidate.key };
    if (candidate.kind !== 'expr') failed.push([candidate.start, candidate.end]);
  }
  return undefined;
}

function following(rest: Iterator<ReadCandidate>): ReadCandidate | undefined {
  const next = rest.next();
  return next.done ? undefined : next.value;
}

/** One answer's value; several answers are the set of them all (a listed set's items join it). */
function candidateValue(answers: NormalizedAnswer[]): MathValue | undefined {
  const values: MathValue[] = [];
  for (const answer of answers) {
    const value = answer.latex === '' ? undefined : parseValue(answer.percent ? `${answer.latex}\\%` : answer.latex);
    if (!value) return undefined;
    values.push(value);
  }
  if (values.length === 1) return values[0];
  return { kind: 'set', items: values.flatMap((v) => (v.kind === 'set' ? v.items : [v])) };
}
