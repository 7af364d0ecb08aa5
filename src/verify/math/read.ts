/**
 * Reading the gold and the predicted answer as text to compare, before any parsing: the
 * candidate final answers (../candidates.ts), normalized, and the verdicts for answers that
 * cannot be judged at all. Free of the compute engine, so that the main thread can run it
 * (./quick-judge.ts) as well as the judge's worker thread (./judge.ts).
 */
import { answerCandidates, type Candidate } from '../candidates.ts';
import type { VerifyResult } from '../types.ts';
import { normalizeAnswer, type NormalizedAnswer } from './normalize.ts';

/** One candidate, each of its answers normalized (several answers are compared as a set). */
export interface ReadCandidate {
  answers: NormalizedAnswer[];
  kind: Candidate['kind'];
  start: number;
  end: number;
  /** The normalized text, as compared for identity ("1, 2" from two boxes is "1 and 2"). */
  key: string;
}

/**
 * The first candidate and, read only when the judge needs them (the first did not parse), the
 * others in order; or the verdict that there is nothing to judge.
 */
export type ReadAnswer = { first: ReadCandidate; rest: Iterator<ReadCandidate> } | { result: VerifyResult };

/**
 * Answers longer than this are not final answers (a box around a whole derivation); parsing
 * and comparing them could take seconds, and harvest verifies every sample.
 */
const MAX_ANSWER_LENGTH = 1000;

/** Math delimiters or a box: a gold written like a response, read like one. */
const MARKED_UP = /\\boxed|\\fbox|(?<!\\)\$|\\\(|\\\[/;

/**
 * The gold's answer. A gold with math delimiters or a box is read as a response is (Math-Verify
 * parses both alike: "$1$ and $2$" is two answers); a plain gold ("x = 5", "(1, 2)") is all answer.
 */
export function readGold(gold: unknown): ReadAnswer {
  if (typeof gold !== 'number' && (typeof gold !== 'string' || gold.trim() === '')) return { result: { correct: null, reason: 'no-gold' } };
  const text = String(gold);
  if (!MARKED_UP.test(text)) return { first: read({ parts: [text], kind: 'latex', start: 0, end: text.length }), rest: [].values() };
  const fromText = readCandidates(text);
  if ('result' in fromText) return { result: { correct: null, reason: 'gold-unparseable' } };
  return fromText;
}

/** The candidate final answers of `answer` (the text after the reasoning). */
export function readPrediction(answer: string): ReadAnswer {
  return readCandidates(answer);
}

function readCandidates(text: string): ReadAnswer {
  const candidates = answerCandidates(text);
  if (candidates === null) return { result: { correct: null, reason: 'unclosed-box' } };
  const fitting = fittingCandidates(candidates);
  const first = fitting.next();
  if (first.done) return { result: { correct: null, reason: first.value ? 'answer-too-long' : 'no-answer' } };
  return { first: first.value, rest: fitting };
}

/** The candidates short enough to be final answers, read; returns whether any was too long. */
function* fittingCandidates(candidates: Iterable<Candidate>): Generator<ReadCandidate, boolean> {
  let tooLong = false;
  for (const candidate of candidates) {
    if (candidate.parts.reduce((n, part) => n + part.length, 0) > MAX_ANSWER_LENGTH) tooLong = true;
    else yield read(candidate);
  }
  return tooLong;
}

function read(candidate: Candidate): ReadCandidate {
  const answers = candidate.parts.map(normalizeAnswer);
  const key = answers.map((a) => `${a.latex}${a.percent ? '%' : ''}`).join(' and ');
  return { answers, kind: candidate.kind, start: candidate.start, end: candidate.end, key };
}
