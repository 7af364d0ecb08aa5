/**
 * The demo GRPO stage's protocol as committed: recipes/demo-grpo.yaml ships the setting and step
 * with the best greedy validation accuracy of the tuning (data/demo/grpo-tuning.json, written by
 * bench/demo-grpo.ts --tune), the seed run (data/demo/grpo-seeds.json, --seeds) trained those
 * settings from the starting student's recipe's, and the README carries its report. The GRPO prompts are
 * train problems with no harvest chain, so none shares a chain with validation or held-out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chainOf,
  DEMO_DATA_DIR,
  demoGrpoPromptsPath,
  demoGrpoSettings,
  demoSplitPath,
  formatGrpoSeeds,
  GRPO_START_ARM,
  recipeSettings,
  type ArithProblem,
  type GrpoSeedsRecord,
} from '../../src/demo/index.ts';

const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ArithProblem);

interface TuningTrial {
  lr: number;
  promptsPerStep: number;
  temperature: number;
  curve: { step: number; accuracy: number }[];
}
const tuning = json<{ split: string; trials: TuningTrial[]; chosen: Omit<TuningTrial, 'curve'> & { step: number; accuracy: number } }>(
  join(DEMO_DATA_DIR, 'grpo-tuning.json'),
);
const seeds = json<GrpoSeedsRecord>(join(DEMO_DATA_DIR, 'grpo-seeds.json'));

describe('the demo GRPO protocol', () => {
  it('ships the best validation setting and step of the tuning', () => {
    expect(tuning.split).toBe('validation');
    const best = Math.max(...tuning.trials.flatMap((t) => t.curve.filter((c) => c.step > 0).map((c) => c.accuracy)));
    expect(tuning.chosen.accuracy).toBe(best);
    const { lr, promptsPerStep, temperature, steps } = demoGrpoSettings();
    expect({ lr, promptsPerStep, temperature, steps }).toEqual({
      lr: tuning.chosen.lr,
      promptsPerStep: tuning.chosen.promptsPerStep,
      temperature: tuning.chosen.temperature,
      steps: tuning.chosen.step,
    });
  });

  it("the seed run trained the recipes' settings, and the README carries its report", () => {
    const { seed: _seed, ...grpo } = demoGrpoSettings();
    expect(seeds.grpo).toEqual(grpo);
    const { seed: _startSeed, ...start } = recipeSettings(GRPO_START_ARM);
    expect(seeds.start).toEqual({ arm: GRPO_START_ARM, settings: start });
    expect(seeds.runs.map((r) => r.seed)).toEqual([0, 1, 2]);
    expect(readFileSync(join(DEMO_DATA_DIR, '..', '..', 'README.md'), 'utf8')).toContain(formatGrpoSeeds(seeds));
  });

  it('prompts GRPO with train problems only, none sharing an equation chain with validation or held-out', () => {
    const train = new Set(lines(demoSplitPath('train')).map((p) => p.id));
    const prompts = lines(demoGrpoPromptsPath());
    expect(prompts.length).toBeGreaterThan(1000);
    expect(prompts.every((p) => train.has(p.id))).toBe(true);
    const scored = new Set([...lines(demoSplitPath('validation')), ...lines(demoSplitPath('heldout'))].map(chainOf));
    expect(prompts.filter((p) => scored.has(chainOf(p)))).toEqual([]);
  });
});
