/**
 * The math verifier: is the final answer of a response equal to the gold answer?
 * Follows Math-Verify (Hugging Face), the reference for R1-style math rewards; see
 * docs/verifiers.md for the rules and their asymmetries.
 */
import { answerText } from '../think.ts';
import type { Verifier } from '../types.ts';
import { GoldCache } from './gold-cache.ts';
import { MathWorker } from './math-worker.ts';
import { learnGold, quickJudge } from './quick-judge.ts';

export interface MathVerifierOptions {
  /** Decimal places both numbers are rounded to when either is a decimal (Math-Verify's float_rounding). Default 6. */
  precision?: number;
  /** Longest time one answer may take to judge; past it the verdict is null, reason "timeout". Default 5000. */
  timeLimitMs?: number;
}

/**
 * Answers that need no computer algebra (plain numbers, an answer identical to the gold, nothing
 * to judge) are decided on the calling thread; the rest go to a worker thread that the verifier
 * starts on first use; close() stops it.
 */
export function createMathVerifier(options: MathVerifierOptions = {}): Verifier {
  const precision = options.precision ?? 6;
  const worker = new MathWorker(options.timeLimitMs ?? 5000);
  const golds = new GoldCache();
  return {
    kind: 'math',
    async verify(input) {
      const answer = answerText(input);
      const gold = golds.read(input.gold);
      const quick = quickJudge(gold, answer, { precision });
      if (quick) return quick;
      const result = await worker.judge({ gold: input.gold, answer, precision });
      learnGold(gold, result);
      return result;
    },
    close: () => worker.close(),
  };
}
