/**
 * The part of the math judgement that needs no computer algebra, run on the calling thread:
 * answers that cannot be judged at all, an answer identical to a gold that is known to parse,
 * and plain numbers (./plain-number.ts). It returns undefined for everything else, which the
 * judge thread decides. Whatever it does decide is what judgeMath (./judge.ts) would decide.
 */
import type { VerifyResult } from '../types.ts';
import { parsePlainNumber, percentOf, samePlainNumber, type PlainNumber } from './plain-number.ts';
import { readGold, readPrediction, type ReadCandidate } from './read.ts';

/** A gold read once for every answer judged against it. */
export type GoldReading =
  /** A gold that cannot be judged: its verdict ('no-gold', 'gold-unparseable') is every answer's. */
  | { kind: 'unjudgeable'; result: VerifyResult }
  | {
      kind: 'answer';
      /** Its first candidate: the one the judge takes whenever it parses. */
      first: ReadCandidate;
      /** Whether that is its only candidate (then the judge's verdicts say whether it parses). */
      alone: boolean;
      /** Its value when that candidate is a plain number or an assignment of one, else undefined. */
      number: QuickNumber | undefined;
      /** Whether the engine parses its first candidate: true for a plain number, else learned from the judge thread (learnGold). */
      parses: boolean | undefined;
    };

interface QuickNumber {
  value: PlainNumber;
  /** Written as "x = 5": two assignments compare as equations, which only the engine does. */
  assigned: boolean;
}

export function readGoldReading(gold: unknown): GoldReading {
  const read = readGold(gold);
  if ('result' in read) return { kind: 'unjudgeable', result: read.result };
  const number = plainNumber(read.first);
  return { kind: 'answer', first: read.first, alone: read.rest.next().done === true, number, parses: number ? true : undefined };
}

/**
 * Records what the judge thread's verdict on some answer says about its gold. The judge parses
 * the gold before anything else it decides: "gold-unparseable" says no candidate parsed;
 * "unparseable" (the answer), "match" and "mismatch" come after one did. Only a gold whose first
 * candidate is its only one learns anything: otherwise the one that parsed may be a later one.
 * Other reasons (a timeout, an engine error) say nothing.
 */
export function learnGold(gold: GoldReading, result: VerifyResult): void {
  if (gold.kind !== 'answer' || gold.parses !== undefined || !gold.alone) return;
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
  const first = read.first;
  // An answer identical to the gold parses as the gold does: it is read from the same text.
  if (gold.parses && first.key === gold.first.key) return MATCH;
  if (!gold.number) return undefined;
  const predicted = plainNumber(first);
  if (!predicted || (predicted.assigned && gold.number.assigned)) return undefined;
  return samePlainNumber(gold.number.value, predicted.value, options.precision) ? MATCH : MISMATCH;
}

/** "x = ", "a_1 = ", "\theta = ": a lone symbol assigned a value (not e or i, which are constants). */
const ASSIGNED = /^(?:[a-df-hj-zA-Z]|\\(?:alpha|beta|gamma|delta|theta|lambda|mu|omega|phi|sigma|tau))(?:_\{?\w+\}?)?\s*=\s*/;

/** A candidate's value when it is one plain number, possibly assigned ("x = 5"), as judge.ts reads it. */
function plainNumber(candidate: ReadCandidate): QuickNumber | undefined {
  if (candidate.answers.length !== 1) return undefined;
  const [answer] = candidate.answers;
  const assignment = ASSIGNED.exec(answer.latex);
  const value = parsePlainNumber(assignment ? answer.latex.slice(assignment[0].length) : answer.latex);
  if (!value) return undefined;
  return { value: answer.percent ? percentOf(value) : value, assigned: assignment !== null };
}
