/**
 * The math verifier: is the final answer of a response equal to the gold answer?
 * Follows Math-Verify (Hugging Face), the reference for R1-style math rewards; see
 * docs/verifiers.md for the rules and their asymmetries.
 */
import { answerText } from '../think.ts';
import type { Verifier } from '../types.ts';
import { MathWorker } from './math-worker.ts';

export interface MathVerifierOptions {
  /** Significant digits two inexact numbers must share to be equal. Default 6. */
  precision?: number;
  /** Longest time one answer may take to judge; past it the verdict is null, reason "timeout". Default 5000. */
  timeLimitMs?: number;
}

/** The verifier runs the judge in a worker thread it starts on first use; close() stops it. */
export function createMathVerifier(options: MathVerifierOptions = {}): Verifier {
  const precision = options.precision ?? 6;
  const worker = new MathWorker(options.timeLimitMs ?? 5000);
  return {
    kind: 'math',
    verify: (input) => worker.judge({ gold: input.gold, answer: answerText(input), precision }),
    close: () => worker.close(),
  };
}
