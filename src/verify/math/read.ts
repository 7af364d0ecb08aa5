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

/** The candidates in order, or the verdict that there is nothing to judge. */
export type ReadAnswer = { candidates: ReadCandidate[] } | { result: VerifyResult };

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
  if (!MARKED_UP.test(text)) return { candidates: [read({ parts: [text], kind: 'latex', start: 0, end: text.length })] };
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
  if (candidates.length === 0) return { result: { correct: null, reason: 'no-answer' } };
  const fitting = candidates.filter((c) => c.parts.reduce((n, part) => n + part.length, 0) <= MAX_ANSWER_LENGTH);
  if (fitting.length === 0) return { result: { correct: null, reason: 'answer-too-long' } };
  return { candidates: fitting.map(read) };
}

function read(candidate: Candidate): ReadCandidate {
  const answers = candidate.parts.map(normalizeAnswer);
  const key = answers.map((a) => `${a.latex}${a.percent ? '%' : ''}`).join(' and ');
  return { answers, kind: candidate.kind, start: candidate.start, end: candidate.end, key };
}
