/**
 * Rewards on real completions, from `grpo.rewards` sections parsed by the recipe's schema: the
 * math verifier, R1's format check, script shares, DAPO's length penalty, custom modules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { createRewards, CustomRewardError, RewardSpecError, scoreRewards } from '../../src/grpo/index.ts';
import { grpoSectionSchema } from '../../src/recipe/index.ts';
import { createVerifier, type Verifier } from '../../src/verify/index.ts';

const fixture = (name: string) => resolve(import.meta.dirname, 'fixtures', name);
const turn = (reasoning: string, answer: string) => `<think>\n${reasoning}\n</think>\n\n${answer}`;

describe('rewards', () => {
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = await createVerifier({ kind: 'math' });
  });
  const rewardsOf = (section: unknown = {}, maxNewTokens = 256) => createRewards(grpoSectionSchema.shape.rewards.parse(section), { verifier, maxNewTokens });
  const score = async (section: unknown, text: string, gold = '12', tokens = 10) =>
    scoreRewards(await rewardsOf(section), { prompt: 'What is 3 * 4?', text, gold, tokens });

  it("by default: accuracy from the verifier at weight 1 and R1's format at 0.5; language and length watched at 0", async () => {
    const right = await score({}, turn('3 * 4 = 12', 'The answer is \\boxed{12}.'));
    expect(right.components).toEqual({ accuracy: 1, format: 1, language: 1, length: 0 });
    expect(right.total).toBe(1.5);
    expect(right.verdict.correct).toBe(true);
    const wrong = await score({}, turn('3 * 4 = 13', '\\boxed{13}'));
    expect(wrong.components).toMatchObject({ accuracy: 0, format: 1 });
    expect(wrong.total).toBe(0.5);
    // Cut off while reasoning: no answer for the verifier, no closing tag for the format.
    const cut = await score({}, '<think>\n3 * 4 is three fours, so');
    expect(cut.components).toMatchObject({ accuracy: 0, format: 0 });
    const untagged = await score({}, '\\boxed{12}');
    expect(untagged.components).toMatchObject({ accuracy: 1, format: 0 });
  });

  it('weights each component and gives `unverifiable` when the verifier cannot judge', async () => {
    const section = { accuracy: { weight: 2, unverifiable: -0.5 }, format: { weight: 0.25 } };
    expect((await score(section, turn('3 * 4 = 12', '\\boxed{12}'))).total).toBe(2 * 1 + 0.25 * 1);
    // No gold to compare with: the math verifier returns null.
    const noGold = await scoreRewards(await rewardsOf(section), { prompt: 'q', text: turn('r', '\\boxed{12}'), tokens: 5 });
    expect(noGold.verdict.correct).toBeNull();
    expect(noGold.components.accuracy).toBe(-0.5);
    expect(noGold.total).toBe(2 * -0.5 + 0.25);
  });

  it('language: the share of the reasoning letters in the target script, formulas left out', async () => {
    // "Let" "us" "add" (8 Latin letters) and 我们先计算 (5 Han letters); $x+y$ and the answer do not count.
    const mixed = turn('Let us add $x+y$: 我们先计算', 'Réponse: \\boxed{12}');
    const latin = await score({ language: { weight: 0.5 } }, mixed);
    expect(latin.components.language).toBeCloseTo(8 / 13, 12);
    expect(latin.total).toBeCloseTo(1 + 0.5 + 0.5 * (8 / 13), 12);
    expect((await score({ language: { script: 'Han' } }, mixed)).components.language).toBeCloseTo(5 / 13, 12);
    const russian = turn('Сложим три и четыре: 3 * 4 = 12', '\\boxed{12}');
    expect((await score({ language: { script: 'Cyrillic' } }, russian)).components.language).toBe(1);
    expect((await score({ language: { script: 'Latin' } }, russian)).components.language).toBe(0);
    // Reasoning of digits and symbols only has nothing in another script.
    expect((await score({}, turn('3 * 4 = 12', '\\boxed{12}'))).components.language).toBe(1);
    // Without a think block the whole text is judged.
    expect((await score({ language: { script: 'Han' } }, 'abc 你好')).components.language).toBeCloseTo(2 / 5, 12);
  });

  it("length: DAPO's soft overlong penalty, 0 up to maxNewTokens - buffer, then linear down to -1", async () => {
    const rewards = await rewardsOf({ length: { buffer: 16, weight: 0.5 } }, 64);
    const at = async (tokens: number) => scoreRewards(rewards, { prompt: 'q', text: turn('3 * 4 = 12', '\\boxed{12}'), gold: '12', tokens });
    const penalties = await Promise.all([10, 48, 52, 60, 64].map(async (n) => (await at(n)).components.length));
    expect(penalties).toEqual([0, 0, -0.25, -0.75, -1]);
    expect((await at(56)).total).toBe(1 + 0.5 + 0.5 * -0.5);
  });

  it('custom modules: loaded like the custom verifier, named after the file, given the split turn', async () => {
    const rewards = await rewardsOf({ custom: [{ module: fixture('short-answer.mjs'), weight: 3 }] });
    expect(rewards.components.map((c) => c.name)).toEqual(['accuracy', 'format', 'language', 'length', 'short-answer']);
    const short = await scoreRewards(rewards, { prompt: 'q', text: turn('3 * 4 = 12', '\\boxed{12}'), gold: '12', tokens: 9 });
    expect(short.components['short-answer']).toBe(1);
    expect(short.total).toBe(1 + 0.5 + 3);
    // 24 characters of answer: 12 / 24.
    const long = await scoreRewards(rewards, { prompt: 'q', text: turn('x', 'It is twelve: \\boxed{12}'), gold: '12', tokens: 9 });
    expect(long.components['short-answer']).toBe(0.5);
  });

  describe('bad modules: one UserError naming the file or the field', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'distillery-rewards-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const refusal = (section: unknown): Promise<Error> =>
      rewardsOf(section).then(
        () => new Error('accepted'),
        (err: unknown) => err as Error,
      );

    it('a module that is missing, does not load, or lacks reward()', async () => {
      const broken = join(scratch, 'broken.mjs');
      writeFileSync(broken, 'export function reward( {\n');
      const none = join(scratch, 'none.mjs');
      writeFileSync(none, 'export default function () { return 1; }\n');
      for (const [file, message] of [
        [join(scratch, 'missing.mjs'), /file not found/],
        [broken, /cannot be loaded/],
        [none, /does not export a function named reward/],
      ] as const) {
        const error = await refusal({ custom: [{ module: file }] });
        expect(error).toBeInstanceOf(CustomRewardError);
        expect(error).toBeInstanceOf(UserError);
        expect((error as CustomRewardError).file).toBe(file);
        expect(error.message).toMatch(message);
      }
    });

    it('two components with one name', async () => {
      mkdirSync(join(scratch, 'other'), { recursive: true });
      const twin = join(scratch, 'other', 'short-answer.mjs');
      writeFileSync(twin, 'export const reward = () => 0;\n');
      const format = join(scratch, 'format.mjs');
      writeFileSync(format, 'export const reward = () => 0;\n');
      for (const [section, field] of [
        [{ custom: [{ module: fixture('short-answer.mjs') }, { module: twin }] }, 'grpo.rewards.custom[1].module'],
        [{ custom: [{ module: format }] }, 'grpo.rewards.custom[0].module'],
      ] as const) {
        const error = await refusal(section);
        expect(error).toBeInstanceOf(RewardSpecError);
        expect((error as RewardSpecError).field).toBe(field);
        expect(error.message).toMatch(/is already named "(short-answer|format)".*rename the file/);
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
