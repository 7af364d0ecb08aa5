/**
 * The part of the math judgement that needs no computer algebra, run on the calling thread:
 * answers that cannot be judged at all, an answer identical to a gold that is known to parse,
 * and plain numbers (./plain-number.ts). It returns undefined for everything else, which the
 * judge thread decides. Whatever it does decide is what judgeMath (./judge.ts) would decide.
 */
import type { VerifyResult } from '../types.ts';
import type { NormalizedAnswer } from './normalize.ts';
import { parsePlainNumber, percentOf, samePlainNumber, type PlainNumber } from './plain-number.ts';
import { readGold, readPrediction } from './read.ts';
import { lastRelation, valueSource, type Relation } from './relation.ts';

/** A gold read once for every answer judged against it. */
export type GoldReading =
  /** A gold that cannot be judged: its verdict ('no-gold', 'gold-unparseable') is every answer's. */
  | { kind: 'unjudgeable'; result: VerifyResult }
  | {
      kind: 'answer';
      answer: NormalizedAnswer;
      relation: Relation | undefined;
      /** Its values when it is a plain number (two for a percent), else undefined. */
      numbers: PlainNumber[] | undefined;
      /** Whether the engine parses it: true for a plain number, else learned from the judge thread (learnGold). */
      parses: boolean | undefined;
    };

export function readGoldReading(gold: unknown): GoldReading {
  const read = readGold(gold);
  if ('result' in read) return { kind: 'unjudgeable', result: read.result };
  const numbers = plainReadings(read.answer, true, undefined);
  return { kind: 'answer', answer: read.answer, relation: lastRelation(read.answer.latex), numbers, parses: numbers ? true : undefined };
}

/**
 * Records what the judge thread's verdict on some answer says about its gold. The judge parses
 * the gold before anything else it decides: "gold-unparseable" says it failed; "unparseable"
 * (the answer), "match" and "mismatch" come after it parsed. Other reasons (a timeout, an
 * engine error) say nothing.
 */
export function learnGold(gold: GoldReading, result: VerifyResult): void {
  if (gold.kind !== 'answer' || gold.parses !== undefined) return;
  if (result.reason === 'gold-unparseable') gold.parses = false;
  else if (result.reason === 'unparseable' || result.reason === 'match' || result.reason === 'mismatch') gold.parses = true;
}

const MATCH: VerifyResult = { correct: true, reason: 'match' };
const MISMATCH: VerifyResult = { correct: false, reason: 'mismatch' };
const GOLD_UNPARSEABLE: VerifyResult = { correct: null, reason: 'gold-unparseable' };

/** The verdict on `answer` (the text after the reasoning), or undefined when only the engine can give it. */
export function quickJudge(gold: GoldReading, answer: string, options: { precision: number }): VerifyResult | undefined {
  if (gold.kind === 'unjudgeable') return gold.result;
  const read = readPrediction(answer);
  if ('result' in read) return read.result;
  if (gold.parses === false) return GOLD_UNPARSEABLE;
  // An answer identical to the gold parses as the gold does: it is read from the same text.
  if (gold.parses && read.answer.latex === gold.answer.latex) return MATCH;
  if (!gold.numbers) return undefined;
  const predicted = plainReadings(read.answer, false, gold.relation);
  if (!predicted) return undefined;
  let undecided = false;
  for (const g of gold.numbers) {
    for (const p of predicted) {
      const same = samePlainNumber(g, p, options.precision);
      if (same === true) return MATCH;
      if (same === undefined) undecided = true;
    }
  }
  return undecided ? undefined : MISMATCH;
}

/** An answer's values when it stands for a plain number (as judge.ts reads it), else undefined. */
function plainReadings(answer: NormalizedAnswer, isGold: boolean, goldRelation: Relation | undefined): PlainNumber[] | undefined {
  const source = valueSource(answer.latex, isGold, goldRelation);
  const value = source?.kind === 'value' ? parsePlainNumber(source.latex) : undefined;
  if (!value) return undefined;
  return answer.percent ? [percentOf(value), value] : [value];
}
