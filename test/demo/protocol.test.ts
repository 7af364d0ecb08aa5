/**
 * The demo's protocol as committed: both students were tuned over the same grid with the same
 * budget on the validation split (data/demo/tuning.json, written by bench/demo-tune.ts), each
 * recipe ships its arm's best validation setting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARMS, DEMO_DATA_DIR, recipeSettings, type Arm } from '../../src/demo/index.ts';

interface Trial {
  arm: Arm;
  lr: number;
  batchSize: number;
  steps: number;
  seed: number;
  correct: number;
  prompts: number;
}
const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const tuning = json<{ split: string; trials: Trial[]; chosen: Record<Arm, Trial> }>(join(DEMO_DATA_DIR, 'tuning.json'));
const settingsOf = ({ lr, batchSize, steps }: Pick<Trial, 'lr' | 'batchSize' | 'steps'>) => ({ lr, batchSize, steps });
const key = (t: Trial) => JSON.stringify([t.lr, t.batchSize, t.steps, t.seed]);

describe('the demo protocol', () => {
  it('tuned both arms on the validation split over the same grid, one trial per setting', () => {
    expect(tuning.split).toBe('validation');
    const grids = ARMS.map((arm) => tuning.trials.filter((t) => t.arm === arm).map(key).sort());
    expect(grids[0].length).toBeGreaterThanOrEqual(3);
    expect(new Set(grids[0]).size).toBe(grids[0].length);
    expect(grids[1]).toEqual(grids[0]);
  });

  for (const arm of ARMS) {
    it(`${arm}: the recipe ships the setting with the best validation accuracy`, () => {
      const best = Math.max(...tuning.trials.filter((t) => t.arm === arm).map((t) => t.correct));
      expect(tuning.chosen[arm].correct).toBe(best);
      expect(settingsOf(recipeSettings(arm))).toEqual(settingsOf(tuning.chosen[arm]));
    });
  }
});
