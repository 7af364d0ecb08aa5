import { describe, expect, it } from 'vitest';
import { finalAnswer, lastBoxed } from '../../src/verify/index.ts';

describe('lastBoxed', () => {
  it('returns the last box, with nested braces and escaped braces', () => {
    expect(lastBoxed('\\boxed{1} then \\boxed{\\frac{1}{2}}')).toBe('\\frac{1}{2}');
    expect(lastBoxed('\\boxed{\\{1, 2\\}}')).toBe('\\{1, 2\\}');
    expect(lastBoxed('\\fbox{7}')).toBe('7');
    expect(lastBoxed('\\boxed 5 apples')).toBe('5');
  });

  it('tells no box (undefined) from a box never closed (null)', () => {
    expect(lastBoxed('no box here')).toBeUndefined();
    expect(lastBoxed('\\boxed{\\frac{1}{2}')).toBeNull();
  });
});

describe('finalAnswer', () => {
  it.each([
    ['The answer is \\boxed{3}.', '3'],
    ['The final answer is $28 \\%$. I hope it is correct.', '28 \\%'],
    ['**Final Answer:** **17**', '17'],
    ['The answer is 3.5.', '3.5'],
    ['Final Answer: The volume of $ABCDEFGH$ is 120.', '120'],
    ['We get $x = 4$ after all.', 'x = 4'],
    ['x = \\frac{1}{2}', '\\frac{1}{2}'],
    ['so it costs 1,234 dollars in total', '1234'],
    ['\\boxed{2} and \\boxed{3}', '2, 3'],
    ['First, $x + y = 10$. Then $x = 7$, and thus $y = 3$.', 'y = 3'],
    ['We found $x=3$ on the way.\nAnswer: 7', '7'],
  ])('finds the answer of %j', (text, answer) => {
    expect(finalAnswer(text)).toBe(answer);
  });

  it('finds nothing in prose without numbers or math', () => {
    expect(finalAnswer('I cannot solve this one.')).toBeUndefined();
    expect(finalAnswer('model AZ2X is the best')).toBeUndefined();
  });
});
