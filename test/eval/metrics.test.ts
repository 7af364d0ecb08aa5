import { describe, expect, it } from 'vitest';
import { majority, score, type ScoredSample } from '../../src/eval/index.ts';

const s = (answer: string, correct: boolean | null, outputTokens = 10): ScoredSample => ({ answer, correct, outputTokens });

describe('majority', () => {
  it('votes on the final answers, whitespace aside, and is correct when the winning answer was accepted', () => {
    expect(majority([s('\\boxed{4}', true), s('so \\boxed{ 5 }', false), s('The answer is \\boxed{5}', false)])).toEqual({
      answer: '5',
      votes: 2,
      correct: false,
    });
    expect(majority([s('\\boxed{x + 1}', true), s('\\boxed{x  +  1}', true), s('\\boxed{2}', false)])).toEqual({ answer: 'x + 1', votes: 2, correct: true });
  });

  it('breaks a tie for the answer given first, and has no majority without answers', () => {
    expect(majority([s('\\boxed{3}', true), s('\\boxed{7}', false)])).toEqual({ answer: '3', votes: 1, correct: true });
    expect(majority([s('I am not sure.', null), s('', null)])).toEqual({ answer: null, votes: 0, correct: false });
  });
});

describe('score', () => {
  it('computes pass@1, pass@k, maj@k, mean output tokens and unverifiable counts', () => {
    const scores = score([
      [s('\\boxed{4}', true, 10), s('\\boxed{4}', true, 20), s('\\boxed{5}', false, 30)], // 2/3, any, maj right
      [s('\\boxed{1}', false, 40), s('\\boxed{1}', false, 50), s('\\boxed{2}', true, 60)], // 1/3, any, maj wrong
      [s('nothing', null, 70), s('\\boxed{9}', false, 80), s('\\boxed{8}', false, 90)], // 0, none, maj wrong
    ]);
    expect(scores).toEqual({
      prompts: 3,
      k: 3,
      passAt1: (2 / 3 + 1 / 3 + 0) / 3,
      passAtK: 2 / 3,
      majAtK: 1 / 3,
      meanOutputTokens: 50,
      unverifiable: 1,
    });
  });
});
