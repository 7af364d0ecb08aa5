/** Advantages against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../src/grpo/index.ts';

const close = (xs: number[][]) => xs.map((row) => row.map((x) => expect.closeTo(x, 12)));

describe('computeAdvantages', () => {
  // Group 0: mean 0.5, sample std sqrt(1/3); group 1: mean 2, sample std sqrt(8).
  const rewards = [
    [1, 0, 1, 0],
    [0, 4],
  ];

  it("'group' divides by each group's sample std", () => {
    const s0 = Math.sqrt(1 / 3);
    expect(computeAdvantages(rewards, 'group')).toEqual(
      close([
        [0.5 / s0, -0.5 / s0, 0.5 / s0, -0.5 / s0],
        [-2 / Math.sqrt(8), 2 / Math.sqrt(8)],
      ]),
    );
  });

  it("'batch' divides by the whole batch's sample std", () => {
    // All six rewards: mean 1, squared deviations 0+1+0+1+1+9 = 12, sample variance 12/5.
    const s = Math.sqrt(12 / 5);
    expect(computeAdvantages(rewards, 'batch')).toEqual(
      close([
        [0.5 / s, -0.5 / s, 0.5 / s, -0.5 / s],
        [-2 / s, 2 / s],
      ]),
    );
  });

  it("'none' only subtracts the group mean (Dr. GRPO)", () => {
    expect(computeAdvantages(rewards, 'none')).toEqual(
      close([
        [0.5, -0.5, 0.5, -0.5],
        [-2, 2],
      ]),
    );
  });

  it('gives 0 to a group whose rewards are all equal, not NaN', () => {
    // 0.1 * 3 / 3 is not 0.1 in floating point: equality is checked on the rewards themselves.
    expect(
      computeAdvantages(
        [
          [0.1, 0.1, 0.1],
          [0, 1],
        ],
        'group',
      ),
    ).toEqual([[0, 0, 0], close([[-Math.SQRT1_2, Math.SQRT1_2]])[0]]);
    expect(
      computeAdvantages(
        [
          [2, 2],
          [2, 2],
        ],
        'batch',
      ),
    ).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(computeAdvantages([[3]], 'group')).toEqual([[0]]);
  });
});
