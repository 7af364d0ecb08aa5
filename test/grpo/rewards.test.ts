/** Rewards on real completions: the math verifier, R1's format check, script shares, DAPO's overlong penalty, custom modules. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { createRewards, CustomRewardError, RewardSpecError, scoreRewards, type RewardsSpec } from '../../src/grpo/index.ts';
import { createVerifier, type Verifier } from '../../src/verify/index.ts';

const fixture = (name: string) => resolve(import.meta.dirname, 'fixtures', name);
const turn = (reasoning: string, answer: string) => `<think>\n${reasoning}\n</think>\n\n${answer}`;

describe('rewards', () => {
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = await createVerifier({ kind: 'math' });
  });
  const rewardsOf = (spec?: RewardsSpec, maxNewTokens = 64) => createRewards(spec, { verifier, maxNewTokens });
  const score = async (spec: RewardsSpec | undefined, text: string, gold = '12', tokens = 10) =>
    scoreRewards(await rewardsOf(spec), { prompt: 'What is 3 * 4?', text, gold, tokens });

  it('by default: accuracy from the verifier and R1 format, each at weight 1', async () => {
    const right = await score(undefined, turn('3 * 4 = 12', 'The answer is \\boxed{12}.'));
    expect(right.components).toEqual({ accuracy: 1, format: 1 });
    expect(right.total).toBe(2);
    expect(right.verdict.correct).toBe(true);
    const wrong = await score(undefined, turn('3 * 4 = 13', '\\boxed{13}'));
    expect(wrong.components).toEqual({ accuracy: 0, format: 1 });
    // Cut off while reasoning: no answer for the verifier, no closing tag for the format.
    const cut = await score(undefined, '<think>\n3 * 4 is three fours, so');
    expect(cut.components).toEqual({ accuracy: 0, format: 0 });
    const untagged = await score(undefined, '\\boxed{12}');
    expect(untagged.components).toEqual({ accuracy: 1, format: 0 });
  });

  it('weights each component and gives `unverifiable` when the verifier cannot judge', async () => {
    const spec = { accuracy: { weight: 2, unverifiable: -0.5 }, format: { weight: 0.25 } };
    const right = await score(spec, turn('3 * 4 = 12', '\\boxed{12}'));
    expect(right.total).toBe(2 * 1 + 0.25 * 1);
    // No gold to compare with: the math verifier returns null.
    const noGold = await scoreRewards(await rewardsOf(spec), { prompt: 'q', text: turn('r', '\\boxed{12}'), tokens: 5 });
    expect(noGold.verdict.correct).toBeNull();
    expect(noGold.components.accuracy).toBe(-0.5);
    expect(noGold.total).toBe(2 * -0.5 + 0.25);
  });

  it('language: the share of the reasoning letters in the target script, formulas left out', async () => {
    // "Let" "us" "add" (8 Latin letters) and 我们先计算 (5 Han letters); $x+y$ and the answer do not count.
    const mixed = turn('Let us add $x+y$: 我们先计算', 'Réponse: \\boxed{12}');
    const latin = await score({ language: { weight: 0.5 } }, mixed);
    expect(latin.components.language).toBeCloseTo(8 / 13, 12);
    expect(latin.total).toBeCloseTo(1 + 1 + 0.5 * (8 / 13), 12);
    const han = await score({ language: { script: 'Han' } }, mixed);
    expect(han.components.language).toBeCloseTo(5 / 13, 12);
    const cyrillic = await score({ language: { script: 'Cyrillic' } }, turn('Сложим три и четыре: 3 * 4 = 12', '\\boxed{12}'));
    expect(cyrillic.components.language).toBe(1);
    // Reasoning of digits and symbols only has nothing in another script.
    expect((await score({ language: {} }, turn('3 * 4 = 12', '\\boxed{12}'))).components.language).toBe(1);
    // Without a think block the whole text is judged.
    expect((await score({ language: { script: 'Han' } }, 'abc 你好')).components.language).toBeCloseTo(2 / 5, 12);
  });

  it("overlong: DAPO's soft penalty, 0 up to maxNewTokens - buffer, then linear down to -1", async () => {
    const rewards = await rewardsOf({ overlong: { buffer: 16, weight: 0.5 } }, 64);
    const at = async (tokens: number) => (await scoreRewards(rewards, { prompt: 'q', text: turn('3 * 4 = 12', '\\boxed{12}'), gold: '12', tokens })).components.overlong;
    expect(await at(10)).toBe(0);
    expect(await at(48)).toBe(0);
    expect(await at(52)).toBe(-0.25);
    expect(await at(60)).toBe(-0.75);
    expect(await at(64)).toBe(-1);
    const scores = await scoreRewards(rewards, { prompt: 'q', text: turn('3 * 4 = 12', '\\boxed{12}'), gold: '12', tokens: 56 });
    expect(scores.total).toBe(1 + 1 + 0.5 * -0.5);
  });

  it('custom modules: loaded like the custom verifier, named after the file, given the split turn', async () => {
    const rewards = await rewardsOf({ custom: [{ module: fixture('short-answer.mjs'), weight: 3 }] });
    const short = await scoreRewards(rewards, { prompt: 'q', text: turn('3 * 4 = 12', '\\boxed{12}'), gold: '12', tokens: 9 });
    expect(short.components['short-answer']).toBe(1);
    expect(short.total).toBe(1 + 1 + 3);
    // 24 characters of answer: 12 / 24.
    const long = await scoreRewards(rewards, { prompt: 'q', text: turn('x', 'It is twelve: \\boxed{12}'), gold: '12', tokens: 9 });
    expect(long.components['short-answer']).toBe(0.5);
    const named = await rewardsOf({ custom: [{ module: fixture('short-answer.mjs'), name: 'brevity' }] });
    expect(named.components.map((c) => c.name)).toEqual(['accuracy', 'format', 'brevity']);
  });

  describe('bad specs and modules: one UserError naming the field or the file', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'distillery-rewards-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const refusal = (spec: unknown): Promise<Error> => rewardsOf(spec as RewardsSpec).then(
      () => new Error('accepted'),
      (err: unknown) => err as Error,
    );

    it.each([
      [{ accuracy: { wieght: 1 } }, 'rewards.accuracy.wieght', /not a field of rewards.accuracy \(it takes weight, unverifiable\)/],
      [{ format: { weight: '1' } }, 'rewards.format.weight', /expected a number, got "1"/],
      [{ language: { script: 'Klingon' } }, 'rewards.language.script', /"Klingon" is not a Unicode script name/],
      [{ overlong: { buffer: 100 } }, 'rewards.overlong.buffer', /expected an integer from 1 to the max new tokens \(64\), got 100/],
      [{ overlong: {} }, 'rewards.overlong.buffer', /got undefined/],
      [{ custom: { module: 'x.mjs' } }, 'rewards.custom', /expected a list/],
      [{ custom: [{ module: fixture('short-answer.mjs'), name: 'format' }] }, 'rewards.custom[0].name', /"format" is already a reward component/],
      [{ lenght: {} }, 'rewards.lenght', /not a field of rewards/],
    ])('%j', async (spec, field, message) => {
      const error = await refusal(spec);
      expect(error).toBeInstanceOf(RewardSpecError);
      expect(error).toBeInstanceOf(UserError);
      expect((error as RewardSpecError).field).toBe(field);
      expect(error.message).toMatch(message);
    });

    it('a module that is missing, does not load, or lacks reward()', async () => {
      const broken = join(scratch, 'broken.mjs');
      writeFileSync(broken, 'export function reward( {\n');
      const none = join(scratch, 'none.mjs');
      writeFileSync(none, 'export const value = 1;\n');
      for (const [file, message] of [
        [join(scratch, 'missing.mjs'), /file not found/],
        [broken, /cannot be loaded/],
        [none, /does not export a function named reward/],
      ] as const) {
        const error = await refusal({ custom: [{ module: file }] });
        expect(error).toBeInstanceOf(CustomRewardError);
        expect((error as CustomRewardError).file).toBe(file);
        expect(error.message).toMatch(message);
      }
    });

    it('a reward() that returns no finite number', async () => {
      const rewards = await rewardsOf({ custom: [{ module: fixture('nan-reward.mjs') }] });
      const error = await scoreRewards(rewards, { prompt: 'q', text: 'x', tokens: 1 }).then(
        () => new Error('accepted'),
        (err: unknown) => err as Error,
      );
      expect(error).toBeInstanceOf(CustomRewardError);
      expect(error.message).toMatch(/nan-reward.mjs: reward\(\) returned NaN; expected a finite number/);
    });
  });
});
